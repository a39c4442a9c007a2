"""A source's name, version and license, from its package metadata and license files.

Metadata comes from the archive or repository being read, so it is untrusted: a file that does
not parse (malformed, nested too deeply for the parser, numbers too long, not an object/table)
is treated as absent, and each field is used only when it has the expected type, so the next
source of that field (other metadata, the license files, the file name) decides.
"""

from __future__ import annotations

import email.parser
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ipscan.licensing import detect_license_text
from ipscan.licensing import normalize_license
from ipscan.licensing.compat import license_ids
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.texts import group
from ipscan.licensing.texts import mentions_bundled
from ipscan.licensing.texts import offers_choice
from ipscan.sources.paths import ARCHIVE_SUFFIXES
from ipscan.sources.paths import LICENSE_NAME
from ipscan.sources.records import NOASSERTION
from ipscan.sources.records import SourceInfo


@dataclass
class _Meta:
    name: str | None = None
    version: str | None = None
    license: str | None = None

    def fill(self, name: object, version: object, license_: str | None) -> None:
        if not self.name and isinstance(name, str) and name.strip():
            self.name = name.strip()
        if not self.version and isinstance(version, str) and version.strip():
            self.version = version.strip()
        if not self.license and license_:
            self.license = license_


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# What a parser raises on hostile input: its own decode errors and invalid UTF-8 (ValueError
# subclasses, as are integers past Python's digit limit) and RecursionError for deep nesting
# ("[[[[..." in JSON, a = [[[... or {b = {b = ... in TOML).
_PARSE_ERRORS = (ValueError, RecursionError)


def _utf8(data: bytes) -> str:
    """JSON (RFC 8259) and TOML files must be UTF-8: anything else is not one, not a guess."""
    return data.decode("utf-8-sig")


def _json_object(data: bytes) -> dict[str, Any]:
    """The JSON object in ``data``; empty when it is not valid JSON or not an object."""
    try:
        doc = json.loads(_utf8(data))
    except _PARSE_ERRORS:
        return {}
    return doc if isinstance(doc, dict) else {}


def _toml_table(data: bytes) -> dict[str, Any]:
    """The TOML document in ``data``; empty when it cannot be parsed."""
    try:
        return tomllib.loads(_utf8(data))
    except _PARSE_ERRORS:
        return {}


def _table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    """``doc[key]`` when it is a table/object, else empty."""
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _core_metadata(data: bytes, meta: _Meta) -> None:
    msg = email.parser.BytesHeaderParser().parsebytes(data)
    lic = None
    expr = msg.get("License-Expression")
    if expr:
        lic = normalize_license(str(expr))
    if not lic and msg.get("License"):
        lic = normalize_license(str(msg.get("License")))
    if not lic:
        found = []
        for c in msg.get_all("Classifier") or []:
            if str(c).startswith("License ::"):
                n = normalize_license(str(c))
                if n and n not in found:
                    found.append(n)
        if found:
            lic = " OR ".join(found if len(found) == 1 else [group(f) for f in found])
    meta.fill(msg.get("Name"), msg.get("Version"), lic)


def _pyproject(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    doc = _toml_table(data)
    project = _table(doc, "project")
    lic = None
    raw = project.get("license")
    if isinstance(raw, str):
        lic = normalize_license(raw)
    elif isinstance(raw, dict):
        if isinstance(raw.get("text"), str):
            lic = normalize_license(raw["text"])
        elif isinstance(raw.get("file"), str) and raw["file"] in files:
            lic = detect_license_text(_text(files[raw["file"]]))
    if not lic and isinstance(project.get("license-expression"), str):
        lic = normalize_license(project["license-expression"])
    meta.fill(project.get("name"), project.get("version"), lic)
    poetry = _table(_table(doc, "tool"), "poetry")
    if poetry:
        raw = poetry.get("license")
        meta.fill(
            poetry.get("name"),
            poetry.get("version"),
            normalize_license(raw) if isinstance(raw, str) else None,
        )


def _package_json(data: bytes, meta: _Meta) -> None:
    doc = _json_object(data)
    lic = None
    raw = doc.get("license")
    if isinstance(raw, dict):
        raw = raw.get("type")
    if isinstance(raw, str):
        lic = normalize_license(raw)
    elif isinstance(doc.get("licenses"), list):
        names = []
        for item in doc["licenses"]:
            value = item.get("type") if isinstance(item, dict) else item
            n = normalize_license(value) if isinstance(value, str) else None
            if n and n not in names:
                names.append(n)
        if names:
            lic = " OR ".join(group(n) for n in names) if len(names) > 1 else names[0]
    meta.fill(doc.get("name"), doc.get("version"), lic)


def _cargo(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    package = _table(_toml_table(data), "package")
    lic = None
    if isinstance(package.get("license"), str):
        lic = normalize_license(package["license"])
    elif isinstance(package.get("license-file"), str) and package["license-file"] in files:
        lic = detect_license_text(_text(files[package["license-file"]]))
    meta.fill(package.get("name"), package.get("version"), lic)


def _license_files(files: dict[str, bytes]) -> list[str]:
    """The root license files (or a wheel's dist-info licenses), sorted."""
    root = sorted(p for p in files if "/" not in p and LICENSE_NAME.match(p))
    if not root:
        root = sorted(p for p in files if "/" in p and LICENSE_NAME.match(p.rsplit("/", 1)[1]))
    return root


def _copyright_from_files(files: dict[str, bytes]) -> tuple[str, ...]:
    """The copyright statements of the root license files, in order, unique."""
    found: dict[str, None] = {}
    for p in _license_files(files):
        for line in copyright_statements(_text(files[p]), license_file=True):
            found.setdefault(line)
    return tuple(found)[:12]


def _license_from_files(files: dict[str, bytes]) -> str | None:
    """The license of the root license files (or a wheel's dist-info licenses), leaving out a
    bundled library's own file (shapely's LICENSE_GEOS beside its LICENSE.txt)."""
    root = _license_files(files)
    detected = {p: detect_license_text(_text(files[p])) for p in root}
    own = [p for p in root if not _is_component_license_file(p)]
    if any(detected[p] for p in own):
        root = own
    found: list[str] = []
    for p in root:
        lic = detected[p]
        if lic and lic not in found:
            found.append(lic)
    if not found:
        return None
    # COPYING + COPYING.LESSER: the LGPL is the license, the GPL text is what it builds on.
    if any(f.startswith("LGPL-") for f in found):
        found = [f for f in found if not f.startswith("GPL-")]
    if len(found) == 1:
        return found[0]
    return f" {'OR' if _offered_as_choice(files, root) else 'AND'} ".join(group(f) for f in found)


# License file names that say which license they hold: LICENSE-MIT, LICENSE.APACHE, ...
_LICENSE_WORDS = (
    r"(?:mit|apache|apache[-_.]?2(?:[-_.]?0)?|bsd|bsd[-_.]?[23]|isc|mpl|mpl[-_.]?2(?:\.0)?|gpl|"
    r"lgpl|zlib|unlicense|cc0|bsl|boost|psf|python)"
)
_NAMED_LICENSE_FILE = re.compile(rf"(?i)licen[cs]e[-_.]{_LICENSE_WORDS}(?:\.(?:txt|md))?$")
# What a license file's name adds after LICENSE/COPYING: a license (LICENSE-MIT,
# LICENSE-GPL-2.0, COPYING.LGPLv3, LICENSE.0BSD), the LGPL's COPYING.LESSER/COPYING.LIB, or a
# format (LICENSE.txt); anything else names a bundled library (LICENSE_GEOS,
# LICENSE-THIRD-PARTY, numpy's LICENSES_bundled.txt).
_LICENSE_FILE_PARTS = re.compile(r"(?i)^(?:licen[cs]es?|copying)[-_.](.+)$")
_FORMAT_SUFFIX = re.compile(r"(?i)\.(?:txt|md|rst|html?|markdown|adoc|rtf)$")
_LICENSE_WORD = re.compile(
    r"(?i)^(?:mit|apache|asl|bsd|0bsd|isc|mpl|[al]?gpl|zlib|unlicense|cc[0-]|bsl|boost|psf"
    r"|python|epl|cddl|artistic|wtfpl|ofl|upl|zpl|afl|eupl|x11|postgresql|lesser|lib|library)"
)


def _is_component_license_file(path: str) -> bool:
    """Whether a license file's name says it is a bundled library's, not the package's."""
    m = _LICENSE_FILE_PARTS.match(path.rsplit("/", 1)[-1])
    if not m:
        return False
    suffix = _FORMAT_SUFFIX.sub("", m.group(1))
    if not suffix or _FORMAT_SUFFIX.match(f".{suffix}"):
        return False
    return not (_LICENSE_WORD.match(suffix) or normalize_license(suffix.replace("_", "-")))


def _offered_as_choice(files: dict[str, bytes], paths: list[str]) -> bool:
    """Several license files are a choice (OR) when one says so ("either of", "at your
    option") or when each is named for its license (LICENSE-MIT + LICENSE-APACHE); otherwise
    the package holds code under each of them (AND)."""
    named = [p for p in paths if not _is_pointer(files[p])]
    if all(_NAMED_LICENSE_FILE.match(p.rsplit("/", 1)[-1]) for p in named):
        return True
    return any(offers_choice(_text(files[p])) for p in paths)


def _is_pointer(data: bytes) -> bool:
    return len(data) < 600 and detect_license_text(_text(data)) is None


def declared_license(files: dict[str, bytes]) -> str | None:
    """The license the package metadata alone declares (no license files), or None."""
    return _describe(files, "", "", license_files=False).license


def license_from_files(files: dict[str, bytes]) -> str | None:
    """The license of a package's license files alone (root, or a wheel's dist-info)."""
    return _license_from_files(files)


def _describe(
    files: dict[str, bytes], fallback_name: str, fallback_version: str, license_files: bool = True
) -> _Meta:
    """Name, version and license from the first metadata that gives each."""
    meta = _Meta()
    readers: list[tuple[str, Callable[[bytes], None]]] = [
        ("PKG-INFO", lambda d: _core_metadata(d, meta)),
    ]
    readers += [
        (p, lambda d: _core_metadata(d, meta))
        for p in sorted(files)
        if re.fullmatch(r"[^/]+\.dist-info/METADATA", p)
    ]
    readers += [
        ("pyproject.toml", lambda d: _pyproject(d, files, meta)),
        ("package.json", lambda d: _package_json(d, meta)),
        ("Cargo.toml", lambda d: _cargo(d, files, meta)),
    ]
    for path, read in readers:
        if path in files:
            try:
                read(files[path])
            except (*_PARSE_ERRORS, TypeError, AttributeError, LookupError):
                continue  # malformed metadata: the next source of each field decides
    if not license_files:
        return meta
    if not meta.license:
        meta.license = _license_from_files(files)
    meta.fill(fallback_name, fallback_version, None)
    meta.license = meta.license or NOASSERTION
    return meta


def split_stem(stem: str) -> tuple[str, str | None]:
    """``name-1.2.3`` → ("name", "1.2.3"); a wheel file name → its name and version."""
    for suffix in ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            if suffix == ".whl":
                parts = stem[: -len(suffix)].split("-")
                if len(parts) >= 2:
                    return parts[0], parts[1]
            stem = stem[: -len(suffix)]
            break
    m = re.fullmatch(r"(.+?)[-_]v?(\d[\w.+!]*(?:-[\w.]+)?)", stem)
    if m:
        return m.group(1), m.group(2)
    return stem, None


def source_info(
    files: dict[str, bytes], stem: str, origin: str, kind: str, digest: str, version: str | None
) -> SourceInfo:
    """The ``SourceInfo`` of a source from its metadata ``files``, falling back on ``stem``."""
    name, stem_version = split_stem(stem)
    meta = _describe(files, name, version or stem_version or "unknown")
    license_ = meta.license or NOASSERTION
    return SourceInfo(
        name=meta.name or name,
        version=meta.version or "unknown",
        license=license_,
        origin=origin,
        kind=kind,
        digest=digest,
        copyright=_copyright_from_files(files),
        own_license=own_license(files, license_),
    )


def own_license(files: dict[str, bytes], declared: str) -> str | None:
    """The license of a package's own files when its metadata declares more: the license
    files' expression, when they name only some of the declared licenses and say they bundle
    other code (numpy's metadata lists its bundled libraries' licenses); else None. Not when
    the declared expression offers a choice or an exception, which the files' may drop."""
    from_files = _license_from_files(files)
    if not from_files or " OR " in declared or " WITH " in declared:
        return None
    own, everything = set(license_ids(from_files)), set(license_ids(declared))
    if not own or not own < everything or not _says_it_bundles(files):
        return None
    return from_files


def _says_it_bundles(files: dict[str, bytes]) -> bool:
    root = _license_files(files)
    return any(_is_component_license_file(p) for p in root) or any(
        mentions_bundled(_text(files[p])) for p in root
    )

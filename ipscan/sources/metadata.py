"""A source's name, version and license, from its package metadata and license files.

The name is the one its ecosystem knows (``ecosystem_names``): a Python distribution's
normalized name, a Go module path, a crate's or npm package's name; else Debian's
Upstream-Name, else the folder or archive name. A license declared loosely (a classifier,
"LGPLv2+", "BSD") is made specific by the package's license text of the same family
(``ipscan.licensing.families.refine``); a Debian copyright file (``debian_copyright``) gives
the package's license when nothing else does, and each file's default license.

Metadata comes from the archive or repository being read, so it is untrusted: a file that does
not parse (malformed, nested too deeply for the parser, numbers too long, not an object/table)
is treated as absent, and each field is used only when it has the expected type, so the next
source of that field (other metadata, the license files, the file name) decides.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import tomllib
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ipscan.licensing import detect_license_text
from ipscan.licensing import normalize_license
from ipscan.licensing.families import refine
from ipscan.licensing.families import same_licenses
from ipscan.licensing.spdx import parse_spdx_expression
from ipscan.licensing.texts import group
from ipscan.sources.debian_copyright import FileLicenses
from ipscan.sources.debian_copyright import read_copyright
from ipscan.sources.ecosystem_names import debian_crate_roots
from ipscan.sources.ecosystem_names import debian_go_path
from ipscan.sources.ecosystem_names import debian_go_roots
from ipscan.sources.ecosystem_names import go_name
from ipscan.sources.ecosystem_names import pypi_name
from ipscan.sources.license_files import copyright_from_files
from ipscan.sources.license_files import license_from_files
from ipscan.sources.license_files import own_license
from ipscan.sources.paths import ARCHIVE_SUFFIXES
from ipscan.sources.paths import DEBIAN_COPYRIGHT
from ipscan.sources.paths import DEBIAN_GOCODE
from ipscan.sources.records import NOASSERTION
from ipscan.sources.records import SourceInfo

__all__ = ["declared_license", "license_from_files", "own_license", "source_info", "split_stem"]


@dataclass
class _Meta:
    name: str | None = None
    version: str | None = None
    license: str | None = None
    # The license came from a classifier or a free-form name ("LGPLv2+", "BSD"), not an SPDX
    # expression: the license text may say its version or variant more precisely.
    loose: bool = False

    def fill(
        self, name: object, version: object, license_: str | None, loose: bool = False
    ) -> None:
        if not self.name and isinstance(name, str) and name.strip():
            self.name = name.strip()
        if not self.version and isinstance(version, str) and version.strip():
            self.version = version.strip()
        if not self.license and license_:
            self.license, self.loose = license_, loose


def _declared(raw: object) -> tuple[str | None, bool]:
    """A declared license string in SPDX (a BSD of no variant as its family), and whether it
    was loose (not already an SPDX expression)."""
    if not isinstance(raw, str):
        return None, False
    return normalize_license(raw, families=True), parse_spdx_expression(raw.strip()) is None


def _python_name(raw: object) -> str | None:
    return pypi_name(raw) if isinstance(raw, str) and raw.strip() else None


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
    import email.parser  # about 15 ms, and a scan's project rarely has PKG-INFO

    msg = email.parser.BytesHeaderParser().parsebytes(data)
    lic, loose = None, False
    expr = msg.get("License-Expression")
    if expr:
        lic = normalize_license(str(expr))
    if not lic and msg.get("License"):
        lic, loose = _declared(str(msg.get("License")))
    if not lic:
        found = []
        for c in msg.get_all("Classifier") or []:
            if str(c).startswith("License ::"):
                n = normalize_license(str(c), families=True)
                if n and n not in found:
                    found.append(n)
        if found:
            lic = " OR ".join(found if len(found) == 1 else [group(f) for f in found])
            loose = True
    meta.fill(_python_name(msg.get("Name")), msg.get("Version"), lic, loose)


def _pyproject(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    doc = _toml_table(data)
    project = _table(doc, "project")
    lic, loose = None, False
    raw = project.get("license")
    if isinstance(raw, str):
        lic, loose = _declared(raw)
    elif isinstance(raw, dict):
        if isinstance(raw.get("text"), str):
            lic, loose = _declared(raw["text"])
        elif isinstance(raw.get("file"), str) and raw["file"] in files:
            lic = detect_license_text(_text(files[raw["file"]]))
    if not lic and isinstance(project.get("license-expression"), str):
        lic, loose = normalize_license(project["license-expression"]), False
    meta.fill(_python_name(project.get("name")), project.get("version"), lic, loose)
    poetry = _table(_table(doc, "tool"), "poetry")
    if poetry:
        lic, loose = _declared(poetry.get("license"))
        meta.fill(_python_name(poetry.get("name")), poetry.get("version"), lic, loose)


def _setup_cfg(data: bytes, meta: _Meta) -> None:
    """setuptools' declarative configuration: ``[metadata]`` name, version and license."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(_text(data))
    except configparser.Error:
        return
    if not parser.has_section("metadata"):
        return
    section = parser["metadata"]
    version = section.get("version", "")
    if version.startswith(("attr:", "file:")):  # computed when the package is built
        version = ""
    lic, loose = _declared(section.get("license"))
    meta.fill(_python_name(section.get("name")), version, lic, loose)


# The arguments of a ``setup()`` call read as literal strings from setup.py.
_SETUP_FIELDS = ("name", "version", "license")


def _setup_py(data: bytes, meta: _Meta) -> None:
    """The literal ``name``, ``version`` and ``license`` of setup.py's ``setup(...)`` call, read
    from its syntax tree: the file is never run (a name computed at run time is not read)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called != "setup":
            continue
        found = {
            kw.arg: kw.value.value
            for kw in node.keywords
            if kw.arg in _SETUP_FIELDS
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        }
        lic, loose = _declared(found.get("license"))
        meta.fill(_python_name(found.get("name")), found.get("version"), lic, loose)
        return


def _package_json(data: bytes, meta: _Meta) -> None:
    doc = _json_object(data)
    lic, loose = None, False
    raw = doc.get("license")
    if isinstance(raw, dict):
        raw = raw.get("type")
    if isinstance(raw, str):
        lic, loose = _declared(raw)
    elif isinstance(doc.get("licenses"), list):
        names = []
        for item in doc["licenses"]:
            value = item.get("type") if isinstance(item, dict) else item
            n = _declared(value)[0]
            if n and n not in names:
                names.append(n)
        if names:
            lic = " OR ".join(group(n) for n in names) if len(names) > 1 else names[0]
            loose = True
    meta.fill(doc.get("name"), doc.get("version"), lic, loose)


def _cargo(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    package = _table(_toml_table(data), "package")
    lic, loose = None, False
    if isinstance(package.get("license"), str):
        lic, loose = _declared(package["license"])
    elif isinstance(package.get("license-file"), str) and package["license-file"] in files:
        lic = detect_license_text(_text(files[package["license-file"]]))
    meta.fill(package.get("name"), package.get("version"), lic, loose)


def _debian_crate(files: dict[str, bytes]) -> _Meta | None:
    """Name, version and license of the one crate a Debian binary package installs."""
    roots = debian_crate_roots(files)
    if len(roots) != 1:
        return None
    root = roots[0]
    crate = _Meta()
    below = {p[len(root) :]: d for p, d in files.items() if p.startswith(root)}
    try:
        _cargo(below["Cargo.toml"], below, crate)
    except (*_PARSE_ERRORS, TypeError, AttributeError, LookupError):
        return None
    return crate


def declared_license(files: dict[str, bytes]) -> str | None:
    """The license the package metadata alone declares (no license files), or None."""
    return _describe(files, "", "", license_files=False).license


def _describe(
    files: dict[str, bytes],
    fallback_name: str,
    fallback_version: str,
    license_files: bool = True,
    debian: FileLicenses | None = None,
    paths: Sequence[str] = (),
) -> _Meta:
    """Name, version and license from the first metadata that gives each; a loose license
    made specific by the license files (or Debian's copyright file) of its family. ``paths``
    (every file of the source) name a Debian Go tree that has no go.mod."""
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
        ("go.mod", lambda d: meta.fill(go_name(files), None, None)),
        ("pyproject.toml", lambda d: _pyproject(d, files, meta)),
        ("setup.cfg", lambda d: _setup_cfg(d, meta)),
        ("setup.py", lambda d: _setup_py(d, meta)),
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
    whole = debian.whole if debian else None
    evidence = license_from_files(files) or (whole.license if whole else None)
    # A LICENSE and a COPYING file read as "A AND B", and a bare GPL text as "-only"; Debian's
    # copyright file says which (zstd: "BSD-3-clause or GPL-2"; readline: "GPL-3+").
    if whole and evidence and same_licenses(evidence, whole.license):
        evidence = whole.license
    if meta.license and meta.loose:
        meta.license = refine(meta.license, evidence)
    meta.license = meta.license or evidence
    # A crate as Debian installs it: its Cargo.toml's license only when the copyright file
    # gives none (issue #17: Debian's file covers what the binary package holds).
    crate = _debian_crate(files)
    if crate is not None:
        meta.fill(crate.name, crate.version, crate.license, crate.loose)
    # A Go module as Debian installs it, then the upstream name Debian records.
    meta.fill(go_name(files, paths) or (debian.upstream_name if debian else None), None, None)
    meta.fill(fallback_name, fallback_version, None)
    meta.license = meta.license or NOASSERTION
    return meta


def declared_name(files: dict[str, bytes]) -> str | None:
    """The package name that metadata ``files`` declare (PKG-INFO, pyproject.toml, setup.cfg,
    setup.py's literal ``setup(name=...)``, package.json, Cargo.toml, go.mod), as
    ``source_info`` would name the package; None when none declares one (a folder's name is
    no claim to be a package)."""
    return _describe(files, "", "", license_files=False).name or None


def workspace_members(files: dict[str, bytes]) -> tuple[str, ...]:
    """The member folders (relative glob patterns) a workspace root's metadata ``files`` list:
    ``package.json``'s ``workspaces`` (a list, or ``{"packages": [...]}``) and ``Cargo.toml``'s
    ``[workspace] members``."""
    found: list[object] = []
    if "package.json" in files:
        spaces = _json_object(files["package.json"]).get("workspaces")
        if isinstance(spaces, dict):
            spaces = spaces.get("packages")
        found += spaces if isinstance(spaces, list) else []
    if "Cargo.toml" in files:
        members = _table(_toml_table(files["Cargo.toml"]), "workspace").get("members")
        found += members if isinstance(members, list) else []
    return tuple(dict.fromkeys(m.strip() for m in found if isinstance(m, str) and m.strip()))


def _debian_copyright(files: dict[str, bytes], paths: Sequence[str]) -> FileLicenses | None:
    """The source's Debian copyright file (a source package's, else a binary package's, whose
    patterns apply below where it installs its Go modules or crates)."""
    found = sorted(
        (p for p in files if DEBIAN_COPYRIGHT.match(p)), key=lambda p: (p != "debian/copyright", p)
    )
    if not found:
        return None
    binary = found[0] != "debian/copyright"
    roots: list[str] = []
    if binary:
        go_path = debian_go_path(paths)
        roots = debian_go_roots(files) or ([f"{DEBIAN_GOCODE}{go_path}/"] if go_path else [])
        roots += debian_crate_roots(files)
    return read_copyright(files[found[0]], roots, binary)


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
    # Debian's archive names are NAME_VERSION, and a version may hold several hyphens
    # ("1.0.6~git20210604-d5e0c0615ace-1"): split at the underscore.
    m = re.fullmatch(r"([a-z0-9][a-z0-9+.-]+)_(\d+[.~+][\w.+~]*(?:-[\w.+~]+)+)", stem)
    if m:
        return m.group(1), m.group(2)
    # The revision may be Debian's ("1.7.15-1+deb12u4", "0.9.4~ds1-1").
    m = re.fullmatch(r"(.+?)[-_]v?(\d[\w.+!~]*(?:-[\w.+~]+)?)", stem)
    if m:
        return m.group(1), m.group(2)
    return stem, None


def source_info(
    files: dict[str, bytes],
    stem: str,
    origin: str,
    kind: str,
    digest: str,
    version: str | None,
    paths: Sequence[str] = (),
) -> SourceInfo:
    """The ``SourceInfo`` of a source from its metadata ``files``, falling back on ``stem``;
    ``paths`` (every file of the source) name a Debian Go tree that has no go.mod."""
    name, stem_version = split_stem(stem)
    debian = _debian_copyright(files, paths)
    fallback = version or stem_version or "unknown"
    meta = _describe(files, name, fallback, debian=debian, paths=paths)
    license_ = meta.license or NOASSERTION
    whole = debian.whole if debian else None
    return SourceInfo(
        name=meta.name or name,
        version=meta.version or "unknown",
        license=license_,
        origin=origin,
        kind=kind,
        digest=digest,
        copyright=copyright_from_files(files) or (whole.copyright if whole else ()),
        own_license=own_license(files, license_),
        file_licenses=debian,
    )

"""A package's license files: which they are, what license and copyright lines they hold.

The root's LICENSE/COPYING files (or a wheel's dist-info licenses), less a bundled library's own
file (shapely's LICENSE_GEOS beside its LICENSE.txt). Several license files are a choice (OR)
when one says so or when each is named for its license, else the package holds code under each
of them (AND).
"""

from __future__ import annotations

import re

from ipscan.licensing import detect_license_text
from ipscan.licensing import normalize_license
from ipscan.licensing.compat import license_ids
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.texts import group
from ipscan.licensing.texts import mentions_bundled
from ipscan.licensing.texts import offers_choice
from ipscan.sources.paths import LICENSE_NAME


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _license_files(files: dict[str, bytes]) -> list[str]:
    """The root license files (or a wheel's dist-info licenses), sorted."""
    root = sorted(p for p in files if "/" not in p and LICENSE_NAME.match(p))
    if not root:
        root = sorted(p for p in files if "/" in p and LICENSE_NAME.match(p.rsplit("/", 1)[1]))
    return root


def copyright_from_files(files: dict[str, bytes]) -> tuple[str, ...]:
    """The copyright statements of the root license files, in order, unique."""
    found: dict[str, None] = {}
    for p in _license_files(files):
        for line in copyright_statements(_text(files[p]), license_file=True):
            found.setdefault(line)
    return tuple(found)[:12]


def license_from_files(files: dict[str, bytes]) -> str | None:
    """The license of the root license files (or a wheel's dist-info licenses), leaving out a
    bundled library's own file (shapely's LICENSE_GEOS beside its LICENSE.txt)."""
    root = _license_files(files)
    detected = {p: detect_license_text(_text(files[p])) for p in root}
    own = [p for p in root if not is_component_license_file(p)]
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


def is_component_license_file(path: str) -> bool:
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


def own_license(files: dict[str, bytes], declared: str) -> str | None:
    """The license of a package's own files when its metadata declares more: the license
    files' expression, when they name only some of the declared licenses and say they bundle
    other code (numpy's metadata lists its bundled libraries' licenses); else None. Not when
    the declared expression offers a choice or an exception, which the files' may drop."""
    from_files = license_from_files(files)
    if not from_files or " OR " in declared or " WITH " in declared:
        return None
    own, everything = set(license_ids(from_files)), set(license_ids(declared))
    if not own or not own < everything or not _says_it_bundles(files):
        return None
    return from_files


def _says_it_bundles(files: dict[str, bytes]) -> bool:
    root = _license_files(files)
    return any(is_component_license_file(p) for p in root) or any(
        mentions_bundled(_text(files[p])) for p in root
    )

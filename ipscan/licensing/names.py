"""Declared license strings (SPDX expressions, trove classifiers, free-form names) to SPDX."""

from __future__ import annotations

import re

from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT
from ipscan.licensing.gnu import gnu_name
from ipscan.licensing.spdx import parse_spdx_expression
from ipscan.licensing.texts import detect_license_text

# Free-form names, keyed by ``_alias_key`` (lower case, punctuation and filler words dropped).
_ALIASES = {
    "mit": "MIT",
    "expat": "MIT",
    "mit expat": "MIT",
    "mit no attribution": "MIT-0",
    "isc": "ISC",
    "iscl": "ISC",
    "isc iscl": "ISC",
    "bsd 2 clause": "BSD-2-Clause",
    "2 clause bsd": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "bsd 3 clause": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "revised bsd": "BSD-3-Clause",
    "bsd new": "BSD-3-Clause",
    "bsd 4 clause": "BSD-4-Clause",
    "0bsd": "0BSD",
    "zero clause bsd": "0BSD",
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "asl2": "Apache-2.0",
    "apache 1.1": "Apache-1.1",
    "mpl 2.0": "MPL-2.0",
    "mpl2": "MPL-2.0",
    "mpl 2": "MPL-2.0",
    "mozilla public 2.0": "MPL-2.0",
    "mpl 1.1": "MPL-1.1",
    "mozilla public 1.1": "MPL-1.1",
    "epl 2.0": "EPL-2.0",
    "eclipse public 2.0": "EPL-2.0",
    "epl 1.0": "EPL-1.0",
    "eclipse public 1.0": "EPL-1.0",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf 2.0": "PSF-2.0",
    "python foundation": "PSF-2.0",
    "python foundation 2": "PSF-2.0",
    "python foundation psf": "PSF-2.0",
    "python 2.0": "Python-2.0",
    "unlicense": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1.0": "CC0-1.0",
    "cc0 1.0 universal": "CC0-1.0",
    "cc0 1.0 universal cc0 1.0 public domain dedication": "CC0-1.0",
    "zlib": "Zlib",
    "zlib libpng": "Zlib",
    "boost": "BSL-1.0",
    "boost 1.0": "BSL-1.0",
    "bsl 1.0": "BSL-1.0",
    "wtfpl": "WTFPL",
    "artistic 2.0": "Artistic-2.0",
    "cddl 1.0": "CDDL-1.0",
    "university of illinois ncsa open source": "NCSA",
    "upl 1.0": "UPL-1.0",
    "universal permissive 1.0": "UPL-1.0",
    "zope public 2.1": "ZPL-2.1",
    "sil open font 1.1": "OFL-1.1",
    "postgresql": "PostgreSQL",
    "historical permission notice and disclaimer hpnd": "HPND",
    "hpnd": "HPND",
}

# Names of the BSD family that say no variant: "BSD", "BSD License", "BSD-style license".
_BSD_FAMILY_KEYS = frozenset({"bsd", "bsd style", "bsd like", "bsd type", "bsdl"})

_FILLER = frozenset({"the", "license", "licensed", "version", "ver", "v", "software", "agreement"})
_CLASSIFIER_SKIP = ("license", "osi approved", "dfsg approved", "fsf approved")


def _alias_key(text: str) -> str:
    s = text.lower().replace("licence", "license")
    s = re.sub(r"(\d)\s*-\s*clause", r"\1 clause", s)
    s = re.sub(r"[^a-z0-9.+]+", " ", s)
    s = re.sub(r"\b(v|version)(\d)", r"\2", s)
    words = [w.strip(".") for w in s.split()]
    return " ".join(w for w in words if w and w not in _FILLER)


def _classifier_name(text: str) -> str:
    parts = [p.strip() for p in text.split("::")]
    while parts and parts[0].lower() in _CLASSIFIER_SKIP:
        parts.pop(0)
    return parts[-1] if parts else ""


def _name_to_spdx(text: str, families: bool = False) -> str | None:
    """One free-form license name (no operators) to an SPDX expression."""
    expr = parse_spdx_expression(text)
    if expr is not None:
        return expr
    key = _alias_key(text)
    if key in _ALIASES:
        return _ALIASES[key]
    if families and key in _BSD_FAMILY_KEYS:
        return BSD_UNKNOWN_VARIANT
    paren = re.search(r"\(([^()]*)\)\s*$", text)
    if paren:
        for candidate in (paren.group(1), text[: paren.start()]):
            expr = parse_spdx_expression(candidate.strip())
            if expr is not None:
                return expr
            key = _alias_key(candidate)
            if key in _ALIASES:
                return _ALIASES[key]
    return gnu_name(text)


def normalize_license(declared: str, families: bool = False) -> str | None:
    """The SPDX expression for a declared license string, or None when unknown or ambiguous.

    ``families``: a name of the BSD family that says no variant ("BSD", the "BSD License"
    classifier) is ``LicenseRef-BSD-unknown-variant`` instead of None; for what a package or
    a file declares, where more specific evidence (its license text) may say the variant
    (``ipscan.licensing.families.refine``)."""
    text = (declared or "").strip()
    if not text:
        return None
    if "\n" in text.strip() or len(text) > 200:
        # Some packages put the whole license text in their metadata.
        return detect_license_text(text)
    if "::" in text:
        text = _classifier_name(text)
        if not text:
            return None
    if text.lower() in ("unknown", "none", "noassertion", "other", "proprietary", "unlicensed"):
        return None
    found = _name_to_spdx(text, families)
    if found is not None:
        return found
    # "MIT/Apache-2.0", "MIT or Apache 2.0", "BSD-3-Clause and MIT".
    for sep, op in ((r"\s*/\s*", "OR"), (r"\s+or\s+", "OR"), (r"\s+and\s+", "AND")):
        parts = re.split(sep, text, flags=re.IGNORECASE)
        if len(parts) < 2:
            continue
        names = [n for n in (_name_to_spdx(p, families) for p in parts) if n]
        if len(names) == len(parts):
            return f" {op} ".join(n if " " not in n else f"({n})" for n in names)
    return None

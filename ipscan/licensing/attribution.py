"""Attribution check: does copied code keep its original copyright and license notice?

A notice is kept when the scanned file (anywhere in it: a pasted snippet often keeps its header
comment just above) or one of the project's notice files (NOTICE, THIRD-PARTY-NOTICES, ...;
read by ``ipscan.licensing.project``) both names one of the source's copyright holders and
mentions the source's license. When the index holds no copyright holder for the source, the
license mention alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.copyright import holder_named
from ipscan.licensing.copyright import holder_of
from ipscan.licensing.notices import spdx_identifiers
from ipscan.licensing.texts import detect_license_text
from ipscan.licensing.texts import normalized_words
from ipscan.records import SourceRef

# How license texts and notices name the common licenses (normalized: lowercase words).
_NAMES: dict[str, tuple[str, ...]] = {
    "MIT": ("mit license", "mit licence", "mit"),
    "BSD-2-Clause": ("bsd license", "simplified bsd", "bsd 2 clause", "2 clause bsd"),
    "BSD-3-Clause": ("bsd license", "new bsd", "bsd 3 clause", "3 clause bsd", "modified bsd"),
    BSD_UNKNOWN_VARIANT: ("bsd license", "bsd style license", "bsd 2 clause", "bsd 3 clause"),
    "Apache-2.0": ("apache license version 2 0", "apache license 2 0", "apache 2 0", "apache v2"),
    "ISC": ("isc license",),
    "MPL-2.0": ("mozilla public license",),
    "PSF-2.0": ("python software foundation license", "psf license"),
    "Zlib": ("zlib license",),
}
_GNU = (
    ("AGPL-", "gnu affero general public license"),
    ("LGPL-", "gnu lesser general public license"),
    ("LGPL-", "gnu library general public license"),
    ("GPL-", "gnu general public license"),
)


def _names_of(lic: str) -> tuple[str, ...]:
    base = re.sub(r"-(only|or-later)$", "", lic)
    names = [" ".join(re.findall(r"[a-z0-9]+", base.lower()))]
    names += _NAMES.get(base, ())
    names += [name for prefix, name in _GNU if base.startswith(prefix)]
    return tuple(n for n in names if n)


def license_mentioned(text: str, expression: str) -> bool:
    """True when ``text`` names one of the licenses of ``expression``, or holds its text."""
    ids = license_ids(expression)
    if not ids:
        return False
    declared = {i.lower() for expr in spdx_identifiers(text) for i in license_ids(expr)}
    if any(lic.lower() in declared for lic in ids):
        return True
    norm = normalized_words(text)
    if any(f" {name} " in norm for lic in ids for name in _names_of(lic)):
        return True
    found = detect_license_text(text) or ""
    return any(lic in found for lic in ids)


def _notice_in(text: str, holders: Sequence[str], expression: str) -> bool:
    if holders and not any(holder_named(h, copyright_statements(text)) for h in holders):
        return False
    return license_mentioned(text, expression)


def notice_kept(file_text: str, notice_texts: Sequence[str], source: SourceRef) -> bool:
    """True when the scanned file, or a project notice file, keeps ``source``'s notice."""
    holders = [h for h in (holder_of(s) for s in source.copyright) if h]
    return any(_notice_in(t, holders, source.license) for t in (file_text, *notice_texts))


def notice_to_add(source: SourceRef) -> str:
    """The attribution to add next to the copied code (one line per statement)."""
    lines = list(source.copyright[:3]) or [f"Copyright (c) the {source.package} authors"]
    lines.append(f"SPDX-License-Identifier: {source.license}")
    lines.append(f"(from {source.package} {source.version}, {source.path})")
    return "\n".join(lines)

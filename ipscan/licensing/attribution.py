"""Attribution check: does copied code keep its original copyright and license notice?

A notice is kept when the scanned file (anywhere in it: a pasted snippet often keeps its header
comment just above) or one of the project's notice files (NOTICE, THIRD-PARTY-NOTICES, ...;
read by ``ipscan.licensing.project``) both names one of the source's copyright holders and
mentions the source's license. A holder is named by a copyright statement anywhere in a line
("# six: Copyright ...", "Portions Copyright ...", "SPDX-FileCopyrightText: ..."; see
``ipscan.licensing.copyright``). When the index holds no copyright holder for the source, the
license mention alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.copyright import holder_named
from ipscan.licensing.copyright import holder_of
from ipscan.licensing.copyright import statement_in
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
    declared, norm = _read(text)
    if any(lic.lower() in declared for lic in ids):
        return True
    if any(f" {name} " in norm for lic in ids for name in _names_of(lic)):
        return True
    found = _license_text(text)
    return any(lic in found for lic in ids)


# Cached because every finding of a file asks again, and of the project's notice files too.
@lru_cache(maxsize=16)
def _read(text: str) -> tuple[frozenset[str], str]:
    """The license ids ``text``'s SPDX lines declare (lower case), and its normalized words."""
    declared = frozenset(i.lower() for expr in spdx_identifiers(text) for i in license_ids(expr))
    return declared, normalized_words(text)


@lru_cache(maxsize=16)
def _license_text(text: str) -> str:
    return detect_license_text(text) or ""


@lru_cache(maxsize=32)
def _statements(text: str) -> tuple[str, ...]:
    # Every statement, not the first few: a pasted notice may follow many others. Cached
    # because each finding of a file asks again.
    return copyright_statements(text, limit=None)


def _notice_in(text: str, holders: Sequence[str], expression: str) -> bool:
    if holders and not any(holder_named(h, _statements(text)) for h in holders):
        return False
    return license_mentioned(text, expression)


def notice_kept(file_text: str, notice_texts: Sequence[str], source: SourceRef) -> bool:
    """True when the scanned file, or a project notice file, keeps ``source``'s notice."""
    holders = [h for h in (holder_of(s) for s in source.copyright) if h]
    return any(_notice_in(t, holders, source.license) for t in (file_text, *notice_texts))


def _pasteable(statement: str) -> str:
    """``statement`` as a line that ``notice_kept`` reads back with its holder."""
    if statement_in(statement):
        return statement
    # An index built by an older ipscan may hold a statement this one no longer reads.
    return f"Copyright (c) {holder_of(statement) or statement}"


def notice_to_add(source: SourceRef) -> str:
    """The attribution to add next to the copied code (one line per statement).

    Pasted above the code as comments (``#``, ``//``, ``/* */``, ...), or as it is, it makes
    ``notice_kept`` true: it names the source's holders and its license.
    """
    lines = [_pasteable(s) for s in source.copyright[:3]]
    lines = lines or [f"Copyright (c) the {source.package} authors"]
    lines.append(f"SPDX-License-Identifier: {source.license}")
    lines.append(f"(from {source.package} {source.version}, {source.path})")
    return "\n".join(lines)

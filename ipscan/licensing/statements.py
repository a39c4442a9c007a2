"""How license statements read: the licenses one paragraph of a header (or one comment)
grants, names in a dual-license choice, or names in one clause.

A statement grants by name (":license: MIT", "Licensed under the MIT license", "MIT
Licensed"), by canonical URL, by a dedication to the public domain, or by CPython's
contributor-agreement line. A license merely named ("unlike the Apache License") is read by
``bare_name`` and counts only when nothing else in the header states one.
"""

from __future__ import annotations

import re

from ipscan.licensing.header_window import flatten
from ipscan.licensing.names import normalize_license
from ipscan.licensing.texts import group

PUBLIC_DOMAIN = "LicenseRef-public-domain"

MENTIONS = re.compile(r"(?i)licen[cs]e|redistribution|permission|public domain")
# Code contributed to CPython carries this line instead of a license: the PSF distributes it
# under the PSF License Agreement.
_PSF_CONTRIBUTION = re.compile(
    r"(?i)licensed\s+to\s+(?:the\s+)?(?:PSF|Python\s+Software\s+Foundation)\s+under\s+a\s+"
    r"contributor\s+agreement"
)
_PUBLIC_DOMAIN = re.compile(
    r"(?i)(?:placed|released|dedicated|put)\s+(?:in|into|to)\s+the\s+public\s+domain"
    r"|is\s+in\s+the\s+public\s+domain"
)
_CC0 = re.compile(r"(?i)\bCC0\b|creativecommons\.org/publicdomain/zero/1\.0")
DUAL = re.compile(r"(?i)dual[- ]?licen[cs]e|dually\s+licen[cs]ed|licen[cs]ed\s+under\s+either")
# A dual-license statement's names: "dual-licensed: MIT and PSF", "dual-licensed under the
# Boost or zlib licenses".
_DUAL_NAMES = re.compile(
    r"(?i)(?:dual[- ]?licen[cs]ed|dually\s+licen[cs]ed)\s*(?:under\s+)?(?:the\s+)?"
    r"(?:terms\s+of\s+(?:the\s+)?)?:?\s*((?:[^\n|;.]|\.(?=\d))+)"
)
# A statement naming its licenses up to the end of its clause: "Released under the Apache
# license 2.0 and Mozilla Public License 2.0 | github.com/...".
_VERSION_AFTER_COMMA = re.compile(r"(?i),\s*(version\s+\d)")
_NAME_SPLIT = re.compile(r"(?i)\s*,?\s+(?:and|or)\s+|\s*[,/]\s*")
# "licensed under both A and B. You may select, at your option, one of ...": a choice.
_BOTH_CHOICE = re.compile(
    r"(?i)\blicen[cs]ed\s+under\s+both\s+(.{1,80}?)\s+and\s+(.{1,80}?)\s*[.;]\s*"
    r"(?:you\s+may\s+(?:select|choose|elect)|at\s+your\s+option)"
)
_ASIDE = re.compile(r"\s*\([^()]{0,200}\)")
_UNDER_CLAUSE = re.compile(
    r"(?i)(?:licen[cs]ed|released|distributed|available)\s+under\s+(?:the\s+)?"
    r"(?:terms\s+of\s+(?:the\s+)?)?((?:[^\n|;:(,.]|\.(?=\d))+)"
)
# How headers grant their license, in the words after the match: ":license: Apache 2.0, see
# LICENSE", "__license__ = 'MIT'", "@license MIT", "Licensed under the MIT license", "Released
# under MIT license", "MIT Licensed", "is licensed under the MIT license found in".
_GRANTS = (
    re.compile(
        r"(?:^|[^\w])(?:@|:|__)?licen[cs]e(?:__)?\s*[:=]?\s*[:=]\s*[\"'(]?([^\"'\n)]+)", re.I
    ),
    re.compile(r"(?:^|\s)@licen[cs]e\s+([^\n]+)", re.I),
    re.compile(r"(?:^|[\s*#/])([\w.+-]+(?:\s[\w.+-]+)?)\s+licensed\b", re.I),
    # Read across a paragraph's lines: "under the terms of the MIT\n * license found at".
    re.compile(
        r"(?:licen[cs]ed|released|distributed|available|\bunder\s+the\s+terms\s+of)"
        r"(?:\s+under)?\s+(?:the\s+)?(?:terms\s+of\s+(?:the\s+)?)?([^\n]{1,80}?)\s+licen[cs]e",
        re.I,
    ),
)
_LINE_GRANTS = 3  # the first read a line to its end; the last reads the paragraph flattened
# Names only a grant may use: ":license: Python License." (a bare "Python license" is prose).
_GRANT_NAMES = {"python": "Python-2.0", "python license": "Python-2.0"}
# Weaker: "-- license (MIT): https://..." (a bundled helper's legal comment).
_PARENTHESIZED = re.compile(r"licen[cs]e\s*\(([\w.+ -]+)\)", re.I)
_CUT = re.compile(r"(?i)[,;(]|\s(?:see|for|found|in|as|which|that|http\S*)\b|\.\s|\.$")
# A name before "license": "the MIT License:", "BSD 3-Clause license", "PSF-License 2.0".
# The look-behind keeps a long run of word characters from being tried at every offset.
_BEFORE = re.compile(r"(?<![\w.+])((?:[\w.+]+[ \t-]+){0,3})licen[cs]e\b", re.I)
_MODULE_LICENSE = re.compile(r"""^__license__\s*=\s*["']([^"'\n]+)["']""")

_URLS = (
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"mozilla\.org/MPL/2\.0", re.I), "MPL-2.0"),
    (re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.I), "CC0-1.0"),
    (
        re.compile(r"docs\.python\.org/[\w./]*license\.html|python\.org/psf/license", re.I),
        "PSF-2.0",
    ),
)
_GNU_URL = re.compile(r"gnu\.org/licenses/(?:old-licenses/)?(agpl|lgpl|gpl)-(\d\.\d)", re.I)
_CC_URL = re.compile(r"creativecommons\.org/licenses/(by(?:-nc)?(?:-sa|-nd)?)/(\d\.\d)", re.I)
_URL_HINT = re.compile(r"(?i)licenses?/|/license\.html|/psf/license")


def paragraph_statements(para: str, grants_only: bool = False) -> list[str]:
    """The licenses one paragraph grants: "Licensed to PSF under a Contributor Agreement. ...
    Modifications are dual-licensed: MIT and PSF." grants two. ``grants_only``: not "license
    (MIT)" either."""
    if not MENTIONS.search(para) and not _URL_HINT.search(para):
        return []
    flat = flatten(para)
    out: list[str] = []
    if _PSF_CONTRIBUTION.search(flat):
        out.append("PSF-2.0")
    if _PUBLIC_DOMAIN.search(flat):
        out.append("CC0-1.0" if _CC0.search(flat) else PUBLIC_DOMAIN)
    if DUAL.search(flat):
        # A choice whose names we cannot read adds nothing: the package's license decides.
        dual = _dual_names(flat)
        return [*out, dual] if dual else out
    if out:
        return out  # the contribution line or the dedication is this paragraph's license
    both = _choice_of_both(flat)
    if both:
        return [both]
    together = clause_names(flat)
    if together:
        return [together]
    named = _granted_name(para) or _license_url(flat)
    if not named and not grants_only:
        m = _PARENTHESIZED.search(para)
        named = normalize_license(m.group(1)) if m else None
    return [named] if named else []


def module_license(line: str) -> str | None:
    """The license a ``__license__ = "..."`` line grants, normalized to SPDX, or None."""
    m = _MODULE_LICENSE.match(line.strip())
    return normalize_license(m.group(1), families=True) if m else None


def clause_names(flat: str) -> str | None:
    """Several licenses named in one clause ("Released under the Apache license 2.0 and
    Mozilla Public License 2.0"), or None when the clause names fewer than two."""
    for m in _UNDER_CLAUSE.finditer(flat):
        names = _strip_license_word(m.group(1))
        if not re.search(r"(?i)\s(?:and|or)\s|/", names):
            continue
        found = normalize_license(names, families=True)
        if found and (" AND " in found or " OR " in found):
            return found
    return None


def _dual_names(flat: str) -> str | None:
    m = _DUAL_NAMES.search(flat)
    return _choice(m.group(1)) if m else None


def _choice(text: str) -> str | None:
    """The licenses a choice names ("the Apache License, Version 2.0, and the BSD License"),
    joined with OR; None unless every name is known and there are at least two."""
    # "Apache License, Version 2.0": a version after a comma belongs to the name before it.
    text = _VERSION_AFTER_COMMA.sub(r" \1", _strip_license_word(text))
    names = [n for n in _NAME_SPLIT.split(text) if n.strip()]
    ids = [i for n in names if (i := normalize_license(n, families=True))]
    if len(ids) < 2 or len(ids) < len(names):
        return None
    return " OR ".join(group(i) for i in ids)


def _choice_of_both(flat: str) -> str | None:
    """ "licensed under both the BSD-style license (found in ...) and the GPLv2 (found in ...).
    You may select, at your option, one of the above-listed licenses." (zstd): a choice."""
    m = _BOTH_CHOICE.search(_ASIDE.sub(" ", flat))
    if not m:
        return None
    names = [_strip_license_word(m.group(i)) for i in (1, 2)]
    ids = [i for n in names if (i := normalize_license(n, families=True))]
    return " OR ".join(group(i) for i in ids) if len(ids) == 2 else None


def _strip_license_word(names: str) -> str:
    s = re.sub(r"(?i)\s*\blicen[cs]es?\s*$", "", names.strip().rstrip(".,"))
    return re.sub(r"(?i)^(?:the\s+)?(?:terms\s+of\s+(?:the\s+)?)?", "", s).strip()


def _granted_name(para: str) -> str | None:
    """The license a paragraph grants by name (":license: MIT", "Licensed under the MIT
    license"), normalized to SPDX, or None."""
    flat = flatten(para)
    for i, pattern in enumerate(_GRANTS):
        for m in pattern.finditer(para if i < _LINE_GRANTS else flat):
            name = _CUT.split(m.group(1).strip(), maxsplit=1)[0].strip(" .*/#-")
            found = _GRANT_NAMES.get(name.lower()) or (
                normalize_license(name, families=True) if name else None
            )
            if found:
                return found
    return None


def bare_name(flat: str) -> str | None:
    """A license named before the word "license" ("the MIT License", "BSD 3-Clause
    license"), with no grant around it."""
    for m in _BEFORE.finditer(flat):
        words = re.split(r"[ \t-]+", m.group(1).strip(" \t-"))
        for n in range(min(3, len(words)), 0, -1):
            found = normalize_license(" ".join(words[-n:]).strip(".,;:"))
            if found:
                return found
    return None


def _license_url(flat: str) -> str | None:
    """The license a header points to by its canonical URL (the URL alone grants no "or
    later": a GNU license URL reads as ``-only``)."""
    for pattern, spdx in _URLS:
        if pattern.search(flat):
            return spdx
    m = _GNU_URL.search(flat)
    if m:
        return f"{m.group(1).upper()}-{m.group(2)}-only"
    m = _CC_URL.search(flat)
    if m:
        return f"CC-{m.group(1).upper()}-{m.group(2)}"
    return None

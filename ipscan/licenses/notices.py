"""A file's own license: its ``SPDX-License-Identifier:`` line or license header, else its
package's license."""

from __future__ import annotations

import re

from ipscan.licenses.names import normalize_license
from ipscan.licenses.spdx import parse_spdx_expression
from ipscan.licenses.texts import detect_license_text

HEADER_LINES = 60
LONG_HEADER_LINES = 150
# Variants told from a stronger one only by a missing clause (the notice condition, the
# "endorse or promote" clause): a license text the header window cuts off reads as these.
_WEAKER_WHEN_CUT = {"0BSD": "ISC", "MIT-0": "MIT", "BSD-2-Clause": "BSD-3-Clause"}

_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*(.+)", re.IGNORECASE)


def spdx_identifiers(text: str, max_lines: int | None = None) -> list[str]:
    """Every ``SPDX-License-Identifier:`` expression of ``text`` (its first ``max_lines``)."""
    out = []
    lines = text.splitlines()
    for line in lines[:max_lines] if max_lines else lines:
        m = _SPDX_LINE.search(line)
        if not m:
            continue
        value = m.group(1).strip()
        # Trailing comment closers: "*/", "-->", "*)", "#}".
        value = re.sub(r"\s*(\*/|-->|\*\)|#\}|%>|\*+)\s*$", "", value).strip()
        value = value.strip("'\"`;,").strip()
        if value:
            out.append(parse_spdx_expression(value) or value)
    return out


def spdx_identifier_in(text: str) -> str | None:
    """The ``SPDX-License-Identifier:`` expression in the first 40 lines of a file, or None."""
    found = spdx_identifiers(text, max_lines=40)
    return found[0] if found else None


# How headers name their license, in the words after the match: ":license: Apache 2.0, see
# LICENSE", "__license__ = 'MIT'", "@license MIT", "Licensed under the MIT license", "Released
# under MIT license", "MIT Licensed", "is licensed under the MIT license found in".
_NAMED = (
    re.compile(
        r"(?:^|[^\w])(?:@|:|__)?licen[cs]e(?:__)?\s*[:=]?\s*[:=]\s*[\"'(]?([^\"'\n)]+)", re.I
    ),
    re.compile(r"(?:^|\s)@licen[cs]e\s+([^\n]+)", re.I),
    re.compile(
        r"(?:licen[cs]ed|released|distributed|available)\s+under\s+(?:the\s+)?(?:terms\s+of\s+"
        r"(?:the\s+)?)?([^\n]{1,80}?)\s+licen[cs]e",
        re.I,
    ),
    re.compile(r"(?:^|[\s*#/])([\w.+-]+(?:\s[\w.+-]+)?)\s+licensed\b", re.I),
)
_CUT = re.compile(r"(?i)[,;(]|\s(?:see|for|found|in|as|which|that|http\S*)\b|\.\s|\.$")


_MENTIONS = re.compile(r"(?i)licen[cs]e|redistribution|permission|public domain")
_PUBLIC_DOMAIN = re.compile(
    r"(?i)(?:placed|released|dedicated|put)\s+(?:in|into|to)\s+the\s+public\s+domain"
    r"|is\s+in\s+the\s+public\s+domain"
)
_DUAL_HEADER = re.compile(
    r"(?i)dual[- ]?licen[cs]e|dually\s+licen[cs]ed|licen[cs]ed\s+under\s+either"
)
# Code contributed to CPython carries this line instead of a license: the PSF distributes it
# under the PSF License Agreement.
_PSF_CONTRIBUTION = re.compile(
    r"(?i)licensed\s+to\s+(?:the\s+)?(?:PSF|Python\s+Software\s+Foundation)\s+under\s+a\s+"
    r"contributor\s+agreement"
)
# A header that puts the file in the public domain (no SPDX id says so; the table knows it).
PUBLIC_DOMAIN = "LicenseRef-public-domain"
_BEFORE = re.compile(r"((?:[\w.+-]+[ \t]+){0,3})licen[cs]e\b", re.I)


_URLS = (
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"mozilla\.org/MPL/2\.0", re.I), "MPL-2.0"),
    (
        re.compile(r"gnu\.org/licenses/(?:old-licenses/)?(agpl|lgpl|gpl)-(\d\.\d)", re.I),
        None,
    ),
)


def _license_url(head: str) -> str | None:
    """The license a header points to by its canonical URL (the URL alone grants no "or
    later": a GNU license URL reads as ``-only``)."""
    for pattern, spdx in _URLS:
        m = pattern.search(head)
        if m:
            return spdx or f"{m.group(1).upper()}-{m.group(2)}-only"
    return None


def _named_license(head: str) -> str | None:
    """The license a header names in words, normalized to SPDX, or None."""
    for pattern in _NAMED:
        for m in pattern.finditer(head):
            name = _CUT.split(m.group(1).strip(), maxsplit=1)[0].strip(" .*/#-")
            found = normalize_license(name) if name else None
            if found:
                return found
    for m in _BEFORE.finditer(head):  # "BSD 3-Clause license", "the MIT License:"
        words = m.group(1).split()
        for n in range(min(3, len(words)), 0, -1):
            found = normalize_license(" ".join(words[-n:]).strip(".,;:"))
            if found:
                return found
    return None


def header_license(text: str) -> str | None:
    """The license a file's header declares: its SPDX line, else a license text or notice in
    its first lines (a GPL notice, "Licensed under the Apache License, Version 2.0", ...), else
    a license it names (":license: MIT", "Released under the BSD-3-Clause license")."""
    found = spdx_identifier_in(text)
    if found:
        return found
    lines = text.splitlines()
    head = "\n".join(lines[:HEADER_LINES])
    if not _MENTIONS.search(head):
        return None
    found = detect_license_text(head)
    if found in _WEAKER_WHEN_CUT and len(lines) > HEADER_LINES:
        # Told apart by a clause the window may have cut off: read the whole header text.
        longer = detect_license_text("\n".join(lines[:LONG_HEADER_LINES]))
        if longer == _WEAKER_WHEN_CUT[found]:
            found = longer
    if found:
        return found
    if _PSF_CONTRIBUTION.search(head):
        return "PSF-2.0"
    if _PUBLIC_DOMAIN.search(head):
        return PUBLIC_DOMAIN
    if _DUAL_HEADER.search(head):
        return None  # a choice whose names we cannot both read: the package's license decides
    return _named_license(head) or _license_url(head)


def file_license(text: str, default: str) -> str:
    """A file's own license (``header_license``) when it has one, else its package's."""
    return header_license(text) or default

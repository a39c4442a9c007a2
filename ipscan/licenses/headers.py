"""The license statements of a source file's header, read one paragraph at a time.

A header often holds more than one statement: its own license plus the license of code it
took in ("With parts by Tyler Close ... under the terms of the MIT X license", "Licensed to
PSF under a Contributor Agreement" above the ElementTree notice, "Modifications are
dual-licensed: MIT and PSF"). Each statement counts; they join with ``AND``. A license text
(the BSD conditions, the GPL notice) spans paragraphs, so texts are read from the whole
header, and a paragraph only adds a statement when it is not part of a text.

Bundled JavaScript keeps the legal comments of the libraries it bundles (``/*! ... */``,
``@license``) anywhere in the file: each is a bundled library's license and joins too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ipscan.licenses.names import normalize_license
from ipscan.licenses.texts import detect_license_text
from ipscan.licenses.texts import group

HEADER_LINES = 60
LONG_HEADER_LINES = 150
# Variants told from a stronger one only by a missing clause (the notice condition, the
# "endorse or promote" clause): a license text the header window cuts off reads as these.
_WEAKER_WHEN_CUT = {"0BSD": "ISC", "MIT-0": "MIT", "BSD-2-Clause": "BSD-3-Clause"}

PUBLIC_DOMAIN = "LicenseRef-public-domain"

_MENTIONS = re.compile(r"(?i)licen[cs]e|redistribution|permission|public domain")
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
_DUAL = re.compile(r"(?i)dual[- ]?licen[cs]e|dually\s+licen[cs]ed|licen[cs]ed\s+under\s+either")
# A dual-license statement's names: "dual-licensed: MIT and PSF", "dual-licensed under the
# Boost or zlib licenses".
_DUAL_NAMES = re.compile(
    r"(?i)(?:dual[- ]?licen[cs]ed|dually\s+licen[cs]ed)\s*(?:under\s+)?(?:the\s+)?"
    r"(?:terms\s+of\s+(?:the\s+)?)?:?\s*((?:[^\n|;.]|\.(?=\d))+)"
)
# A statement naming its licenses up to the end of its clause: "Released under the Apache
# license 2.0 and Mozilla Public License 2.0 | github.com/...".
_UNDER_CLAUSE = re.compile(
    r"(?i)(?:licen[cs]ed|released|distributed|available)\s+under\s+(?:the\s+)?"
    r"(?:terms\s+of\s+(?:the\s+)?)?((?:[^\n|;:(,.]|\.(?=\d))+)"
)
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
    re.compile(r"licen[cs]e\s*\(([\w.+ -]+)\)", re.I),  # "-- license (MIT): https://..."
)
_CUT = re.compile(r"(?i)[,;(]|\s(?:see|for|found|in|as|which|that|http\S*)\b|\.\s|\.$")
# "the MIT License:", "BSD 3-Clause license", "under PSF-License 2.0".
_BEFORE = re.compile(r"((?:[\w.+]+[ \t-]+){0,3})licen[cs]e\b", re.I)
# "BSD-style license", "the NumPy (BSD style) license": a BSD license, variant unsaid.
_BSD_FAMILY = re.compile(r"(?i)\bBSD[- ]?(?:style|like|type)?\)?\s+licen[cs]e")

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

# A header statement that covers part of the file ("Portions of this module use code from",
# "With parts by", "Based on an original by ..., but modified here"): the rest of the file is
# under its package's license.
_PARTIAL = re.compile(
    r"(?i)\bportions\s+(?:of\s+this|copyright|\(c\))|\bwith\s+parts\s+by\b|\bparts\s+of\s+this\b"
    r"|\buses\s+(?:material|code)\s+from\b|\bbased\s+on\s+an?\s+original\b"
    r"|\bmodified\s+(?:from|here)\b"
)
# Legal comments a bundler keeps: "/*! ... */", or any block comment with "@license".
_LICENSE_TAG = re.compile(r"@licen[cs]e", re.I)
# A paragraph break in a header: a blank line, or a line of only comment marks or rules.
_BREAK = re.compile(r"^\s*(?:[#/*;\-=!\"']|\"\"\"|''')*\s*$")


@dataclass(frozen=True)
class HeaderLicense:
    """What a file's header says of its license.

    ``statements``: each license statement found, an SPDX expression, in order and distinct;
    ``bsd_family``: a statement names "a BSD-style license" without its variant; ``partial``:
    a statement covers only part of the file, so its package's license covers the rest."""

    statements: tuple[str, ...] = ()
    bsd_family: bool = False
    partial: bool = False

    @property
    def expr(self) -> str | None:
        """Every statement joined with ``AND``, or None when there is none."""
        return join_and(self.statements)


def read_header(text: str) -> HeaderLicense:
    """The license statements of ``text``'s header, of comments in its first lines after the
    code starts, and of the legal comments of libraries it bundles further down."""
    lines = text.splitlines()
    head_lines = lines[:HEADER_LINES]
    head = "\n".join(head_lines)
    end = _header_end(head_lines)
    found: list[str] = []
    partial = False
    if _MENTIONS.search(head):
        found += _header_statements(head, lines, "\n".join(head_lines[:end]))
        # A module's own declaration among its code: __license__ = "MIT".
        found += [
            named for line in head_lines[end:] if (named := _module_license(line)) is not None
        ]
        # A notice among the code covers the code near it ("# asyncio.run from Python 3.12
        # # https://docs.python.org/3/license.html"), not the file. Only a grant counts there:
        # "remove the python license attributions" names no license of this file.
        for comment in _code_comments(head_lines[end:]):
            statements = _paragraph_statements(comment, grants_only=True)
            found += statements
            partial = partial or bool(statements)
    # Further down: bundled libraries' legal comments, and license texts in comments (Node's
    # MIT notice in a bundle that carries its path module).
    later = [
        *(s for c in _legal_comments(text, len(head)) for s in _header_statements(c, [], c)),
        *_later_license_texts(text, len(head)),
    ]
    found += later
    partial = partial or bool(later)
    exprs = _distinct(found)
    # "the NumPy (BSD style) license": which BSD is the package's to say. Not in a dual
    # statement ("the Apache License, Version 2.0, and the BSD License"): there the package's
    # license keeps the choice.
    bsd_family = (
        _BSD_FAMILY.search(head) is not None
        and not _DUAL.search(head)
        and not any("BSD-" in e for e in exprs)
    )
    partial = partial or (bool(exprs or bsd_family) and _PARTIAL.search(head) is not None)
    return HeaderLicense(statements=tuple(exprs), bsd_family=bsd_family, partial=partial)


def _header_statements(head: str, lines: list[str], header: str) -> list[str]:
    """The license texts of ``head``, then the statement of each paragraph of ``header`` (the
    comments before the code) that is not part of a text."""
    out = []
    text = _license_text(head, lines)
    if text:
        out.append(text)
    for para in _paragraphs(header):
        if detect_license_text(para):
            continue  # part of a license text, read whole above
        out += _paragraph_statements(para)
    return out


_COMMENT_START = ("#", "//", "--", ";", "*", "/*")
# A line of code, not a prose line of a header without comment marks (a docstring's inside).
_CODE = re.compile(
    r"[{};=]|^@\w|^\w[\w.]*\(|^(?:import|from|package|use|def|class|function|const|let|var"
    r"|module|namespace|export|require|if|for|while|try|async|return|typedef|struct|pub|fn)\b"
)
_PROLOGUE = re.compile(r"""["']use strict["'];?$""")
_DOCSTRING = re.compile(r"[rRbBuU]{0,2}(\"\"\"|''')")


def _header_end(lines: list[str]) -> int:
    """The index of the first line of code: blank lines, comments, a shebang and a module
    docstring come before it."""
    block = False
    quote = ""
    for i, line in enumerate(lines):
        s = line.strip()
        if quote:
            quote = "" if quote in s else quote
        elif block:
            block = "*/" not in s
        elif s.startswith("/*"):
            block = "*/" not in s[2:]
        elif not s or s.startswith(_COMMENT_START) or _PROLOGUE.match(s):
            continue
        elif m := _DOCSTRING.match(s):
            quote = "" if m.group(1) in s[m.end() :] else m.group(1)
        elif _CODE.search(s):
            return i
    return len(lines)


_MODULE_LICENSE = re.compile(r"""^__license__\s*=\s*["']([^"'\n]+)["']""")


def _module_license(line: str) -> str | None:
    m = _MODULE_LICENSE.match(line.strip())
    return normalize_license(m.group(1)) if m else None


def _code_comments(lines: list[str]) -> list[str]:
    """Runs of comment lines (and ``/* ... */`` comments) among lines of code; not the lines
    of a triple-quoted string (a header the code writes into other files)."""
    runs: list[str] = []
    current: list[str] = []
    in_string = False
    for line in lines:
        s = line.strip()
        quotes = s.count('"""') + s.count("'''")
        if in_string or quotes % 2:
            in_string = in_string != bool(quotes % 2)
            continue
        if s.startswith(("#", "//")):
            current.append(s)
            continue
        if current:
            runs.append("\n".join(current))
            current = []
        runs += re.findall(r"/\*.*?\*/", s)
    if current:
        runs.append("\n".join(current))
    return runs


def _license_text(head: str, lines: list[str]) -> str | None:
    found = detect_license_text(head)
    if found in _WEAKER_WHEN_CUT and len(lines) > HEADER_LINES:
        # Told apart by a clause the window may have cut off: read the whole header text.
        longer = detect_license_text("\n".join(lines[:LONG_HEADER_LINES]))
        if longer == _WEAKER_WHEN_CUT[found]:
            found = longer
    return found


def join_and(exprs: Sequence[str]) -> str | None:
    """``exprs`` joined with AND (each compound one in parentheses), or None when empty."""
    if len(exprs) == 1:
        return exprs[0]
    return " AND ".join(group(e) for e in exprs) or None


def _paragraphs(head: str) -> list[str]:
    paras: list[str] = []
    current: list[str] = []
    for line in head.splitlines():
        if _BREAK.match(line):
            if current:
                paras.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        paras.append("\n".join(current))
    return paras


def _paragraph_statements(para: str, grants_only: bool = False) -> list[str]:
    """The licenses one paragraph states: "Licensed to PSF under a Contributor Agreement.
    ... Modifications are dual-licensed: MIT and PSF." states two. ``grants_only``: not a
    license merely named ("the MIT license")."""
    if not _MENTIONS.search(para) and not _URL_HINT.search(para):
        return []
    flat = _flatten(para)
    out = []
    if _PSF_CONTRIBUTION.search(flat):
        out.append("PSF-2.0")
    if _PUBLIC_DOMAIN.search(flat):
        out.append("CC0-1.0" if _CC0.search(flat) else PUBLIC_DOMAIN)
    if _DUAL.search(flat):
        # A choice whose names we cannot read adds nothing: the package's license decides.
        named = _dual_names(flat)
    elif out:
        named = None  # the contribution line or the dedication is this paragraph's license
    else:
        named = (
            _clause_names(flat)
            or _named_license(para, flat, bare_names=not grants_only)
            or _license_url(flat)
        )
    return [*out, named] if named else out


def _flatten(para: str) -> str:
    """A paragraph's sentences on one line, without the comment marks that start its lines
    ("under the terms of the MIT\n * license found at")."""
    return " ".join(_LINE_MARKS.sub("", line).strip() for line in para.splitlines())


_LINE_MARKS = re.compile(r"^\s*(?:#+|//+!?|/\*+!?|\*+(?!/)|--|;+)?\s?")
_URL_HINT = re.compile(r"(?i)licenses?/|/license\.html|/psf/license")


def _clause_names(para: str) -> str | None:
    """Several licenses named in one clause ("Released under the Apache license 2.0 and
    Mozilla Public License 2.0"), or None when the clause names fewer than two."""
    for m in _UNDER_CLAUSE.finditer(para):
        names = _strip_license_word(m.group(1))
        if not re.search(r"(?i)\s(?:and|or)\s|/", names):
            continue
        found = normalize_license(names)
        if found and (" AND " in found or " OR " in found):
            return found
    return None


def _dual_names(para: str) -> str | None:
    m = _DUAL_NAMES.search(para)
    if not m:
        return None
    names = re.split(r"(?i)\s+(?:and|or)\s+|\s*[,/]\s*", _strip_license_word(m.group(1)))
    ids = [normalize_license(n) for n in names if n.strip()]
    if len(ids) < 2 or not all(ids):
        return None
    return " OR ".join(group(i) for i in ids)  # type: ignore[arg-type]


def _strip_license_word(names: str) -> str:
    s = re.sub(r"(?i)\s*\blicen[cs]es?\s*$", "", names.strip().rstrip(".,"))
    return re.sub(r"(?i)^(?:the\s+)?(?:terms\s+of\s+(?:the\s+)?)?", "", s).strip()


def _named_license(para: str, flat: str, bare_names: bool = True) -> str | None:
    """The license a paragraph names in words, normalized to SPDX, or None (``flat``: the
    paragraph on one line; ``bare_names``: also a name before "license" with no grant)."""
    for pattern in _NAMED:
        for m in pattern.finditer(para):
            name = _CUT.split(m.group(1).strip(), maxsplit=1)[0].strip(" .*/#-")
            found = normalize_license(name) if name else None
            if found:
                return found
    for m in _BEFORE.finditer(flat) if bare_names else ():
        words = re.split(r"[ \t-]+", m.group(1).strip(" \t-"))
        for n in range(min(3, len(words)), 0, -1):
            found = normalize_license(" ".join(words[-n:]).strip(".,;:"))
            if found:
                return found
    return None


def _license_url(head: str) -> str | None:
    """The license a header points to by its canonical URL (the URL alone grants no "or
    later": a GNU license URL reads as ``-only``)."""
    for pattern, spdx in _URLS:
        if pattern.search(head):
            return spdx
    m = _GNU_URL.search(head)
    if m:
        return f"{m.group(1).upper()}-{m.group(2)}-only"
    m = _CC_URL.search(head)
    if m:
        return f"CC-{m.group(1).upper()}-{m.group(2)}"
    return None


def _legal_comments(text: str, start: int) -> list[str]:
    """The bundled libraries' legal comments after the header: block comments that start
    with ``/*!`` or hold ``@license``. One pass: each comment is skipped to its end, and an
    unterminated ``/*`` (one inside a string) ends the search."""
    out = []
    pos = text.find("/*", start)
    while pos >= 0:
        end = text.find("*/", pos + 2)
        if end < 0:
            break
        comment = text[pos : end + 2]
        if comment.startswith("/*!") or _LICENSE_TAG.search(comment):
            out.append(comment)
        pos = text.find("/*", end + 2)
    return out


# Where a full license text starts, to find one far into a file without reading it all.
_TEXT_START = re.compile(
    r"(?i)permission\s+is\s+hereby\s+granted|redistribution\s+and\s+use\s+in\s+source"
    r"|licensed\s+under\s+the\s+apache\s+license|this\s+(?:program|library)\s+is\s+free\s+software"
    r"|permission\s+to\s+use,\s+copy,\s+modify"
)
_TEXT_SPAN = 3000


def _later_license_texts(text: str, start: int) -> list[str]:
    """The licenses whose texts appear after ``start`` (read without comment marks, from a
    little before each text's first words)."""
    out: list[str] = []
    end = start
    for m in _TEXT_START.finditer(text, start):
        if m.start() < end:
            continue  # inside the stretch already read
        begin = max(start, text.rfind("\n", start, max(start, m.start() - 600)) + 1)
        end = m.start() + _TEXT_SPAN
        stretch = "\n".join(_LINE_MARKS.sub("", line) for line in text[begin:end].splitlines())
        found = detect_license_text(stretch)
        if found:
            out.append(found)
    return out


def names_new_family(expr: str, exprs: Sequence[str]) -> bool:
    """True when ``expr`` names a license family none of ``exprs`` does (LGPL-2.0-or-later
    beside an LGPL-2.1-or-later notice names none)."""
    return not any(_family(expr) <= _family(e) for e in exprs)


def _distinct(exprs: list[str]) -> list[str]:
    """``exprs`` without repeats, and without a name whose license family a text already
    gave (a GPL notice also says "the GNU General Public License" in words)."""
    out: list[str] = []
    for expr in exprs:
        if expr in out:
            continue
        if not names_new_family(expr, out):
            continue
        out.append(expr)
    return out


def _family(expr: str) -> frozenset[str]:
    ids = re.findall(r"[A-Za-z0-9.+-]+", expr)
    return frozenset(
        re.sub(r"-(?:\d.*|only|or-later)$", "", i) for i in ids if i not in ("AND", "OR", "WITH")
    )

"""The license statements of a source file: its header, read one paragraph at a time, the
notices among its code, and what it bundles.

A header often holds more than one statement: its own license plus the license of code it
took in (q.js: its author's MIT statement, then the parts by Tyler Close under the MIT X
license; CPython's contributor-agreement line above the ElementTree notice; parso's
modifications, dual-licensed between MIT and the PSF's license). Each statement counts; they
join with ``AND`` (a paragraph starting "Alternatively" makes a choice). A license text (the
BSD conditions, the GPL notice) spans paragraphs, so texts are read from the whole header
window, and a paragraph only adds a statement when it is not part of a text. A license merely
named ("unlike the Apache License") counts only when nothing else in the header states one.

The header is the comments, docstring and blank lines before the first line of code. Below
it, a comment counts only when it grants a license, and covers the code near it, not the file;
so do the legal comments a bundle keeps for the libraries it carries (``/*! ... */``,
``@license``) and license texts in comments far into a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from ipscan.licensing.names import normalize_license
from ipscan.licensing.texts import detect_license_text
from ipscan.licensing.texts import group

HEADER_LINES = 60
LONG_HEADER_LINES = 150
PUBLIC_DOMAIN = "LicenseRef-public-domain"
# Variants told from a stronger one only by a missing clause (the notice condition, the
# "endorse or promote" clause): a license text the header window cuts off reads as these.
_WEAKER_WHEN_CUT = {"0BSD": "ISC", "MIT-0": "MIT", "BSD-2-Clause": "BSD-3-Clause"}

# --- how statements read ---------------------------------------------------------------------

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
# "Alternatively, this file may be used under the terms of ...": a choice with the statement
# before it.
_ALTERNATIVELY = re.compile(r"(?i)^\W*alternatively\b")
# A statement naming its licenses up to the end of its clause: "Released under the Apache
# license 2.0 and Mozilla Public License 2.0 | github.com/...".
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
_URL_HINT = re.compile(r"(?i)licenses?/|/license\.html|/psf/license")

# A statement that covers part of the file ("Portions of this module use code from", "With
# parts by", "This code was modified from latin1prober.py", "Based on an original by ..., but
# modified here"): the rest of the file is under its package's license.
_PARTIAL = re.compile(
    r"(?i)\bportions\s+(?:of\s+this|copyright|\(c\))|\bwith\s+parts\s+by\b|\bparts\s+of\s+this\b"
    r"|\buses\s+(?:material|code)\s+from\b|\bbased\s+on\s+an?\s+original\b|\bmodified\s+here\b"
    r"|\b(?:code|file|module|source|class|function|version)\s+(?:\w+\s+){0,3}?modified\s+from\b"
)

# --- where statements are -------------------------------------------------------------------

# A paragraph break in a header: a blank line, or a line of only comment marks or rules.
_BREAK = re.compile(r"^\s*[#/*;\-=!\"']*\s*$")
_LINE_MARKS = re.compile(r"^\s*(?:#+|//+!?|/\*+!?|\*+(?!/)|--|;+)?\s?")
_COMMENT_START = ("#", "//", "--", ";", "*", "/*")
_PREPROCESSOR = re.compile(
    r"#\s*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|import|error)\b"
)
# A line of code, not a prose line of a header without comment marks (a docstring's inside).
_CODE = re.compile(
    r"[{};=]|^@\w|^\w[\w.]*\(|^(?:import|from|package|use|def|class|function|const|let|var"
    r"|module|namespace|export|require|if|for|while|try|async|return|typedef|struct|pub|fn)\b"
)
_PROLOGUE = re.compile(r"""["']use strict["'];?$""")
_DOCSTRING = re.compile(r"[rRbBuU]{0,2}(\"\"\"|''')")
_MODULE_LICENSE = re.compile(r"""^__license__\s*=\s*["']([^"'\n]+)["']""")
# Legal comments a bundler keeps: "/*! ... */", or any block comment with "@license".
_LICENSE_TAG = re.compile(r"@licen[cs]e", re.I)
# Where a full license text starts, to find one far into a file without reading it all.
_TEXT_START = re.compile(
    r"(?i)permission\s+is\s+hereby\s+granted|redistribution\s+and\s+use\s+in\s+source"
    r"|licensed\s+under\s+the\s+apache\s+license|this\s+(?:program|library)\s+is\s+free\s+software"
    r"|permission\s+to\s+use,\s+copy,\s+modify"
)
_TEXT_SPAN = 3000
_BLOCK_LOOKBACK = 20000  # how far back an open "/*" may make a text a comment's


@dataclass(frozen=True)
class HeaderLicense:
    """What a file says of its license.

    ``statements``: each license statement found, an SPDX expression, in order and distinct;
    ``named_together``: those that name two licenses in one clause ("Released under the
    Apache license 2.0 and Mozilla Public License 2.0"), where whether it is a choice is the
    package's to say; ``bsd_family``: a statement names "a BSD-style license" without its
    variant; ``partial``: a statement covers only part of the file, so its package's license
    covers the rest."""

    statements: tuple[str, ...] = ()
    named_together: tuple[str, ...] = ()
    bsd_family: bool = False
    partial: bool = False

    @property
    def expr(self) -> str | None:
        """Every statement joined with ``AND``, or None when there is none."""
        return join_and([t for s in self.statements for t in and_terms(s)])


def read_header(text: str) -> HeaderLicense:
    """The license statements of ``text``: its header's, grants in comments among its first
    lines of code, and the legal comments and license texts of what it bundles."""
    kept = text.splitlines(keepends=True)[:LONG_HEADER_LINES]
    lines = [line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") for line in kept]
    end = _header_end(lines)
    # A header comment longer than the usual window is read to its end (up to 150 lines).
    window = max(HEADER_LINES, min(end, LONG_HEADER_LINES))
    head = "\n".join(lines[:window])
    header = "\n".join(lines[: min(end, window)])
    found = _Found()
    comments = _code_comments(lines[end:window])
    if _MENTIONS.search(head):
        _read_window(found, head, lines, window, header)
        found.add_all(m for line in lines[end:window] if (m := _module_license(line)))
        for comment in comments:
            found.add_all(_paragraph_statements(comment, grants_only=True), partial=True)
    header_end = sum(len(line) for line in kept[:end])
    window_end = sum(len(line) for line in kept[:window])
    for comment in _legal_comments(text, header_end):
        found.add_all(_comment_statements(comment), partial=True)
    found.add_all(_later_license_texts(text, window_end), partial=True)
    exprs = _distinct(found.exprs)
    prose = "\n".join([header, *comments])
    # "the NumPy (BSD style) license": which BSD is the package's to say. Not in a dual
    # statement ("the Apache License, Version 2.0, and the BSD License"): there the package's
    # license keeps the choice.
    bsd_family = (
        _BSD_FAMILY.search(prose) is not None
        and not _DUAL.search(prose)
        and not any("BSD-" in e for e in exprs)
    )
    marked = bool(exprs or bsd_family) and _PARTIAL.search(prose) is not None
    return HeaderLicense(
        statements=tuple(exprs),
        named_together=tuple(e for e in found.named_together if e in exprs),
        bsd_family=bsd_family,
        partial=found.partial or marked,
    )


class _Found:
    """The statements read so far, and whether one covers only part of the file."""

    def __init__(self) -> None:
        self.exprs: list[str] = []
        self.named_together: list[str] = []
        self.partial = False

    def add_all(self, exprs: Iterable[str], partial: bool = False) -> None:
        new = list(exprs)
        self.exprs += new
        self.partial = self.partial or (partial and bool(new))


def _read_window(found: _Found, head: str, lines: list[str], window: int, header: str) -> None:
    """The license texts of the window, and the statements of the header's paragraphs."""
    # A license text in the window counts for the file even below its first line of code
    # (bcrypt.js's inside its UMD wrapper; a helper's notice above the code it covers).
    in_window = _license_text(head, lines, window)
    grants: list[str] = [in_window] if in_window else []
    bare: list[str] = []
    for para in _paragraphs(header):
        if detect_license_text(para):
            continue  # part of a license text, read whole above
        statements = _paragraph_statements(para)
        if not statements:
            if not _DUAL.search(_flatten(para)):  # an unread choice: the package's to say
                bare += [b for b in [_bare_name(_flatten(para))] if b]
            continue
        if statements == [_clause_names(_flatten(para))]:
            found.named_together += statements
        if grants and _ALTERNATIVELY.match(_flatten(para)):
            grants[-1] = f"{group(grants[-1])} OR {group(join_and(statements) or '')}"
        else:
            grants += statements
    found.exprs += grants or bare[:1]


def _paragraph_statements(para: str, grants_only: bool = False) -> list[str]:
    """The licenses one paragraph grants: "Licensed to PSF under a Contributor Agreement. ...
    Modifications are dual-licensed: MIT and PSF." grants two. ``grants_only``: not "license
    (MIT)" either."""
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
        dual = _dual_names(flat)
        return [*out, dual] if dual else out
    if out:
        return out  # the contribution line or the dedication is this paragraph's license
    together = _clause_names(flat)
    if together:
        return [together]
    named = _granted_name(para) or _license_url(flat)
    if not named and not grants_only:
        m = _PARENTHESIZED.search(para)
        named = normalize_license(m.group(1)) if m else None
    return [named] if named else []


def _comment_statements(comment: str) -> list[str]:
    """The licenses a bundled library's legal comment states."""
    found = detect_license_text(comment)
    if found:
        return [found]
    return _paragraph_statements(comment) or [b for b in [_bare_name(_flatten(comment))] if b]


def _license_text(head: str, lines: list[str], window: int) -> str | None:
    found = detect_license_text(head)
    if found in _WEAKER_WHEN_CUT and len(lines) > window:
        # Told apart by a clause the window may have cut off: read the whole header text.
        longer = detect_license_text("\n".join(lines[:LONG_HEADER_LINES]))
        if longer == _WEAKER_WHEN_CUT[found]:
            found = longer
    return found


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
        elif _PREPROCESSOR.match(s):
            return i
        elif not s or s.startswith(_COMMENT_START) or _PROLOGUE.match(s):
            continue
        elif m := _DOCSTRING.match(s):
            quote = "" if m.group(1) in s[m.end() :] else m.group(1)
        elif _CODE.search(s):
            return i
    return len(lines)


def _paragraphs(header: str) -> list[str]:
    paras: list[str] = []
    current: list[str] = []
    for line in header.splitlines():
        if _BREAK.match(line):
            if current:
                paras.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        paras.append("\n".join(current))
    return paras


def _flatten(para: str) -> str:
    """A paragraph's sentences on one line, without the comment marks that start its lines
    ("under the terms of the MIT\\n * license found at")."""
    return " ".join(_LINE_MARKS.sub("", line).strip() for line in para.splitlines())


def _module_license(line: str) -> str | None:
    m = _MODULE_LICENSE.match(line.strip())
    return normalize_license(m.group(1)) if m else None


def _code_comments(lines: list[str]) -> list[str]:
    """Runs of comment lines (and one-line ``/* ... */`` comments) among lines of code; not
    the lines of a triple-quoted string (a header the code writes into other files), nor C
    preprocessor lines."""
    runs: list[str] = []
    current: list[str] = []
    in_string = False
    for line in lines:
        s = line.strip()
        quotes = s.count('"""') + s.count("'''")
        if in_string or quotes % 2:
            in_string = in_string != bool(quotes % 2)
            continue
        if s.startswith(("#", "//")) and not _PREPROCESSOR.match(s):
            current.append(s)
            continue
        if current:
            runs.append("\n".join(current))
            current = []
        runs += re.findall(r"/\*.*?\*/", s)
    if current:
        runs.append("\n".join(current))
    return runs


def _clause_names(flat: str) -> str | None:
    """Several licenses named in one clause ("Released under the Apache license 2.0 and
    Mozilla Public License 2.0"), or None when the clause names fewer than two."""
    for m in _UNDER_CLAUSE.finditer(flat):
        names = _strip_license_word(m.group(1))
        if not re.search(r"(?i)\s(?:and|or)\s|/", names):
            continue
        found = normalize_license(names)
        if found and (" AND " in found or " OR " in found):
            return found
    return None


def _dual_names(flat: str) -> str | None:
    m = _DUAL_NAMES.search(flat)
    if not m:
        return None
    names = re.split(r"(?i)\s+(?:and|or)\s+|\s*[,/]\s*", _strip_license_word(m.group(1)))
    ids = [i for n in names if n.strip() and (i := normalize_license(n))]
    if len(ids) < 2 or len(ids) < len([n for n in names if n.strip()]):
        return None
    return " OR ".join(group(i) for i in ids)


def _strip_license_word(names: str) -> str:
    s = re.sub(r"(?i)\s*\blicen[cs]es?\s*$", "", names.strip().rstrip(".,"))
    return re.sub(r"(?i)^(?:the\s+)?(?:terms\s+of\s+(?:the\s+)?)?", "", s).strip()


def _granted_name(para: str) -> str | None:
    """The license a paragraph grants by name (":license: MIT", "Licensed under the MIT
    license"), normalized to SPDX, or None."""
    flat = _flatten(para)
    for i, pattern in enumerate(_GRANTS):
        for m in pattern.finditer(para if i < _LINE_GRANTS else flat):
            name = _CUT.split(m.group(1).strip(), maxsplit=1)[0].strip(" .*/#-")
            found = _GRANT_NAMES.get(name.lower()) or (normalize_license(name) if name else None)
            if found:
                return found
    return None


def _bare_name(flat: str) -> str | None:
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


def _legal_comments(text: str, start: int) -> list[str]:
    """The bundled libraries' legal comments after ``start``: block comments that start with
    ``/*!`` or hold ``@license``, not inside a string (a quote just before them). One pass:
    each comment is skipped to its end, and an unterminated ``/*`` ends the search."""
    out = []
    pos = text.find("/*", start)
    while pos >= 0:
        end = text.find("*/", pos + 2)
        if end < 0:
            break
        comment = text[pos : end + 2]
        quoted = text[max(0, pos - 3) : pos].rstrip()[-1:] in ("'", '"', "`")
        if not quoted and (comment.startswith("/*!") or _LICENSE_TAG.search(comment)):
            out.append(comment)
        pos = text.find("/*", end + 2)
    return out


def _later_license_texts(text: str, start: int) -> list[str]:
    """The licenses whose texts are in comments after ``start`` (read without comment marks,
    from a little before each text's first words). A text in a string literal (a template
    the code writes) is not one."""
    out: list[str] = []
    end = start
    for m in _TEXT_START.finditer(text, start):
        if m.start() < end or not _in_comment(text, m.start()):
            continue
        begin = max(start, text.rfind("\n", start, max(start, m.start() - 600)) + 1)
        end = m.start() + _TEXT_SPAN
        stretch = "\n".join(_LINE_MARKS.sub("", line) for line in text[begin:end].splitlines())
        found = detect_license_text(stretch)
        if found:
            out.append(found)
    return out


def _in_comment(text: str, pos: int) -> bool:
    """Whether ``pos`` is on a comment line (``#``, ``//``, `` * ``) or inside a ``/* */``."""
    line = text[text.rfind("\n", 0, pos) + 1 : pos].lstrip()
    if line.startswith(_COMMENT_START) and not _PREPROCESSOR.match(line):
        return True
    floor = max(0, pos - _BLOCK_LOOKBACK)
    return text.rfind("/*", floor, pos) > text.rfind("*/", floor, pos)


def join_and(exprs: Sequence[str]) -> str | None:
    """``exprs`` joined with AND (each compound one in parentheses), or None when empty."""
    if len(exprs) == 1:
        return exprs[0]
    return " AND ".join(group(e) for e in exprs) or None


def and_terms(expr: str) -> list[str]:
    """The terms of an expression that only joins licenses with AND, else the expression."""
    if " OR " in expr or "(" in expr or " WITH " in expr:
        return [expr]
    return expr.split(" AND ")


def names_new_family(expr: str, exprs: Sequence[str]) -> bool:
    """True when ``expr`` names a license family none of ``exprs`` does (LGPL-2.0-or-later
    beside an LGPL-2.1-or-later notice names none)."""
    return not any(_family(expr) <= _family(e) for e in exprs)


def _distinct(exprs: list[str]) -> list[str]:
    """``exprs`` without repeats, and without a name whose license family a text already
    gave (a GPL notice also says "the GNU General Public License" in words)."""
    out: list[str] = []
    for expr in exprs:
        if expr not in out and names_new_family(expr, out):
            out.append(expr)
    return out


def _family(expr: str) -> frozenset[str]:
    ids = re.findall(r"[A-Za-z0-9.+-]+", expr)
    return frozenset(
        re.sub(r"-(?:\d.*|only|or-later)$", "", i) for i in ids if i not in ("AND", "OR", "WITH")
    )

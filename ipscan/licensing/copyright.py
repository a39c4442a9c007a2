"""Copyright statements and their holders, for attribution.

A statement is the part of a line from its copyright mark on: ``Copyright``, ``(c) <year>``,
``©`` or ``SPDX-FileCopyrightText:``. The mark may stand after comment markers and a lead-in
("# with_metaclass: Copyright ...", "Portions Copyright ...", "Based on six, Copyright ...",
"Derived from six (Copyright ...)"); away from the line's start, ``Copyright`` or ``©`` needs
a year (or ``(c)``) after it, or a lead-in and a capitalized holder. It ends with its comment,
string or parentheses. License-text boilerplate and prose are not statements: "copyright
notice", "copyright holders", "see the copyright file", template placeholders (``<year>``,
``[name of copyright owner]``), and, in license files, the FSF's copyright on the GNU license
text itself or a license text's copyright on itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_STATEMENTS = 12
MAX_LENGTH = 200

_LEADER = re.compile(r"^[\s#/*;!%'\"“”<{|>\-]*(?:rem\s+|dnl\s+)?", re.IGNORECASE)
_MARK = re.compile(r"spdx-filecopyrighttext:|\bcopyright\b|\(c\)|©", re.IGNORECASE)
_CLOSER = re.compile(r"\s*(?:\*/|-->|\*\)|-\}|\"\"\"|''')\s*$")
# Where a statement ends in the line: its comment's end, or a banner's separator
# ("/*! lib v1 | (c) 2020 Foo | MIT */").
_COMMENT_END = re.compile(r"\*/|-->|\s\|\s")
_WINDOW = 2 * MAX_LENGTH
_YEAR_NEXT = re.compile(r"\s*,?\s*(?:19|20)\d\d\b")
# What makes "Copyright" a statement wherever it stands: "(c)", "©" or a year after it.
_STRONG_NEXT = re.compile(r"\s*:?\s*(?:\(c\)|©|\[?(?:19|20)\d\d\b)", re.IGNORECASE)
# A field label before the statement itself: ":copyright: Copyright 2006 by ...".
_LABEL = re.compile(r"[\s:]*copyright\b", re.IGNORECASE)
# What may stand before a mid-line "Copyright <Holder>": a separator ("six, Copyright",
# "name: Copyright", "(Copyright", "six - Copyright") or "Portions"/"Parts".
_LEAD_IN = re.compile(r"(?:[:,;(\[]|\s[-–—]|\bportions|\bparts)\s*$", re.IGNORECASE)
_HOLDER_START = re.compile(
    r"[\s:,.\-]*(?:(?:\((?:r|tm)\)|[®™])\s*)?(?:by\s+)?(?:the\s+)?(\w)", re.IGNORECASE
)
# Words that make "Copyright ..." boilerplate of a license text rather than a statement.
_BOILERPLATE = re.compile(
    r"^copyright[\"”']|^copyright\W*\s+(?:also|line|notices?|holders?|owners?|laws?|licen[cs]e|statements?|protection|"
    r"and|or|to|of|is|in|on|for|from|under|that|this|which|information|act|claims?|"
    r"disclaimer|infringement|status|interest|date|files?|ownership|see|text|terms|years?)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"<[^>@]*>|\[(?:yyyy|year|name|fullname)[^\]]*\]|\{[^}]*\}|name of (?:author|copyright)|"
    r"yyyy|<year>",
    re.IGNORECASE,
)
_FSF = re.compile(r"free software foundation", re.IGNORECASE)
# A license text's copyright on itself: "This License is Copyright © 2005 Lawrence Rosen".
_OWN_TEXT = re.compile(r"\blicen[cs]e\s+(?:text\s+)?is\s*$", re.IGNORECASE)
_YEARS = re.compile(r"\b(?:19|20)\d\d(?:\s*(?:-|–|,|to)\s*(?:(?:19|20)\d\d|present))*\b,?")
_MARKS = re.compile(r"spdx-filecopyrighttext:|copyright|\(c\)|©", re.IGNORECASE)
_EMAIL_URL = re.compile(r"<[^>]*>|\([^)]*@[^)]*\)|\S+@\S+|https?://\S+")
_RESERVED = re.compile(r"all rights(?: reserved)?\.?", re.IGNORECASE)
_TRADEMARK = re.compile(r"\((?:r|tm)\)|[®™]", re.IGNORECASE)
# What follows the holder about the license: "..., see LICENSE", ". Licensed ...", "(MIT license)".
_LICENSE_TAIL = re.compile(
    r"(?:[.;,]\s+|\s*\()(?=[^.;]*\b(?:licen[cs]ed?|released|distributed|see|spdx)\b).*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about who holds the copyright.
_WEAK = frozenset(
    [
        "and",
        "the",
        "by",
        "contributors",
        "contributor",
        "authors",
        "author",
        "other",
        "others",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "corp",
        "corporation",
        "co",
        "company",
        "team",
        "developers",
        "individual",
        "see",
        "git",
        "history",
    ]
)


def copyright_statements(
    text: str,
    max_lines: int | None = None,
    license_file: bool = False,
    limit: int | None = MAX_STATEMENTS,
) -> tuple[str, ...]:
    """The copyright statements of ``text`` (its first ``max_lines`` lines), in order, unique.

    ``license_file``: the text is a license file, so the FSF's copyright on the GNU license
    texts is not the project's. ``limit``: how many to keep (None: all).
    """
    found: list[str] = []
    lines = text.splitlines()
    for raw in lines[:max_lines] if max_lines else lines:
        statement = statement_in(raw, license_file)
        if not statement or statement in found:
            continue
        found.append(statement)
        if limit is not None and len(found) >= limit:
            break
    return tuple(found)


def statement_in(line: str, license_file: bool = False) -> str:
    """The first copyright statement of one line, from its mark on; "" when it holds none."""
    if not _MARKS.search(line):
        return ""
    line = _LEADER.sub("", line.strip())
    for mark in _MARK.finditer(line):
        if not _is_mark(line, mark):
            continue
        statement = _statement_from(line, mark.start())
        if _BOILERPLATE.match(statement) or _PLACEHOLDER.search(statement):
            continue
        if license_file and _OWN_TEXT.search(_before(line, mark.start())):
            return ""
        if license_file and _FSF.search(statement):
            continue
        if holder_of(statement):
            return statement
    return ""


def _before(line: str, start: int) -> str:
    # Only what stands just before a mark: a minified line may hold many marks.
    return line[max(0, start - _WINDOW) : start]


def _is_mark(line: str, mark: re.Match[str]) -> bool:
    """Whether ``mark`` starts a statement rather than a word of prose."""
    word = mark.group().lower()
    after = mark.end()
    before = _before(line, mark.start())
    if word == "(c)":
        return bool(_YEAR_NEXT.match(line, after))
    if word == "©" and (not before or _YEAR_NEXT.match(line, after)):
        return True
    if word == "copyright" and _LABEL.match(line, after):
        return False
    if word.startswith("spdx") or (word == "copyright" and _STRONG_NEXT.match(line, after)):
        return True
    # "Copyright <Holder>" (or "©") without a year: at the line's start or after a lead-in, and
    # only when a capitalized name follows, so "copyright file" or "copyright must" is prose.
    if before and not _LEAD_IN.search(before):
        return False
    start = _HOLDER_START.match(line, after)
    if not start:
        return False
    first = start.group(1)
    # A number only at the line's start: "Copyright 202-present, ..." (a year with a typo).
    return first.isupper() or not first.isascii() or (not before and first.isdigit())


def _statement_from(line: str, start: int) -> str:
    """The statement from ``start`` to the end of its comment, string or parentheses."""
    before = _before(line, start)
    statement = _COMMENT_END.split(line[start : start + _WINDOW], maxsplit=1)[0]
    statement = _CLOSER.sub("", statement).rstrip()
    # Inside a string literal the quote that closes it is not part of it.
    for quote in "\"'":
        if statement.endswith(quote) and before.count(quote) % 2:
            statement = statement[:-1]
    if before.rstrip().endswith("("):
        depth = 1
        for i, ch in enumerate(statement):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0:
                statement = statement[:i]
                break
    return " ".join(statement.split())[:MAX_LENGTH]


def holder_of(statement: str) -> str:
    """Who a statement names: ``Copyright (c) 2010-2024 Pallets <x@y>`` → ``Pallets``."""
    s = _EMAIL_URL.sub(" ", statement)
    s = _RESERVED.sub(" ", s)
    s = _TRADEMARK.sub(" ", s)
    s = _MARKS.sub(" ", s)
    s = _YEARS.sub(" ", s)
    s = re.sub(r"^\W*(?:by\b)?\W*", "", " ".join(s.split()))
    s = _LICENSE_TAIL.sub("", s)
    s = s.strip(" .,;:-[]()*\"'`")
    return s if re.search(r"[A-Za-z]", s) else ""


def _significant(text: str) -> set[str]:
    words = set(_WORD.findall(text.lower()))
    return (words - _WEAK) or words


def holder_named(holder: str, statements: Iterable[str]) -> bool:
    """True when one of ``statements`` names ``holder`` (its significant words all appear)."""
    wanted = _significant(holder)
    if not wanted:
        return False
    return any(wanted <= set(_WORD.findall(s.lower())) for s in statements)

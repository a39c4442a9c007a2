"""Copyright statements and their holders, for attribution.

A statement is a line that starts (after comment markers) with ``Copyright``, ``(c) <year>``,
``©`` or ``SPDX-FileCopyrightText:``. License-text boilerplate is not a statement: "copyright
notice", "copyright holders", template placeholders (``<year>``, ``[name of copyright owner]``),
and, in license files, the FSF's copyright on the GNU license text itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_STATEMENTS = 12
MAX_LENGTH = 200

_LEADER = re.compile(r"^[\s#/*;!%'\"“”<{|>\-]*(?:rem\s+|dnl\s+)?", re.IGNORECASE)
_START = re.compile(r"spdx-filecopyrighttext:|copyright\b|\(c\)\s*\d|©", re.IGNORECASE)
_CLOSER = re.compile(r"\s*(?:\*/|-->|\*\)|-\}|\"\"\"|''')\s*$")
# Words that make "Copyright ..." boilerplate of a license text rather than a statement.
_BOILERPLATE = re.compile(
    r"^copyright[\"”']|^copyright\W*\s+(?:also|line|notices?|holders?|owners?|laws?|licen[cs]e|statements?|protection|"
    r"and|or|to|of|is|in|on|for|from|under|that|this|which|information|act|claims?|"
    r"disclaimer|infringement|status|interest|date)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"<[^>@]*>|\[(?:yyyy|year|name|fullname)[^\]]*\]|\{[^}]*\}|name of (?:author|copyright)|"
    r"yyyy|<year>",
    re.IGNORECASE,
)
_FSF = re.compile(r"free software foundation", re.IGNORECASE)
_YEARS = re.compile(r"\b(?:19|20)\d\d(?:\s*(?:-|–|,|to)\s*(?:(?:19|20)\d\d|present))*\b,?")
_MARKS = re.compile(r"spdx-filecopyrighttext:|copyright|\(c\)|©", re.IGNORECASE)
_EMAIL_URL = re.compile(r"<[^>]*>|\([^)]*@[^)]*\)|\S+@\S+|https?://\S+")
_RESERVED = re.compile(r"all rights reserved\.?", re.IGNORECASE)
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
    text: str, max_lines: int | None = None, license_file: bool = False
) -> tuple[str, ...]:
    """The copyright statements of ``text`` (its first ``max_lines`` lines), in order, unique.

    ``license_file``: the text is a license file, so the FSF's copyright on the GNU license
    texts is not the project's.
    """
    found: list[str] = []
    lines = text.splitlines()
    for raw in lines[:max_lines] if max_lines else lines:
        line = _LEADER.sub("", raw.strip())
        if not _START.match(line):
            continue
        line = _CLOSER.sub("", line)
        line = " ".join(line.split())[:MAX_LENGTH]
        if _BOILERPLATE.match(line) or _PLACEHOLDER.search(line):
            continue
        if license_file and _FSF.search(line):
            continue
        if not holder_of(line) or line in found:
            continue
        found.append(line)
        if len(found) >= MAX_STATEMENTS:
            break
    return tuple(found)


def holder_of(statement: str) -> str:
    """Who a statement names: ``Copyright (c) 2010-2024 Pallets <x@y>`` → ``Pallets``."""
    s = _EMAIL_URL.sub(" ", statement)
    s = _RESERVED.sub(" ", s)
    s = _MARKS.sub(" ", s)
    s = _YEARS.sub(" ", s)
    s = re.sub(r"^\W*(?:by\b)?\W*", "", " ".join(s.split()))
    s = s.strip(" .,;:-[]()*")
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

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

This module puts the parts together: ``header_window`` finds the header and the comments,
``statements`` reads what a paragraph grants, ``bundled`` reads what the file carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from ipscan.licensing.bundled import comment_statements
from ipscan.licensing.bundled import later_license_texts
from ipscan.licensing.bundled import legal_comments
from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT
from ipscan.licensing.header_window import code_comments
from ipscan.licensing.header_window import flatten
from ipscan.licensing.header_window import header_end
from ipscan.licensing.header_window import paragraphs
from ipscan.licensing.known_headers import known_bsd_variant
from ipscan.licensing.statements import DUAL
from ipscan.licensing.statements import MENTIONS
from ipscan.licensing.statements import bare_name
from ipscan.licensing.statements import clause_names
from ipscan.licensing.statements import module_license
from ipscan.licensing.statements import paragraph_statements
from ipscan.licensing.texts import detect_license_text
from ipscan.licensing.texts import group

HEADER_LINES = 60
LONG_HEADER_LINES = 150
# Variants told from a stronger one only by a missing clause (the notice condition, the
# "endorse or promote" clause): a license text the header window cuts off reads as these.
_WEAKER_WHEN_CUT = {"0BSD": "ISC", "MIT-0": "MIT", "BSD-2-Clause": "BSD-3-Clause"}

# "Alternatively, this file may be used under the terms of ...": a choice with the statement
# before it.
_ALTERNATIVELY = re.compile(r"(?i)^\W*alternatively\b")
# "BSD-style license", "the NumPy (BSD style) license": a BSD license, variant unsaid.
_BSD_FAMILY = re.compile(r"(?i)\bBSD[- ]?(?:style|like|type)?\)?\s+licen[cs]e")
# A statement that covers part of the file ("Portions of this module use code from", "With
# parts by", "This code was modified from latin1prober.py", "Based on an original by ..., but
# modified here"): the rest of the file is under its package's license.
_PARTIAL = re.compile(
    r"(?i)\bportions\s+(?:of\s+this|copyright|\(c\))|\bwith\s+parts\s+by\b|\bparts\s+of\s+this\b"
    r"|\buses\s+(?:material|code)\s+from\b|\bbased\s+on\s+an?\s+original\b|\bmodified\s+here\b"
    r"|\b(?:code|file|module|source|class|function|version)\s+(?:\w+\s+){0,3}?modified\s+from\b"
)


@dataclass(frozen=True)
class HeaderLicense:
    """What a file says of its license.

    ``statements``: each license statement found, an SPDX expression, in order and distinct;
    ``named_together``: those that name two licenses in one clause ("Released under the
    Apache license 2.0 and Mozilla Public License 2.0"), where whether it is a choice is the
    package's to say; ``bsd_family``: a statement names "a BSD-style license" without its
    variant; ``partial``: a statement covers only part of the file, so its package's license
    covers the rest; ``bsd_hint``: the BSD variant a well-known boilerplate that names no
    variant stands for (``known_headers``), for when the package says none."""

    statements: tuple[str, ...] = ()
    named_together: tuple[str, ...] = ()
    bsd_family: bool = False
    partial: bool = False
    bsd_hint: str | None = None

    @property
    def expr(self) -> str | None:
        """Every statement joined with ``AND``, or None when there is none."""
        return join_and([t for s in self.statements for t in and_terms(s)])


def read_header(text: str) -> HeaderLicense:
    """The license statements of ``text``: its header's, grants in comments among its first
    lines of code, and the legal comments and license texts of what it bundles."""
    kept = text.splitlines(keepends=True)[:LONG_HEADER_LINES]
    lines = [line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") for line in kept]
    end = header_end(lines)
    # A header comment longer than the usual window is read to its end (up to 150 lines).
    window = max(HEADER_LINES, min(end, LONG_HEADER_LINES))
    head = "\n".join(lines[:window])
    header = "\n".join(lines[: min(end, window)])
    found = _Found()
    comments = code_comments(lines[end:window])
    if MENTIONS.search(head):
        _read_window(found, head, lines, window, header)
        found.add_all(m for line in lines[end:window] if (m := module_license(line)))
        for comment in comments:
            found.add_all(paragraph_statements(comment, grants_only=True), partial=True)
    header_chars = sum(len(line) for line in kept[:end])
    window_chars = sum(len(line) for line in kept[:window])
    for comment in legal_comments(text, header_chars):
        found.add_all(comment_statements(comment), partial=True)
    found.add_all(later_license_texts(text, window_chars), partial=True)
    exprs = _distinct(found.exprs)
    prose = "\n".join([header, *comments])
    # "the NumPy (BSD style) license": which BSD is the package's to say. Not in a dual
    # statement ("the Apache License, Version 2.0, and the BSD License"): there the package's
    # license keeps the choice.
    bsd_family = (
        _BSD_FAMILY.search(flatten(prose)) is not None
        and not DUAL.search(prose)
        and not any("BSD-" in e for e in exprs)
    )
    marked = bool(exprs or bsd_family) and _PARTIAL.search(prose) is not None
    return HeaderLicense(
        statements=tuple(exprs),
        named_together=tuple(e for e in found.named_together if e in exprs),
        bsd_family=bsd_family,
        partial=found.partial or marked,
        bsd_hint=known_bsd_variant(flatten(header)),
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
    for para in paragraphs(header):
        if detect_license_text(para):
            continue  # part of a license text, read whole above
        statements = paragraph_statements(para)
        if not statements:
            if not DUAL.search(flatten(para)):  # an unread choice: the package's to say
                bare += [b for b in [bare_name(flatten(para))] if b]
            continue
        if statements == [clause_names(flatten(para))]:
            found.named_together += statements
        if grants and _ALTERNATIVELY.match(flatten(para)):
            grants[-1] = f"{group(grants[-1])} OR {group(join_and(statements) or '')}"
        else:
            grants += statements
    found.exprs += grants or bare[:1]


def _license_text(head: str, lines: list[str], window: int) -> str | None:
    found = detect_license_text(head)
    if found in _WEAKER_WHEN_CUT and len(lines) > window:
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
        "BSD" if i == BSD_UNKNOWN_VARIANT else re.sub(r"-(?:\d.*|only|or-later)$", "", i)
        for i in ids
        if i not in ("AND", "OR", "WITH")
    )

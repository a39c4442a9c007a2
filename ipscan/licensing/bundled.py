"""The licenses of what a source file bundles: the legal comments a bundler keeps for the
libraries it carries (``/*! ... */``, ``@license``) and license texts in comments far into a
file. Each covers the code near it, not the file.
"""

from __future__ import annotations

import re

from ipscan.licensing.header_window import flatten
from ipscan.licensing.header_window import is_comment_line
from ipscan.licensing.header_window import without_marks
from ipscan.licensing.statements import bare_name
from ipscan.licensing.statements import paragraph_statements
from ipscan.licensing.texts import detect_license_text

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


def legal_comments(text: str, start: int) -> list[str]:
    """The bundled libraries' legal comments after ``start``: block comments that start with
    ``/*!`` or hold ``@license``, not inside a string (a quote just before them). One pass:
    each comment is skipped to its end, and an unterminated ``/*`` ends the search."""
    out: list[str] = []
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


def comment_statements(comment: str) -> list[str]:
    """The licenses a bundled library's legal comment states."""
    found = detect_license_text(comment)
    if found:
        return [found]
    return paragraph_statements(comment) or [b for b in [bare_name(flatten(comment))] if b]


def later_license_texts(text: str, start: int) -> list[str]:
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
        stretch = "\n".join(without_marks(line) for line in text[begin:end].splitlines())
        found = detect_license_text(stretch)
        if found:
            out.append(found)
    return out


def _in_comment(text: str, pos: int) -> bool:
    """Whether ``pos`` is on a comment line (``#``, ``//``, `` * ``) or inside a ``/* */``."""
    line = text[text.rfind("\n", 0, pos) + 1 : pos].lstrip()
    if is_comment_line(line):
        return True
    floor = max(0, pos - _BLOCK_LOOKBACK)
    return text.rfind("/*", floor, pos) > text.rfind("*/", floor, pos)

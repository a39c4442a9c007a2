"""Where a source file's license statements are: its header, read as paragraphs, and the
comments among its first lines of code.

The header is the comments, docstring and blank lines before the first line of code; a
paragraph of it ends at a blank line or a line of only comment marks. Below it, runs of
comment lines (not the lines of a triple-quoted string, nor C preprocessor lines) are read on
their own. How each paragraph or comment reads is ``ipscan.licensing.statements``'s job.
"""

from __future__ import annotations

import re

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


def header_end(lines: list[str]) -> int:
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


def paragraphs(header: str) -> list[str]:
    """The paragraphs of ``header``, split at blank lines and lines of only comment marks."""
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


def without_marks(line: str) -> str:
    """``line`` without the comment marks that start it (``#``, ``//``, `` * ``, ``--``)."""
    return _LINE_MARKS.sub("", line)


def flatten(para: str) -> str:
    """A paragraph's sentences on one line, without the comment marks that start its lines
    ("under the terms of the MIT\\n * license found at")."""
    return " ".join(without_marks(line).strip() for line in para.splitlines())


def is_comment_line(line: str) -> bool:
    """Whether ``line`` (without leading space) starts a comment (``#``, ``//``, ``*``, ...)
    and is not a C preprocessor line."""
    return line.startswith(_COMMENT_START) and not _PREPROCESSOR.match(line)


def code_comments(lines: list[str]) -> list[str]:
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

"""Where a unit's signature ends and its body begins.

Two implementations of one interface share their signatures word for word (serde's
``fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error> where S: Serializer``,
``Iterator::fold``'s, an ``io::Write``'s ``write``): the interface fixes them, so a match on them
alone says nothing about the bodies (``ipscan.scan``'s signature rule).
"""

from __future__ import annotations

from ipscan.records import TokenColumns

_OPEN = frozenset({"(", "["})
_CLOSE = frozenset({")", "]"})


def body_line(tokens: TokenColumns, lo: int, hi: int, language: str) -> int:
    """The line of the first token of the body of the unit ``tokens[lo:hi]``: what follows its
    first ``{`` outside parentheses and brackets (Python: the ``:`` closing a ``def``); 0 when
    there is none (an arrow function's expression, a window of top-level code)."""
    python = language == "python"
    opener = ":" if python else "{"
    depth, seen_def = 0, not python
    texts = tokens.texts
    for i in range(lo, hi):
        t = texts[i]
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth = max(depth - 1, 0)
        elif t == "def":
            seen_def = True
        elif t == opener and depth == 0 and seen_def:
            return tokens.lines[i + 1] if i + 1 < hi else 0
    return 0

"""The lines of a small file under its name: what a vendored file patched in a line or two keeps.

A vendored umbrella header with one more ``#include``, a version module whose number moved, a
header whose copyright year was bumped: each keeps neither of its digests, and too few raw tokens
run on unbroken for a verbatim region (``ipscan.match.verbatim``). Its lines, though, are still
almost all upstream's. SCANOSS and winnowing tools catch such a file by its text; this sketch
lets ipscan do so without storing the text: one 64-bit hash per distinct line of a small file,
the line's blanks removed (a re-indented copy keeps its lines) and the file's base name mixed in
(a file is only ever compared with indexed files of its own name, which keeps the lookup to a
handful of rows and unrelated files of other names out). The top bit says whether the line
holds code, so a match can ask for shared code, not only a shared license header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from ipscan.tuning import MAX_SKETCH_LINES
from ipscan.tuning import MIN_SKETCH_LINE_CHARS

# Bump when what a sketch holds or how it hashes changes: an index of another scheme is scanned
# without its sketches.
SKETCH_SCHEME = 1
CODE_BIT = np.uint64(1 << 63)
_BLANKS = str.maketrans("", "", " \t\r\n\f\v")
EMPTY_SKETCH = np.zeros(0, dtype=np.uint64)


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def base_name(path: str) -> str:
    """The last part of a slash-separated path."""
    return path.rsplit("/", 1)[-1]


def line_sketch(name: str, text: str, code_lines: Iterable[int]) -> np.ndarray:
    """Sorted distinct hashes of ``text``'s lines of at least ``MIN_SKETCH_LINE_CHARS``
    non-blank characters, each mixed with the base ``name``; ``code_lines`` (1-based) are the
    lines that hold code. Empty for a file of more than ``MAX_SKETCH_LINES`` such lines (a big
    file has raw-token regions) and for a nameless one."""
    if not name:
        return EMPTY_SKETCH
    numbers: dict[str, list[int]] = {}
    for number, line in enumerate(text.split("\n"), start=1):  # tree-sitter rows
        bare = line.translate(_BLANKS)
        if len(bare) >= MIN_SKETCH_LINE_CHARS:
            numbers.setdefault(bare, []).append(number)
            if len(numbers) > MAX_SKETCH_LINES:
                return EMPTY_SKETCH
    code = set(code_lines)
    prefix = base_name(name).encode("utf-8", "surrogatepass") + b"\x00"
    seen = {bare: any(n in code for n in where) for bare, where in numbers.items()}
    out = np.fromiter(
        (
            (_hash64(prefix + bare.encode("utf-8", "surrogatepass")) >> 1)
            | (1 << 63 if is_code else 0)
            for bare, is_code in seen.items()
        ),
        dtype=np.uint64,
        count=len(seen),
    )
    return np.unique(out)


def code_count(sketch: np.ndarray) -> int:
    """How many of a sketch's lines hold code."""
    return int(np.count_nonzero(sketch & CODE_BIT))

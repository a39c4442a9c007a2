"""The normalized token stream of a tree-sitter tree.

Tokens. Every leaf of the syntax tree, in byte order, except comments and the formatting-only
leaves a language lists in ``skip_types`` (Python line continuations, shebang lines). Identifier
leaves become ``ID``; a literal node (string with its interpolations, number, char, boolean,
null, regex) becomes one ``LIT`` and is not descended into; every other leaf keeps its node type,
which for keywords and operators is their text and for named leaves such as C's
``primitive_type`` is the type name. Dropped as formatting: ``;`` (inserted or removed by
formatters and automatic semicolon insertion), the newline that ends a C preprocessor line,
zero-width leaves (tree-sitter MISSING nodes) and
childless ERROR nodes. Trailing commas are kept.
"""

from __future__ import annotations

import numpy as np
from tree_sitter import Node

from ipscan.extract.languages.base import LanguageSpec
from ipscan.records import TokenColumns

# An expression function (arrow, lambda, closure) inside a top-level statement splits that
# statement into parts only when it spans at least this many lines.
_MIN_EXPRESSION_FUNCTION_LINES = 3
# Anonymous leaves dropped from the token stream as formatting.
_DROPPED = frozenset({";", "\n"})


def tokenize(root: Node, spec: LanguageSpec, data: bytes) -> tuple[TokenColumns, list[int]]:
    """The normalized tokens under ``root``, and the start bytes of functions that count.

    A function counts when it has a body and, if it is an expression function, spans at least
    ``_MIN_EXPRESSION_FUNCTION_LINES`` lines. Walks with one TreeCursor: no recursion. ``data``
    are the parsed bytes: each token's line is found from its start byte in one pass over all
    tokens, not asked of every node.
    """
    identifiers = spec.identifier_types
    literals = spec.literal_types
    skipped = spec.comment_types | spec.skip_types
    functions = spec.function_types
    expression_functions = spec.expression_function_types
    kinds: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    func_starts: list[int] = []
    if root.child_count == 0:
        return TokenColumns.empty(), func_starts
    add_kind, add_start, add_end = kinds.append, starts.append, ends.append
    cursor = root.walk()
    while True:
        node = cursor.node
        assert node is not None  # a cursor over a tree always stands on a node
        kind = node.type
        if kind in literals or kind in identifiers:
            start = node.start_byte
            end = node.end_byte
            if end > start:
                add_kind("LIT" if kind in literals else "ID")
                add_start(start)
                add_end(end)
        elif kind not in skipped:
            if kind in functions and _counts(node, kind in expression_functions):
                func_starts.append(node.start_byte)
            if cursor.goto_first_child():
                continue
            start = node.start_byte
            end = node.end_byte
            if end > start and kind not in _DROPPED and kind != "ERROR":
                add_kind(kind)
                add_start(start)
                add_end(end)
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                lines = [row + 1 for row in _rows(data, starts)]
                return TokenColumns(kinds, lines, starts, ends), func_starts


def _rows(data: bytes, starts: list[int]) -> list[int]:
    """The 0-based row of each byte offset in ``starts``, as tree-sitter counts rows (by
    newline bytes)."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    rows: list[int] = np.searchsorted(newlines, np.asarray(starts, dtype=np.int64)).tolist()
    return rows


def _counts(node: Node, expression: bool) -> bool:
    """Whether a function node found inside a statement makes the statement worth opening."""
    if node.child_by_field_name("body") is None:
        return False
    if not expression:
        return True
    return node.end_point[0] - node.start_point[0] + 1 >= _MIN_EXPRESSION_FUNCTION_LINES

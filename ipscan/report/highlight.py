"""Syntax colours for the HTML report's code excerpts, from the tree-sitter grammars a scan
already parses with (issue #18: Pygments was 8.6 MB of the install for this alone).

Every byte of the file is HTML-escaped once, in order: comments and string literals are
coloured as a whole, other leaves of the syntax tree by kind (keyword, number, operator,
function or type name), and the text between leaves is escaped without colour. A file of no
supported language, one too large, or one whose tree cannot be read is escaped without colours.
A file with syntax errors is still coloured: tree-sitter recovers, and its leaves keep their
kinds. Class names keep Pygments' short token names (``pg-k`` keyword, ``pg-s`` string, ...)
so style sheets written for earlier reports still apply.
"""

from __future__ import annotations

import contextlib
import re

from tree_sitter import Node

from ipscan.extract.languages import get_parser
from ipscan.extract.languages import language_for_file
from ipscan.extract.languages.base import LanguageSpec
from ipscan.report.html_parts import esc

MAX_HIGHLIGHT = 2_000_000  # characters; larger files are shown without syntax colours

KEYWORD = "pg-k"
STRING = "pg-s"
COMMENT = "pg-c"
NUMBER = "pg-m"
OPERATOR = "pg-o"
FUNCTION = "pg-nf"
TYPE = "pg-nc"

# Node types across the eight grammars (a type name means the same thing in each grammar that
# has it). String-like nodes are coloured whole, interpolations and escapes included; a
# concatenation of strings is not one of them, so the comments between its parts keep theirs.
_STRINGS = frozenset(
    {
        "string",
        "template_string",
        "regex",
        "string_literal",
        "raw_string_literal",
        "interpreted_string_literal",
        "char_literal",
        "character_literal",
        "rune_literal",
        "system_lib_string",
    }
)
_NUMBERS = frozenset(
    {
        "integer",
        "float",
        "number",
        "number_literal",
        "int_literal",
        "integer_literal",
        "float_literal",
        "imaginary_literal",
        "decimal_integer_literal",
        "hex_integer_literal",
        "octal_integer_literal",
        "binary_integer_literal",
        "decimal_floating_point_literal",
        "hex_floating_point_literal",
    }
)
# Named leaves that read as keywords (anonymous word leaves such as ``def`` already do):
# constants, and built-in types (``int`` in C, ``u32`` in Rust), as Pygments colours them.
_KEYWORD_LEAVES = frozenset(
    {
        *("true", "false", "none", "null", "nil", "undefined", "null_literal"),
        *("this", "super", "self"),
        *("primitive_type", "predefined_type", "void_type", "boolean_type", "auto"),
    }
)
# Anonymous leaves shown without colour: brackets and separators are not operators.
_PUNCTUATION = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "::"})
# An anonymous leaf spelled like a word (``def``, ``#include``) is a keyword.
_WORD = re.compile(r"#?[A-Za-z_][A-Za-z0-9_]*")
# How many ``name`` / ``declarator`` fields are followed from a function to its name leaf
# (C: function_definition > pointer_declarator > function_declarator > identifier).
_NAME_DEPTH = 6

# A coloured piece of the file: start byte, end byte, CSS class.
Piece = tuple[int, int, str]


def highlighted_lines(path: str, text: str) -> list[str]:
    """The file's lines as HTML: escaped, coloured by the language of its name (or shebang).

    ``\\r\\n`` counts as one line end; the result has one string per line of ``text``, without
    line ends, and no tag spans two lines.
    """
    text = text.replace("\r\n", "\n")
    data = text.encode("utf-8", "surrogatepass")
    spec = language_for_file(path, data) if len(text) <= MAX_HIGHLIGHT else None
    html = esc(text)
    # ValueError: the parser gave no tree; UnicodeDecodeError: a piece cut inside a character.
    # Either way the file is shown without colours.
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        if spec is not None:
            html = _render(data, _pieces(data, spec))
    lines = html.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _pieces(data: bytes, spec: LanguageSpec) -> list[Piece]:
    """The coloured pieces of the tree, in byte order, none overlapping. One TreeCursor walk
    (no recursion: generated code can nest thousands of levels deep)."""
    root = get_parser(spec.name).parse(data).root_node
    pieces: list[Piece] = []
    names: dict[int, str] = {}  # start byte of a function's or class's name leaf -> class
    cursor = root.walk()
    while True:
        node = cursor.node
        assert node is not None  # a cursor over a tree always stands on a node
        kind = node.type
        whole = _whole_class(node, spec)
        if whole is not None:
            pieces.append((node.start_byte, node.end_byte, whole))
        else:
            if kind in spec.function_types or kind in spec.class_types:
                _mark_name(node, FUNCTION if kind in spec.function_types else TYPE, names)
            if cursor.goto_first_child():
                continue
            cls = names.get(node.start_byte) if node.is_named else None
            cls = cls or _leaf_class(node)
            if cls is not None and node.end_byte > node.start_byte:
                pieces.append((node.start_byte, node.end_byte, cls))
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return pieces


def _whole_class(node: Node, spec: LanguageSpec) -> str | None:
    """The class of a node coloured as a whole, children included, or None."""
    if not node.is_named:
        return None
    kind = node.type
    if kind in spec.comment_types:
        return COMMENT
    if kind in _STRINGS:
        return STRING
    if kind in _NUMBERS:
        return NUMBER
    return None


def _leaf_class(node: Node) -> str | None:
    kind = node.type
    if node.is_named:
        if kind in _KEYWORD_LEAVES:
            return KEYWORD
        return TYPE if kind == "type_identifier" else None
    if _WORD.fullmatch(kind):
        return KEYWORD
    if kind in _PUNCTUATION or not kind.strip():
        return None
    return OPERATOR


def _mark_name(node: Node, cls: str, names: dict[int, str]) -> None:
    """Note the leaf that names a function or class (through C declarators and C++ qualified
    names), so the walk colours it when it gets there."""
    for _ in range(_NAME_DEPTH):
        nxt = node.child_by_field_name("name") or node.child_by_field_name("declarator")
        if nxt is None:
            break
        node = nxt
    if node.is_named and node.child_count == 0:
        names[node.start_byte] = cls


def _render(data: bytes, pieces: list[Piece]) -> str:
    """``data`` as escaped HTML with ``pieces`` wrapped in spans; every byte appears once, and a
    piece that spans lines is closed at each line end and reopened after it."""
    out: list[str] = []
    pos = 0
    for start, end, cls in pieces:
        start = max(start, pos)
        if end <= start:
            continue
        out.append(esc(data[pos:start].decode("utf-8", "surrogatepass")))
        parts = data[start:end].decode("utf-8", "surrogatepass").split("\n")
        out.append("\n".join(f'<span class="{cls}">{esc(p)}</span>' if p else "" for p in parts))
        pos = end
    out.append(esc(data[pos:].decode("utf-8", "surrogatepass")))
    return "".join(out)

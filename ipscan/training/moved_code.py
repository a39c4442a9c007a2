"""Rewrites that move code without changing what it does: the reorderings a copier makes.

Each returns byte edits ``(start, end, new text)`` of a parsed file, within ``[start, end)``,
or None when the code has nothing of the kind to move:

- ``members_reordered``: the methods or functions of a class body or file in another order;
- ``statements_reordered``: up to three pairs of adjacent independent statements swapped (no
  identifier in common, at most one of them calling anything);
- ``declarations_split``: up to three ``T x = e;`` declarations written ``T x; x = e;``.
"""

from __future__ import annotations

import itertools
import random

from tree_sitter import Node

Edit = tuple[int, int, str]

_CONTAINERS = frozenset(
    {
        "class_body",
        "declaration_list",
        "field_declaration_list",
        "program",
        "translation_unit",
        "source_file",
        "module",
        "block",
        "statement_block",
    }
)
_MEMBERS = frozenset(
    {
        "method_declaration",
        "constructor_declaration",
        "function_definition",
        "function_declaration",
        "method_definition",
        "function_item",
    }
)
_SIMPLE_STATEMENTS = frozenset(
    {
        "expression_statement",
        "local_variable_declaration",
        "declaration",
        "lexical_declaration",
        "variable_declaration",
        "short_var_declaration",
        "let_declaration",
    }
)
_CALLS = frozenset({"method_invocation", "call_expression", "call", "object_creation_expression"})
_BLOCKS = frozenset({"block", "statement_block", "compound_statement", "statement_list"})
_MOST_EDITS = 3


def _walk(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def _inside(node: Node, start: int, end: int) -> bool:
    return start <= node.start_byte and node.end_byte <= end


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def members_reordered(
    root: Node, data: bytes, start: int, end: int, rng: random.Random
) -> list[Edit] | None:
    """The functions of one class body or file (two or more) shuffled into a new order."""
    groups = []
    for n in _walk(root):
        if n.type not in _CONTAINERS:
            continue
        members = [c for c in n.named_children if c.type in _MEMBERS and _inside(c, start, end)]
        if len(members) >= 2:
            groups.append(members)
    if not groups:
        return None
    members = rng.choice(groups)
    order = list(range(len(members)))
    while order == sorted(order):
        rng.shuffle(order)
    return [
        (m.start_byte, m.end_byte, _text(data, members[j]))
        for m, j in zip(members, order, strict=True)
    ]


def _names(node: Node) -> set[bytes]:
    return {n.text or b"" for n in _walk(node) if n.child_count == 0 and "identifier" in n.type}


def _calls(node: Node) -> bool:
    return any(n.type in _CALLS for n in _walk(node))


def statements_reordered(
    root: Node, data: bytes, start: int, end: int, rng: random.Random
) -> list[Edit] | None:
    """Up to three pairs of adjacent statements that share no identifier swapped."""
    pairs = []
    for n in _walk(root):
        if n.type not in _BLOCKS and n.type not in ("program", "module"):
            continue
        kids = [c for c in n.named_children if "comment" not in c.type]
        for a, b in itertools.pairwise(kids):
            if a.type not in _SIMPLE_STATEMENTS or b.type not in _SIMPLE_STATEMENTS:
                continue
            if not (_inside(a, start, end) and _inside(b, start, end)):
                continue
            if _names(a) & _names(b) or (_calls(a) and _calls(b)):
                continue
            pairs.append((a, b))
    rng.shuffle(pairs)
    edits: list[Edit] = []
    used: set[int] = set()
    for a, b in pairs:
        if a.start_byte in used or b.start_byte in used:
            continue
        used.update((a.start_byte, b.start_byte))
        edits += [
            (a.start_byte, a.end_byte, _text(data, b)),
            (b.start_byte, b.end_byte, _text(data, a)),
        ]
        if len(edits) >= 2 * _MOST_EDITS:
            break
    return edits or None


def _split(data: bytes, decl: Node) -> str | None:
    """``T x; x = e;`` for a declaration ``T x = e;`` of one plain name, else None."""
    declarators = [
        c for c in decl.named_children if c.type in ("variable_declarator", "init_declarator")
    ]
    kind = decl.child_by_field_name("type")
    if len(declarators) != 1 or kind is None or _text(data, kind) in ("var", "auto"):
        return None
    if any(c.type == "modifiers" or c.type == "type_qualifier" for c in decl.named_children):
        return None
    d = declarators[0]
    name = d.child_by_field_name("name") or d.child_by_field_name("declarator")
    value = d.child_by_field_name("value")
    if name is None or value is None or name.type != "identifier":
        return None
    if value.type in ("array_initializer", "initializer_list"):
        return None
    line_start = data.rfind(b"\n", 0, decl.start_byte) + 1
    indent = data[line_start : decl.start_byte].decode("utf-8", "replace")
    indent = indent if not indent.strip() else " "
    named = _text(data, name)
    return f"{_text(data, kind)} {named};\n{indent}{named} = {_text(data, value)};"


def declarations_split(
    root: Node, data: bytes, start: int, end: int, rng: random.Random
) -> list[Edit] | None:
    """Up to three initialized declarations inside blocks split into declaration and assignment."""
    found = []
    for n in _walk(root):
        if n.type not in ("local_variable_declaration", "declaration"):
            continue
        if n.parent is None or n.parent.type not in _BLOCKS or not _inside(n, start, end):
            continue
        new = _split(data, n)
        if new is not None:
            found.append((n.start_byte, n.end_byte, new))
    if not found:
        return None
    return sorted(rng.sample(found, min(_MOST_EDITS, len(found))))

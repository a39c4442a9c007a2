"""The language of a piece of code that has no file name: the grammar that parses it best.

A pasted snippet or an assistant's suggestion comes without an extension. Each supported grammar
parses it, and the one whose syntax tree has the fewest bytes inside ERROR or MISSING nodes wins.
Ties go to the narrower language (JavaScript before TypeScript, C before C++ and before Java,
whose grammar takes a bare top-level function), since the wider grammar accepts its code too.
"""

from __future__ import annotations

from tree_sitter import Node

from ipscan.extract.languages import get_parser

# Order breaks ties: a subset language before its superset.
CANDIDATES = ("python", "javascript", "typescript", "c", "cpp", "java", "go", "rust")


def guess_language(text: str) -> str:
    """The supported language that parses ``text`` with the fewest broken bytes."""
    data = text.encode("utf-8", "surrogatepass")
    best, best_broken = CANDIDATES[0], len(data) + 1
    for name in CANDIDATES:
        broken = _broken_bytes(get_parser(name).parse(data).root_node)
        if broken < best_broken:
            best, best_broken = name, broken
            if broken == 0:
                break
    return best


def _broken_bytes(root: Node) -> int:
    """Bytes covered by ERROR nodes plus a token's worth for each MISSING node."""
    if not root.has_error:
        return 0
    broken = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR":
            broken += max(1, node.end_byte - node.start_byte)
        elif node.is_missing:
            broken += 1
        elif node.has_error:
            stack.extend(node.children)
    return broken

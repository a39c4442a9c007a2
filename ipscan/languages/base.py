"""What one language module declares; the parser needs nothing else to handle the language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageSpec:
    """Tree-sitter facts about one language.

    - ``grammar``: returns the tree-sitter language pointer from the grammar wheel.
    - ``function_types``: node types that are functions, methods or constructors (one unit each).
    - ``class_types``: node types whose function children are methods; their other members count
      as top-level code.
    - ``identifier_types``: leaf types normalized to ``ID``.
    - ``literal_types``: node types (leaf or not) normalized to a single ``LIT`` token.
    - ``comment_types``: node types dropped from the token stream.
    """

    name: str
    extensions: tuple[str, ...]
    grammar: Callable[[], object]
    function_types: frozenset[str]
    class_types: frozenset[str]
    identifier_types: frozenset[str]
    literal_types: frozenset[str]
    comment_types: frozenset[str]

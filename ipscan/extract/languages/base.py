"""What one language module declares; the parser needs nothing else to handle the language."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass


def grammar_from(module: str, function: str = "language") -> Callable[[], object]:
    """A ``LanguageSpec.grammar``: ``module.function()`` of a grammar wheel, the module imported
    on first use. Importing all nine grammars costs about 45 ms of every start (the C++ one
    13 ms), and a pre-commit check of Python files parses with one."""

    def load() -> object:
        return getattr(importlib.import_module(module), function)()

    return load


@dataclass(frozen=True)
class LanguageSpec:
    """Tree-sitter facts about one language.

    - ``grammar``: returns the tree-sitter language pointer from the grammar wheel
      (``grammar_from``).
    - ``function_types``: node types that are functions, methods or constructors (one unit each).
      A node of such a type counts only when it has a ``body`` field (so abstract or interface
      method declarations stay ordinary members).
    - ``class_types``: node types whose function children are methods; their other members count
      as top-level code.
    - ``identifier_types``: leaf types normalized to ``ID``.
    - ``literal_types``: node types (leaf or not) normalized to a single ``LIT`` token.
    - ``comment_types``: node types dropped from the token stream.
    - ``expression_function_types``: the subset of ``function_types`` that are expressions
      (arrow functions, lambdas, closures). Inside a top-level statement they make the statement
      worth splitting only when they span at least three lines, so short inline callbacks stay
      part of their statement's window.
    - ``wrapper_types``: node types looked through when deciding whether a member is a function
      or a class (decorators, ``export``, ``const f = () => ...``, C++ templates); a member whose
      wrapper chain leads to a function becomes one unit spanning the whole member.
    - ``namespace_types``: containers (namespaces, modules) whose members are handled like
      top-level ones; their name qualifies unit names, but their functions stay functions.
    - ``skip_types``: further node types dropped from the token stream because they only carry
      formatting (line continuations, shebang lines).
    - ``leading_types``: member types that belong to the function right after them (Rust
      attributes), so the function's span starts at them.
    - ``receiver_field``: field of a function node naming the receiver whose type qualifies the
      name and makes the function a method (Go).
    - ``import_types``: top-level statements that only import (imports, includes, ``use``,
      package clauses). They are left out of top-level units: every module starts with some,
      and once names are abstracted one import block reads like another (two unrelated files'
      import blocks were reported as a copy at cosine 0.90).
    - ``import_text``: top-level statements that import or export by their text, where the
      grammar has no node type for it (JavaScript's CommonJS ``require`` lines and the
      ``exports.a = exports.b = void 0`` preamble that compiled TypeScript opens every module
      with); left out of top-level units like ``import_types``.
    """

    name: str
    extensions: tuple[str, ...]
    grammar: Callable[[], object]
    function_types: frozenset[str]
    class_types: frozenset[str]
    identifier_types: frozenset[str]
    literal_types: frozenset[str]
    comment_types: frozenset[str]
    expression_function_types: frozenset[str] = frozenset()
    wrapper_types: frozenset[str] = frozenset()
    namespace_types: frozenset[str] = frozenset()
    skip_types: frozenset[str] = frozenset()
    leading_types: frozenset[str] = frozenset()
    receiver_field: str | None = None
    import_types: frozenset[str] = frozenset()
    import_text: re.Pattern[str] | None = None

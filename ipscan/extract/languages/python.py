"""Python."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

PYTHON = LanguageSpec(
    name="python",
    extensions=(".py", ".pyi"),
    grammar=grammar_from("tree_sitter_python"),
    function_types=frozenset({"function_definition"}),
    class_types=frozenset({"class_definition"}),
    identifier_types=frozenset({"identifier"}),
    literal_types=frozenset(
        {"string", "concatenated_string", "integer", "float", "true", "false", "none"}
    ),
    comment_types=frozenset({"comment"}),
    wrapper_types=frozenset({"decorated_definition"}),
    skip_types=frozenset({"line_continuation"}),
    import_types=frozenset(
        {"future_import_statement", "import_statement", "import_from_statement"}
    ),
)

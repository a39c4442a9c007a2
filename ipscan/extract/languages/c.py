"""C, and the node types C++ shares with it."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

C_IDENTIFIER_TYPES = frozenset(
    {"identifier", "field_identifier", "statement_identifier", "type_identifier"}
)
C_LITERAL_TYPES = frozenset(
    {
        "string_literal",
        "concatenated_string",
        "char_literal",
        "number_literal",
        "system_lib_string",
        "true",
        "false",
        "null",
    }
)

C = LanguageSpec(
    name="c",
    extensions=(".c", ".h"),
    grammar=grammar_from("tree_sitter_c"),
    function_types=frozenset({"function_definition"}),
    class_types=frozenset(),
    identifier_types=C_IDENTIFIER_TYPES,
    literal_types=C_LITERAL_TYPES,
    comment_types=frozenset({"comment"}),
    import_types=frozenset({"preproc_include"}),
)

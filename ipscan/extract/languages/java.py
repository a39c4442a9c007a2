"""Java."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

JAVA = LanguageSpec(
    name="java",
    extensions=(".java",),
    grammar=grammar_from("tree_sitter_java"),
    function_types=frozenset(
        {
            "method_declaration",
            "constructor_declaration",
            "compact_constructor_declaration",
            "lambda_expression",
        }
    ),
    class_types=frozenset(
        {
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "annotation_type_declaration",
        }
    ),
    identifier_types=frozenset({"identifier", "type_identifier"}),
    literal_types=frozenset(
        {
            "decimal_integer_literal",
            "hex_integer_literal",
            "octal_integer_literal",
            "binary_integer_literal",
            "decimal_floating_point_literal",
            "hex_floating_point_literal",
            "character_literal",
            "string_literal",
            "true",
            "false",
            "null_literal",
        }
    ),
    comment_types=frozenset({"line_comment", "block_comment"}),
    expression_function_types=frozenset({"lambda_expression"}),
    wrapper_types=frozenset({"field_declaration", "variable_declarator"}),
    import_types=frozenset({"package_declaration", "import_declaration"}),
)

"""Go."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

GO = LanguageSpec(
    name="go",
    extensions=(".go",),
    grammar=grammar_from("tree_sitter_go"),
    function_types=frozenset({"function_declaration", "method_declaration", "func_literal"}),
    class_types=frozenset(),
    identifier_types=frozenset(
        {
            "identifier",
            "field_identifier",
            "type_identifier",
            "package_identifier",
            "label_name",
            "blank_identifier",
        }
    ),
    literal_types=frozenset(
        {
            "interpreted_string_literal",
            "raw_string_literal",
            "int_literal",
            "float_literal",
            "imaginary_literal",
            "rune_literal",
            "true",
            "false",
            "nil",
        }
    ),
    comment_types=frozenset({"comment"}),
    expression_function_types=frozenset({"func_literal"}),
    wrapper_types=frozenset({"var_declaration", "var_spec", "expression_list"}),
    receiver_field="receiver",
    import_types=frozenset({"package_clause", "import_declaration"}),
)

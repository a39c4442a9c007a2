"""Rust."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

RUST = LanguageSpec(
    name="rust",
    extensions=(".rs",),
    grammar=grammar_from("tree_sitter_rust"),
    function_types=frozenset({"function_item", "closure_expression"}),
    class_types=frozenset({"impl_item", "trait_item"}),
    identifier_types=frozenset(
        {
            "identifier",
            "field_identifier",
            "type_identifier",
            "shorthand_field_identifier",
            "metavariable",
        }
    ),
    literal_types=frozenset(
        {
            "string_literal",
            "raw_string_literal",
            "char_literal",
            "integer_literal",
            "float_literal",
            "boolean_literal",
            "negative_literal",
        }
    ),
    comment_types=frozenset({"line_comment", "block_comment"}),
    expression_function_types=frozenset({"closure_expression"}),
    wrapper_types=frozenset({"const_item", "static_item"}),
    namespace_types=frozenset({"mod_item"}),
    skip_types=frozenset({"shebang"}),
    leading_types=frozenset({"attribute_item"}),
    import_types=frozenset({"use_declaration", "extern_crate_declaration"}),
)

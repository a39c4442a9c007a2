"""C++."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from
from ipscan.extract.languages.c import C_IDENTIFIER_TYPES
from ipscan.extract.languages.c import C_LITERAL_TYPES

CPP = LanguageSpec(
    name="cpp",
    extensions=(".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"),
    grammar=grammar_from("tree_sitter_cpp"),
    function_types=frozenset({"function_definition", "lambda_expression"}),
    class_types=frozenset({"class_specifier", "struct_specifier", "union_specifier"}),
    identifier_types=C_IDENTIFIER_TYPES | {"namespace_identifier"},
    literal_types=C_LITERAL_TYPES | {"raw_string_literal", "user_defined_literal"},
    comment_types=frozenset({"comment"}),
    expression_function_types=frozenset({"lambda_expression"}),
    wrapper_types=frozenset(
        {
            "template_declaration",
            "declaration",
            "init_declarator",
            "field_declaration",
            "friend_declaration",
        }
    ),
    namespace_types=frozenset({"namespace_definition", "linkage_specification"}),
    import_types=frozenset({"preproc_include", "using_declaration"}),
)

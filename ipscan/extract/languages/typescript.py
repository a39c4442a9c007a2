"""TypeScript and TSX: the JavaScript node types plus type syntax."""

from __future__ import annotations

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from
from ipscan.extract.languages.javascript import JS_COMMENT_TYPES
from ipscan.extract.languages.javascript import JS_EXPRESSION_FUNCTION_TYPES
from ipscan.extract.languages.javascript import JS_FUNCTION_TYPES
from ipscan.extract.languages.javascript import JS_IDENTIFIER_TYPES
from ipscan.extract.languages.javascript import JS_IMPORT_TEXT
from ipscan.extract.languages.javascript import JS_LITERAL_TYPES
from ipscan.extract.languages.javascript import JS_WRAPPER_TYPES

_CLASS_TYPES = frozenset({"class_declaration", "abstract_class_declaration", "class"})
_IDENTIFIER_TYPES = JS_IDENTIFIER_TYPES | {"type_identifier"}
_WRAPPER_TYPES = (JS_WRAPPER_TYPES - {"field_definition"}) | {
    "public_field_definition",
    "ambient_declaration",
}
_NAMESPACE_TYPES = frozenset({"internal_module", "module"})

TYPESCRIPT = LanguageSpec(
    name="typescript",
    extensions=(".ts", ".mts", ".cts"),
    grammar=grammar_from("tree_sitter_typescript", "language_typescript"),
    function_types=JS_FUNCTION_TYPES,
    class_types=_CLASS_TYPES,
    identifier_types=_IDENTIFIER_TYPES,
    literal_types=JS_LITERAL_TYPES,
    comment_types=JS_COMMENT_TYPES,
    expression_function_types=JS_EXPRESSION_FUNCTION_TYPES,
    wrapper_types=_WRAPPER_TYPES,
    namespace_types=_NAMESPACE_TYPES,
    skip_types=frozenset({"hash_bang_line"}),
    import_types=frozenset({"import_statement"}),
    import_text=JS_IMPORT_TEXT,
)

TSX = LanguageSpec(
    name="tsx",
    extensions=(".tsx",),
    grammar=grammar_from("tree_sitter_typescript", "language_tsx"),
    function_types=JS_FUNCTION_TYPES,
    class_types=_CLASS_TYPES,
    identifier_types=_IDENTIFIER_TYPES,
    literal_types=JS_LITERAL_TYPES | {"jsx_text"},
    comment_types=JS_COMMENT_TYPES,
    expression_function_types=JS_EXPRESSION_FUNCTION_TYPES,
    wrapper_types=_WRAPPER_TYPES,
    namespace_types=_NAMESPACE_TYPES,
    skip_types=frozenset({"hash_bang_line"}),
    import_types=frozenset({"import_statement"}),
    import_text=JS_IMPORT_TEXT,
)

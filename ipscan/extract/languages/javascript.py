"""JavaScript (including JSX), and the node types TypeScript shares with it."""

from __future__ import annotations

import re

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.base import grammar_from

JS_FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
JS_EXPRESSION_FUNCTION_TYPES = frozenset(
    {"function_expression", "generator_function", "arrow_function"}
)
JS_IDENTIFIER_TYPES = frozenset(
    {
        "identifier",
        "property_identifier",
        "private_property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "statement_identifier",
    }
)
JS_LITERAL_TYPES = frozenset(
    {"string", "template_string", "number", "regex", "true", "false", "null", "undefined"}
)
JS_COMMENT_TYPES = frozenset({"comment", "html_comment"})
JS_WRAPPER_TYPES = frozenset(
    {
        "export_statement",
        "lexical_declaration",
        "variable_declaration",
        "variable_declarator",
        "expression_statement",
        "assignment_expression",
        "field_definition",
        "pair",
    }
)

# CommonJS imports and exports, as written by hand and as TypeScript and Babel compile ES
# modules: ``"use strict";``, ``const x = require("y");`` (``__importDefault(require(...))``
# too), ``Object.defineProperty(exports, "__esModule", { value: true });`` and
# ``exports.a = exports.b = void 0;``.
_NAME = r"[\w$]+"
_REQUIRE = r"(?:[\w$.]+\()?require\(\s*(?:'[^'\n]*'|\"[^\"\n]*\")\s*\)\)?"
JS_IMPORT_TEXT = re.compile(
    r"\s*(?:"
    r"(?:'use strict'|\"use strict\")"
    rf"|(?:const|let|var)\s+{_NAME}\s*=\s*{_REQUIRE}(?:\s*,\s*{_NAME}\s*=\s*{_REQUIRE})*"
    r"|Object\.defineProperty\(\s*exports\s*,\s*(?:'__esModule'|\"__esModule\")[^;]*\)"
    rf"|exports\.{_NAME}\s*=\s*(?:exports\.{_NAME}\s*=\s*)*void 0"
    r")\s*;?\s*"
)

JAVASCRIPT = LanguageSpec(
    name="javascript",
    extensions=(".js", ".mjs", ".cjs", ".jsx"),
    grammar=grammar_from("tree_sitter_javascript"),
    function_types=JS_FUNCTION_TYPES,
    class_types=frozenset({"class_declaration", "class"}),
    identifier_types=JS_IDENTIFIER_TYPES,
    literal_types=JS_LITERAL_TYPES | {"jsx_text"},
    comment_types=JS_COMMENT_TYPES,
    expression_function_types=JS_EXPRESSION_FUNCTION_TYPES,
    wrapper_types=JS_WRAPPER_TYPES,
    skip_types=frozenset({"hash_bang_line"}),
    import_types=frozenset({"import_statement"}),
    import_text=JS_IMPORT_TEXT,
)

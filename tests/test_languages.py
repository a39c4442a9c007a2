"""The language registry: extensions, specs that match their grammars, cached parsers."""

from __future__ import annotations

import pytest

from ipscan.extract.languages import LANGUAGES
from ipscan.extract.languages import get_language
from ipscan.extract.languages import get_parser
from ipscan.extract.languages import grammar_language
from ipscan.extract.languages import language_for_path

EXTENSIONS = {
    "python": [".py", ".pyi"],
    "javascript": [".js", ".mjs", ".cjs", ".jsx"],
    "typescript": [".ts", ".mts", ".cts"],
    "tsx": [".tsx"],
    "java": [".java"],
    "c": [".c", ".h"],
    "cpp": [".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"],
    "go": [".go"],
    "rust": [".rs"],
}


def test_registry_names() -> None:
    assert sorted(LANGUAGES) == sorted(EXTENSIONS)
    for name, spec in LANGUAGES.items():
        assert spec.name == name


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_language_for_path(name: str) -> None:
    for ext in EXTENSIONS[name]:
        spec = language_for_path(f"src/dir.v1/file{ext}")
        assert spec is not None
        assert spec.name == name
        upper = language_for_path(f"FILE{ext.upper()}")
        assert upper is not None
        assert upper.name == name


@pytest.mark.parametrize("path", ["README.md", "Makefile", "a.py.bak", "x.pyc", ".py", "dir.py/x"])
def test_unsupported_paths(path: str) -> None:
    assert language_for_path(path) is None


def test_get_language() -> None:
    assert get_language("rust") is LANGUAGES["rust"]
    with pytest.raises(KeyError, match="cobol"):
        get_language("cobol")


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_spec_node_types_exist_in_grammar(name: str) -> None:
    spec = LANGUAGES[name]
    lang = grammar_language(name)
    fields = (
        "function_types",
        "class_types",
        "identifier_types",
        "literal_types",
        "comment_types",
        "expression_function_types",
        "wrapper_types",
        "namespace_types",
        "skip_types",
        "leading_types",
    )
    for field in fields:
        for kind in getattr(spec, field):
            assert lang.id_for_node_kind(kind, True) is not None, (name, field, kind)
    assert spec.expression_function_types <= spec.function_types


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_grammar_and_parser_are_cached(name: str) -> None:
    assert grammar_language(name) is grammar_language(name)
    assert get_parser(name) is get_parser(name)

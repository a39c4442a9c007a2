"""The language registry: extensions, specs that match their grammars, cached parsers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ipscan.extract.languages import LANGUAGES
from ipscan.extract.languages import get_language
from ipscan.extract.languages import get_parser
from ipscan.extract.languages import grammar_language
from ipscan.extract.languages import language_for_path
from ipscan.extract.languages import same_family
from tests.conftest import fresh_python

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


def test_every_registered_extension_routes_to_its_own_language() -> None:
    """A file with an extension a language declares is parsed as that language: no extension
    is claimed twice, and each spec is found under its own name."""
    owners: dict[str, str] = {}
    for name, spec in LANGUAGES.items():
        assert spec.name == name
        assert spec.extensions, name
        for ext in spec.extensions:
            assert owners.setdefault(ext, name) == name, (ext, owners[ext], name)
            found = language_for_path(f"pkg/module{ext}")
            assert found is spec, (ext, found)


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
    """One grammar for the process; one parser per thread (tree-sitter parsers are not
    thread-safe), reused on later calls."""
    mine = (grammar_language(name), get_parser(name))
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(lambda: (grammar_language(name), get_parser(name))).result()
    assert other[0] is mine[0]
    assert other[1] is not mine[1]
    assert get_parser(name) is mine[1]


def test_a_grammar_wheel_is_imported_when_its_language_is_first_parsed() -> None:
    """A new process that parses Python imports only the Python grammar (all nine cost ~45 ms
    of every start, the pre-commit hook's included)."""
    code = (
        "import sys\n"
        "from ipscan.extract.languages import get_parser\n"
        "before = sorted(m for m in sys.modules if m.startswith('tree_sitter_'))\n"
        "get_parser('python').parse(b'def f():\\n    return 1\\n')\n"
        "after = sorted(m for m in sys.modules if m.startswith('tree_sitter_') and '.' not in m)\n"
        "print(before, after)\n"
    )
    out = fresh_python(code)
    assert out == "[] ['tree_sitter_python']", out


@pytest.mark.parametrize(
    ("language", "path", "same"),
    [
        ("cpp", "include/x.h", True),
        ("c", "src/x.cpp", True),
        ("typescript", "lib/x.js", True),
        ("tsx", "lib/x.mjs", True),
        ("javascript", "include/x.hpp", False),
        ("python", "x.rs", False),
        ("go", "bin/tool", True),  # no extension: no language to tell apart
    ],
)
def test_same_family(language: str, path: str, same: bool) -> None:
    assert same_family(language, path) is same

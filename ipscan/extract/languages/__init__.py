"""The supported languages: their specs by name and by file extension, and cached parsers."""

from __future__ import annotations

import io
import posixpath
import threading

import tree_sitter

from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.languages.c import C
from ipscan.extract.languages.cpp import CPP
from ipscan.extract.languages.go import GO
from ipscan.extract.languages.java import JAVA
from ipscan.extract.languages.javascript import JAVASCRIPT
from ipscan.extract.languages.python import PYTHON
from ipscan.extract.languages.rust import RUST
from ipscan.extract.languages.typescript import TSX
from ipscan.extract.languages.typescript import TYPESCRIPT

__all__ = [
    "LANGUAGES",
    "LanguageSpec",
    "get_language",
    "get_parser",
    "grammar_language",
    "language_for_file",
    "language_for_path",
    "may_be_code",
    "same_family",
]

LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec for spec in (PYTHON, JAVASCRIPT, TYPESCRIPT, TSX, JAVA, C, CPP, GO, RUST)
}
_BY_EXTENSION: dict[str, LanguageSpec] = {
    ext: spec for spec in LANGUAGES.values() for ext in spec.extensions
}

# Languages whose files can hold the same code token for token (C in C++, JavaScript in
# TypeScript); across families raw tokens that agree are a coincidence.
_FAMILY = {"cpp": "c", "typescript": "javascript", "tsx": "javascript"}

_lock = threading.Lock()
_grammars: dict[str, tree_sitter.Language] = {}
# Parsers are not safe to share between threads: one per (thread, language).
_local = threading.local()


def language_for_path(path: str) -> LanguageSpec | None:
    """The language of a file by its extension (case-insensitive), or None if unsupported."""
    ext = posixpath.splitext(path.replace("\\", "/"))[1].lower()
    return _BY_EXTENSION.get(ext)


# identify's interpreter tags that name a language ipscan parses.
_SHEBANG_TAGS = {"python": "python", "javascript": "javascript"}


def has_extension(path: str) -> bool:
    """Whether the file name has an extension (``.bashrc`` and ``Makefile`` have none)."""
    return bool(posixpath.splitext(path.replace("\\", "/"))[1])


def may_be_code(path: str) -> bool:
    """Whether ``language_for_file`` can find a language for this path: a supported extension,
    or none at all (a script, typed by its shebang), so other files need not be read."""
    return language_for_path(path) is not None or not has_extension(path)


def same_family(language: str, path: str) -> bool:
    """Whether a file in ``language`` can be a verbatim copy of code at ``path`` (by its
    extension; True for a path in no language ipscan knows)."""
    spec = language_for_path(path)
    return spec is None or _FAMILY.get(spec.name, spec.name) == _FAMILY.get(language, language)


def language_for_file(path: str, data: bytes) -> LanguageSpec | None:
    """The language of a file by its extension, or for a file without one, by its shebang line
    (``#!/usr/bin/env python3``), so an extensionless script is scanned like a ``.py`` file; a
    ``.h`` header is C or C++ by its content (``ipscan.extract.header_language``)."""
    spec = language_for_path(path)
    if spec is C and path.lower().endswith(".h") and data:
        from ipscan.extract.header_language import header_language

        return LANGUAGES[header_language(data)]
    if spec is not None or has_extension(path) or not data.startswith(b"#!"):
        return spec
    # identify (pre-commit's file typer) parses shebangs, env -S included, and knows
    # versioned interpreter names (python3.12).
    from identify.identify import parse_shebang
    from identify.identify import tags_from_interpreter

    command = parse_shebang(io.BytesIO(data[:1024]))
    if not command:
        return None
    for tag in sorted(tags_from_interpreter(command[0])):
        if tag in _SHEBANG_TAGS:
            return LANGUAGES[_SHEBANG_TAGS[tag]]
    return None


def get_language(name: str) -> LanguageSpec:
    """The spec of a language by name; KeyError names the supported ones."""
    try:
        return LANGUAGES[name]
    except KeyError:
        raise KeyError(f"unsupported language {name!r}; known: {sorted(LANGUAGES)}") from None


def grammar_language(name: str) -> tree_sitter.Language:
    """The tree-sitter Language of a language, loaded once."""
    lang = _grammars.get(name)
    if lang is None:
        with _lock:
            lang = _grammars.get(name)
            if lang is None:
                lang = tree_sitter.Language(get_language(name).grammar())
                _grammars[name] = lang
    return lang


def get_parser(name: str) -> tree_sitter.Parser:
    """A tree-sitter Parser for a language, created once per thread."""
    parsers: dict[str, tree_sitter.Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(name)
    if parser is None:
        parser = parsers[name] = tree_sitter.Parser(grammar_language(name))
    return parser

"""Fuzz the file gate, tree-sitter parse, normalization and fingerprinting of every language.

Inputs mix grammar-ish tokens of the language under test (keywords, brackets, strings,
comments, function headers) with random Unicode, NULs, lone surrogates, CRLF and deep nesting.
Whatever the input, ``gate`` returns a SourceFile or a SkippedFile, and ``analyze_file`` returns
units whose spans lie inside the file, the same units on a second run.
"""

from __future__ import annotations

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_file
from ipscan.extract.gate import gate
from ipscan.extract.languages import LANGUAGES
from ipscan.records import SkippedFile
from ipscan.records import SourceFile
from tests.fuzz.support import NASTY_BYTES
from tests.fuzz.support import NASTY_CHARS
from tests.fuzz.support import hard_limit

_COMMON = [
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    ".",
    "=",
    "==",
    "+",
    "-",
    "*",
    "/",
    "<",
    ">",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "x",
    "y",
    "_",
    "f",
    "0",
    "1.5e3",
    "0x1F",
    " ",
    "\n",
    "\t",
    "\r\n",
    "\\",
    "'",
    '"',
    "`",
    "@",
    "#",
    "$",
    "%",
    "^",
    "~",
]

# A handful of each language's keywords, literals, comments and function shapes: enough for
# tree-sitter to build real (and half-broken) functions, classes and strings out of them.
_VOCAB: dict[str, list[str]] = {
    "python": [
        "def f(x):\n",
        "class C:\n",
        "lambda x: ",
        "return ",
        "if ",
        "else:",
        "for ",
        "in ",
        "async ",
        "await ",
        "yield ",
        "@dec\n",
        "    ",
        '"""',
        "'''",
        "f'{x}'",
        "# c\n",
        "import os\n",
        "from . import x\n",
        "\\\n",
        "#!/usr/bin/env python\n",
    ],
    "javascript": [
        "function f(a) {",
        "=> {",
        "class C {",
        "const ",
        "let ",
        "var ",
        "return ",
        "export default ",
        "async ",
        "await ",
        "`${x}`",
        "/re/g",
        "// c\n",
        "/* c */",
        "/**",
        "(function(){",
        "})()",
        "new ",
        "this",
        "<div>",
        "</div>",
        "#!node\n",
    ],
    "typescript": [
        "function f(a: number): void {",
        "interface I {",
        "type T = ",
        "class C {",
        "private ",
        "abstract ",
        "<T>",
        "as any",
        "enum E {",
        "namespace N {",
        "declare ",
        "=> {",
        "`${x}`",
        "// c\n",
        "/* c */",
        "@Dec()",
        "export ",
    ],
    "tsx": [
        "function F(p: P) {",
        "return <div>",
        "</div>",
        "<F {...p} />",
        "=> (",
        "{x}",
        "const ",
        "interface P {",
        "`${x}`",
        "// c\n",
        "/* c */",
        "<>",
        "</>",
    ],
    "java": [
        "class C {",
        "public ",
        "static ",
        "void f(int a) {",
        "interface I {",
        "enum E {",
        "@Override\n",
        "return ",
        "new ",
        "throws E ",
        "record R(int a) {",
        "-> {",
        '"s"',
        "'c'",
        "// c\n",
        "/* c */",
        "package p;\n",
        "import a.b;\n",
        "<T>",
    ],
    "c": [
        "int f(int a) {",
        "struct S {",
        "#include <x.h>\n",
        "#define M(x) (x)\n",
        "#if 0\n",
        "#endif\n",
        "typedef ",
        "static ",
        "return ",
        "char *",
        '"s"',
        "'c'",
        "// c\n",
        "/* c */",
        "\\\n",
        "void (*fp)(void);",
        "goto l;",
        "l:",
    ],
    "cpp": [
        "int f(int a) {",
        "class C {",
        "template <typename T>",
        "namespace n {",
        "public:",
        "virtual ",
        "operator+(",
        "[&](int a) {",
        'extern "C" {',
        'R"(raw)"',
        "std::",
        "#include <x>\n",
        "// c\n",
        "/* c */",
        "~C() {",
        "auto ",
        "co_await ",
    ],
    "go": [
        "func f(a int) {",
        "func (s *S) m() {",
        "package p\n",
        'import "fmt"\n',
        "type S struct {",
        "interface {",
        "go ",
        "defer ",
        "return ",
        ":= ",
        "chan ",
        "`raw`",
        '"s"',
        "// c\n",
        "/* c */",
        "func() {",
        "[T any]",
    ],
    "rust": [
        "fn f(a: i32) {",
        "impl S {",
        "trait T {",
        "mod m {",
        "#[derive(Debug)]\n",
        "pub ",
        "let ",
        "mut ",
        "match x {",
        "=> ",
        "|x| {",
        "macro_rules! m {",
        'r#"raw"#',
        "'a",
        "b'c'",
        "// c\n",
        "/* c */",
        "unsafe ",
        "async move {",
    ],
}


def _source_text(language: str) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(_VOCAB[language]),
        st.sampled_from(_COMMON),
        NASTY_CHARS,
        st.text(max_size=8),
    )
    tokens = st.lists(piece, max_size=400).map("".join)
    # Deep nesting: thousands of open brackets (closed or not) around a little code.
    nested = st.tuples(
        st.sampled_from(["(", "{", "[", "f(", "{x:", "[[", "<", "if (x) {"]),
        st.integers(1, 5000),
        tokens,
        st.booleans(),
    ).map(lambda t: t[0] * t[1] + t[2] + (_closer(t[0]) * t[1] if t[3] else ""))
    return st.one_of(tokens, nested)


def _closer(opener: str) -> str:
    pairs = {"(": ")", "{": "}", "[": "]", "<": ">"}
    return "".join(pairs.get(c, "") for c in reversed(opener))


def _source_bytes(language: str) -> st.SearchStrategy[bytes]:
    encoded = _source_text(language).map(lambda s: s.encode("utf-8", "surrogatepass"))
    return st.one_of(
        encoded,
        st.lists(st.one_of(encoded, NASTY_BYTES, st.binary(max_size=16)), max_size=20).map(
            b"".join
        ),
    )


def _check(result: AnalyzedFile, file: SourceFile) -> None:
    """Every span lies inside the file; lines and bytes are ordered."""
    data = file.text.encode("utf-8", "surrogatepass")
    n_lines = data.count(b"\n") + 1
    assert result.file == file
    for start, end in result.code_spans:
        assert 1 <= start <= end <= n_lines
    for au in result.units:
        span = au.unit.span
        assert 0 <= span.start_byte < span.end_byte <= len(data)
        assert 1 <= span.start_line <= span.end_line <= n_lines
        ev = au.evidence
        assert len(ev.hashes) == len(ev.token_pos) == len(ev.start_lines) == len(ev.end_lines)
        assert all(span.start_line <= line <= span.end_line for line in ev.start_lines)
        assert all(line <= span.end_line for line in ev.end_lines)
        assert isinstance(au.canonical, str)


def _projection(result: AnalyzedFile) -> list[tuple[object, ...]]:
    return [
        (au.unit, au.canonical, au.evidence.digest, au.evidence.hashes.tolist())
        for au in result.units
    ]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@given(data=st.data())
def test_gate_then_analyze_any_bytes(language: str, data: st.DataObject) -> None:
    """Any bytes: the gate decides, a passed file analyzes, spans stay in the file, same twice."""
    raw = data.draw(_source_bytes(language), label="bytes")
    with hard_limit():
        gated = gate(f"fuzz/file.{language}", raw, language)
        if isinstance(gated, SkippedFile):
            assert gated.reason in ("too-large", "binary", "minified")
            return
        first = analyze_file(gated)
        _check(first, gated)
        assert _projection(analyze_file(gated)) == _projection(first)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@given(data=st.data())
@example(data=None).via("lone surrogates reach the parser as surrogatepass bytes")
def test_analyze_any_text(language: str, data: st.DataObject | None) -> None:
    """Text that never went through the gate (lone surrogates, NULs) still analyzes."""
    if data is None:
        text = "def f(x):\n    return '\ud800' + x\n" * 40
    else:
        text = data.draw(_source_text(language), label="text")
    file = SourceFile(path="fuzz/file", text=text, language=language)
    with hard_limit():
        first = analyze_file(file)
        _check(first, file)
        assert _projection(analyze_file(file)) == _projection(first)

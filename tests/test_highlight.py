"""Syntax colours of the HTML report's code excerpts (ipscan.report.highlight)."""

from __future__ import annotations

import html
import re

import pytest

from ipscan.report import highlight
from ipscan.report.highlight import highlighted_lines

_TAG = re.compile(r'<span class="pg-[a-z]+">|</span>')

PYTHON = '''\
import os


def greet(name: str, times: int = 3) -> str:
    """Say hello.

    Several lines of docstring, <b>not</b> markup.
    """
    # a comment with <i>tags</i> & an ampersand
    return f"hello {name}" * times if name else None


class Greeter:
    pass
'''


def _spans(lines: list[str]) -> list[tuple[str, str]]:
    """(class, text) of every coloured piece, text unescaped."""
    found = re.findall(r'<span class="(pg-[a-z]+)">(.*?)</span>', "\n".join(lines))
    return [(cls, html.unescape(text)) for cls, text in found]


def assert_faithful(lines: list[str], text: str) -> None:
    """One HTML line per source line; with the colour spans taken out, each line is exactly the
    escaped source line (so nothing else is markup), and no span crosses a line end."""
    source = text.replace("\r\n", "\n").split("\n")
    if source[-1] == "":
        source.pop()
    assert len(lines) == len(source)
    for line, original in zip(lines, source, strict=True):
        assert line.count("<span ") == line.count("</span>")
        assert _TAG.sub("", line) == html.escape(original, quote=True)


def test_python_keywords_strings_comments_numbers_and_names() -> None:
    lines = highlighted_lines("src/greet.py", PYTHON)
    assert_faithful(lines, PYTHON)
    spans = _spans(lines)
    for piece in [
        ("pg-k", "import"),
        ("pg-k", "def"),
        ("pg-nf", "greet"),
        ("pg-m", "3"),
        ("pg-o", "->"),
        ("pg-s", 'f"hello {name}"'),
        ("pg-k", "None"),
        ("pg-c", "# a comment with <i>tags</i> & an ampersand"),
        ("pg-k", "class"),
        ("pg-nc", "Greeter"),
    ]:
        assert piece in spans
    # A docstring is one string, closed and reopened at each line end.
    assert ("pg-s", "    Several lines of docstring, <b>not</b> markup.") in spans
    assert ("pg-k", "name") not in spans and ("pg-k", "os") not in spans


# (path, source lines, "class text" of pieces that must be coloured so)
LANGUAGE_CASES = [
    (
        "web/app.js",
        [
            "// add one",
            "const inc = (a) => a + 1.5;",
            "function show() { return `n=${inc(1)}`; }",
        ],
        [
            "pg-c // add one",
            "pg-k const",
            "pg-m 1.5",
            "pg-o =>",
            "pg-nf show",
            "pg-s `n=${inc(1)}`",
        ],
    ),
    (
        "web/types.ts",
        ["interface Shape { area(): number }", 'export const name: string = "box";'],
        ["pg-k interface", "pg-nc Shape", "pg-k export", 'pg-s "box"'],
    ),
    (
        "src/Main.java",
        [
            "/** Entry. */",
            "public class Main {",
            "  static int twice(int x) { return x * 0x2; }",
            "}",
        ],
        ["pg-c /** Entry. */", "pg-k public", "pg-nc Main", "pg-nf twice", "pg-m 0x2", "pg-o *"],
    ),
    (
        "lib/sum.c",
        [
            "#include <stdio.h>",
            "static int sum(int *a, int n) { /* total */ return n ? a[0] : 0; }",
            'const char *s = "<script>";',
        ],
        ["pg-k #include", "pg-s <stdio.h>", "pg-nf sum", "pg-k int", "pg-c /* total */"],
    ),
    (
        "lib/vec.cpp",
        ["namespace geo {", "int Vec::len() const { return 2; }", "}"],
        ["pg-k namespace", "pg-nf len", "pg-k const", "pg-m 2"],
    ),
    (
        "cmd/main.go",
        [
            "package main",
            "",
            "func (s *Server) Run(port int) error {",
            '\treturn nil // "done"',
            "}",
        ],
        ["pg-k package", "pg-k func", "pg-nf Run", "pg-nc Server", "pg-k nil", 'pg-c // "done"'],
    ),
    (
        "src/lib.rs",
        ["/// Doc.", "pub fn area(w: u32) -> u32 {", '    let s = "x";', "    w * 42", "}"],
        ["pg-c /// Doc.", "pg-k fn", "pg-nf area", "pg-k u32", 'pg-s "x"', "pg-m 42", "pg-o ->"],
    ),
]


@pytest.mark.parametrize(("path", "source", "expected"), LANGUAGE_CASES)
def test_each_language_is_coloured(path: str, source: list[str], expected: list[str]) -> None:
    code = "\n".join(source) + "\n"
    lines = highlighted_lines(path, code)
    assert_faithful(lines, code)
    spans = {f"{cls} {text}" for cls, text in _spans(lines)}
    assert set(expected) <= spans


def test_markup_inside_a_string_is_escaped() -> None:
    code = 'y = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"\n'
    lines = highlighted_lines("evil.py", code)
    assert_faithful(lines, code)
    page = "\n".join(lines)
    assert "<script" not in page and "<img" not in page and "</script" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    assert _spans(lines) == [("pg-o", "="), ("pg-s", code.split(" = ")[1].rstrip())]


@pytest.mark.parametrize("path", ["notes.txt", "Makefile", "data.json", "<b>x</b>.md"])
def test_unknown_language_is_plain_escaped_text(path: str) -> None:
    code = 'def f():\n    return "<b>&</b>"\n'
    lines = highlighted_lines(path, code)
    assert lines == [html.escape(line) for line in code.splitlines()]


def test_extensionless_script_is_coloured_by_its_shebang() -> None:
    code = "#!/usr/bin/env python3\nimport sys\n"
    assert ("pg-k", "import") in _spans(highlighted_lines("bin/tool", code))


def test_line_ends_and_multi_line_tokens_keep_the_line_count() -> None:
    code = "/* one\n   two\n\n   four */\nint x = 1;\r\nint y;\r\n\nlast"
    lines = highlighted_lines("a.c", code)
    assert_faithful(lines, code)
    assert len(lines) == 8 and lines[2] == "" and lines[6] == ""
    assert lines[1] == '<span class="pg-c">   two</span>'


def test_broken_deep_or_odd_code_keeps_every_character() -> None:
    cases = {
        "broken.py": "def f(:\n    return ]] 'open\n",
        "deep.py": "x = " + "[" * 3000 + "]" * 3000 + "\n",
        "odd.js": "const s = '\x00\u2028\udcff';\n",
        "empty.go": "",
    }
    for path, code in cases.items():
        assert_faithful(highlighted_lines(path, code), code)


def test_a_file_over_the_limit_is_shown_without_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(highlight, "MAX_HIGHLIGHT", 10)
    code = "def f():\n    return 1\n"
    assert highlighted_lines("a.py", code) == ["def f():", "    return 1"]

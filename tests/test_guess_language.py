"""A snippet without a file name is read in the language whose grammar parses it best."""

from __future__ import annotations

import pytest

from ipscan.extract.guess_language import guess_language
from ipscan.snippet import make_snippet

SNIPPETS = {
    "python": """\
def mean(values):
    total = 0
    for v in values:
        total += v
    return total / len(values) if values else 0.0
""",
    "javascript": """\
function debounce(fn, wait) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}
""",
    "typescript": """\
interface Point { x: number; y: number }
function distance(a: Point, b: Point): number {
  const dx: number = a.x - b.x;
  return Math.sqrt(dx * dx + (a.y - b.y) ** 2);
}
""",
    "java": """\
@Override
public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof Point)) return false;
    Point p = (Point) o;
    return x == p.x && y == p.y;
}
""",
    "c": """\
#include <string.h>
static size_t count_char(const char *s, char c) {
    size_t n = 0;
    for (; *s; s++) {
        if (*s == c) n++;
    }
    return n;
}
""",
    "cpp": """\
#include <vector>
template <typename T>
T sum(const std::vector<T>& xs) {
    T total{};
    for (const auto& x : xs) total += x;
    return total;
}
""",
    "go": """\
func Reverse(s string) string {
\tr := []rune(s)
\tfor i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
\t\tr[i], r[j] = r[j], r[i]
\t}
\treturn string(r)
}
""",
    "rust": """\
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = b;
        b = a % b;
        a = t;
    }
    a
}
""",
}


@pytest.mark.parametrize("language", sorted(SNIPPETS))
def test_each_language_is_guessed(language: str) -> None:
    assert guess_language(SNIPPETS[language]) == language


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # JavaScript is TypeScript too; C is C++ too: the narrower language wins the tie.
        ("javascript", "const add = (a, b) => a + b;\nmodule.exports = { add };\n"),
        ("c", "int twice(int x) {\n    return 2 * x;\n}\n"),
        ("java", "public static int twice(int x) {\n    return 2 * x;\n}\n"),
        ("go", 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'),
    ],
)
def test_ties_go_to_the_narrower_language(language: str, text: str) -> None:
    assert guess_language(text) == language


def test_a_snippet_cut_mid_block_is_still_rust() -> None:
    # The unclosed block wraps the second function in one ERROR node; the complete statements
    # inside it still count for Rust (by the bytes of every ERROR node, JavaScript won).
    text = """\
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = b;
        b = a % b;
        a = t;
    }
    a
}

pub fn lcm(a: u64, b: u64) -> u64 {
    if a == 0 || b == 0 {
        return 0;
"""
    assert guess_language(text) == "rust"


def test_the_language_comes_from_the_option_then_the_name_then_the_guess() -> None:
    rust = SNIPPETS["rust"]
    assert make_snippet(rust, "go").language == "go"
    assert make_snippet(rust, name="lib/gcd.c").language == "c"
    assert make_snippet(rust, name="notes.txt").language == "rust"
    guessed = make_snippet(rust)
    assert (guessed.language, guessed.name) == ("rust", "<snippet>.rs")


def test_code_nested_thousands_deep_is_guessed_without_recursing() -> None:
    deep = "x = " + "f(" * 3000 + " @@ " + ")" * 3000 + "\n"
    assert guess_language(deep) == "python"

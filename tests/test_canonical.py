"""Canonical encoder input: the same for renamed, reformatted and re-commented copies."""

from __future__ import annotations

import pytest

from ipscan.extract.analyze import analyze_file
from ipscan.extract.canonical import canonical_text
from ipscan.records import SourceFile
from ipscan.records import Token


def canonical(code: str, language: str, path: str) -> str:
    units = analyze_file(SourceFile(path, code, language)).units
    assert len(units) == 1
    return units[0].canonical


PY = '''def total_price(items, tax_rate=0.2):
    """Sum the prices of items with tax."""
    total = 0
    for item in items:  # every item
        total += item.price * (1 + tax_rate)
    return round(total, 2)
'''
PY_COPY = '''def  sum_all( things,rate = 0.2 ):
    """Sum the prices of items with tax."""
    acc=0
    # loop over things
    for t in things :
        acc += t.price*(1+rate)
    return round(acc,2)
'''
JS = """function debounce(fn, wait) {
  let timer; // pending call
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}
"""
JS_COPY = """function delay(callback, ms)
{
    let handle;
    return function ( ...params ) {
        clearTimeout( handle );
        handle = setTimeout(() => callback.apply(this, params), ms);
    }
}
"""
GO = """func Sum(values []int) int {
\ttotal := 0
\tfor _, v := range values {
\t\ttotal += v // add
\t}
\treturn total + len(values) * 0 + cap(values) * 0 + 1 - 1
}
"""
GO_COPY = """func Add(xs []int) int {
  acc := 0
  for _, x := range xs { acc += x }
  return acc + len(xs) * 0 + cap(xs) * 0 + 1 - 1
}
"""


@pytest.mark.parametrize(
    ("language", "path", "original", "copy"),
    [
        ("python", "a.py", PY, PY_COPY),
        ("javascript", "a.js", JS, JS_COPY),
        ("go", "a.go", "package a\n" + GO, "package a\n" + GO_COPY),
    ],
)
def test_renamed_reformatted_copies_read_the_same(
    language: str, path: str, original: str, copy: str
) -> None:
    a = canonical(original, language, path)
    assert a == canonical(copy, language, path)
    assert "v0" in a and "//" not in a and "#" not in a


def test_names_numbered_by_first_use_and_literals_cut() -> None:
    text = canonical(PY, "python", "a.py")
    assert text.startswith("def v0 ( v1 , v2 = 0.2 ) :")
    assert '"""Sum the prices of ite ' in text and "with tax" not in text
    assert text.split().count("v3") == 3  # total: assigned, added to, returned


def test_tokens_without_offsets_fall_back_to_their_kind() -> None:
    assert canonical_text([Token("ID", 1, 0), Token("(", 1, 1)], b"") == "ID ("

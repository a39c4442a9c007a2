"""Rewrites that move code (declarations split, statements and methods reordered)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from tree_sitter import Node

from ipscan.extract.languages import get_language
from ipscan.extract.languages import get_parser
from ipscan.training import moved_code
from ipscan.training.ts_rewrites import MOVED_LEVELS
from ipscan.training.ts_rewrites import FunctionRewriter

PROGRAM = """import java.util.Scanner;

public class Main {
    static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    static long square(long x) {
        long y = x * x;
        return y;
    }

    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        int best = 0;
        long total = 0;
        for (int i = 0; i < n; i++) {
            int v = sc.nextInt();
            best = gcd(best, v);
            total += square(v);
        }
        System.out.println(best + " " + total);
    }
}
"""


def _root(text: str) -> Node:
    return get_parser(get_language("java").name).parse(text.encode()).root_node


def _moved(level: str, seed: int = 0) -> str:
    data = PROGRAM.encode()
    edits = moved_code.__dict__[level.replace("-", "_")](
        _root(PROGRAM), data, 0, len(data), random.Random(seed)
    )
    assert edits, level
    out = bytearray(data)
    for a, b, new in sorted(edits, reverse=True):
        out[a:b] = new.encode()
    return out.decode()


@pytest.mark.parametrize("level", sorted(MOVED_LEVELS))
def test_moved_code_parses_back(level: str) -> None:
    for seed in range(4):
        text = _moved(level, seed)
        assert text != PROGRAM
        assert not _root(text).has_error, text


def test_members_reordered_keeps_every_method_and_token() -> None:
    text = _moved("members-reordered")
    assert Counter(text.split()) == Counter(PROGRAM.split())
    order = [name for name in ("gcd(int", "square(long", "main(String") if name in text]
    assert sorted(order, key=text.index) != order


def test_statements_reordered_swaps_only_independent_statements() -> None:
    for seed in range(6):
        text = _moved("statements-reordered", seed)
        assert Counter(text.split()) == Counter(PROGRAM.split())
        # Reading n before using it, and the loop's body order, cannot move.
        assert text.index("int n = sc.nextInt();") > text.index("Scanner sc =")
        assert text.index("int v = sc.nextInt();") < text.index("best = gcd(best, v);")
    swapped = {_moved("statements-reordered", seed) for seed in range(6)}
    assert any(t.index("long total = 0;") < t.index("int best = 0;") for t in swapped)


def test_declarations_split_keeps_loop_headers_and_assigns_after() -> None:
    text = _moved("declarations-split")
    assert "for (int i = 0; i < n; i++)" in text  # not a declaration in a block
    split = [line.strip() for line in text.splitlines()]
    pairs = [(a, b) for a, b in itertools.pairwise(split) if a.endswith(";") and "=" in b]
    assert any(a.split()[-1].rstrip(";") == b.split()[0] for a, b in pairs)


def test_rewriter_renames_after_moving_and_none_when_nothing_moves() -> None:
    data = PROGRAM.encode()
    out = FunctionRewriter("java", data, 0, len(data)).rewrite(
        "members-reordered", random.Random(1)
    )
    assert out is not None and " sc " not in out  # names renamed after the move
    assert out.index("static long") < out.index("static int")
    lone = b"class A {\n    int f() {\n        return 1;\n    }\n}\n"
    assert (
        FunctionRewriter("java", lone, 0, len(lone)).rewrite("members-reordered", random.Random(0))
        is None
    )

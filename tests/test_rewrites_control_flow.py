"""Control-flow rewrites: each transform happens, parses, and keeps what the function does."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import random
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ipscan.training.control_flow import TRANSFORMS
from ipscan.training.control_flow import control_flow_counts
from ipscan.training.control_flow import control_flow_rewrite
from ipscan.training.rewrites import LEVELS
from ipscan.training.rewrites import functions
from ipscan.training.rewrites import rewrite

RANGE_LOOP = '''
def running_total(values, start=0):
    """Prefix sums of values[start:], stepping by two."""
    out = []
    acc = 0
    for i in range(start, len(values), 2):
        acc += values[i]
        out.append(acc)
    return out
'''
ITER_LOOP = """
def longest(words):
    best = ""
    for word in words:
        if len(word) > len(best):
            best = word
    return best
"""
IF_ELSE = """
def sign_label(n):
    if n < 0:
        label = "negative"
    else:
        label = "non-negative"
    return label
"""
AND_IF = """
def clamp_count(items, limit):
    count = len(items)
    if limit is not None and count > limit:
        count = limit
    return count
"""
COMPREHENSIONS = """
def index_words(words):
    lengths = [len(w) for w in words if w]
    firsts = {w[0] for w in words if w}
    where = {w: i for i, w in enumerate(words)}
    return lengths, firsts, where
"""
TERNARY = """
def describe(n):
    kind = "even" if n % 2 == 0 else "odd"
    return f"{n} is {kind}"
"""
WHILE_LOOP = """
def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
"""


def _run(code: str, *args: Any) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(code, "<rewrite>", "exec"), namespace)
    fn: Callable[..., Any] = next(v for v in namespace.values() if inspect.isfunction(v))
    return fn(*args)


def _rewritten(code: str, transform: str) -> str:
    done = control_flow_counts(textwrap.dedent(code), random.Random(0))
    assert done is not None
    out, applied = done
    assert applied[transform] >= 1
    ast.parse(out)
    return out


def _nodes(code: str, kind: type[ast.AST]) -> list[ast.AST]:
    return [n for n in ast.walk(ast.parse(code)) if isinstance(n, kind)]


@pytest.mark.parametrize(
    ("code", "transform", "inputs"),
    [
        (RANGE_LOOP, "range-while", [([1, 2, 3, 4, 5],), ([4, 5, 6], 1), ([],)]),
        (ITER_LOOP, "iter-while", [(["a", "abc", "ab"],), ([],), (("x", "yy"),)]),
        (IF_ELSE, "if-swapped", [(-3,), (0,), (7,)]),
        (AND_IF, "and-nested", [([1, 2, 3], 2), ([1], None), ([1, 2], 5)]),
        (COMPREHENSIONS, "comprehension-loop", [(["ab", "", "cd", "ab"],), ([],)]),
        (TERNARY, "ternary-if", [(4,), (7,)]),
        (WHILE_LOOP, "while-break", [(1,), (6,), (27,)]),
    ],
)
def test_each_transform_keeps_behaviour(
    code: str, transform: str, inputs: list[tuple[Any, ...]]
) -> None:
    out = _rewritten(code, transform)
    for args in inputs:
        assert _run(out, *args) == _run(textwrap.dedent(code), *args)


def test_loops_become_while_loops() -> None:
    for code in (RANGE_LOOP, ITER_LOOP):
        out = _rewritten(code, "range-while" if code is RANGE_LOOP else "iter-while")
        assert not _nodes(out, ast.For)
        assert _nodes(out, ast.While)
    assert "range(" not in _rewritten(RANGE_LOOP, "range-while")
    assert "next(" in _rewritten(ITER_LOOP, "iter-while")


def test_if_else_branches_are_swapped_under_a_negated_test() -> None:
    out = _rewritten(IF_ELSE, "if-swapped")
    (node,) = _nodes(out, ast.If)
    assert isinstance(node, ast.If)
    first = node.body[0]
    assert isinstance(first, ast.Assign)
    assert isinstance(first.value, ast.Constant) and first.value.value == "non-negative"
    negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
    flipped = isinstance(node.test, ast.Compare) and isinstance(node.test.ops[0], ast.GtE)
    assert negated or flipped


def test_and_condition_becomes_nested_ifs() -> None:
    out = _rewritten(AND_IF, "and-nested")
    assert not _nodes(out, ast.BoolOp)
    assert len(_nodes(out, ast.If)) == 2


def test_comprehensions_become_loops() -> None:
    out = _rewritten(COMPREHENSIONS, "comprehension-loop")
    assert not _nodes(out, ast.ListComp) and not _nodes(out, ast.SetComp)
    assert not _nodes(out, ast.DictComp)
    assert ".append(" in out and ".add(" in out


def test_conditional_expression_becomes_if_statement() -> None:
    out = _rewritten(TERNARY, "ternary-if")
    assert not _nodes(out, ast.IfExp)
    assert _nodes(out, ast.If)


def test_while_test_moves_into_a_break() -> None:
    out = _rewritten(WHILE_LOOP, "while-break")
    (loop,) = _nodes(out, ast.While)
    assert isinstance(loop, ast.While)
    assert isinstance(loop.test, ast.Constant) and loop.test.value is True
    assert isinstance(loop.body[0], ast.If) and isinstance(loop.body[0].body[0], ast.Break)


@pytest.mark.parametrize(
    "code",
    [
        # `continue` would skip the increment of the while loop
        "def f(n):\n    t = 0\n    for i in range(n):\n        if i % 2:\n            continue\n"
        "        t += i\n    return t\n",
        # `i` is read after the loop, where the while loop leaves a different value
        "def f(n):\n    for i in range(n):\n        pass\n    return i\n",
        # the comprehension reads the name it is assigned to
        "def f(xs):\n    xs = [x + 1 for x in xs]\n    return xs\n",
        # nothing to rewrite
        "def f(a, b):\n    c = a + b\n    return c * 2\n",
    ],
)
def test_sites_that_would_change_behaviour_are_left_alone(code: str) -> None:
    assert control_flow_rewrite(code, random.Random(0)) is None


def test_continue_of_an_inner_loop_does_not_block_the_outer_one() -> None:
    code = (
        "def f(rows):\n    n = 0\n    for r in range(len(rows)):\n        for x in rows[r]:\n"
        "            if not x:\n                continue\n            n += x\n    return n\n"
    )
    done = control_flow_counts(code, random.Random(0))
    assert done is not None and done[1]["range-while"] == 1
    assert _run(done[0], [[1, 0, 2], [], [3]]) == _run(code, [[1, 0, 2], [], [3]])


def test_a_bound_the_body_changes_is_evaluated_once() -> None:
    code = (
        "def f(xs):\n    for i in range(len(xs)):\n        xs.append(xs[i])\n        t = i\n"
        "    return xs\n"
    )
    out = _rewritten(code, "range-while")
    assert _run(out, [1, 2]) == _run(code, [1, 2]) == [1, 2, 1, 2]


def _package_functions(dist: str) -> list[str]:
    out = []
    for f in importlib.metadata.distribution(dist).files or ():
        if str(f).endswith(".py"):
            text = Path(str(f.locate())).read_text(encoding="utf-8", errors="replace")
            for fn in functions(text):
                lines = text.splitlines()[fn.lineno - 1 : fn.end_lineno]
                out.append(textwrap.dedent("\n".join(lines) + "\n"))
    return out


def test_real_functions_rewrite_to_valid_python_with_every_transform_used() -> None:
    rng = random.Random(0)
    seen: set[str] = set()
    made = 0
    for code in _package_functions("click") + _package_functions("packaging"):
        done = control_flow_counts(code, rng)
        if done is not None:
            ast.parse(done[0])
            seen |= set(done[1])
            made += 1
    assert made > 50
    assert seen == set(TRANSFORMS)


def test_control_flow_level_is_renamed_edited_and_points_at_the_source_lines() -> None:
    assert "control-flow" in LEVELS
    text = "import os\n\n\n" + textwrap.dedent(ITER_LOOP).lstrip() + "\n" + TERNARY
    fn = functions(text)[0]
    out = rewrite(text, fn, "control-flow", random.Random(3))
    assert out is not None
    code, lo, hi = out
    assert (lo, hi) == (fn.lineno, fn.end_lineno)
    tree = ast.parse(code)
    assert not _nodes(code, ast.For) and _nodes(code, ast.While)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "word" not in names and "best" not in names

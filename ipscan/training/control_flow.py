"""A Python function's control structures written the way they could have been written instead,
as a copier hides a copy (issue #16: such copies were found with recall 0.49).

Every site a transform applies to is rewritten; a site where the rewrite could change what the
function does is skipped:

- ``range-while``: ``for i in range(a, b, s)`` becomes ``i = a`` / ``while i < b:`` ... ``i += s``
  (skipped when the body has its own ``continue`` or rebinds ``i``, or ``i`` is read outside a
  loop that binds it; a bound the body may change is evaluated once, into a new name; a
  skipped loop stays a ``for`` loop);
- ``iter-while``: ``for x in it`` over anything but ``range()`` becomes ``while True:`` over
  ``next()`` of ``iter(it)``, ``StopIteration`` ending it with ``break`` (skipped with an
  ``else`` clause);
- ``if-swapped``: ``if c: A else: B`` becomes ``if not c: B else: A``, a one-operator comparison
  negated by flipping it (``==``/``!=``, ``<``/``>=``, ``in``/``not in``, ``is``/``is not``);
- ``and-nested``: ``if a and b: A`` without ``else`` becomes ``if a:`` / ``if b: A``;
- ``comprehension-loop``: ``x = [e for y in z if c]`` (list, set or dict) becomes ``x = []`` and
  a ``for`` loop that appends, adds or stores items;
- ``ternary-if``: ``x = a if c else b`` becomes ``if c: x = a`` / ``else: x = b``;
- ``while-break``: ``while c: body`` becomes ``while True:`` / ``if not c: break`` / ``body``.

A construct is rewritten once: what a transform writes is not rewritten again (the loop that
replaces a comprehension stays a ``for``). The result is ``ast.unparse`` output, so comments and
the original layout are gone.
"""

from __future__ import annotations

import ast
import copy
import random
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator

from ipscan.extract.plain_flow import FLIPPED
from ipscan.extract.plain_flow import loop_nodes

TRANSFORMS = (
    "range-while",
    "iter-while",
    "if-swapped",
    "and-nested",
    "comprehension-loop",
    "ternary-if",
    "while-break",
)
_ALWAYS_FLIPPED = (ast.Is, ast.IsNot, ast.In, ast.NotIn)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_Function = ast.FunctionDef | ast.AsyncFunctionDef


def control_flow_rewrite(code: str, rng: random.Random) -> str | None:
    """The function of ``code`` with every applicable control-flow transform applied, or None
    when none applies (or ``code`` is not one function)."""
    done = control_flow_counts(code, rng)
    return done[0] if done is not None else None


def control_flow_counts(code: str, rng: random.Random) -> tuple[str, Counter[str]] | None:
    """Like ``control_flow_rewrite``, with how many sites each transform rewrote."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], _Function):
        return None
    rewriter = _Rewriter(tree.body[0], rng)
    rewriter.visit(tree.body[0])
    if not rewriter.applied:
        return None
    try:
        out = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
        ast.parse(out)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return out, rewriter.applied


def negate(test: ast.expr, rng: random.Random) -> ast.expr:
    """``not test``: a ``not`` dropped, a one-operator comparison flipped (``is`` and ``in``
    always, others half the time), else ``not (test)``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        # ``not a is b`` and ``not a in b`` read oddly: those are always flipped
        and (isinstance(test.ops[0], _ALWAYS_FLIPPED) or rng.random() < 0.5)
    ):
        return ast.Compare(test.left, [FLIPPED[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def _walk(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    for node in nodes:
        yield from ast.walk(node)


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changed(body: list[ast.stmt]) -> set[str]:
    """Names ``body`` may rebind or mutate (stored, deleted, item or attribute stored, or a
    method called on them)."""
    out: set[str] = set()
    for n in _walk(body):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.Attribute | ast.Subscript) and not isinstance(n.ctx, ast.Load):
            out.add(_root(n) or "")
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            out.add(_root(n.func.value) or "")
    return out


def _is_range(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
    )


def _bound_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


class _Rewriter(ast.NodeTransformer):
    """Applies every transform, children before parents; what it writes is not visited again."""

    def __init__(self, fn: _Function, rng: random.Random) -> None:
        self.rng = rng
        self.applied: Counter[str] = Counter()
        self.taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        self.taken |= {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
        self.free = self._free_uses(fn)

    @staticmethod
    def _free_uses(fn: _Function) -> set[str]:
        """Names used somewhere outside every loop or comprehension that binds them (so such a
        loop's variable may be read after it, or a comprehension's may clash)."""
        parents = {id(c): p for p in ast.walk(fn) for c in ast.iter_child_nodes(p)}
        free = set()
        for n in ast.walk(fn):
            if not isinstance(n, ast.Name):
                continue
            up = parents.get(id(n))
            while up is not None:
                if isinstance(up, ast.For | ast.AsyncFor) and n.id in _bound_names(up.target):
                    break
                if isinstance(up, _COMPS) and any(
                    n.id in _bound_names(g.target) for g in up.generators
                ):
                    break
                up = parents.get(id(up))
            else:
                free.add(n.id)
        return free

    def fresh(self, base: str) -> str:
        name, i = base, 2
        while name in self.taken:
            name, i = f"{base}{i}", i + 1
        self.taken.add(name)
        return name

    def visit_For(self, node: ast.For) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if _is_range(node.iter):
            # a counting loop that cannot be a counting while loop is left as it is:
            # ``next(iter(range(n)))`` is not what anyone writes
            return self._range_while(node) or node
        return self._iter_while(node) or node

    def _range_while(self, node: ast.For) -> list[ast.stmt] | None:
        it, var = node.iter, node.target
        if not (
            isinstance(it, ast.Call)
            and 1 <= len(it.args) <= 3
            and not it.keywords
            and not any(isinstance(a, ast.Starred) for a in it.args)
            and isinstance(var, ast.Name)
        ):
            return None
        try:
            step = ast.literal_eval(it.args[2]) if len(it.args) == 3 else 1
        except (ValueError, TypeError):
            return None
        if not isinstance(step, int) or isinstance(step, bool) or step == 0:
            return None
        changed = _changed(node.body)
        if (
            var.id in self.free
            or var.id in changed
            or any(isinstance(n, ast.Name) and n.id == var.id for n in _walk(it.args))
            or any(isinstance(n, ast.Continue) for n in loop_nodes(node.body))
        ):
            return None
        start: ast.expr = it.args[0] if len(it.args) > 1 else ast.Constant(0)
        stop = it.args[1] if len(it.args) > 1 else it.args[0]
        out: list[ast.stmt] = [ast.Assign([ast.Name(var.id, ast.Store())], start)]
        if not self._stable(stop, changed | {var.id}):
            end = self.fresh(f"{var.id}_end")
            out.append(ast.Assign([ast.Name(end, ast.Store())], stop))
            stop = ast.Name(end, ast.Load())
        op: ast.cmpop = ast.Lt() if step > 0 else ast.Gt()
        bump = ast.AugAssign(
            ast.Name(var.id, ast.Store()),
            ast.Add() if step > 0 else ast.Sub(),
            ast.Constant(abs(step)),
        )
        test = ast.Compare(ast.Name(var.id, ast.Load()), [op], [stop])
        out.append(ast.While(test, [*node.body, bump], node.orelse))
        self.applied["range-while"] += 1
        return out

    @staticmethod
    def _stable(expr: ast.expr, changed: set[str]) -> bool:
        """Whether ``expr`` gives the same value on every loop test: constants, names and
        ``len()`` of names the body does not change."""
        for n in ast.walk(expr):
            if isinstance(n, ast.Call) and not (
                isinstance(n.func, ast.Name) and n.func.id == "len"
            ):
                return False
            if isinstance(n, ast.Name) and n.id in changed:
                return False
            if isinstance(n, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom):
                return False
        return True

    def _iter_while(self, node: ast.For) -> list[ast.stmt] | None:
        if node.orelse:
            return None
        it = self.fresh("iterator")
        step = ast.Try(
            body=[
                ast.Assign(
                    [node.target],
                    ast.Call(ast.Name("next", ast.Load()), [ast.Name(it, ast.Load())], []),
                )
            ],
            handlers=[
                ast.ExceptHandler(ast.Name("StopIteration", ast.Load()), None, [ast.Break()])
            ],
            orelse=[],
            finalbody=[],
        )
        self.applied["iter-while"] += 1
        return [
            ast.Assign(
                [ast.Name(it, ast.Store())], ast.Call(ast.Name("iter", ast.Load()), [node.iter], [])
            ),
            ast.While(ast.Constant(True), [step, *node.body], []),
        ]

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        elif_chain = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        if node.orelse and not elif_chain:
            self.applied["if-swapped"] += 1
            return ast.If(negate(node.test, self.rng), node.orelse, node.body)
        if (
            not node.orelse
            and isinstance(node.test, ast.BoolOp)
            and isinstance(node.test.op, ast.And)
        ):
            body = node.body
            for cond in reversed(node.test.values):
                body = [ast.If(cond, body, [])]
            self.applied["and-nested"] += 1
            return body[0]
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        self.generic_visit(node)
        if node.orelse or isinstance(node.test, ast.Constant):
            return node
        check = ast.If(negate(node.test, self.rng), [ast.Break()], [])
        self.applied["while-break"] += 1
        return ast.While(ast.Constant(True), [check, *node.body], [])

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if len(node.targets) != 1:
            return node
        target, value = node.targets[0], node.value
        if isinstance(value, ast.IfExp):
            self.applied["ternary-if"] += 1
            return ast.If(
                value.test,
                [ast.Assign([target], value.body)],
                [ast.Assign([copy.deepcopy(target)], value.orelse)],
            )
        if isinstance(target, ast.Name) and isinstance(
            value, ast.ListComp | ast.SetComp | ast.DictComp
        ):
            return self._comprehension_loop(target.id, value) or node
        return node

    def _comprehension_loop(
        self, name: str, comp: ast.ListComp | ast.SetComp | ast.DictComp
    ) -> list[ast.stmt] | None:
        bound = set().union(*(_bound_names(g.target) for g in comp.generators))
        used = {n.id for n in ast.walk(comp) if isinstance(n, ast.Name)}
        awkward = (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)
        if (
            name in used
            or bound & self.free
            or any(g.is_async for g in comp.generators)
            or any(isinstance(n, awkward) for n in ast.walk(comp))
        ):
            return None
        acc = ast.Name(name, ast.Load())
        init: ast.expr
        inner: ast.stmt
        if isinstance(comp, ast.DictComp):
            init = ast.Dict([], [])
            inner = ast.Assign([ast.Subscript(acc, comp.key, ast.Store())], comp.value)
        else:
            init = (
                ast.List([], ast.Load())
                if isinstance(comp, ast.ListComp)
                else ast.Call(ast.Name("set", ast.Load()), [], [])
            )
            method = "append" if isinstance(comp, ast.ListComp) else "add"
            inner = ast.Expr(ast.Call(ast.Attribute(acc, method, ast.Load()), [comp.elt], []))
        body: list[ast.stmt] = [inner]
        for gen in reversed(comp.generators):
            for cond in reversed(gen.ifs):
                body = [ast.If(cond, body, [])]
            body = [ast.For(gen.target, gen.iter, body, [])]
        self.applied["comprehension-loop"] += 1
        return [ast.Assign([ast.Name(name, ast.Store())], init), *body]

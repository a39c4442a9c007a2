"""A Python unit with its control flow written back the plain way (issue #16).

A copier hides a copied function by rewriting its control structures: a ``for`` loop as
``while True`` over ``next()`` ending on an exception, a counting loop as a ``while`` with a
counter, ``if a and b`` as nested ifs, an if/else swapped with its test negated, a comprehension
as a loop that appends, a conditional expression as an if/else, ``while c`` as ``while True`` /
``if not c: break``. The copy keeps what the code does and loses most of its k-grams.

``plain_flow`` writes each such construct back as the shorter one it stands for; a scan matches
that plain form beside the unit as written (``ipscan.extract.variants``), so a copy rewritten
either way meets its source. Names play no part in spotting a construct: a copier renames
``next`` and ``StopIteration`` too. An if/else is written with its test positive (``==``, ``is``,
``in``, ``<``, ``>``, no ``not``), the form most code is written in.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator

# A comparison with one of these reads as a negated test: an if/else on it is swapped.
_POSITIVE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.NotEq: ast.Eq,
    ast.IsNot: ast.Is,
    ast.NotIn: ast.In,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
}
# Each comparison operator and the one that negates it (shared with the rewriter that makes
# the benchmark's copies, ``ipscan.training.control_flow``).
FLIPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    **_POSITIVE,
    **{positive: negative for negative, positive in _POSITIVE.items()},
}
# Where ``bare_tuples`` may have brackets to take out.
_BRACKETS = re.compile(r"(?:return|yield|=|for|and|or) \(")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
# How far back a loop's set-up statement (``i = 0``, ``it = iter(x)``, ``acc = []``) may stand
# from the loop: a copier may add or move a statement in between.
_LOOKBACK = 3


def plain_flow(code: str) -> str | None:
    """``code`` (one Python function, possibly indented) with its control flow written the plain
    way, or None when nothing in it changes or it does not parse."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    writer = _Plain(tree)
    tree.body = writer.block(tree.body)
    if not writer.changed:
        return None
    try:
        return bare_tuples(ast.unparse(tree))
    except (ValueError, RecursionError, SyntaxError, AttributeError):
        return None


def bare_tuples(code: str) -> str:
    """``code`` without the brackets ``ast.unparse`` puts around a tuple that is returned,
    yielded, assigned or a loop's target (``return (a, b)``), or around a ``not`` among ``and``
    and ``or`` operands: code is mostly written without them."""
    if _BRACKETS.search(code) is None:  # parsing again costs more than the plain form did
        return code
    spans: list[tuple[int, int, int]] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.BoolOp):  # ``a and (not b)``: the brackets outside the node
            for operand in node.values:
                if _is_not(operand) and operand.end_col_offset is not None:
                    start, end = operand.col_offset - 1, operand.end_col_offset + 1
                    if operand.lineno == operand.end_lineno and start >= 0:
                        spans.append((operand.lineno, start, end))
        bare: list[ast.expr | None] = []
        if isinstance(node, ast.Return | ast.Yield):
            bare = [node.value]
        elif isinstance(node, ast.Assign):
            bare = [node.value, *node.targets]
        elif isinstance(node, ast.For):
            bare = [node.target]  # ``for x in (a, b)`` is mostly written with them
        for value in bare:
            if (
                isinstance(value, ast.Tuple)
                and value.elts
                and not any(isinstance(e, ast.Starred) for e in value.elts)
                and value.lineno == value.end_lineno
                and value.end_col_offset is not None
                # bracketed itself, not only starting and ending with bracketed items
                and value.col_offset < value.elts[0].col_offset
            ):
                spans.append((value.lineno, value.col_offset, value.end_col_offset))
    lines = code.encode("utf-8", "surrogatepass").split(b"\n")
    done: list[tuple[int, int, int]] = []
    for line, start, end in sorted(spans, reverse=True):
        text = lines[line - 1]
        # one of two nested spans only: taking out the inner one moves the outer one's end
        if any(at == line and start < b and a < end for at, a, b in done):
            continue
        if text[start : start + 1] == b"(" and text[end - 1 : end] == b")":
            lines[line - 1] = text[:start] + text[start + 1 : end - 1] + text[end:]
            done.append((line, start, end))
    return b"\n".join(lines).decode("utf-8", "surrogatepass")


def positive(test: ast.expr) -> ast.expr | None:
    """``not test`` written positively when ``test`` reads as negated, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _POSITIVE:
        return ast.Compare(test.left, [_POSITIVE[type(test.ops[0])]()], test.comparators)
    return None


def negated(test: ast.expr) -> ast.expr:
    """``not test``, written without ``not`` where one comparison flips."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in FLIPPED:
        return ast.Compare(test.left, [FLIPPED[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def loop_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Nodes under ``nodes`` (a loop's body) that belong to that loop: nested scopes left out,
    and of a nested loop only its ``else`` clause (where ``continue`` still means the outer
    loop)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _LOOPS):
            stack.extend(node.orelse)
        elif not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


class _Plain:
    """Writes blocks back the plain way, inner blocks first."""

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self._uses: Counter[str] | None = None
        self.changed = False

    def uses(self, name: str) -> int:
        """How often ``name`` occurs in the whole unit (counted once, when first asked)."""
        if self._uses is None:
            walked = ast.walk(self.tree)
            self._uses = Counter(n.id for n in walked if isinstance(n, ast.Name))
        return self._uses[name]

    def block(self, stmts: list[ast.stmt], elif_branch: bool = False) -> list[ast.stmt]:
        """``stmts`` written plainly; ``elif_branch``: they are the ``elif`` of an if."""
        out: list[ast.stmt] = []
        for stmt in stmts:
            self._inner(stmt)
            out += self._statement(stmt, out, elif_branch)
        return out

    def _inner(self, stmt: ast.stmt) -> None:
        for field in ("body", "orelse", "finalbody"):
            nodes = getattr(stmt, field, None)
            if isinstance(nodes, list) and nodes and isinstance(nodes[0], ast.stmt):
                elif_branch = field == "orelse" and isinstance(stmt, ast.If) and _is_elif(nodes)
                setattr(stmt, field, self.block(nodes, elif_branch))
        for handler in getattr(stmt, "handlers", ()):
            handler.body = self.block(handler.body)
        for case in getattr(stmt, "cases", ()):
            case.body = self.block(case.body)

    def _statement(
        self, stmt: ast.stmt, before: list[ast.stmt], elif_branch: bool = False
    ) -> list[ast.stmt]:
        """``stmt`` written plainly; may take its set-up statements out of ``before``."""
        plain: ast.stmt | None = None
        if isinstance(stmt, ast.While):
            plain = self._for_over_next(stmt, before)
            if plain is None:
                loop = self._while_test(stmt)
                plain = self._for_range(loop or stmt, before) or loop
        elif isinstance(stmt, ast.If):
            # A negated test is a swapped if/else, to be swapped back as it stands; an
            # if/elif/else chain assigning one name is written so on purpose: neither is made a
            # conditional expression.
            plain = self._swapped(stmt)
            if plain is None and not elif_branch:
                plain = self._conditional(stmt)
            plain = plain or self._joined_test(stmt)
        elif isinstance(stmt, ast.For):
            plain = self._comprehension(stmt, before)
        if plain is None:
            return [stmt]
        self.changed = True
        # ``ast.unparse`` reads a statement's line; fixing every location costs more.
        return [ast.copy_location(plain, stmt)]

    # --- loops -----------------------------------------------------------------------------

    def _for_over_next(self, loop: ast.While, before: list[ast.stmt]) -> ast.stmt | None:
        """``while True: try: x = next(it) / except E: break / body`` → ``for x in it: body``
        (and ``it = iter(xs)`` before it → ``for x in xs``)."""
        if not _is_true(loop.test) or loop.orelse or not loop.body:
            return None
        step = loop.body[0]
        if not (
            isinstance(step, ast.Try)
            and len(step.body) == 1
            and len(step.handlers) == 1
            and not step.orelse
            and not step.finalbody
            and len(step.handlers[0].body) == 1
            and isinstance(step.handlers[0].body[0], ast.Break)
            and isinstance(step.body[0], ast.Assign)
            and len(step.body[0].targets) == 1
        ):
            return None
        call = step.body[0].value
        if not (
            isinstance(call, ast.Call)
            and len(call.args) == 1
            and not call.keywords
            and isinstance(call.args[0], ast.Name)
        ):
            return None
        source: ast.expr = call.args[0]
        it = call.args[0].id
        if self.uses(it) == 2:  # made for this loop: ``it = iter(xs)`` and the ``next(it)``
            setup = self._setup(before, it)
            if setup is not None:
                made = before[setup]
                assert isinstance(made, ast.Assign)
                value = made.value
                if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
                    del before[setup]
                    source = value.args[0]
        body = loop.body[1:] or [ast.Pass()]
        return ast.For(step.body[0].targets[0], source, body, [], None)

    def _while_test(self, loop: ast.While) -> ast.While | None:
        """``while True: if c: break / body`` → ``while not c: body``."""
        if not _is_true(loop.test) or loop.orelse or len(loop.body) < 2:
            return None
        check = loop.body[0]
        if not (
            isinstance(check, ast.If)
            and not check.orelse
            and len(check.body) == 1
            and isinstance(check.body[0], ast.Break)
        ):
            return None
        return ast.While(negated(check.test), loop.body[1:], [])

    def _for_range(self, loop: ast.While, before: list[ast.stmt]) -> ast.For | None:
        """``i = a / while i < b: body / i += s`` → ``for i in range(a, b, s): body``."""
        test, bump = loop.test, loop.body[-1] if loop.body else None
        if not (
            not loop.orelse
            and len(loop.body) >= 2
            and isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Lt | ast.Gt)
            and isinstance(test.left, ast.Name)
            and isinstance(bump, ast.AugAssign)
            and isinstance(bump.target, ast.Name)
            and bump.target.id == test.left.id
            and isinstance(bump.op, ast.Add | ast.Sub)
            and isinstance(bump.value, ast.Constant)
            and type(bump.value.value) is int
            and bump.value.value > 0
        ):
            return None
        var = test.left.id
        step = bump.value.value if isinstance(bump.op, ast.Add) else -bump.value.value
        if (step > 0) != isinstance(test.ops[0], ast.Lt):
            return None
        body = loop.body[:-1]
        if any(isinstance(n, ast.Continue) for n in loop_nodes(body)):
            return None  # a ``continue`` skips the bump: not a counting loop
        start_at = self._setup(before, var)
        if start_at is None:
            return None
        start_stmt = before[start_at]
        assert isinstance(start_stmt, ast.Assign)
        stop = test.comparators[0]
        if isinstance(stop, ast.Name) and self.uses(stop.id) == 2:  # a bound kept in a name
            bound_at = self._setup(before, stop.id)
            if bound_at is not None:
                bound_stmt = before[bound_at]
                assert isinstance(bound_stmt, ast.Assign)
                stop = bound_stmt.value
                del before[bound_at]
                start_at = self._setup(before, var)
                assert start_at is not None
        start = start_stmt.value
        del before[start_at]
        args: list[ast.expr] = [stop]
        if step != 1:
            args = [start, stop, ast.Constant(step)]
        elif not (isinstance(start, ast.Constant) and start.value == 0):
            args = [start, stop]
        counted = ast.Call(ast.Name("range", ast.Load()), args, [])
        return ast.For(ast.Name(var, ast.Store()), counted, body, [], None)

    def _setup(self, before: list[ast.stmt], name: str) -> int | None:
        """Where in ``before`` the statement assigning ``name`` stands, within _LOOKBACK
        statements that do not mention ``name``."""
        for i in range(len(before) - 1, max(len(before) - 1 - _LOOKBACK, -1), -1):
            if _assigned_name(before[i]) == name:
                return i
            if _mentions(before[i], name):
                return None
        return None

    # --- branches --------------------------------------------------------------------------

    @staticmethod
    def _conditional(branch: ast.If) -> ast.stmt | None:
        """``if c: x = a / else: x = b`` → ``x = a if c else b``."""
        if not (len(branch.body) == 1 and len(branch.orelse) == 1):
            return None
        yes, no = branch.body[0], branch.orelse[0]
        if not (
            isinstance(yes, ast.Assign)
            and isinstance(no, ast.Assign)
            and len(yes.targets) == len(no.targets) == 1
            and ast.dump(yes.targets[0]) == ast.dump(no.targets[0])
        ):
            return None
        return ast.Assign(yes.targets, ast.IfExp(branch.test, yes.value, no.value), None)

    @staticmethod
    def _joined_test(branch: ast.If) -> ast.If | None:
        """``if a: / if b: body`` (no else on either) → ``if a and b: body``."""
        inner = branch.body[0] if len(branch.body) == 1 else None
        if branch.orelse or not isinstance(inner, ast.If) or inner.orelse:
            return None
        tests: list[ast.expr] = []
        for test in (branch.test, inner.test):
            joined = isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
            tests += test.values if isinstance(test, ast.BoolOp) and joined else [test]
        return ast.If(ast.BoolOp(ast.And(), tests), inner.body, [])

    @staticmethod
    def _swapped(branch: ast.If) -> ast.If | None:
        """``if not c: b / else: a`` → ``if c: a / else: b`` (not an elif chain)."""
        if not branch.orelse or _is_elif(branch.orelse):
            return None
        test = positive(branch.test)
        return None if test is None else ast.If(test, branch.orelse, branch.body)

    # --- comprehensions --------------------------------------------------------------------

    def _comprehension(self, loop: ast.For, before: list[ast.stmt]) -> ast.stmt | None:
        """``acc = [] / for y in z: if c: acc.append(e)`` → ``acc = [e for y in z if c]`` (a set
        from ``acc = set()`` and ``.add``, a dict from ``acc = {}`` and ``acc[k] = v``)."""
        generators: list[ast.comprehension] = []
        node: ast.stmt = loop
        while True:
            if isinstance(node, ast.For) and not node.orelse and len(node.body) == 1:
                generators.append(ast.comprehension(node.target, node.iter, [], 0))
                node = node.body[0]
            elif isinstance(node, ast.If) and not node.orelse and len(node.body) == 1:
                generators[-1].ifs.append(node.test)
                node = node.body[0]
            else:
                break
        if not generators:
            return None
        acc, item = _accumulated(node)
        if acc is None or item is None or any(_mentions(x, acc) for x in item):
            return None
        at = self._setup(before, acc)
        if at is None:
            return None
        init = before[at]
        assert isinstance(init, ast.Assign)
        comp: ast.expr
        value = init.value
        if isinstance(value, ast.List) and not value.elts and len(item) == 1:
            comp = ast.ListComp(item[0], generators)
        elif isinstance(value, ast.Dict) and not value.keys and len(item) == 2:
            comp = ast.DictComp(item[0], item[1], generators)
        elif (
            isinstance(value, ast.Call) and not value.args and not value.keywords and len(item) == 1
        ):
            comp = ast.SetComp(item[0], generators)
        else:
            return None
        del before[at]
        return ast.Assign([copy.deepcopy(init.targets[0])], comp, None)


def _accumulated(stmt: ast.stmt) -> tuple[str | None, list[ast.expr] | None]:
    """(accumulator, the item or key and value) of ``acc.add(e)`` / ``acc[k] = v``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if (
            isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and len(call.args) == 1
            and not call.keywords
            and not isinstance(call.args[0], ast.Starred)
        ):
            return call.func.value.id, [call.args[0]]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and not isinstance(target.slice, ast.Slice)
        ):
            return target.value.id, [target.slice, stmt.value]
    return None, None


def _is_elif(orelse: list[ast.stmt]) -> bool:
    return len(orelse) == 1 and isinstance(orelse[0], ast.If)


def _is_not(node: ast.expr) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)


def _is_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and test.value is True

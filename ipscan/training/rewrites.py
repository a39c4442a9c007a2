"""Rewrites of real Python functions, as a copier hides a copy: the positives of training and
benchmarks.

Each rewrite keeps the function valid Python (checked with ``ast``), or returns None:

- ``verbatim``: the function as it is;
- ``reformatted``: comments dropped and the layout re-spaced (tokens kept);
- ``renamed``: every identifier renamed consistently, and re-spaced;
- ``renamed-edited``: renamed, with one one-line statement of the body removed;
- ``statement-added``: renamed, with a dead statement inserted in the body;
- ``reordered``: two adjacent independent one-line statements swapped;
- ``snippet``: 15+ lines of consecutive body statements pasted into a host function;
- ``control-flow``: control structures rewritten (``control_flow``: loops as ``while``, if/else
  swapped, comprehensions and conditional expressions written out, ...), then one one-line
  statement removed or one dead statement added, then renamed (issue #16).
"""

from __future__ import annotations

import ast
import io
import keyword
import random
import textwrap
import tokenize
from collections.abc import Callable

from ipscan.training.control_flow import control_flow_rewrite

LEVELS = (
    "verbatim",
    "reformatted",
    "renamed",
    "renamed-edited",
    "statement-added",
    "reordered",
    "snippet",
    "control-flow",
)
SNIPPET_LINES = 15
HOST = """\
def tally_inventory(rows, threshold=3):
    totals = {}
    for row in rows:
        key = row.get("sku")
        totals[key] = totals.get(key, 0) + row.get("count", 0)
    low = sorted(k for k, v in totals.items() if v < threshold)
    return totals, low


def pasted(self, *args, **kwargs):
{body}
"""


def functions(text: str, min_lines: int = 6) -> list[ast.FunctionDef]:
    """Functions and methods of ``text`` with at least ``min_lines`` lines."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and (n.end_lineno or 0) - n.lineno + 1 >= min_lines
    ]


def retokenize(code: str, rename: bool) -> str | None:
    """``code`` re-spaced without comments; identifiers renamed v0, v1, ... in order of first
    use when ``rename`` (None when it does not tokenize)."""
    names: dict[str, str] = {}
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if (
                rename
                and tok.type == tokenize.NAME
                and not (keyword.iskeyword(tok.string) or keyword.issoftkeyword(tok.string))
            ):
                out.append((tok.type, names.setdefault(tok.string, f"v{len(names)}")))
            elif tok.type != tokenize.COMMENT:
                out.append((tok.type, tok.string))
        return tokenize.untokenize(out)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def _one_line_statements(fn: ast.FunctionDef) -> list[ast.stmt]:
    return [s for s in fn.body if s.lineno == s.end_lineno and not isinstance(s, ast.Return)]


def _drop(code: str, fn: ast.FunctionDef, rng: random.Random) -> str | None:
    body = _one_line_statements(fn)
    if len(fn.body) < 3 or not body:
        return None
    lines = code.splitlines(keepends=True)
    del lines[rng.choice(body).lineno - fn.lineno]
    return "".join(lines)


def _add(code: str, fn: ast.FunctionDef, rng: random.Random) -> str | None:
    if len(fn.body) < 2:
        return None
    at = rng.choice(fn.body[1:])
    lines = code.splitlines(keepends=True)
    i = at.lineno - fn.lineno
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines.insert(i, f"{indent}_checked = len(str({rng.randint(2, 99)}))\n")
    return "".join(lines)


def _names(node: ast.AST, kind: type) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, kind)}


def _reorder(code: str, fn: ast.FunctionDef, rng: random.Random) -> str | None:
    pairs = []
    for a, b in zip(fn.body, fn.body[1:], strict=False):
        if a.lineno != a.end_lineno or b.lineno != b.end_lineno:
            continue
        if isinstance(a, ast.Return | ast.Expr) or isinstance(b, ast.Return):
            continue
        wa, wb = _names(a, ast.Store), _names(b, ast.Store)
        ra, rb = _names(a, ast.Load), _names(b, ast.Load)
        if wa & (rb | wb) or wb & ra:
            continue
        pairs.append((a, b))
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    lines = code.splitlines(keepends=True)
    i, j = a.lineno - fn.lineno, b.lineno - fn.lineno
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def snippet_span(fn: ast.FunctionDef, min_lines: int = SNIPPET_LINES) -> tuple[int, int] | None:
    """Lines (in the file) of the first run of body statements spanning ``min_lines`` lines."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and s is fn.body[0])]
    if not body:
        return None
    start = body[0].lineno
    for s in body:
        if (s.end_lineno or 0) - start + 1 >= min_lines:
            return start, s.end_lineno or start
    return None


def rewrite(
    text: str, fn: ast.FunctionDef, level: str, rng: random.Random
) -> tuple[str, int, int] | None:
    """``fn`` of file ``text`` rewritten at ``level``: (new code, first and last source line)."""
    code = textwrap.dedent("\n".join(text.splitlines()[fn.lineno - 1 : fn.end_lineno]) + "\n")
    lo, hi = fn.lineno, fn.end_lineno or fn.lineno
    parsed = _parse_function(code)
    if parsed is None:
        return None
    steps: dict[str, Callable[[], str | None]] = {
        "verbatim": lambda: code,
        "reformatted": lambda: retokenize(code, rename=False),
        "renamed": lambda: retokenize(code, rename=True),
        "renamed-edited": lambda: _then_rename(_drop(code, parsed, rng)),
        "statement-added": lambda: _then_rename(_add(code, parsed, rng)),
        "reordered": lambda: _reorder(code, parsed, rng),
        "control-flow": lambda: _control_flow(code, rng),
    }
    out: str | None
    if level == "snippet":
        span = snippet_span(fn)
        if span is None:
            return None
        body = textwrap.dedent("\n".join(text.splitlines()[span[0] - 1 : span[1]]))
        out = HOST.replace("{body}", textwrap.indent(body, "    "))
        lo, hi = span
    else:
        out = steps[level]()
    if out is None or (_parse_function(out) is None and level != "snippet"):
        return None
    try:
        ast.parse(out)
    except (SyntaxError, ValueError):
        return None
    return out, lo, hi


def _control_flow(code: str, rng: random.Random) -> str | None:
    """Control structures rewritten, one statement removed or added at random, then renamed."""
    rewritten = control_flow_rewrite(code, rng)
    parsed = _parse_function(rewritten) if rewritten is not None else None
    if rewritten is None or parsed is None:
        return None
    edits = [_drop, _add]
    rng.shuffle(edits)
    for edit in edits:
        edited = edit(rewritten, parsed, rng)
        if edited is not None:
            return _then_rename(edited)
    return None


def _then_rename(code: str | None) -> str | None:
    return retokenize(code, rename=True) if code is not None else None


def _parse_function(code: str) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    first = tree.body[0] if tree.body else None
    return first if isinstance(first, ast.FunctionDef) else None

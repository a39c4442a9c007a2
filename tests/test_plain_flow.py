"""Control flow written back the plain way: each construct a copier rewrites, and a scan that
finds control-flow-rewritten copies of real functions through it (issue #16)."""

from __future__ import annotations

import ast
import random
import sysconfig
import textwrap
from pathlib import Path

import pytest

import ipscan.scan
from ipscan.extract.analyze import analyze_file
from ipscan.extract.parse import parse_source
from ipscan.extract.plain_flow import bare_tuples
from ipscan.extract.plain_flow import plain_flow
from ipscan.extract.variants import plain_variants
from ipscan.records import SourceFile
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.training.control_flow import control_flow_rewrite
from ipscan.training.rewrites import rewrite
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.test_structure import ORIGINAL


def _tokens(code: str) -> list[str]:
    return [t.text for t in parse_source(SourceFile("x.py", code, "python")).tokens]


def _plain(code: str) -> str:
    out = plain_flow(textwrap.dedent(code))
    assert out is not None, "nothing was written back"
    return out


def test_every_rewrite_of_a_function_is_written_back_to_its_tokens() -> None:
    # for → while over next(), an if/else swapped with its test negated, a comprehension and a
    # conditional expression written out, a returned tuple bracketed: all undone at once.
    rewritten = control_flow_rewrite(ORIGINAL, random.Random(0))
    assert rewritten is not None and _tokens(rewritten) != _tokens(ORIGINAL)
    assert _tokens(_plain(rewritten)) == _tokens(ORIGINAL)


@pytest.mark.parametrize(
    ("rewritten", "plain"),
    [
        (  # a counting while loop with its bound kept in a name
            """
            def f(xs):
                i = 2
                end = len(xs)
                while i < end:
                    print(xs[i])
                    i += 3
            """,
            "for i in range(2, len(xs), 3):",
        ),
        (  # ... counting from zero by one
            """
            def f(n):
                k = 0
                while k < n:
                    print(k)
                    k += 1
            """,
            "for k in range(n):",
        ),
        (  # while True, broken out of at the top: the test is negated back
            """
            def f(q):
                while True:
                    if q.size() >= 10:
                        break
                    q.put(1)
            """,
            "while q.size() < 10:",
        ),
        (  # iteration by next() over renamed builtins: names play no part
            """
            def f(rows):
                a = b(rows)
                while True:
                    try:
                        row = c(a)
                    except d:
                        break
                    print(row)
            """,
            "for row in rows:",
        ),
        (  # nested ifs without else are one test
            """
            def f(x, y):
                if x:
                    if y > 1:
                        if not x.done:
                            x.run()
            """,
            "if x and y > 1 and not x.done:",
        ),
        (  # a dict built by a loop
            """
            def f(pairs):
                out = {}
                for k, v in pairs:
                    if v:
                        out[k] = v * 2
                return out
            """,
            "out = {k: v * 2 for k, v in pairs if v}",
        ),
        (  # a set built by a loop, whatever the constructor is called
            """
            def f(words):
                seen = make()
                for w in words:
                    seen.add(w.lower())
                return seen
            """,
            "seen = {w.lower() for w in words}",
        ),
        (  # an if/else assigning one name in both branches
            """
            def f(n):
                if n > 0:
                    label = 'up'
                else:
                    label = 'down'
                return label
            """,
            "label = 'up' if n > 0 else 'down'",
        ),
        (  # ... but on a negated test it is a swapped if/else, and is swapped back
            """
            def f(ensure, ctx):
                if not ensure:
                    obj = ctx.find()
                else:
                    obj = ctx.make()
                return obj
            """,
            "if ensure:\n        obj = ctx.make()\n    else:\n        obj = ctx.find()",
        ),
        (  # an if/else on a negated test
            """
            def f(item):
                if item is not None:
                    item.close()
                else:
                    log('none')
            """,
            "if item is None:",
        ),
    ],
)
def test_each_construct_is_written_back(rewritten: str, plain: str) -> None:
    assert plain in _plain(rewritten)


def test_what_would_change_meaning_or_is_already_plain_stays() -> None:
    # A counting loop with a ``continue`` skips its bump: not a range.
    kept = """
        def f(n):
            i = 0
            while i < n:
                i += 1
                if i % 2:
                    continue
                print(i)
                i += 1
        """
    assert "range" not in (plain_flow(textwrap.dedent(kept)) or "")
    plain = """
        def f(xs):
            for x in xs:
                if x == 1:
                    print(x)
                else:
                    print(-x)
            return [x for x in xs if x]
        """
    assert plain_flow(textwrap.dedent(plain)) is None
    assert plain_flow("def f(:\n    pass\n") is None
    # An if/elif/else chain assigning one name stays a chain; only its negated elif turns.
    chain = """
        def f(a, b):
            if a:
                x = 1
            elif b != 2:
                x = 2
            else:
                x = 3
            return x
        """
    assert "elif b == 2:\n        x = 3\n    else:\n        x = 2" in _plain(chain)


def test_bare_tuples_keeps_what_needs_its_brackets() -> None:
    code = "def f(a):\n    b, c = (1, 2)\n    for (x, y) in ((1, 2),):\n        yield (x, (y, 1))\n"
    out = bare_tuples(code + "    return (a, *b)\n")
    assert "b, c = 1, 2" in out and "for x, y in ((1, 2),):" in out
    assert "yield x, (y, 1)" in out and "return (a, *b)" in out
    # Of nested brackets on one line, one pair goes: the code stays valid.
    nested = bare_tuples("def f(a, b):\n    return (a and (not b), a or (not b))\n")
    ast.parse(nested)
    # A tuple of bracketed items is not itself bracketed.
    assert bare_tuples("(a, b), (c, d) = x, y\n") == "(a, b), (c, d) = x, y\n"
    ast.parse(out)


def test_variants_keep_their_units_lines() -> None:
    code = "class A:\n\n    def f(self, xs):\n" + textwrap.indent(
        textwrap.dedent(ORIGINAL).split("\n", 1)[1], "    "
    )
    rewritten = control_flow_rewrite(ORIGINAL, random.Random(0))
    assert rewritten is not None
    analyzed = analyze_file(SourceFile("a.py", code, "python"))
    assert plain_variants([analyzed]) == []  # the original reads the same written plainly
    copy_file = analyze_file(SourceFile("b.py", "import os\n\n\n" + rewritten, "python"))
    [variant] = plain_variants([copy_file])
    unit = copy_file.units[variant.of].unit
    assert variant.unit.unit == unit
    lines = variant.unit.evidence.start_lines
    assert lines.min() >= unit.span.start_line and lines.max() <= unit.span.end_line


def _control_flow_copies() -> dict[str, tuple[str, str, int, int]]:
    """Every function of the tiny index's click files rewritten at level ``control-flow``
    (control flow, one statement edited, renamed), by file name: (code, source file, first and
    last source line)."""
    out = {}
    rng = random.Random(1)
    for module in ("utils", "formatting"):
        text = installed_file("click", f"click/{module}.py").read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                made = rewrite(text, node, "control-flow", rng)
                if made is not None and made[2] - made[1] >= 6:
                    source = f"src/click/{module}.py"
                    out[f"{module}_{node.name}.py"] = (made[0], source, made[1], made[2])
    return out


def test_control_flow_rewritten_copies_are_found_through_their_plain_form(
    tmp_path: Path, tiny_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies = _control_flow_copies()
    assert len(copies) >= 8
    repo = init_repo(tmp_path / "repo", {name: made[0] for name, made in copies.items()})

    def found() -> set[str]:
        report = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu"))
        return {
            f.path
            for f in report.findings
            if f.source.path == copies[f.path][1]
            and f.source.start_line <= copies[f.path][3]
            and f.source.end_line >= copies[f.path][2]
        }

    with_plain = found()
    monkeypatch.setattr(ipscan.scan, "plain_variants", lambda analyzed: [])
    without = found()
    assert without < with_plain
    assert len(with_plain) >= 0.8 * len(copies)


def test_every_unit_whose_plain_form_differs_gets_a_variant() -> None:
    # The cheap look at the canonical text lets no such unit through unparsed.
    files = [
        analyze_file(SourceFile(name, made[0], "python"))
        for name, made in _control_flow_copies().items()
    ]
    differ = sum(
        plain_flow(textwrap.dedent(au.unit.text)) is not None for af in files for au in af.units
    )
    assert differ >= 10 and len(plain_variants(files)) == differ


def test_every_plain_form_of_real_functions_is_python() -> None:
    # Modules whose functions once came out broken (a tuple of bracketed items unbracketed).
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    changed = 0
    for name in ("difflib.py", "asyncio/base_events.py", "argparse.py", "tarfile.py"):
        text = (stdlib / name).read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                code = "\n".join(lines[start - 1 : node.end_lineno])
                out = plain_flow(textwrap.dedent(code))
                if out is not None:
                    ast.parse(out)
                    changed += 1
    assert changed >= 20

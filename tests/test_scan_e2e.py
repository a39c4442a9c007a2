"""End to end: a real index of real licensed code, a real git repo holding copies, a scan."""

from __future__ import annotations

import ast
import io
import json
import keyword
import textwrap
import tokenize
from pathlib import Path

import pytest

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

ORIGINAL_CODE = '''\
"""Inventory bookkeeping for a small bakery (written for this test)."""

import datetime


class Oven:
    """Tracks what is baking and when each tray is done."""

    def __init__(self, slots):
        self.slots = slots
        self.trays = {}

    def load(self, tray, minutes):
        if len(self.trays) >= self.slots:
            raise RuntimeError("the oven is full")
        done = datetime.datetime.now() + datetime.timedelta(minutes=minutes)
        self.trays[tray] = done
        return done

    def ready(self, now):
        finished = [tray for tray, done in self.trays.items() if done <= now]
        for tray in finished:
            del self.trays[tray]
        return sorted(finished)


def price_list(items, markup=1.25, rounding=0.05):
    prices = {}
    for name, cost in items.items():
        raw = cost * markup
        steps = round(raw / rounding)
        prices[name] = max(rounding, steps * rounding)
    return dict(sorted(prices.items(), key=lambda kv: (-kv[1], kv[0])))


def daily_report(sales, waste):
    lines = ["item,sold,wasted,ratio"]
    for item in sorted(set(sales) | set(waste)):
        sold = sales.get(item, 0)
        lost = waste.get(item, 0)
        ratio = lost / (sold + lost) if sold + lost else 0.0
        lines.append(f"{item},{sold},{lost},{ratio:.2f}")
    return "\\n".join(lines)
'''


def _function_node(source: str, name: str) -> ast.FunctionDef:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise LookupError(name)


def rename_and_reformat(code: str) -> str:
    """Every identifier renamed consistently, and the layout changed (spacing, blank lines)."""
    names: dict[str, str] = {}
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and not (
            keyword.iskeyword(tok.string) or keyword.issoftkeyword(tok.string)
        ):
            out.append((tok.type, names.setdefault(tok.string, f"n{len(names)}_x")))
        elif tok.type == tokenize.COMMENT:
            continue
        else:
            out.append((tok.type, tok.string))
    # Two-tuple untokenize re-spaces every token: a different layout, the same program.
    return tokenize.untokenize(out)


def snippet_lines(source: str, func: str, min_lines: int = 15) -> tuple[int, int]:
    """Lines of consecutive top-level statements in ``func``'s body, at least ``min_lines``."""
    node = _function_node(source, func)
    body = [s for s in node.body if not isinstance(s, ast.Expr)]  # no docstring
    start = body[0].lineno
    for stmt in body:
        if stmt.end_lineno - start + 1 >= min_lines:
            return start, stmt.end_lineno
    raise LookupError(f"{func}: body shorter than {min_lines} lines")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, tiny_index: Path) -> dict[str, object]:
    formatting = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    specifiers = installed_file("packaging", "packaging/specifiers.py").read_text(encoding="utf-8")

    fn = _function_node(utils, "echo")
    renamed_src = "\n".join(utils.splitlines()[fn.lineno - 1 : fn.end_lineno])
    renamed = rename_and_reformat(renamed_src)

    s0, s1 = snippet_lines(specifiers, "_check_arbitrary_unsatisfiable")
    snippet = textwrap.dedent("\n".join(specifiers.splitlines()[s0 - 1 : s1]))
    host_lines = ORIGINAL_CODE.splitlines()
    insert_at = host_lines.index("def daily_report(sales, waste):") - 1
    pasted = ["", "", "def pasted_helper(self, iterable, prereleases=None):"]
    pasted += ["    " + line if line else "" for line in snippet.splitlines()]
    host = "\n".join(host_lines[:insert_at] + pasted + host_lines[insert_at:]) + "\n"
    snippet_start = insert_at + 4  # 1-based line of the first pasted line

    repo = init_repo(
        tmp_path_factory.mktemp("scanned") / "my project",
        {
            "vendored/formatting copy.py": formatting,
            "app/renamed.py": renamed + "\n",
            "app/bakery.py": host,
            "app/original.py": ORIGINAL_CODE,
        },
    )
    report = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu"))
    return {
        "report": report,
        "echo_lines": (fn.lineno, fn.end_lineno),
        "snippet_source": (s0, s1),
        "snippet_here": (snippet_start, snippet_start + (s1 - s0)),
        "renamed_lines": len(renamed.splitlines()),
        "repo": repo,
    }


def _at(report: Report, path: str, scope: Scope = Scope.UNIT) -> list[Finding]:
    return [f for f in report.findings if f.path == path and f.scope is scope]


def test_verbatim_file_copy_is_found_with_source_lines_and_license(scanned) -> None:
    report = scanned["report"]
    units = _at(report, "vendored/formatting copy.py")
    assert len(units) >= 5
    for f in units:
        assert f.verdict.value == "copied"
        assert f.source.package == "click"
        assert f.source.path == "src/click/formatting.py"
        assert f.source.license == "BSD-3-Clause"
        # A verbatim copy of the whole file sits on the same lines as its source.
        assert (f.start_line, f.end_line) == (f.source.start_line, f.source.end_line)
    whole = _at(report, "vendored/formatting copy.py", Scope.FILE)
    # Short units (under 30 tokens) are not evidence, so not all of the file's code is matched.
    assert len(whole) == 1 and whole[0].similarity >= 0.8 and whole[0].verdict.value == "copied"


def test_renamed_and_reformatted_function_is_found(scanned) -> None:
    found = _at(scanned["report"], "app/renamed.py")
    assert found, "a copy with every identifier renamed and re-spaced must be found"
    best = max(found, key=lambda f: f.similarity)
    assert best.source.path == "src/click/utils.py"
    assert (best.source.start_line, best.source.end_line) == scanned["echo_lines"]
    assert best.start_line == 1 and best.end_line >= scanned["renamed_lines"] - 1
    assert best.source.license == "BSD-3-Clause"


def test_snippet_pasted_into_unrelated_file_is_found_with_its_own_lines(scanned) -> None:
    found = _at(scanned["report"], "app/bakery.py")
    assert len(found) == 1
    f = found[0]
    s0, s1 = scanned["snippet_source"]
    h0, h1 = scanned["snippet_here"]
    assert f.source.path == "src/packaging/specifiers.py"
    assert f.source.license == "Apache-2.0 OR BSD-2-Clause"
    assert abs(f.source.start_line - s0) <= 2 and abs(f.source.end_line - s1) <= 2
    assert abs(f.start_line - h0) <= 2 and abs(f.end_line - h1) <= 2
    assert not _at(scanned["report"], "app/bakery.py", Scope.FILE)


def test_unrelated_code_is_not_flagged(scanned) -> None:
    assert not [f for f in scanned["report"].findings if f.path == "app/original.py"]


def test_json_contract_and_exit_code_from_the_cli(scanned, tiny_index: Path) -> None:
    res = run_cli(
        "repo",
        str(scanned["repo"]),
        "--index",
        str(tiny_index),
        "--format",
        "json",
        "--device",
        "cpu",
    )
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "ipscan.report/1"
    assert doc["findings"]
    for f in doc["findings"]:
        assert {"path", "start_line", "end_line", "similarity", "verdict", "source"} <= set(f)
        assert f["verdict"] in {"copied", "modified-copy"}
        assert 0.0 <= f["similarity"] <= 1.0
        src = f["source"]
        assert {"package", "version", "path", "start_line", "end_line", "license"} <= set(src)
    assert not any(f["path"] == "app/original.py" for f in doc["findings"])


def test_clean_repository_exits_zero(tmp_path: Path, tiny_index: Path) -> None:
    repo = init_repo(tmp_path / "clean", {"app/original.py": ORIGINAL_CODE})
    res = run_cli("repo", str(repo), "--index", str(tiny_index), "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""
    assert "0 findings" in res.stderr


def test_a_scan_without_faiss_finds_the_same(
    scanned, tiny_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without FAISS (the pre-commit hook's) searches the vectors exactly and reports
    what an install with it does."""
    args = ("repo", str(scanned["repo"]), "--index", str(tiny_index), "--format", "json")
    with_faiss = run_cli(*args)
    blocker = tmp_path / "no-faiss"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['faiss'] = None\n")
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    without = run_cli(*args)
    assert without.returncode == with_faiss.returncode == 1, without.stderr
    assert "faiss" not in without.stderr
    found = [json.loads(r.stdout)["findings"] for r in (with_faiss, without)]
    assert found[0] == found[1] and found[0]

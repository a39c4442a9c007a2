"""A snippet pasted into a large file is found with its own lines; data tables are not copies."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.training.rewrites import functions
from ipscan.training.rewrites import snippet_span
from tests.conftest import installed_file


def _filler(n_functions: int) -> str:
    """Distinct, unrelated functions (about 10 lines each)."""
    out = []
    for i in range(n_functions):
        out.append(
            f"def ledger_step_{i}(entries, rate={i % 7 + 2}):\n"
            f"    balance = {i * 3}\n"
            "    for entry in entries:\n"
            f"        if entry.get('kind') == 'fee{i}':\n"
            "            balance -= entry['amount'] * rate\n"
            "        else:\n"
            f"            balance += entry.get('amount', {i})\n"
            f"    history = [balance] * {i % 5 + 1}\n"
            "    return balance, history\n"
        )
    return "\n\n".join(out) + "\n"


def test_a_15_line_snippet_in_a_1000_line_file_is_found(tmp_path: Path, tiny_index: Path) -> None:
    text = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    span = next(s for f in functions(text) if (s := snippet_span(f)) is not None)
    body = textwrap.dedent("\n".join(text.splitlines()[span[0] - 1 : span[1]]))
    pasted = "def reconcile(self, *args, **kwargs):\n" + textwrap.indent(body, "    ") + "\n"
    head, tail = _filler(50), _filler(52).replace("ledger_step_", "ledger_tail_")
    source = head + "\n\n" + pasted + "\n\n" + tail
    n_lines = source.count("\n")
    assert n_lines >= 1000
    start = head.count("\n") + 3
    (tmp_path / "big.py").write_text(source, encoding="utf-8")
    report = scan_repo(tmp_path, ScanOptions(index_dir=tiny_index, embeddings=False))
    found = [f for f in report.findings if f.source.path == "src/click/utils.py"]
    assert found, report.findings
    f = found[0]
    assert f.verdict in (Verdict.COPIED, Verdict.MODIFIED_COPY)
    # Its own lines, not the file's (nor the whole host function's).
    assert start <= f.start_line and f.end_line <= start + body.count("\n") + 1
    assert f.source.start_line <= span[1] and f.source.end_line >= span[0]
    assert all(g.scope.value == "unit" for g in report.findings)


def test_an_unrelated_data_table_is_not_flagged(tmp_path: Path, tiny_index: Path) -> None:
    rows = ",\n".join(
        f'    ("item-{i}", {i * 7 % 101}, {i * 13 % 97}, "{chr(97 + i % 26)}{i}", {i % 2 == 0})'
        for i in range(400)
    )
    names = ",\n".join(f'    "{w}"' for w in ("alpha", "beta", "gamma", "delta") * 60)
    table = (
        f"TABLE = [\n{rows}\n]\n\nNAMES = (\n{names}\n)\n\nCODES = {{\n"
        + ",\n".join(f"    {i}: '{i:04x}'" for i in range(300))
        + "\n}\n"
    )
    (tmp_path / "tables.py").write_text(table, encoding="utf-8")
    report = scan_repo(tmp_path, ScanOptions(index_dir=tiny_index))
    assert report.units_scanned > 0
    assert report.findings == ()

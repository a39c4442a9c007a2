"""The HTML report: built from a real scan, checked as text and rendered by headless Chromium."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.report.html import render_html
from ipscan.report.json_report import report_dict
from ipscan.report.json_report import report_from_dict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file

UNRELATED = '''\
"""Seat planning for a small theatre (written for this test)."""


def free_seats(rows, taken):
    free = []
    for row, count in rows.items():
        for seat in range(1, count + 1):
            if (row, seat) not in taken:
                free.append(f"{row}{seat}")
    return free


def best_pair(free):
    by_row = {}
    for label in free:
        by_row.setdefault(label[0], []).append(int(label[1:]))
    for row in sorted(by_row):
        seats = sorted(by_row[row])
        for a, b in zip(seats, seats[1:]):
            if b == a + 1:
                return row, a
    return None
'''

VENDORED = "vendored/formatting.py"
CHROMIUM_TIMEOUT = 60


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory, tiny_index: Path) -> tuple[Report, str]:
    """A real scan of a repo holding a verbatim copy of click's formatting.py; and that text."""
    copied = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    repo = init_repo(
        tmp_path_factory.mktemp("html") / "project",
        {VENDORED: copied, "app/seats.py": UNRELATED},
    )
    report = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu"))
    return report, copied


def _section(page: str, n: int) -> str:
    start = page.index(f'<section class="finding" id="finding-{n}"')
    return page[start : page.index("</section>", start)]


def _first_unit(report: Report) -> tuple[int, Finding]:
    for n, f in enumerate(report.findings, 1):
        if f.path == VENDORED and f.scope is Scope.UNIT and f.start_line > 1:
            return n, f
    raise AssertionError("the verbatim copy gave no unit finding")


def _visible_text(cell_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html))


def test_finding_shows_scanned_code_beside_the_source_facts(scan) -> None:
    report, copied = scan
    assert report.findings and all(f.path == VENDORED for f in report.findings)
    page = render_html(report)
    n, f = _first_unit(report)
    sec = _section(page, n)
    assert f'data-verdict="{f.verdict.value}"' in sec
    # Left: the scanned lines, matched ones marked `hl`, a few lines of context unmarked.
    rows = re.findall(
        r'<tr class="(ln(?: hl)?)" data-line="(\d+)"><td class="n">\d+</td>'
        r"<td>(.*?)</td></tr>",
        sec,
    )
    marked = [int(line) for cls, line, _ in rows if cls == "ln hl"]
    assert marked == list(range(f.start_line, f.end_line + 1))
    context = [int(line) for cls, line, _ in rows if cls == "ln"]
    assert f.start_line - 1 in context and f.end_line + 1 in context
    lines = copied.splitlines()
    for _, line, cell in rows:
        assert _visible_text(cell) == lines[int(line) - 1]
    assert 'class="pg-k"' in sec  # Pygments coloured the Python keywords
    # Right: no source text, but everything known about where it came from.
    assert "Source text is not stored in the index" in sec
    src = f.source
    for fact in (src.package, src.version, src.path, src.license, src.unit_name):
        assert html.escape(fact) in sec
    assert f"open {src.path} lines {src.start_line}-{src.end_line} of click" in sec
    assert f"{f.similarity:.2f}" in sec
    for key in f.evidence:
        assert f"{key}=" in sec


def test_summary_table_and_whole_file_finding(scan) -> None:
    report, _ = scan
    page = render_html(report)
    assert page.count('<section class="finding"') == len(report.findings)
    assert page.count("<tr data-index=") == len(report.findings)
    for v in ("copied", "modified-copy", "similar"):
        assert f'data-count="{v}"' in page
    assert f"<b>{report.files_scanned}</b>files scanned" in page
    assert html.escape(str(report.index_summary["path"])) in page
    assert "ipscan 0." in page
    whole = [n for n, f in enumerate(report.findings, 1) if f.scope is Scope.FILE]
    assert whole and "(whole file)" in _section(page, whole[0])


def test_page_fetches_nothing(scan) -> None:
    page = render_html(scan[0])
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"\ssrc\s*=", page)
    assert re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith("#finding-") for h in re.findall(r'href="([^"]*)"', page))
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_everything_from_the_scan_is_escaped(scan) -> None:
    report, _ = scan
    evil = "<script>alert(1)</script>.py"
    f = dataclasses.replace(report.findings[0], path=evil, unit_name="<b>u</b>")
    text = "x = 1\n" * 5 + 'y = "</script><img src=x onerror=alert(2)>"\n'
    page = render_html(dataclasses.replace(report, findings=(f,), texts={evil: text}))
    assert "<script>alert(1)" not in page and "<b>u</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in page
    assert "<img" not in page and "&lt;img src=x" in page
    assert page.count("<script>") == 2  # only the report's own two scripts


def test_no_findings_and_reports_loaded_from_json(scan) -> None:
    report, _ = scan
    empty = dataclasses.replace(report, findings=(), texts={})
    page = render_html(empty)
    assert 'id="no-findings"' in page and "No findings" in page
    assert '<table class="findings"' not in page and "<section" not in page
    loaded = report_from_dict(report_dict(report))  # JSON keeps no texts
    page = render_html(loaded)
    assert page.count("The scanned text is not in this report") == len(report.findings)


def _chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=2000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=False
    )


# Appended to a copy of the page: click "Lines" twice (descending), record the row order, then
# fail on purpose to show that script errors reach `js-errors`.
_PROBE = """<script>
var th = document.querySelectorAll("#findings-table th")[2];
th.click(); th.click();
document.body.dataset.order = Array.prototype.map.call(
  document.querySelectorAll("#findings-table tbody tr"), function (r) { return r.dataset.index; }
).join(",");
document.body.dataset.probeSort = th.getAttribute("aria-sort");
probeNoSuchFunction();
</script></body>"""


def test_report_renders_in_headless_chromium(scan, tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    report, _ = scan
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    res = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert re.search(r'<html[^>]*\sdata-ready="1"', dom), dom[:500]
    assert '<pre id="js-errors"></pre>' in dom, re.findall(r'<pre id="js-errors">.*?</pre>', dom)
    assert dom.count('<section class="finding" id="finding-') == len(report.findings)
    assert 'id="finding-1" data-verdict="copied"' in dom

    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE), "utf-8")
    res = _chromium(probe, tmp_path / "profile", "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    order = sorted(enumerate(report.findings, 1), key=lambda nf: (-nf[1].start_line, nf[0]))
    expected = ",".join(str(n) for n, _ in order)
    assert f'data-order="{expected}"' in res.stdout
    assert 'data-probe-sort="descending"' in res.stdout
    assert re.search(r'<pre id="js-errors">[^<]*probeNoSuchFunction', res.stdout)

    shot = tmp_path / "html-report.png"
    res = _chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,1800")
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    keep = os.environ.get("IPSCAN_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)

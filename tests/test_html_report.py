"""The HTML report: built from a real scan, checked as text and rendered by headless Chromium."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ipscan.licensing.judge import LicenseContext
from ipscan.licensing.judge import judge_licenses
from ipscan.licensing.policy import Policy
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report import fails
from ipscan.report.html import groups
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

# Keeps its source's notice (holder and license), so its MIT copy is judged `ok`.
SLUG = """\
# Copyright (c) 2020 Slugtools Authors
# Licensed under the MIT License.
import re


def slugify(title):
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60]
"""

VENDORED = "vendored/formatting.py"
SEATS = "app/seats.py"
SLUG_PY = "app/slug.py"
CHROMIUM_TIMEOUT = 60


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory, tiny_index: Path) -> tuple[Report, str]:
    """A real scan of a repo holding a verbatim copy of click's formatting.py; and that text."""
    copied = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    repo = init_repo(
        tmp_path_factory.mktemp("html") / "project",
        {VENDORED: copied, SEATS: UNRELATED},
    )
    report = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu"))
    return report, copied


def _made_up(path: str, lines: tuple[int, int], name: str, src: SourceRef) -> Finding:
    return Finding(
        path=path,
        start_line=lines[0],
        end_line=lines[1],
        similarity=0.93,
        verdict=Verdict.MODIFIED_COPY,
        source=src,
        unit_name=name,
        matchers=(Matcher.WINNOW, Matcher.EMBED),
        evidence={"weighted_region": 4.3694, "p_copy": 0.97},
        reasons=(Reason.FINGERPRINTS_COVER_UNIT, Reason.EMBEDDING_AGREES),
    )


def _source(package: str, license: str, unit: str, holder: str) -> SourceRef:
    return SourceRef(
        package=package,
        version="1.2.0",
        path=f"{package}/core.py",
        start_line=40,
        end_line=49,
        license=license,
        unit_name=unit,
        copyright=(f"Copyright (c) {holder}",),
    )


@pytest.fixture(scope="module")
def showcase(scan: tuple[Report, str]) -> Report:
    """The real scan in an MIT project, plus a GPL copy, an MIT copy and a copy that keeps its
    notice (made-up packages), all judged by the real license judge under the default policy."""
    report, copied = scan
    gpl = _source("seatplanner", "GPL-2.0-or-later", "free_seats", "2016 Seatplanner Developers")
    mit = _source("pairfinder", "MIT", "best_pair", "2018 Ana Example")
    kept = _source("slugtools", "MIT", "slugify", "2020 Slugtools Authors")
    made_up = [
        _made_up(SEATS, (4, 10), "free_seats", gpl),
        _made_up(SEATS, (13, 22), "best_pair", mit),
        _made_up(SLUG_PY, (6, 8), "slugify", kept),
    ]
    texts = {**report.texts, SEATS: UNRELATED, SLUG_PY: SLUG, VENDORED: copied}
    ctx = LicenseContext(outbound="MIT", policy=Policy(), texts=texts)
    judged = judge_licenses([*made_up, *report.findings], ctx)
    return dataclasses.replace(report, findings=tuple(judged), texts=texts, project_license="MIT")


def _block(page: str, n: int) -> str:
    """Finding ``n``'s top-level section, or its nested article."""
    m = re.search(rf'<(section|article) class="[^"]*" id="finding-{n}"', page)
    assert m, f"finding {n} is not shown"
    return page[m.start() : page.index(f"</{m.group(1)}>", m.start())]


def _number(report: Report, pred: Callable[[Finding], bool]) -> int:
    return next(n for n, f in enumerate(report.findings, 1) if pred(f))


def _first_unit(report: Report) -> tuple[int, Finding]:
    for n, f in enumerate(report.findings, 1):
        if f.path == VENDORED and f.scope is Scope.UNIT and f.start_line > 1:
            return n, f
    raise AssertionError("the verbatim copy gave no unit finding")


def _visible_text(cell_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html))


def _evidence(block: str) -> str:
    start = block.index('<details class="evidence">')
    return block[start : block.index("</details>", start)]


def test_finding_shows_scanned_code_beside_the_source_facts(scan) -> None:
    report, copied = scan
    assert report.findings and all(f.path == VENDORED for f in report.findings)
    page = render_html(report)
    n, f = _first_unit(report)
    sec = _block(page, n)
    assert sec.startswith("<article") and f'data-verdict="{f.verdict.value}"' in sec
    # The scanned lines, matched ones marked `hl`, a few lines of context unmarked.
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
    # The file's section: no source text, but everything known about where it came from.
    whole = _block(page, _number(report, lambda g: g.scope is Scope.FILE))
    src = f.source
    assert "Source text is not stored in the index" in whole
    for fact in (src.package, src.version, src.path, src.license, *src.copyright):
        assert html.escape(fact) in whole
    assert f"open {src.path} lines 1-" in whole and f"of click {src.version}" in whole
    # How it was matched is behind a toggle, not in the main view.
    assert src.unit_name in sec and f"similarity {f.similarity:.2f}" in sec
    ev = _evidence(sec)
    for key in f.evidence:
        assert f"{key}=" in ev and f"{key}=" not in sec.replace(ev, "")
    assert all(m.value in ev for m in f.matchers) and all(r.value in ev for r in f.reasons)


def test_whole_file_copy_holds_its_units_once(scan) -> None:
    report, _ = scan
    page = render_html(report)
    [(head, units)] = groups(report.findings)
    assert report.findings[head - 1].scope is Scope.FILE
    assert sorted([head, *units]) == list(range(1, len(report.findings) + 1))
    assert page.count('<section class="finding') == 1
    assert page.count('<article class="unit-finding"') == len(units) >= 2
    sec = _block(page, head)
    for n in units:
        assert page.count(f'id="finding-{n}"') == 1 and f'id="finding-{n}"' in sec
    assert "whole file" in sec and "Unit —" not in page and "<dd>—</dd>" not in page
    # The table: one row group (tbody), the file's row first, its units as sub-rows.
    body = re.findall(r"<tbody>(.*?)</tbody>", page)
    assert len(body) == 1
    assert re.findall(r'<tr(?: class="(sub)")? data-index="(\d+)"', body[0]) == [
        ("", str(head)),
        *[("sub", str(n)) for n in units],
    ]
    assert f"+ {len(units)} units" in body[0]
    for v in ("copied", "modified-copy", "similar", "fail the policy"):
        assert f'data-count="{v}"' in page
    assert f"<b>{report.files_scanned}</b>files scanned" in page
    assert html.escape(str(report.index_summary["path"])) in page
    assert "ipscan 0." in page


def test_license_verdicts_and_what_to_do(showcase: Report) -> None:
    page = render_html(showcase)
    fs = showcase.findings
    gpl = _number(showcase, lambda f: f.source.license == "GPL-2.0-or-later")
    mit = _number(showcase, lambda f: f.source.package == "pairfinder")
    ok = _number(showcase, lambda f: f.source.package == "slugtools")
    assert [fs[n - 1].license_verdict for n in (gpl, mit, ok)] == [
        "copyleft-conflict",
        "attribution-required",
        "ok",
    ]
    # Header: the project license, the policy, how many fail it (the same count as the CLI's).
    failing = sum(fails(f, showcase.fail_on) for f in fs)
    assert failing == len(fs) - 1
    facts = page[page.index('id="policy-result"') : page.index('<div class="cards">')]
    assert f"{failing} of {len(fs)} findings fail the policy" in facts
    assert "<dt>Project license</dt><dd>MIT</dd>" in facts
    assert "<dt>Policy</dt><dd>defaults</dd>" in facts
    assert f"<b>{failing}</b>fail the policy</div>" in page
    # The GPL copy is a license issue, the MIT copy needs attribution: different badge classes.
    sec_gpl, sec_mit, sec_ok = (_block(page, n) for n in (gpl, mit, ok))
    kinds = [
        re.findall(rf'<span class="lic (lic-[a-z]+) lv-{v}"', sec)[0]
        for v, sec in (
            ("copyleft-conflict", sec_gpl),
            ("attribution-required", sec_mit),
            ("ok", sec_ok),
        )
    ]
    assert kinds == ["lic-issue", "lic-attention", "lic-ok"]
    for sec, f in ((sec_gpl, fs[gpl - 1]), (sec_mit, fs[mit - 1])):
        assert 'class="finding fails"' in sec and "fails the policy" in sec
        assert f"fail-on lists {f.license_verdict}" in sec
        assert html.escape(f.license_reason) in sec
        assert all(f"<li>{html.escape(o)}</li>" in sec for o in f.obligations)
    assert "relicense the receiving work under GPL-2.0-or-later" in sec_gpl
    assert 'class="finding passes"' in sec_ok and "passes the policy" in sec_ok
    assert "the notice is kept" in sec_ok and "<pre" not in sec_ok
    # The notice to add, copyable.
    notice = fs[mit - 1].notice
    assert "Copyright (c) 2018 Ana Example" in notice
    assert f'<pre id="notice-{mit}">{html.escape(notice)}</pre>' in sec_mit
    assert f'<button type="button" class="copy" data-copy="notice-{mit}">Copy</button>' in sec_mit
    # The table's new columns.
    [row] = re.findall(rf'<tr data-index="{gpl}".*?</tr>', page)
    assert "copyleft-conflict" in row and "fails the policy" in row
    assert '<th data-type="text" scope="col">License verdict</th>' in page
    assert '<th data-type="text" scope="col">Policy</th>' in page


def test_policy_file_and_passing_report(showcase: Report) -> None:
    lenient = dataclasses.replace(
        showcase, policy_file=".ipscan.toml", fail_on=("copyleft-conflict",), project_license=None
    )
    page = render_html(lenient)
    assert "<dt>Policy</dt><dd>.ipscan.toml</dd>" in page
    assert "<dt>Project license</dt><dd>none declared</dd>" in page
    assert "1 of " in page and "fail the policy (in 1 file)" in page
    mit = _number(showcase, lambda f: f.source.package == "pairfinder")
    assert "passes the policy" in _block(page, mit)
    calm = render_html(dataclasses.replace(lenient, fail_on=()))
    assert "No finding fails the policy" in calm and "✖" not in calm


def test_page_fetches_nothing(showcase: Report) -> None:
    page = render_html(showcase)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"\ssrc\s*=", page)
    assert re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith("#finding-") for h in re.findall(r'href="([^"]*)"', page))
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_everything_from_the_scan_is_escaped(showcase: Report) -> None:
    evil = "<script>alert(1)</script>.py"
    f = dataclasses.replace(
        showcase.findings[1],
        path=evil,
        unit_name="<b>u</b>",
        notice="Copyright <script>alert(3)</script>\n</pre><i>x</i>",
        license_verdict="<em>odd</em>",
        license_reason="<u>why</u>",
        obligations=("<s>do</s>",),
    )
    text = "x = 1\n" * 14 + 'y = "</script><img src=x onerror=alert(2)>"\n' + "z = 2\n" * 20
    page = render_html(
        dataclasses.replace(
            showcase, findings=(f,), texts={evil: text}, project_license="<b>MIT</b>"
        )
    )
    for raw in ("<script>alert", "<b>u", "<b>MIT", "<em>", "<u>", "<s>", "<i>", "<img"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in page
    assert "Copyright &lt;script&gt;alert(3)&lt;/script&gt;\n&lt;/pre&gt;" in page
    assert "&lt;img src=x" in page and "&lt;b&gt;MIT&lt;/b&gt;" in page
    assert page.count("<script>") == 2  # only the report's own two scripts
    assert 'class="lic lic-issue lv-emodd' in page  # an unknown verdict is shown as an issue


def test_no_findings_and_reports_loaded_from_json(scan) -> None:
    report, _ = scan
    empty = dataclasses.replace(report, findings=(), texts={})
    page = render_html(empty)
    assert 'id="no-findings"' in page and "No findings" in page
    assert "No finding fails the policy" in page
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


# Appended to a copy of the page: click "Lines" twice (descending), record the row order, click
# the first notice's Copy button, then fail on purpose to show that script errors reach
# `js-errors`.
_PROBE = """<script>
var th = document.querySelectorAll("#findings-table th")[2];
th.click(); th.click();
document.body.dataset.order = Array.prototype.map.call(
  document.querySelectorAll("#findings-table tbody tr"), function (r) { return r.dataset.index; }
).join(",");
document.body.dataset.probeSort = th.getAttribute("aria-sort");
document.querySelector("button.copy").click();
probeNoSuchFunction();
</script></body>"""


def _sorted_by_lines_descending(report: Report) -> str:
    fs = report.findings

    def key(n: int) -> tuple[int, int]:
        return (-fs[n - 1].start_line, n)

    out = []
    for head, units in sorted(groups(fs), key=lambda g: key(g[0])):
        out += [head, *sorted(units, key=key)]
    return ",".join(map(str, out))


def test_report_renders_in_headless_chromium(showcase: Report, tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    report = showcase
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    res = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert re.search(r'<html[^>]*\sdata-ready="1"', dom), dom[:500]
    assert '<pre id="js-errors"></pre>' in dom, re.findall(r'<pre id="js-errors">.*?</pre>', dom)
    assert dom.count('id="finding-') == len(report.findings)
    assert "copyleft-conflict" in dom and "attribution-required" in dom

    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE), "utf-8")
    res = _chromium(probe, tmp_path / "profile", "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    assert f'data-order="{_sorted_by_lines_descending(report)}"' in res.stdout
    assert 'data-probe-sort="descending"' in res.stdout
    errors = re.search(r'<pre id="js-errors">([^<]*)</pre>', res.stdout)
    assert errors and errors.group(1).count("(line ") == 1 and "probeNoSuchFunction" in errors[1]
    # Copied, or (no clipboard permission in headless Chromium) selected for copying by hand.
    assert re.search(r'<span class="copy-status" role="status">(Copied|Selected)', res.stdout)

    shot = tmp_path / "html-report.png"
    res = _chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,3900")
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    keep = os.environ.get("IPSCAN_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


def test_the_other_files_a_finding_is_also_in_are_listed(showcase: Report) -> None:
    other = SourceRef("gplfork", "2.0", "lib/pairs.py", 3, 40, "GPL-3.0-only")
    first = dataclasses.replace(showcase.findings[0], also_in=(other,))
    page = render_html(dataclasses.replace(showcase, findings=(first, *showcase.findings[1:])))
    assert "<dt>Also in</dt><dd>gplfork 2.0 lib/pairs.py:3-40 (GPL-3.0-only)</dd>" in page
    assert "Also in" not in render_html(showcase)

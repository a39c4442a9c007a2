"""The HTML report: one self-contained page (inline CSS and JS, nothing fetched, works offline).

The header says whether the scan passes the project's policy (project license, policy file,
findings that fail it). A sortable table lists the findings, a whole-file finding's unit
findings grouped under it. Each finding's section leads with its license verdict and what to do
(obligations, the notice to add), then the scanned code (syntax-highlighted, matched lines
marked) beside what is known about the matched source; the evidence is behind a toggle. The
index stores no source text, so the right-hand side says where to look rather than showing it.
"""

from __future__ import annotations

from collections import Counter

from ipscan import __version__
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.report.highlight import highlighted_lines
from ipscan.report.html_assets import CSS
from ipscan.report.html_assets import ERRORS_JS
from ipscan.report.html_assets import PAGE_JS
from ipscan.report.html_finding import finding_section
from ipscan.report.html_finding import source_of
from ipscan.report.html_parts import esc
from ipscan.report.html_parts import failed_by
from ipscan.report.html_parts import license_badge
from ipscan.report.html_parts import license_sort_key
from ipscan.report.html_parts import policy_marker
from ipscan.report.html_parts import unit_label
from ipscan.report.html_parts import verdict_badge

# A group: a top-level finding's number and the numbers of the unit findings nested in it.
Group = tuple[int, list[int]]


def groups(findings: tuple[Finding, ...]) -> list[Group]:
    """Findings (1-based numbers) grouped: a unit finding goes under the file finding of the same
    scanned path and matched source file, so a whole-file copy is shown once; others stand alone.
    """
    heads: dict[tuple[str, str, str], int] = {}
    for n, f in enumerate(findings, 1):
        if f.scope is Scope.FILE:
            heads.setdefault((f.path, f.source.package, f.source.path), n)
    nested: dict[int, list[int]] = {}
    top: list[int] = []
    for n, f in enumerate(findings, 1):
        head = heads.get((f.path, f.source.package, f.source.path))
        if f.scope is Scope.UNIT and head is not None:
            nested.setdefault(head, []).append(n)
        else:
            top.append(n)
    return [(n, nested.get(n, [])) for n in top]


def _row(n: int, f: Finding, fail_on: tuple[str, ...], sub: bool, units: int) -> str:
    failing = failed_by(f, fail_on)
    if sub:
        path = f'<a href="#finding-{n}">↳ {esc(unit_label(f))}</a>'
    else:
        path = f'<a href="#finding-{n}">{esc(f.path)}</a>'
        if units:
            path += f' <span class="why">+ {units} unit{"s" if units != 1 else ""}</span>'
    lines = "whole file" if f.scope is Scope.FILE else f"{f.start_line}-{f.end_line}"
    cells = [
        (n, str(n), "num"),
        (f.path, path, "path"),
        (f.start_line, esc(lines), "num"),
        (f.verdict.value, verdict_badge(f), ""),
        (license_sort_key(f.license_verdict), license_badge(f.license_verdict), ""),
        ("0" if failing else "1", policy_marker(f, fail_on, short=True), ""),
        (source_of(f), esc(source_of(f)), ""),
        (f.source.license, esc(f.source.license), ""),
        (f"{f.similarity:.4f}", f"{f.similarity:.2f}", "num"),
    ]
    td = "".join(f'<td class="{c}" data-sort="{esc(k)}">{v}</td>' for k, v, c in cells)
    cls = ' class="sub"' if sub else ""
    return f'<tr{cls} data-index="{n}" data-verdict="{esc(f.verdict.value)}">{td}</tr>'


def _table(report: Report, grouped: list[Group]) -> str:
    heads = [
        ("#", "num"),
        ("Path", "text"),
        ("Lines", "num"),
        ("Verdict", "text"),
        ("License verdict", "text"),
        ("Policy", "text"),
        ("Source", "text"),
        ("License", "text"),
        ("Similarity", "num"),
    ]
    th = "".join(f'<th data-type="{t}" scope="col">{name}</th>' for name, t in heads)
    fs, fail_on = report.findings, report.fail_on
    bodies = []
    for n, units in grouped:
        rows = [_row(n, fs[n - 1], fail_on, False, len(units))]
        rows += [_row(k, fs[k - 1], fail_on, True, 0) for k in units]
        bodies.append(f"<tbody>{''.join(rows)}</tbody>")
    return (
        f'<table class="findings" id="findings-table"><thead><tr>{th}</tr></thead>'
        f"{''.join(bodies)}</table>"
    )


def _header(report: Report) -> str:
    """Whether the scan passes the policy, and the facts that decide it."""
    fs = report.findings
    failing = [f for f in fs if failed_by(f, report.fail_on) is not None]
    if failing:
        files = len({f.path for f in failing})
        banner = (
            f'<div class="banner fail" id="policy-result">✖ {len(failing)} of {len(fs)} '
            f"finding{'s' if len(fs) != 1 else ''} fail the policy (in {files} "
            f"file{'s' if files != 1 else ''})</div>"
        )
    else:
        banner = '<div class="banner pass" id="policy-result">✔ No finding fails the policy</div>'
    lic = Counter(f.license_verdict for f in fs)
    order = sorted(lic, key=license_sort_key)
    counts = "".join(f"{license_badge(v)}×{lic[v]} " for v in order)
    facts = [
        ("Project license", report.project_license or "none declared"),
        ("Policy", report.policy_file or "defaults"),
        ("Fails on", ", ".join(report.fail_on) or "nothing"),
    ]
    if report.own_package_findings:
        facts.append(
            (
                "Own package",
                f"{report.own_package}: {report.own_package_findings} findings left out",
            )
        )
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    if counts:
        dl += f'<dt>License verdicts</dt><dd class="lic-counts">{counts}</dd>'
    return f'{banner}<dl class="facts" id="policy-facts">{dl}</dl>'


def _summary(report: Report) -> str:
    counts = Counter(f.verdict for f in report.findings)
    failing = sum(failed_by(f, report.fail_on) is not None for f in report.findings)
    cards = [("findings", len(report.findings)), ("fail the policy", failing)]
    cards += [(v.value, counts[v]) for v in Verdict]
    cards += [("files scanned", report.files_scanned), ("units scanned", report.units_scanned)]
    if report.skipped:
        cards.append(("files skipped", len(report.skipped)))
    tone = {"fail the policy": "bad" if failing else "good"}
    html = "".join(
        f'<div class="{f"card {tone[k]}" if k in tone else "card"}" data-count="{esc(k)}">'
        f"<b>{esc(v)}</b>{esc(k)}</div>"
        for k, v in cards
    )
    idx = report.index_summary
    index = ", ".join(f"{k}: {v}" for k, v in idx.items() if k != "path")
    return (
        f"{_header(report)}"
        f'<div class="cards">{html}</div>'
        f'<p class="meta">Scanned <code>{esc(report.root)}</code> in {report.elapsed_s:.1f} s '
        f"with ipscan {esc(__version__)}.</p>"
        f'<p class="meta">Index: <code>{esc(idx.get("path", "?"))}</code>'
        f"{' (' + esc(index) + ')' if index else ''}</p>"
    )


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML document."""
    cache: dict[str, list[str]] = {}
    for f in report.findings:
        text = report.texts.get(f.path)
        if text is not None and f.path not in cache:
            cache[f.path] = highlighted_lines(f.path, text)
    grouped = groups(report.findings)
    fs = report.findings
    sections = [
        finding_section(
            n, fs[n - 1], cache.get(fs[n - 1].path), report.fail_on, [(k, fs[k - 1]) for k in units]
        )
        for n, units in grouped
    ]
    n = len(fs)
    if n:
        body = f"<h2>Findings</h2>{_table(report, grouped)}{''.join(sections)}"
        title = f"ipscan: {n} finding{'s' if n != 1 else ''}"
    else:
        body = '<p class="none" id="no-findings">No findings: no code from indexed open source '
        body += "was found.</p>"
        title = "ipscan: no findings"
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style><script>{ERRORS_JS}</script></head>"
        f'<body><pre id="js-errors"></pre><h1>{esc(title)}</h1>{_summary(report)}{body}'
        f"<script>{PAGE_JS}</script></body></html>\n"
    )

"""One finding's section of the HTML report: what to do first, then the code, evidence last.

The top of a section answers a reviewer's questions: does it fail the policy and why, what the
license asks (obligations), and the notice to add (copyable). Below: the scanned code beside
what is known about the matched source. How it was matched (matchers, reasons, features) is
behind a toggle. A whole-file finding holds its unit findings, each shown once.
"""

from __future__ import annotations

from ipscan.records import Finding
from ipscan.records import SourceRef
from ipscan.report.html_parts import esc
from ipscan.report.html_parts import failed_by
from ipscan.report.html_parts import license_badge
from ipscan.report.html_parts import lines_label
from ipscan.report.html_parts import policy_marker
from ipscan.report.html_parts import unit_label
from ipscan.report.html_parts import verdict_badge

CONTEXT = 3  # lines shown before and after a finding
MAX_LINES = 400  # most lines shown for one finding (whole-file findings can be long)

_NOT_IN_REPORT = (
    '<div class="missing">The scanned text is not in this report '
    "(it was loaded from JSON); open the file to see it.</div>"
)


def source_of(f: Finding) -> str:
    """``pkg 1.0 src/x.py:30-66``: where the matched code lives."""
    return source_ref(f.source)


def source_ref(s: SourceRef) -> str:
    """``pkg 1.0 src/x.py:30-66``."""
    return f"{s.package} {s.version} {s.path}:{s.start_line}-{s.end_line}"


def _code_block(f: Finding, lines: list[str] | None) -> str:
    if lines is None:
        return _NOT_IN_REPORT
    first = max(1, f.start_line - CONTEXT)
    last = min(len(lines), f.end_line + CONTEXT)
    cut = last - first + 1 > MAX_LINES
    if cut:
        last = first + MAX_LINES - 1
    rows = []
    for n in range(first, last + 1):
        hl = f.start_line <= n <= f.end_line
        rows.append(
            f'<tr class="{"ln hl" if hl else "ln"}" data-line="{n}"><td class="n">{n}</td>'
            f"<td>{lines[n - 1]}</td></tr>"
        )
    more = f'<p class="meta">… shown up to line {last} of {len(lines)}.</p>' if cut else ""
    return f'<div class="code"><table>{"".join(rows)}</table></div>{more}'


def _source_box(f: Finding) -> str:
    s = f.source
    items = [
        ("Package", f"{s.package} {s.version}"),
        ("Path", s.path),
        ("Lines", f"{s.start_line}-{s.end_line}"),
        ("License", s.license),
        ("Unit", s.unit_name or unit_label(f)),
        ("Similarity", f"{f.similarity:.2f}"),
    ]
    items += [("Copyright", c) for c in s.copyright]
    items += [("Also in", f"{source_ref(r)} ({r.license})") for r in f.also_in]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    look = f"open {s.path} lines {s.start_line}-{s.end_line} of {s.package} {s.version}"
    return (
        f'<div class="missing"><dl class="source">{dl}</dl><div class="meta">Source text is not '
        "stored in the index. To compare, look in the source archive the index was built from:"
        f'</div><div class="look">{esc(look)}</div></div>'
    )


def _evidence_list(f: Finding) -> str:
    matchers = ", ".join(m.value for m in f.matchers) or "none recorded"
    reasons = ", ".join(r.value for r in f.reasons) or "none recorded"
    feats = "".join(f'<span class="ev">{esc(k)}={v:g}</span> ' for k, v in f.evidence.items())
    return (
        f"<dl><dt>Matchers</dt><dd>{esc(matchers)}</dd><dt>Reasons</dt><dd>{esc(reasons)}</dd>"
        f"<dt>Features</dt><dd>{feats or 'none recorded'}</dd></dl>"
    )


def _evidence(f: Finding) -> str:
    return (
        '<details class="evidence"><summary>Evidence: how it was matched</summary>'
        f"{_evidence_list(f)}</details>"
    )


def _notice(n: int, notice: str) -> str:
    return (
        '<div class="notice"><div class="notice-head"><h3>Notice to add</h3>'
        f'<button type="button" class="copy" data-copy="notice-{n}">Copy</button>'
        '<span class="copy-status" role="status"></span></div>'
        f'<pre id="notice-{n}">{esc(notice)}</pre><p class="hint">Put it in a comment next to '
        "the copied code, or in the project's NOTICE / THIRD-PARTY file.</p></div>"
    )


def _todo(n: int, f: Finding, fail_on: tuple[str, ...]) -> str:
    """Policy result, the license reason, the obligations and the notice to add."""
    reason = f'<p class="reason">{esc(f.license_reason)}</p>' if f.license_reason else ""
    todo = ""
    if f.obligations:
        items = "".join(f"<li>{esc(o)}</li>" for o in f.obligations)
        todo += f'<div class="obligations"><h3>Obligations</h3><ul>{items}</ul></div>'
    elif f.license_verdict == "ok":
        # Other verdicts without obligations (incompatible) are explained by the reason alone.
        todo += '<div class="obligations"><h3>Obligations</h3><p>none</p></div>'
    if f.notice:
        todo += _notice(n, f.notice)
    grid = f'<div class="todo-grid">{todo}</div>' if todo else ""
    return f'<div class="todo"><p>{policy_marker(f, fail_on)}</p>{reason}{grid}</div>'


def _same_license(a: Finding, b: Finding) -> bool:
    return (a.license_verdict, a.license_reason, a.obligations, a.notice) == (
        b.license_verdict,
        b.license_reason,
        b.obligations,
        b.notice,
    )


def _attrs(n: int, f: Finding, fail_on: tuple[str, ...]) -> str:
    policy = "fail" if failed_by(f, fail_on) is not None else "pass"
    return (
        f'id="finding-{n}" data-verdict="{esc(f.verdict.value)}" '
        f'data-license-verdict="{esc(f.license_verdict)}" data-policy="{policy}"'
    )


def _unit(
    n: int, f: Finding, parent: Finding, lines: list[str] | None, fail_on: tuple[str, ...]
) -> str:
    """A unit finding inside its file's section: one line, license details only when they differ."""
    s = f.source
    head = (
        f"#{n} {verdict_badge(f)} {esc(unit_label(f))} · {esc(lines_label(f))} "
        f"{license_badge(f.license_verdict)} {policy_marker(f, fail_on, short=True)}"
    )
    src = f"from {s.path}:{s.start_line}-{s.end_line}, similarity {f.similarity:.2f}"
    todo = "" if _same_license(f, parent) else _todo(n, f, fail_on)
    return (
        f'<article class="unit-finding" {_attrs(n, f, fail_on)}><h4>{head}</h4>'
        f'<p class="from">{esc(src)}</p>{todo}'
        '<details class="evidence"><summary>Code and evidence</summary>'
        f"{_code_block(f, lines)}{_evidence_list(f)}</details></article>"
    )


def finding_section(
    n: int,
    f: Finding,
    lines: list[str] | None,
    fail_on: tuple[str, ...],
    units: list[tuple[int, Finding]],
) -> str:
    """The section of finding ``n`` (its unit findings ``units`` nested inside)."""
    where = lines_label(f) if f.unit_name == "" else f"{lines_label(f)}, {f.unit_name}"
    status = "fails" if failed_by(f, fail_on) is not None else "passes"
    nested = ""
    if units:
        rows = "".join(_unit(k, u, f, lines, fail_on) for k, u in units)
        count = f"{len(units)} unit finding{'s' if len(units) != 1 else ''} in this file"
        nested = f'<div class="units"><h3>{count}</h3>{rows}</div>'
    return (
        f'<section class="finding {status}" {_attrs(n, f, fail_on)}>'
        f"<h2>#{n} {verdict_badge(f)} {license_badge(f.license_verdict)} "
        f'{esc(f.path)} <span class="why">— {esc(where)}</span></h2>'
        f"{_todo(n, f, fail_on)}"
        f'<div class="pair"><div class="side scanned"><h3>Scanned: {esc(f.path)} '
        f"{esc(lines_label(f))}</h3>{_code_block(f, lines)}</div>"
        f'<div class="side source"><h3>Matched source: {esc(source_of(f))}</h3>'
        f"{_source_box(f)}</div></div>{_evidence(f)}{nested}</section>"
    )

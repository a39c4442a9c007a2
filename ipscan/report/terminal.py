"""Text for a person at a terminal: findings grouped by file, verdicts in colour.

Used only when stdout is a terminal; piped output stays one grep-able line per finding
(``ipscan.report.text``).
"""

from __future__ import annotations

from itertools import groupby

import click

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict

COLOURS = {Verdict.COPIED: "red", Verdict.MODIFIED_COPY: "yellow", Verdict.SIMILAR: "blue"}


def _row(f: Finding, explain: bool) -> str:
    lines = "whole file" if f.scope is Scope.FILE else f"{f.start_line}-{f.end_line}"
    verdict = click.style(f"{f.verdict.value:<13}", fg=COLOURS[f.verdict], bold=True)
    source = (
        f"{f.source.package} {f.source.version} {f.source.path}:"
        f"{f.source.start_line}-{f.source.end_line}"
    )
    row = (
        f"  {lines:>11}  {verdict} {source}  "
        f"{click.style(f.source.license, fg='cyan')}  {f.similarity:.2f}"
    )
    if f.license_verdict:
        colour = "green" if f.license_verdict == "ok" else "magenta"
        row += "  " + click.style(f.license_verdict, fg=colour)
    if explain:
        matchers = ",".join(m.value for m in f.matchers)
        feats = " ".join(f"{k}={v:g}" for k, v in f.evidence.items())
        why = ",".join(r.value for r in f.reasons)
        row += click.style(f"\n{'':15}[{matchers}] ({why}) {feats}", dim=True)
        if f.license_reason:
            row += click.style(f"\n{'':15}license: {f.license_reason}", dim=True)
    if f.notice:
        notice = f"\n{'':15}".join(f.notice.splitlines())
        row += f"\n{'':15}add notice: " + click.style(notice, fg="magenta")
    return row


def render_terminal(report: Report, explain: bool = False) -> str:
    """Findings grouped under their file, file-level findings first."""
    out = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append(click.style(path, bold=True))
        out.extend(_row(f, explain) for f in group)
    return "".join(line + "\n" for line in out)

"""Text for a person at a terminal: findings grouped by file, verdicts in colour.

Used only when stdout is a terminal; piped output stays one grep-able line per finding
(``ipscan.report.text``). The styles are always in the text: the CLI's colour choice
(NO_COLOR, --color never, TERM=dumb) drops them as click writes it, and never changes the
layout. Text from the repository or the index goes through the same ``escape`` as the piped
output (control characters as visible escapes), so a file name cannot break a row or send
escape sequences to the terminal.
"""

from __future__ import annotations

from itertools import groupby

import click

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.report.text import COLOURS
from ipscan.report.text import escape
from ipscan.report.text import license_colour


def _row(f: Finding, explain: bool) -> str:
    lines = "whole file" if f.scope is Scope.FILE else f"{f.start_line}-{f.end_line}"
    verdict = click.style(f"{f.verdict.value:<13}", fg=COLOURS[f.verdict], bold=True)
    src = f.source
    source = (
        f"{escape(src.package)} {escape(src.version)} {escape(src.path)}:"
        f"{src.start_line}-{src.end_line}"
    )
    row = (
        f"  {lines:>11}  {verdict} {source}  "
        f"{click.style(escape(src.license), fg='cyan')}  {f.similarity:.2f}"
    )
    if f.license_verdict:
        row += "  " + click.style(escape(f.license_verdict), fg=license_colour(f.license_verdict))
    if explain:
        matchers = ",".join(m.value for m in f.matchers)
        feats = " ".join(f"{k}={v:g}" for k, v in f.evidence.items())
        why = ",".join(r.value for r in f.reasons)
        row += click.style(f"\n{'':15}[{matchers}] ({why}) {feats}", dim=True)
        if f.license_reason:
            row += click.style(f"\n{'':15}license: {escape(f.license_reason)}", dim=True)
    if f.notice:
        notice = f"\n{'':15}".join(map(escape, f.notice.splitlines()))
        row += f"\n{'':15}add notice: " + click.style(notice, fg="magenta")
    return row


def render_terminal(report: Report, explain: bool = False) -> str:
    """Findings grouped under their file, file-level findings first."""
    out = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append(click.style(escape(path), bold=True))
        out.extend(_row(f, explain) for f in group)
    return "".join(line + "\n" for line in out)

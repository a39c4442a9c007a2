"""GitHub Actions output: workflow-command annotations and the Markdown job summary.

Paths in a report are relative to the scanned root; GitHub wants them relative to the checkout
(``$GITHUB_WORKSPACE``), so when the root lies below the workspace its place there is prefixed.

Text from the repository or the index that people read (an annotation's title and message, the
job summary) goes through ``ipscan.report.text.escape`` (control characters as visible escapes,
see there) before the runner's own escaping, so a file name can neither end a workflow command
early and start another, nor add lines to a message or colour the log. The ``file`` property
keeps CR, LF and backslashes for the runner to decode (its ``%0A`` escapes), so the annotation
still lands on the file; its other control characters are escaped visibly.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.report import fails
from ipscan.report.outcome import fix
from ipscan.report.outcome import level
from ipscan.report.outcome import license_message
from ipscan.report.outcome import ranked
from ipscan.report.text import escape

# Workflow command per level: a finding that fails the policy is an error, a license issue
# that does not fail a warning, anything else (an allowed copy, a similar match) a notice.
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}

# The job summary may hold 1 MiB per step; the table stops well before that.
SUMMARY_ROWS = 1000
SUMMARY_BYTES = 768 * 1024


def finding_message(f: Finding) -> str:
    """``copied from click 8.1.7 src/click/utils.py:30-66 (BSD-3-Clause, 0.97)``."""
    scope = " (whole file)" if f.scope is Scope.FILE else ""
    return (
        f"{f.verdict.value}{scope} from {source_text(f)} ({f.source.license}, {f.similarity:.2f})"
    )


def full_message(f: Finding) -> str:
    """The finding, then its license verdict and the fix (``...; license: ok``)."""
    lic = license_message(f)
    return finding_message(f) + (f"; {lic}" if lic else "")


def source_text(f: Finding) -> str:
    """``click 8.1.7 src/click/utils.py:30-66``."""
    s = f.source
    return f"{s.package} {s.version} {s.path}:{s.start_line}-{s.end_line}"


def workspace_base(root: str) -> tuple[str, str]:
    """(base directory, path prefix): the GitHub workspace when ``root`` lies below it."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace or not root:
        return root, ""
    here = Path(root)
    for ws in (Path(workspace), Path(os.path.realpath(workspace))):
        try:
            rel = here.relative_to(ws).as_posix()
        except ValueError:
            continue
        return str(ws), "" if rel == "." else rel + "/"
    return root, ""


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: data escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, prefix: str = "", fail_on: tuple[str, ...] = DEFAULT_FAIL_ON) -> str:
    """``::error file=app/x.py,line=12,endLine=48,title=...::copied from ...``."""
    title = f"ipscan: {f.verdict.value} from {f.source.package} ({f.source.license})"
    if f.license_verdict:
        title += f" — {f.license_verdict}"
    path = "".join(c if c in "\r\n\\" else escape(c) for c in prefix + f.path)
    props = {
        "file": escape_property(path),
        "line": str(f.start_line),
        "endLine": str(max(f.end_line, f.start_line)),
        "title": escape_property(escape(title)),
    }
    joined = ",".join(f"{k}={v}" for k, v in props.items())
    command = COMMANDS[level(f, fail_on)]
    return f"::{command} {joined}::{escape_data(escape(full_message(f)))}"


def render_github(report: Report) -> str:
    """One workflow command per finding (empty string when there are none)."""
    _, prefix = workspace_base(report.root)
    return "".join(annotation(f, prefix, report.fail_on) + "\n" for f in report.findings)


def md_cell(text: str) -> str:
    """Text made safe for a Markdown table cell: one line, Markdown punctuation escaped."""
    out = escape(text)
    for ch in "\\`*_[]<>|~&#!":
        out = out.replace(ch, "\\" + ch)
    return out


def summary_row(f: Finding, prefix: str, fail_on: tuple[str, ...]) -> str:
    """One finding as a row of the job summary's table."""
    where = f"{prefix}{f.path}:{f.start_line}-{f.end_line}"
    verdict = f.verdict.value + (" (whole file)" if f.scope is Scope.FILE else "")
    cells = [where, verdict, source_text(f), f.source.license, f"{f.similarity:.2f}"]
    cells += [f.license_verdict or "-", "yes" if fails(f, fail_on) else "no", fix(f) or "-"]
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def render_step_summary(report: Report) -> str:
    """The Markdown job summary: counts by verdict, the policy, and a table of findings."""
    _, prefix = workspace_base(report.root)
    n = len(report.findings)
    files, units = report.files_scanned, report.units_scanned
    scanned = f"{files} file{'s' if files != 1 else ''}, {units} unit{'s' if units != 1 else ''}"
    scanned += " scanned"
    if report.own_package_findings:
        scanned += (
            f"; {report.own_package_findings} findings of the project's own package "
            f"{md_cell(report.own_package or '')} left out"
        )
    if not n:
        none = f"No code from indexed open source was found ({scanned})."
        return f"## ipscan: no findings\n\n{none}\n\n"
    counts = Counter(f.verdict for f in report.findings)
    failing = sum(fails(f, report.fail_on) for f in report.findings)
    policy = md_cell(report.policy_file) if report.policy_file else "the defaults"
    lines = [
        f"## ipscan: {n} finding{'s' if n != 1 else ''}, {failing} failing the policy",
        "",
        f"{scanned}. Project license: {md_cell(report.project_license or 'none found')}; "
        f"policy: {policy}; fails on: {md_cell(', '.join(report.fail_on) or 'nothing')}.",
        "",
        "| Verdict | Findings |",
        "|---|---:|",
    ]
    lines += [f"| {v.value} | {counts[v]} |" for v in Verdict]
    lines += [
        "",
        "| Where | Verdict | Source | License | Similarity | License verdict | Fails "
        "| What to do |",
        "|---|---|---|---|---:|---|---|---|",
    ]
    # When not every row fits, the most important ones do; they stay in report order.
    size = sum(len(ln.encode("utf-8")) + 1 for ln in lines)
    rows: dict[int, str] = {}
    for i in ranked(report.findings, report.fail_on)[:SUMMARY_ROWS]:
        row = summary_row(report.findings[i], prefix, report.fail_on)
        size += len(row.encode("utf-8")) + 1
        if size > SUMMARY_BYTES:
            break
        rows[i] = row
    lines += [rows[i] for i in sorted(rows)]
    shown = len(rows)
    if shown < n:
        lines += [
            "",
            f"{n - shown} more finding{'s are' if n - shown != 1 else ' is'} not listed here "
            "(a job summary has a size limit); the JSON report lists them all.",
        ]
    return "\n".join(lines) + "\n\n"

r"""Text output: one grep-able line per finding, then a summary line (to stderr in the CLI).

Whatever comes from the scanned repository or the index (paths, package names and versions,
licenses, notices) is printed through ``escape``, as are the terminal and GitHub outputs: a
backslash, control characters (C0, DEL, C1), the Unicode line and paragraph separators,
bidirectional controls and lone surrogates (file names that are not UTF-8) become visible
escapes in Python's spelling (``\\``, ``\n``, ``\r``, ``\t``, ``\x1b``, ``\u202e``,
``\udcff``). So a finding stays one line, and a file name cannot move the cursor, recolour the
terminal or reorder what is shown. Escaping the backslash keeps the spelling unambiguous: a file
named ``a\nb.py`` (a backslash and an n) prints as ``a\\nb.py``.
"""

from __future__ import annotations

import re
from collections import Counter

import click

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.report import fails

# Shared with the terminal layout; shown only where the CLI decides on colour.
COLOURS = {Verdict.COPIED: "red", Verdict.MODIFIED_COPY: "yellow", Verdict.SIMILAR: "blue"}

_UNPRINTABLE = re.compile(
    "[\\\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape(text: str) -> str:
    """``text`` with backslashes and unprintable characters as visible escapes (see above)."""
    return _UNPRINTABLE.sub(_escaped, text)


def license_colour(verdict: str) -> str:
    """The colour of a license verdict: green when it is fine, magenta when it needs work."""
    return "green" if verdict == "ok" else "magenta"


def finding_line(f: Finding, explain: bool = False, styled: bool = False) -> str:
    """``path:12-48: copied from pkg 1.0 src/x.py:30-66 (MIT, 0.97)``; the verdicts in colour
    when ``styled``."""
    scope = " (whole file)" if f.scope is Scope.FILE else ""
    src = f.source
    verdict = f.verdict.value
    if styled:
        verdict = click.style(verdict, fg=COLOURS[f.verdict], bold=True)
    line = (
        f"{escape(f.path)}:{f.start_line}-{f.end_line}: {verdict}{scope} from "
        f"{escape(src.package)} {escape(src.version)} {escape(src.path)}:"
        f"{src.start_line}-{src.end_line} ({escape(src.license)}, {f.similarity:.2f})"
    )
    if f.license_verdict:
        judged = escape(f.license_verdict)
        if styled:
            judged = click.style(judged, fg=license_colour(f.license_verdict))
        line += f" license: {judged}"
    if explain:
        matchers = ",".join(m.value for m in f.matchers)
        feats = " ".join(f"{k}={v:g}" for k, v in f.evidence.items())
        why = ",".join(r.value for r in f.reasons)
        line += f" [{matchers}] ({why}) {feats}"
        if f.license_reason:
            line += f"\n  license: {escape(f.license_reason)}"
    if f.also_in:
        where = ", ".join(
            f"{escape(r.package)} {escape(r.path)}:{r.start_line}-{r.end_line} "
            f"({escape(r.license)})"
            for r in f.also_in
        )
        line += f"\n  also in: {where}"
    if f.notice:
        line += "\n  add notice: " + " | ".join(map(escape, f.notice.splitlines()))
    return line


def render_text(report: Report, explain: bool = False, styled: bool = False) -> str:
    """All finding lines (empty string when there are none); ``styled`` colours the verdicts
    (for --color always into a pipe)."""
    return "".join(finding_line(f, explain, styled) + "\n" for f in report.findings)


def summary_line(report: Report) -> str:
    """``3 findings (2 copied, 1 modified-copy) in 41 files, 512 units, 1.2 s``."""
    counts = Counter(f.verdict.value for f in report.findings)
    detail = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    found = f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
    if detail:
        found += f" ({detail})"
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    failing = sum(fails(f, report.fail_on) for f in report.findings)
    own = ""
    if report.own_package_findings:
        n = report.own_package_findings
        own = (
            f"; {n} finding{'s' if n != 1 else ''} of the project's own package "
            f"{escape(report.own_package or '')} left out"
        )
    return (
        f"ipscan: {found} in {report.files_scanned} files, {report.units_scanned} units"
        f"{skipped}, {report.elapsed_s:.1f} s; project license: "
        f"{escape(report.project_license or 'none found')}; {failing} failing the policy{own}"
    )

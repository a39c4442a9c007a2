"""Text output: one grep-able line per finding, then a summary line (to stderr in the CLI)."""

from __future__ import annotations

from collections import Counter

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.report import fails


def finding_line(f: Finding, explain: bool = False) -> str:
    """``path:12-48: copied from pkg 1.0 src/x.py:30-66 (MIT, 0.97)``."""
    scope = " (whole file)" if f.scope is Scope.FILE else ""
    line = (
        f"{f.path}:{f.start_line}-{f.end_line}: {f.verdict.value}{scope} from "
        f"{f.source.package} {f.source.version} {f.source.path}:"
        f"{f.source.start_line}-{f.source.end_line} ({f.source.license}, {f.similarity:.2f})"
    )
    if f.license_verdict:
        line += f" license: {f.license_verdict}"
    if explain:
        matchers = ",".join(m.value for m in f.matchers)
        feats = " ".join(f"{k}={v:g}" for k, v in f.evidence.items())
        why = ",".join(r.value for r in f.reasons)
        line += f" [{matchers}] ({why}) {feats}"
        if f.license_reason:
            line += f"\n  license: {f.license_reason}"
    if f.notice:
        line += "\n  add notice: " + " | ".join(f.notice.splitlines())
    return line


def render_text(report: Report, explain: bool = False) -> str:
    """All finding lines (empty string when there are none)."""
    return "".join(finding_line(f, explain) + "\n" for f in report.findings)


def summary_line(report: Report) -> str:
    """``3 findings (2 copied, 1 modified-copy) in 41 files, 512 units, 1.2 s``."""
    counts = Counter(f.verdict.value for f in report.findings)
    detail = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    found = f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
    if detail:
        found += f" ({detail})"
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    failing = sum(fails(f, report.fail_on) for f in report.findings)
    return (
        f"ipscan: {found} in {report.files_scanned} files, {report.units_scanned} units"
        f"{skipped}, {report.elapsed_s:.1f} s; project license: "
        f"{report.project_license or 'none found'}; {failing} failing the policy"
    )

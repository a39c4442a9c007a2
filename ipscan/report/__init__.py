"""Renderers: small functions from a Report to text; none of them computes anything."""

from __future__ import annotations

from ipscan.records import Report
from ipscan.records import Verdict

# Verdicts that make a run fail (exit 1); `similar` is shown with --explain but never fails.
FAILING = frozenset({Verdict.COPIED, Verdict.MODIFIED_COPY})


def has_failing(report: Report) -> bool:
    """True when any finding's verdict fails the run."""
    return any(f.verdict in FAILING for f in report.findings)

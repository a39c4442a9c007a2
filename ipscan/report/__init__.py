"""Renderers: small functions from a Report to text; none of them computes anything."""

from __future__ import annotations

from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Verdict


def fails(f: Finding, fail_on: tuple[str, ...] = DEFAULT_FAIL_ON) -> bool:
    """True when ``f`` fails the run: its verdict, or (for a copy) its license verdict, is listed.

    A ``similar`` finding (shown with --explain) fails only when ``similar`` itself is listed.
    """
    if f.verdict.value in fail_on:
        return True
    return f.verdict is not Verdict.SIMILAR and f.license_verdict in fail_on


def has_failing(report: Report) -> bool:
    """True when any finding fails the run under the report's ``fail_on``."""
    return any(fails(f, report.fail_on) for f in report.findings)

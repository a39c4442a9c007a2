"""A checked snippet as the tool's result: structured content plus a short text for people.

The structured content follows ``ipscan.serve.schema.CheckCodeResult``; each finding is the JSON
report's finding object. The text is the report's finding lines (``ipscan.report.text``) and
one summary line, or a sentence saying nothing matched.
"""

from __future__ import annotations

from typing import Any

from ipscan.report import fails
from ipscan.report.json_report import finding_dict
from ipscan.report.text import finding_line
from ipscan.serve.schema import SCHEMA
from ipscan.serve.state import CheckedSnippet


def result_content(checked: CheckedSnippet) -> dict[str, Any]:
    """The structured content of a ``check_code`` result."""
    report = checked.report
    return {
        "schema": SCHEMA,
        "name": checked.snippet.name,
        "language": checked.snippet.language,
        "findings": [finding_dict(f, report.fail_on) for f in report.findings],
        "failing": sum(fails(f, report.fail_on) for f in report.findings),
        "units_checked": report.units_scanned,
        "project_license": report.project_license,
        "index": dict(report.index_summary),
        "elapsed_s": report.elapsed_s,
    }


def result_text(checked: CheckedSnippet) -> str:
    """One line per finding and a summary; or why there is nothing to report."""
    report = checked.report
    sources = report.index_summary.get("sources", 0)
    if not report.findings:
        text = (
            f"No findings: this {checked.snippet.language} code matches nothing in the index "
            f"({sources} sources)."
        )
        if not report.units_scanned:
            # Units under 30 normalized tokens are not evidence; only verbatim runs count.
            text += " (It is too short for the unit matchers: only verbatim copies are seen.)"
        return text
    lines = [finding_line(f) for f in report.findings]
    failing = sum(fails(f, report.fail_on) for f in report.findings)
    n = len(report.findings)
    license_ = report.project_license or "none found"
    lines.append(
        f"{n} finding{'s' if n != 1 else ''}, {failing} failing the policy "
        f"(project license: {license_})."
    )
    return "\n".join(lines)

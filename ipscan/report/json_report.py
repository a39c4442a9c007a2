"""The JSON report: ``{"schema": "ipscan.report/1", "findings": [...], ...}``.

The schema string changes only on a breaking change; fields may be added within a version.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ipscan import __version__
from ipscan.records import Finding
from ipscan.records import Report

SCHEMA = "ipscan.report/1"


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as plain JSON types."""
    return {
        "path": f.path,
        "start_line": f.start_line,
        "end_line": f.end_line,
        "similarity": round(float(f.similarity), 4),
        "verdict": f.verdict.value,
        "scope": f.scope.value,
        "unit_name": f.unit_name,
        "matchers": [m.value for m in f.matchers],
        "source": {
            "package": f.source.package,
            "version": f.source.version,
            "path": f.source.path,
            "start_line": f.source.start_line,
            "end_line": f.source.end_line,
            "license": f.source.license,
            "unit_name": f.source.unit_name,
        },
        "evidence": dict(f.evidence),
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON types."""
    by_verdict = Counter(f.verdict.value for f in report.findings)
    return {
        "schema": SCHEMA,
        "ipscan_version": __version__,
        "root": report.root,
        "summary": {
            "files_scanned": report.files_scanned,
            "units_scanned": report.units_scanned,
            "findings": len(report.findings),
            "by_verdict": dict(sorted(by_verdict.items())),
            "elapsed_s": report.elapsed_s,
        },
        "index": report.index_summary,
        "findings": [finding_dict(f) for f in report.findings],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
    }


def render_json(report: Report) -> str:
    """The report as one JSON document (ends with a newline)."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"

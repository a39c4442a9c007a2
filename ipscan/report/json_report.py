"""The JSON report: ``{"schema": "ipscan.report/1", "findings": [...], ...}``.

The schema string changes only on a breaking change; fields may be added within a version.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ipscan import __version__
from ipscan.errors import UsageError
from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SkippedFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report import fails

SCHEMA = "ipscan.report/1"


def finding_dict(f: Finding, fail_on: tuple[str, ...] = DEFAULT_FAIL_ON) -> dict[str, Any]:
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
        "source": source_dict(f.source),
        "evidence": dict(f.evidence),
        "reasons": [r.value for r in f.reasons],
        "license_verdict": f.license_verdict,
        "license_reason": f.license_reason,
        "obligations": list(f.obligations),
        "notice": f.notice,
        "fails": fails(f, fail_on),
        "also_in": [source_dict(ref) for ref in f.also_in],
    }


def source_dict(ref: SourceRef) -> dict[str, Any]:
    """Where matched code lives, as plain JSON types."""
    return {
        "package": ref.package,
        "version": ref.version,
        "path": ref.path,
        "start_line": ref.start_line,
        "end_line": ref.end_line,
        "license": ref.license,
        "unit_name": ref.unit_name,
        "copyright": list(ref.copyright),
        "ecosystem": ref.ecosystem,
    }


def _source_from_dict(src: dict[str, Any]) -> SourceRef:
    return SourceRef(
        package=str(src["package"]),
        version=str(src["version"]),
        path=str(src["path"]),
        start_line=int(src["start_line"]),
        end_line=int(src["end_line"]),
        license=str(src["license"]),
        unit_name=str(src.get("unit_name", "")),
        copyright=tuple(str(c) for c in src.get("copyright", ())),
        ecosystem=str(src.get("ecosystem", "")),
    )


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON types."""
    by_verdict = Counter(f.verdict.value for f in report.findings)
    return {
        "schema": SCHEMA,
        "ipscan_version": __version__,
        "root": report.root,
        "project_license": report.project_license,
        "policy": {
            "file": report.policy_file,
            "fail_on": list(report.fail_on),
        },
        "summary": {
            "files_scanned": report.files_scanned,
            "units_scanned": report.units_scanned,
            "findings": len(report.findings),
            "by_verdict": dict(sorted(by_verdict.items())),
            "elapsed_s": report.elapsed_s,
            "failing": sum(fails(f, report.fail_on) for f in report.findings),
            "own_package": report.own_package,
            "own_package_findings": report.own_package_findings,
        },
        "index": report.index_summary,
        "findings": [finding_dict(f, report.fail_on) for f in report.findings],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
    }


def render_json(report: Report) -> str:
    """The report as one JSON document (ends with a newline)."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def _finding_from_dict(d: dict[str, Any]) -> Finding:
    return Finding(
        path=str(d["path"]),
        start_line=int(d["start_line"]),
        end_line=int(d["end_line"]),
        similarity=float(d["similarity"]),
        verdict=Verdict(d["verdict"]),
        source=_source_from_dict(d["source"]),
        scope=Scope(d.get("scope", Scope.UNIT.value)),
        unit_name=str(d.get("unit_name", "")),
        matchers=tuple(Matcher(m) for m in d.get("matchers", ())),
        evidence=dict(d.get("evidence", {})),
        reasons=tuple(Reason(r) for r in d.get("reasons", ())),
        license_verdict=str(d.get("license_verdict", "")),
        obligations=tuple(str(o) for o in d.get("obligations", ())),
        license_reason=str(d.get("license_reason", "")),
        notice=str(d.get("notice", "")),
        also_in=tuple(_source_from_dict(src) for src in d.get("also_in", ())),
    )


def _fail_on(policy: Any) -> tuple[str, ...]:
    if not isinstance(policy, dict) or not isinstance(policy.get("fail_on"), list):
        return DEFAULT_FAIL_ON
    return tuple(str(v) for v in policy["fail_on"])


def report_from_dict(doc: dict[str, Any]) -> Report:
    """The Report that ``report_dict`` wrote (the inverse of it); UsageError when it is not one."""
    if not isinstance(doc, dict):
        raise UsageError(f"not an ipscan JSON report (a {type(doc).__name__}, not an object)")
    schema = doc.get("schema")
    if schema != SCHEMA:
        shown = repr(schema)[:60]
        raise UsageError(f"not an ipscan JSON report (schema {shown}, expected {SCHEMA!r})")
    try:
        summary = doc["summary"]
        return Report(
            root=str(doc["root"]),
            findings=tuple(_finding_from_dict(f) for f in doc["findings"]),
            files_scanned=int(summary["files_scanned"]),
            units_scanned=int(summary["units_scanned"]),
            skipped=tuple(
                SkippedFile(str(s["path"]), str(s["reason"])) for s in doc.get("skipped", ())
            ),
            index_summary=dict(doc.get("index") or {}),
            elapsed_s=float(summary["elapsed_s"]),
            project_license=doc.get("project_license"),
            fail_on=_fail_on(doc.get("policy")),
            policy_file=(doc.get("policy") or {}).get("file"),
            own_package=summary.get("own_package"),
            own_package_findings=int(summary.get("own_package_findings") or 0),
        )
    except KeyError as exc:
        raise UsageError(f"malformed ipscan JSON report: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"malformed ipscan JSON report: {reason}") from exc


def load_report(path: Path) -> Report:
    """Read a JSON report written by ``--format json``; UsageError when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(f"{path}: cannot read the report ({reason})") from exc
    try:
        doc = json.loads(text)
    except RecursionError as exc:
        raise UsageError(f"{path}: not a report (nested too deeply)") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    try:
        return report_from_dict(doc)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from exc

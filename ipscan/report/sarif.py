"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; one rule per verdict (``sarif_rules``); one result per finding, its level set by the
policy (``outcome.level``: error when it fails the run, warning for a license issue that does
not, note otherwise) and its message giving the license verdict and the fix. A result's
location is the scanned file (a percent-encoded URI relative to ``%SRCROOT%``); the matched open
source is not in the scanned repository, so it is a related location described by its message
and properties. A log that would break code scanning's limits keeps its most important results
(``sarif_limits``).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ipscan import __version__
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Verdict
from ipscan.report import fails
from ipscan.report import sarif_limits
from ipscan.report.github import full_message
from ipscan.report.github import source_text
from ipscan.report.github import workspace_base
from ipscan.report.json_report import SCHEMA
from ipscan.report.outcome import level
from ipscan.report.outcome import ranked
from ipscan.report.sarif_rules import rule

SARIF_VERSION = "2.1.0"
# The `$id` of the OASIS SARIF 2.1.0 schema (errata 01), which the log validates against.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "ipscanFinding/v1"
DISTRIBUTION = "ipscan-code"
# Project-URL labels that name a home page, best first (compared lower-case).
HOME_LABELS = ("homepage", "home", "documentation", "repository", "source")


def artifact_uri(path: str) -> str:
    """A POSIX relative path as a relative URI reference (spaces, unicode, ``%`` encoded)."""
    return quote(path, safe="/")


def fingerprint(f: Finding, path: str) -> str:
    """A stable hash of where, what source, and which verdict (no scanned line numbers)."""
    s = f.source
    parts = [path, f.scope.value, f.verdict.value, s.package, s.version, s.path]
    parts += [str(s.start_line), str(s.end_line)]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def result(f: Finding, rule_index: int, prefix: str, fail_on: tuple[str, ...]) -> dict[str, Any]:
    """One finding as a SARIF result."""
    path = prefix + f.path
    s = f.source
    return {
        "ruleId": f.verdict.value,
        "ruleIndex": rule_index,
        "level": level(f, fail_on),
        "message": {"text": full_message(f)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(path), "uriBaseId": SRCROOT},
                    "region": {
                        "startLine": max(f.start_line, 1),
                        "endLine": max(f.end_line, f.start_line, 1),
                    },
                }
            }
        ],
        "relatedLocations": [
            {
                "id": 1,
                "message": {"text": f"{source_text(f)} ({s.license})"},
                "properties": {
                    "package": s.package,
                    "version": s.version,
                    "path": s.path,
                    "startLine": s.start_line,
                    "endLine": s.end_line,
                    "license": s.license,
                    "unitName": s.unit_name,
                },
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f, path)},
        "properties": {
            "similarity": round(float(f.similarity), 4),
            "scope": f.scope.value,
            "license": s.license,
            "unitName": f.unit_name,
            "matchers": [m.value for m in f.matchers],
            "evidence": dict(f.evidence),
            "licenseVerdict": f.license_verdict,
            "licenseReason": f.license_reason,
            "obligations": list(f.obligations),
            "notice": f.notice,
            "fails": fails(f, fail_on),
            "source": {"package": s.package, "version": s.version, "license": s.license},
            "alsoIn": [
                {"package": r.package, "version": r.version, "path": r.path, "license": r.license}
                for r in f.also_in
            ],
        },
    }


def base_location(base: str) -> dict[str, Any]:
    """What ``%SRCROOT%`` stands for: the scanned root as a ``file:`` URI ending in ``/``."""
    if base and Path(base).is_absolute():
        uri = Path(base).as_uri()
        return {"uri": uri if uri.endswith("/") else uri + "/"}
    return {"description": {"text": "The root of the scanned repository."}}


def information_uri() -> str | None:
    """Where to read about ipscan: the installed distribution's home page, else (in GitHub
    Actions) the running action's repository, else None (a URL is never made up)."""
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        meta = None
    if meta is not None:
        urls: dict[str, str] = {}
        for entry in meta.get_all("Project-URL") or []:
            label, _, url = str(entry).partition(",")
            urls.setdefault(label.strip().lower(), url.strip())
        found = [urls.get(k, "") for k in HOME_LABELS]
        found += [str(u) for u in meta.get_all("Home-page") or []]
        found += list(urls.values())
        for url in found:
            if url.startswith(("https://", "http://")):
                return url
    server = os.environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    action = os.environ.get("GITHUB_ACTION_REPOSITORY", "").strip("/")
    if os.environ.get("GITHUB_ACTIONS") == "true" and server.startswith("http") and action:
        return f"{server}/{action}"
    return None


def driver() -> dict[str, Any]:
    """The tool's description, with its rules."""
    tool: dict[str, Any] = {
        "name": "ipscan",
        "version": __version__,
        "semanticVersion": __version__,
    }
    uri = information_uri()
    if uri:
        tool["informationUri"] = uri
    tool["rules"] = [rule(v) for v in Verdict]
    return tool


def sarif_dict(report: Report, keep: int | None = None) -> dict[str, Any]:
    """The SARIF log as plain JSON types, with the ``keep`` most important results (all when
    None; those kept stay in report order)."""
    base, prefix = workspace_base(report.root)
    verdicts = list(Verdict)
    total = len(report.findings)
    kept = range(total) if keep is None else sorted(ranked(report.findings, report.fail_on)[:keep])
    omitted = total - len(kept)
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if omitted:
        invocation["toolExecutionNotifications"] = [
            sarif_limits.omitted_notification(omitted, total)
        ]
    results = []
    for i in kept:
        f = report.findings[i]
        results.append(result(f, verdicts.index(f.verdict), prefix, report.fail_on))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver()},
                "invocations": [invocation],
                "originalUriBaseIds": {SRCROOT: base_location(base)},
                "results": results,
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "ipscan": {
                        "reportSchema": SCHEMA,
                        "root": report.root,
                        "projectLicense": report.project_license,
                        "policyFile": report.policy_file,
                        "failOn": list(report.fail_on),
                        "failing": sum(fails(f, report.fail_on) for f in report.findings),
                        "findings": total,
                        "resultsOmitted": omitted,
                        "filesScanned": report.files_scanned,
                        "unitsScanned": report.units_scanned,
                        "ownPackage": report.own_package,
                        "ownPackageFindings": report.own_package_findings,
                        "elapsedS": report.elapsed_s,
                        "index": report.index_summary,
                        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
                    }
                },
            }
        ],
    }


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (ends with a newline), within code scanning's limits."""

    def render(keep: int) -> str:
        doc = sarif_dict(report, keep)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    return sarif_limits.fit(len(report.findings), render)

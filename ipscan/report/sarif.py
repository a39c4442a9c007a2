"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; one rule per verdict; one result per finding. A result's location is the scanned file
(a percent-encoded URI relative to ``%SRCROOT%``); the matched open source is not in the scanned
repository, so it is a related location described by its message and properties.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ipscan import __version__
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Verdict
from ipscan.report.github import finding_message
from ipscan.report.github import source_text
from ipscan.report.github import workspace_base
from ipscan.report.json_report import SCHEMA

SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "ipscanFinding/v1"

LEVELS = {
    Verdict.COPIED: "error",
    Verdict.MODIFIED_COPY: "warning",
    Verdict.SIMILAR: "note",
}

RULE_TEXT = {
    Verdict.COPIED: (
        "CopiedCode",
        "Code copied from licensed open source",
        "This code is the same as code in an indexed open-source package, names and layout "
        "aside. Its license terms apply: keep the notice, replace the code, or remove it.",
    ),
    Verdict.MODIFIED_COPY: (
        "ModifiedCopy",
        "Edited copy of licensed open source",
        "This code is a copy, with edits or in part, of code in an indexed open-source package. "
        "Edits do not remove the original license's terms.",
    ),
    Verdict.SIMILAR: (
        "SimilarCode",
        "Code similar to licensed open source",
        "This code resembles code in an indexed open-source package (by embeddings, or a short "
        "stock idiom). Worth a look; it never fails a run.",
    ),
}


def artifact_uri(path: str) -> str:
    """A POSIX relative path as a relative URI reference (spaces, unicode, ``%`` encoded)."""
    return quote(path, safe="/")


def fingerprint(f: Finding, path: str) -> str:
    """A stable hash of where, what source, and which verdict (no scanned line numbers)."""
    s = f.source
    parts = [path, f.scope.value, f.verdict.value, s.package, s.version, s.path]
    parts += [str(s.start_line), str(s.end_line)]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def rule(verdict: Verdict) -> dict[str, Any]:
    """The reporting descriptor of one verdict."""
    name, short, full = RULE_TEXT[verdict]
    return {
        "id": verdict.value,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full},
        "defaultConfiguration": {"level": LEVELS[verdict]},
        "properties": {"tags": ["license", "open-source"]},
    }


def result(f: Finding, rule_index: int, prefix: str) -> dict[str, Any]:
    """One finding as a SARIF result."""
    path = prefix + f.path
    s = f.source
    return {
        "ruleId": f.verdict.value,
        "ruleIndex": rule_index,
        "level": LEVELS[f.verdict],
        "message": {"text": finding_message(f)},
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
        },
    }


def base_location(base: str) -> dict[str, Any]:
    """What ``%SRCROOT%`` stands for: the scanned root as a ``file:`` URI ending in ``/``."""
    if base and Path(base).is_absolute():
        uri = Path(base).as_uri()
        return {"uri": uri if uri.endswith("/") else uri + "/"}
    return {"description": {"text": "The root of the scanned repository."}}


def sarif_dict(report: Report) -> dict[str, Any]:
    """The SARIF log as plain JSON types."""
    base, prefix = workspace_base(report.root)
    verdicts = list(Verdict)
    return {
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ipscan",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule(v) for v in verdicts],
                    }
                },
                "originalUriBaseIds": {SRCROOT: base_location(base)},
                "results": [result(f, verdicts.index(f.verdict), prefix) for f in report.findings],
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "ipscan": {
                        "reportSchema": SCHEMA,
                        "root": report.root,
                        "filesScanned": report.files_scanned,
                        "unitsScanned": report.units_scanned,
                        "elapsedS": report.elapsed_s,
                        "index": report.index_summary,
                        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
                    }
                },
            }
        ],
    }


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (ends with a newline)."""
    return json.dumps(sarif_dict(report), indent=2, ensure_ascii=False) + "\n"

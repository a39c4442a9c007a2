"""Check one chunk of samples: each sample is one in-memory file of a scan, all of a chunk
matched in one ``scan_analyzed`` call (one embedding batch, one pass over each segment's
postings), and each sample judged by its own findings under the policy.

What comes back is plain data (``SampleResult`` dicts), the same from a process pool, a Ray
task or this process, so the checkpoint stores it and the report prints it as it is. A worker
process opens the index once and keeps it for the chunks it runs next.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipscan.dataset.samples import Sample
from ipscan.dataset.samples import declared_language
from ipscan.errors import IpscanError
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_file
from ipscan.extract.gate import gate
from ipscan.extract.guess_language import guess_language
from ipscan.extract.languages import get_language
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import load_policy
from ipscan.licensing.project import project_license
from ipscan.records import Finding
from ipscan.records import SourceFile
from ipscan.report import fails
from ipscan.scan import ProjectContext
from ipscan.scan import ScanOptions
from ipscan.scan import scan_analyzed

# A sample's status in the report: no finding, findings that all pass the policy, a finding
# that fails it, or not checked (its `problem` says why).
CLEAN = "clean"
FLAGGED = "flagged"
FAIL = "fail"
SKIPPED = "skipped"
STATUSES = (CLEAN, FLAGGED, FAIL, SKIPPED)

SampleResult = dict[str, Any]


@dataclass(frozen=True)
class AuditSettings:
    """How every chunk is checked: the index, the policy, the encoder."""

    index_dir: Path | None = None  # None: the index that ships with ipscan
    project_license: str | None = None  # the target license (else the policy's)
    policy_file: Path | None = None
    embeddings: bool = True
    device: str = "auto"


_READERS: dict[Path | None, IndexReader] = {}


def worker_reader(index_dir: Path | None) -> IndexReader:
    """This process's open index (opened by the first chunk it checks)."""
    if index_dir not in _READERS:
        _READERS[index_dir] = open_index(index_dir)
    return _READERS[index_dir]


def audit_project(settings: AuditSettings) -> ProjectContext:
    """The target license and policy every sample is judged under."""
    policy = Policy()
    if settings.policy_file is not None:
        policy = load_policy(settings.policy_file.parent, settings.policy_file)
    override = settings.project_license or policy.project_license
    outbound = project_license(Path("."), override) if override else None
    return ProjectContext(outbound=outbound, policy=policy)


def check_chunk(samples: Sequence[Sample], settings: AuditSettings) -> list[SampleResult]:
    """One result per sample of ``samples``, in order."""
    started = time.perf_counter()
    results: list[SampleResult] = []
    analyzed: list[AnalyzedFile] = []
    names: dict[str, int] = {}  # scanned file name → position in results
    reader = worker_reader(settings.index_dir)
    for sample in samples:
        result, file = _prepare(sample)
        if file is not None:
            try:
                analyzed.append(analyze_file(file, raw_scheme=reader.raw_scheme))
                names[file.path] = len(results)
            except IpscanError as exc:
                result.update(status=SKIPPED, problem=str(exc))
        results.append(result)
    if not analyzed:
        return results
    options = ScanOptions(
        index_dir=settings.index_dir,
        device=settings.device,
        embeddings=settings.embeddings,
        project_license=settings.project_license,
        jobs=1,
    )
    project = audit_project(settings)
    report = scan_analyzed(
        "dataset",
        analyzed,
        (),
        options,
        started,
        project=project,
        reader=reader,
    )
    found: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        found[f.path].append(f)
    for name, at in names.items():
        findings = found.get(name, [])
        failing = [fails(f, report.fail_on) for f in findings]
        status = FAIL if any(failing) else FLAGGED if findings else CLEAN
        results[at].update(
            status=status,
            findings=[_finding(f, bad) for f, bad in zip(findings, failing, strict=True)],
        )
    return results


def _prepare(sample: Sample) -> tuple[SampleResult, SourceFile | None]:
    """The sample's result so far, and the file to scan (None: not checked, and why)."""
    result: SampleResult = {
        "index": sample.index,
        "id": sample.id,
        "language": None,
        "status": SKIPPED,
        "problem": "",
        "findings": [],
    }
    if not isinstance(sample.content, str):
        result["problem"] = f"content is {_json_type(sample.content)}, not a string"
        return result, None
    language, why = declared_language(sample)
    if why:
        result["problem"] = why
        return result, None
    text = sample.content
    language = language or guess_language(text)
    result["language"] = language
    name = f"sample-{sample.index:09d}{get_language(language).extensions[0]}"
    gated = gate(name, text.encode("utf-8", "surrogatepass"), language)
    if not isinstance(gated, SourceFile):
        result["problem"] = f"not checked ({gated.reason})"
        return result, None
    return result, gated


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "an object", bytes: "binary"}
    return names.get(type(value), type(value).__name__)


def _finding(f: Finding, failing: bool) -> dict[str, Any]:
    """One finding of a sample, as the report prints it."""
    return {
        "lines": [f.start_line, f.end_line],
        "verdict": f.verdict.value,
        "similarity": round(float(f.similarity), 4),
        "source": {
            "package": f.source.package,
            "version": f.source.version,
            "path": f.source.path,
            "lines": [f.source.start_line, f.source.end_line],
            "license": f.source.license,
        },
        "license_verdict": f.license_verdict,
        "license_reason": f.license_reason,
        "fails": failing,
    }

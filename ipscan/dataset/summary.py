"""What an audit found, counted: samples, flagged, failing, by license and by verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from ipscan.dataset.check import CLEAN
from ipscan.dataset.check import FAIL
from ipscan.dataset.check import SKIPPED
from ipscan.dataset.check import SampleResult


@dataclass
class Summary:
    """Counts over the samples of one audit. A sample counts once under each license (and
    each license verdict) that any of its findings has."""

    samples: int = 0
    skipped: int = 0  # not checked (a problem: not a string, unsupported language, binary)
    flagged: int = 0  # with at least one finding
    failing: int = 0  # with a finding that fails the policy
    kept: int | None = None  # samples in the filtered copy, when one was written
    by_license: dict[str, Counter[str]] = field(default_factory=dict)
    by_verdict: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)

    def add(self, result: SampleResult) -> None:
        self.samples += 1
        status = result["status"]
        if status == SKIPPED:
            self.skipped += 1
            self.problems[str(result["problem"])] += 1
            return
        if status == CLEAN:
            return
        self.flagged += 1
        self.failing += status == FAIL
        findings = result["findings"]
        for lic in sorted({str(f["source"]["license"]) for f in findings}):
            counts = self.by_license.setdefault(lic, Counter())
            counts["samples"] += 1
            counts["failing"] += any(f["fails"] for f in findings if f["source"]["license"] == lic)
        for verdict in {str(f["license_verdict"]) or "not-judged" for f in findings}:
            self.by_verdict[verdict] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "checked": self.samples - self.skipped,
            "skipped": self.skipped,
            "flagged": self.flagged,
            "failing": self.failing,
            "kept": self.kept,
            "by_license": {
                lic: {"samples": c["samples"], "failing": c["failing"]}
                for lic, c in sorted(
                    self.by_license.items(), key=lambda kv: (-kv[1]["samples"], kv[0])
                )
            },
            "by_verdict": dict(sorted(self.by_verdict.items(), key=lambda kv: (-kv[1], kv[0]))),
            "problems": dict(sorted(self.problems.items(), key=lambda kv: (-kv[1], kv[0]))),
        }


def render_summary(summary: Summary) -> str:
    """The summary as aligned text lines."""
    d = summary.to_dict()
    lines = [
        f"samples   {d['samples']} ({d['checked']} checked, {d['skipped']} skipped)",
        f"flagged   {d['flagged']} (a match in the index)",
        f"failing   {d['failing']} (a match the policy fails)",
    ]
    if d["kept"] is not None:
        lines.append(f"kept      {d['kept']} (in the filtered copy)")
    if d["by_license"]:
        lines.append("by license:")
        width = max(len(k) for k in d["by_license"])
        for lic, c in d["by_license"].items():
            lines.append(f"  {lic:<{width}}  {c['samples']} samples, {c['failing']} failing")
    if d["by_verdict"]:
        lines.append("by verdict:")
        width = max(len(k) for k in d["by_verdict"])
        for verdict, n in d["by_verdict"].items():
            lines.append(f"  {verdict:<{width}}  {n} samples")
    if d["problems"]:
        lines.append("skipped:")
        for problem, n in d["problems"].items():
            lines.append(f"  {n}  {problem}")
    return "\n".join(lines) + "\n"


def failing_line(result: SampleResult) -> str:
    """``sample 17 (id): copied from pkg 1.0 path:10-40 (GPL-2.0-only, copyleft-conflict)``, on
    the sample's first failing finding."""
    f = next(f for f in result["findings"] if f["fails"])
    src = f["source"]
    more = sum(1 for g in result["findings"] if g["fails"]) - 1
    extra = f" (+{more} more)" if more else ""
    return (
        f"sample {result['index']} ({result['id']}): {f['verdict']} from {src['package']} "
        f"{src['version']} {src['path']}:{src['lines'][0]}-{src['lines'][1]} "
        f"({src['license']}, {f['license_verdict']}){extra}"
    )

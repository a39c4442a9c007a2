"""Run copydetect (in its own virtual environment) for bench/natural_copies.py and
bench/program_plagiarism.py.

Reads a JSON job on stdin: {"groups": [{"tests": [paths], "refs": [paths]}], "min_sim": float},
and optionally "noise_t" and "guarantee_t" (copydetect's defaults otherwise). Each group is one
CopyDetector run.
Writes JSON to stdout: {"pairs": [[test, ref, test_sim, ref_sim], ...], "seconds": float}, every
(test, ref) pair whose test-side similarity is at least min_sim (the caller applies its display
threshold, so it can also show how close a missed file came).

    /tmp/natural/cdvenv/bin/python bench/copydetect_runner.py < job.json > pairs.json
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import copydetect  # type: ignore[import-not-found]


def run_group(
    tests: list[str], refs: list[str], min_sim: float, thresholds: dict[str, int]
) -> list[list[Any]]:
    """All (test, ref, test_sim, ref_sim) pairs of one detector run with test_sim >= min_sim."""
    detector = copydetect.CopyDetector(silent=True, autoopen=False, **thresholds)
    for path in tests:
        detector.add_file(path, type="test")
    for path in refs:
        detector.add_file(path, type="ref")
    detector.run()
    sims = detector.similarity_matrix
    pairs: list[list[Any]] = []
    if len(sims) == 0:
        return pairs
    for i, test in enumerate(detector.test_files):
        for j, ref in enumerate(detector.ref_files):
            test_sim, ref_sim = float(sims[i, j, 0]), float(sims[i, j, 1])
            if test_sim >= min_sim:
                pairs.append([test, ref, test_sim, ref_sim])
    return pairs


def main() -> int:
    job = json.load(sys.stdin)
    t0 = time.perf_counter()
    thresholds = {k: job[k] for k in ("noise_t", "guarantee_t") if k in job}
    pairs: list[list[Any]] = []
    for group in job["groups"]:
        if group["tests"] and group["refs"]:
            pairs += run_group(group["tests"], group["refs"], job["min_sim"], thresholds)
    json.dump({"pairs": pairs, "seconds": time.perf_counter() - t0}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

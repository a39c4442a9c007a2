"""Audit a dataset: read its samples in chunks, check each chunk (here, on worker processes
or on Ray), record finished chunks in the checkpoint, then write the per-sample report and
the filtered copy from the recorded results in sample order, and count them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from itertools import islice
from pathlib import Path

from ipscan.dataset.atomic import atomic_path
from ipscan.dataset.check import FAIL
from ipscan.dataset.check import AuditSettings
from ipscan.dataset.check import SampleResult
from ipscan.dataset.check import audit_project
from ipscan.dataset.checkpoint import Checkpoint
from ipscan.dataset.checkpoint import audit_key
from ipscan.dataset.checkpoint import default_folder
from ipscan.dataset.formats import DatasetFormat
from ipscan.dataset.runners import Chunk
from ipscan.dataset.runners import Done
from ipscan.dataset.runners import chunked
from ipscan.dataset.runners import run_pool
from ipscan.dataset.runners import run_serial
from ipscan.dataset.samples import Fields
from ipscan.dataset.summary import Summary

# Samples checked together in one scan: one embedding batch, one pass over the postings
# (bench/dataset_audit.py measures the batch against one scan a sample).
CHUNK_SIZE = 128


@dataclass(frozen=True)
class RunSettings:
    """Where the chunks run, and the outputs."""

    jobs: int = 1  # worker processes (1: this process)
    ray: bool = False
    ray_address: str | None = None  # None with ray: a local Ray of ``jobs`` CPUs
    chunk_size: int = CHUNK_SIZE
    resume: bool = False
    checkpoint: Path | None = None  # None: beside the first output (``default_folder``)
    report: Path | None = None  # JSON lines, one a sample
    filtered: Path | None = None  # the input's format, less the failing samples


@dataclass
class AuditResult:
    summary: Summary
    failing: list[SampleResult]  # the failing samples' results, in sample order
    chunks_run: int  # by this call (the rest came from the checkpoint)
    chunks: int


Stopper = Callable[[int], None]  # called with each chunk number as it is recorded (tests)


def audit_dataset(
    input_path: Path,
    fmt: DatasetFormat,
    fields: Fields,
    settings: AuditSettings,
    run: RunSettings,
    on_chunk: Stopper | None = None,
) -> AuditResult:
    """Audit the dataset at ``input_path`` (see the module's doc)."""
    audit_project(settings)  # a bad license or policy fails here, before any work
    key = audit_key(input_path, fmt.name, fields, settings, run.chunk_size)
    folder = run.checkpoint or default_folder(input_path, [run.filtered, run.report])
    checkpoint = Checkpoint(folder, key, run.resume)
    seen = [0]

    def pending() -> Iterator[Chunk]:
        for k, samples in chunked(fmt.read(input_path, fields), run.chunk_size):
            seen[0] = k + 1
            if k not in checkpoint.done:
                yield k, samples

    ran = 0
    for k, results in _runner(pending(), settings, run):
        checkpoint.save(k, results)
        ran += 1
        if on_chunk is not None:
            on_chunk(k)
    summary = Summary()
    failing: list[SampleResult] = []
    with _report_file(run.report) as write:
        for k in range(seen[0]):
            for result in checkpoint.results(k):
                summary.add(result)
                if result["status"] == FAIL:
                    failing.append(result)
                write(json.dumps(result) + "\n")
    if run.filtered is not None:
        drop = {int(r["index"]) for r in failing}
        summary.kept = fmt.write_filtered(input_path, run.filtered, drop)
    checkpoint.remove()
    return AuditResult(summary, failing, ran, seen[0])


def _runner(chunks: Iterator[Chunk], settings: AuditSettings, run: RunSettings) -> Iterator[Done]:
    if run.ray:
        from ipscan.dataset.ray_runner import run_ray

        return run_ray(chunks, settings, run.ray_address, run.jobs if run.jobs > 0 else None)
    first = list(islice(chunks, 2))
    if run.jobs <= 1 or len(first) < 2:  # one chunk: a worker would cost more than it saves
        return run_serial(chain(first, chunks), settings)
    return run_pool(chain(first, chunks), settings, run.jobs)


@contextlib.contextmanager
def _report_file(path: Path | None) -> Iterator[Callable[[str], object]]:
    """A writer of the report's lines into a file that replaces ``path`` when it is whole;
    one that drops them when ``path`` is None."""
    if path is None:
        yield lambda _line: None
        return
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        yield fh.write

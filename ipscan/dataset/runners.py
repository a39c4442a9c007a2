"""Run chunks of samples: in this process, or on a pool of worker processes.

Chunks are handed out a window ahead of the results, so a dataset streams through without
being held whole; results come back as chunks finish (the checkpoint records each, and the
audit puts them in order at the end). Workers start from a fork server, not a fork of this
process: the driver may have pyarrow's threads running, and forking a threaded process can
deadlock (the fork server is a fresh process that preloads the checking code once and forks
the workers from that). Each worker opens the index once (``check.worker_reader``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import wait
from itertools import islice

from ipscan.dataset.check import AuditSettings
from ipscan.dataset.check import SampleResult
from ipscan.dataset.check import check_chunk
from ipscan.dataset.samples import Sample

Chunk = tuple[int, list[Sample]]
Done = tuple[int, list[SampleResult]]
# Chunks in flight per worker: one running, one waiting, so no worker idles between chunks.
AHEAD = 2


def chunked(samples: Iterable[Sample], size: int) -> Iterator[Chunk]:
    """(chunk number from 0, up to ``size`` samples) over ``samples``."""
    it = iter(samples)
    k = 0
    while chunk := list(islice(it, size)):
        yield k, chunk
        k += 1


def run_serial(chunks: Iterable[Chunk], settings: AuditSettings) -> Iterator[Done]:
    for k, samples in chunks:
        yield k, check_chunk(samples, settings)


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ipscan.dataset.check"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_pool(chunks: Iterable[Chunk], settings: AuditSettings, jobs: int) -> Iterator[Done]:
    """``check_chunk`` of each chunk on ``jobs`` worker processes, as they finish."""
    it = iter(chunks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        running: dict[Future[list[SampleResult]], int] = {}
        try:
            while True:
                for k, samples in islice(it, jobs * AHEAD - len(running)):
                    running[pool.submit(check_chunk, samples, settings)] = k
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=running.__getitem__):
                    k = running.pop(future)
                    yield k, future.result()
        finally:
            for future in running:
                future.cancel()

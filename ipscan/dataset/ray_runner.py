"""Run chunks of samples as Ray tasks (``--ray [ADDRESS]``; the ``distributed`` extra).

Each chunk is one task of one CPU; a worker process opens the index once and keeps it for
the chunks it runs next (``check.worker_reader``), so the index folder must be at the same
path on every node (shared storage), as for ``index build --ray`` (docs/distributed.md).
Chunks go out a window ahead of the results, so the dataset is not put into Ray's object
store whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from collections.abc import Iterator
from itertools import islice
from typing import Any

from ipscan.dataset.check import AuditSettings
from ipscan.dataset.check import check_chunk
from ipscan.dataset.runners import AHEAD
from ipscan.dataset.runners import Chunk
from ipscan.dataset.runners import Done
from ipscan.errors import IpscanError
from ipscan.index.distributed import connect_ray
from ipscan.index.distributed import import_ray
from ipscan.index.distributed import one_line

# A task whose worker process died is run again this often (an exception is not retried).
TASK_RETRIES = 2


def run_ray(
    chunks: Iterable[Chunk],
    settings: AuditSettings,
    address: str | None = None,
    cpus: int | None = None,
) -> Iterator[Done]:
    """``check_chunk`` of each chunk as a Ray task, as they finish."""
    ray = import_ray(local=address is None)
    started = connect_ray(ray, address, cpus)
    try:
        slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(check_chunk).options(num_cpus=1, max_retries=TASK_RETRIES)
        settings_ref = ray.put(settings)
        it = iter(chunks)
        running: dict[Any, int] = {}
        try:
            while True:
                for k, samples in islice(it, slots * AHEAD - len(running)):
                    running[remote.remote(samples, settings_ref)] = k
                if not running:
                    return
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    k = running.pop(ref)
                    try:
                        results = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        cause = getattr(exc, "cause", None)
                        if isinstance(cause, IpscanError):  # its own sentence and exit code
                            raise cause from exc
                        raise IpscanError(f"chunk {k + 1} failed on Ray: {one_line(exc)}") from exc
                    yield k, results
        finally:
            for ref in running:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
    finally:
        if started:
            ray.shutdown()

"""What a Ray worker runs for one shard of a distributed build: read, parse and embed its
sources (``read_sources``) and write them as segments into the job's staging folder.

Everything in and out is plain data (dicts, lists, strings); the encoder is loaded once per
worker process and kept for the next shard that process runs.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any
from typing import TypedDict

from ipscan.encoder import Encoder
from ipscan.errors import IpscanIndexError
from ipscan.index.build import BuildSummary
from ipscan.index.build import ReadOptions
from ipscan.index.build import read_sources
from ipscan.index.compat import check_encoder
from ipscan.index.dist_job import JOB_FILE
from ipscan.index.dist_plan import source_of
from ipscan.index.dist_plan import summary_record
from ipscan.index.progress import progress_embedder
from ipscan.index.store import write_segment


class ShardTask(TypedDict):
    """One shard's work, as the driver sends it."""

    shard: int
    index: str  # the index folder, as every worker mounts it
    staging: str  # the job's staging folder inside it
    sources: list[dict[str, Any]]  # source records (``dist_plan.source_record``)
    encoder: dict[str, Any]  # the encoder record the segments carry (the index's)
    device: str
    batch_size: int
    rev: str | None
    include: list[str]
    exclude: list[str]


class Known(TypedDict):
    """What the index held when the job started: sources with these are skipped."""

    digests: list[str]
    origins: list[str]


_ENCODERS: dict[str, Encoder] = {}


def worker_encoder(device: str) -> Encoder:
    """This process's encoder for ``device`` (loaded by the first shard it runs; a worker with
    a GPU gets CUDA from "auto")."""
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder

    if device not in _ENCODERS:
        _ENCODERS[device] = load_encoder(bulk_device(device, BULK_TEXTS))
    return _ENCODERS[device]


def run_shard(task: ShardTask, known: Known) -> dict[str, Any]:
    """Read ``task``'s sources and write them into its staging folder; return the segment
    names, the shard's summary (``dist_plan.summary_record``) and where it ran."""
    started = time.monotonic()
    host = socket.gethostname()
    staging = Path(task["staging"])
    if not (staging / JOB_FILE).is_file():  # else the segments would land on a local disk
        raise IpscanIndexError(
            f"{staging}: not found on worker {host}; the index folder must be on storage "
            "every Ray worker sees, at the same path"
        )
    encoder = worker_encoder(task["device"])
    record = task["encoder"]
    check_encoder(record, encoder, Path(task["index"]))
    summary = BuildSummary(index_dir=task["index"])
    options = ReadOptions(
        rev=task["rev"],
        include=tuple(task["include"]),
        exclude=tuple(task["exclude"]),
        jobs=1,  # Ray runs one shard per CPU it has: parse in this process
        keep_going=True,
    )
    parts = read_sources(
        [source_of(r) for r in task["sources"]],
        encoder,
        progress_embedder(encoder, task["batch_size"], show=False),
        summary,
        record=record,
        known=set(known["digests"]),
        origins=set(known["origins"]),
        options=options,
    )
    names = [write_segment(staging, part) for part in parts]
    return {
        "shard": task["shard"],
        "segments": names,
        "summary": summary_record(summary),
        "host": host,
        "device": encoder.device,
        "seconds": round(time.monotonic() - started, 3),
    }

"""Commit a distributed build: under the index's writer lock, move the job's staged segments
into ``segments/`` and make live one generation listing the old segments and the new ones."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.compact import merge_tiers
from ipscan.index.dist_job import Job
from ipscan.index.generations import listed_segments
from ipscan.index.generations import live_name
from ipscan.index.generations import write_record
from ipscan.index.reader import IndexReader
from ipscan.index.store import collect_old_generations
from ipscan.index.store import publish_segments
from ipscan.index.store import writer_lock

# How often a commit looks again for the writer lock another build holds.
_LOCK_POLL_S = 0.5


@dataclass
class Committed:
    """What a commit did: the segments it added, and the index's units afterwards."""

    added: list[str]
    total_units: int


class LostSegments(IpscanIndexError):
    """Staged segments that are gone (removed by hand, or by a build after a killed commit):
    their shards must run again."""

    def __init__(self, message: str, shards: Sequence[int]) -> None:
        super().__init__(message)
        self.shards = list(shards)


def claim_folder(index_dir: Path, wait_s: float) -> None:
    """Make a new or empty ``index_dir`` an index folder before a job stages in it (a folder
    holding only ``.jobs`` would not be one): an empty record of generations, no live one."""
    if (index_dir / layout.GENERATIONS).exists() or (index_dir / layout.CURRENT).exists():
        return
    with locked(index_dir, wait_s):
        if (index_dir / layout.GENERATIONS).exists() or (index_dir / layout.CURRENT).exists():
            return  # another build made it an index meanwhile
        try:
            write_record(index_dir, [])
        except OSError as exc:
            raise IpscanIndexError(
                f"{index_dir}: cannot write the index: {exc.strerror or exc}"
            ) from exc


@contextlib.contextmanager
def locked(index_dir: Path, wait_s: float) -> Iterator[None]:
    """The writer lock, waited for up to ``wait_s`` seconds while another build holds it."""
    deadline = time.monotonic() + wait_s
    while True:
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(writer_lock(index_dir))
            break
        except IpscanIndexError as exc:
            if not isinstance(exc.__cause__, BlockingIOError) or time.monotonic() >= deadline:
                raise
        time.sleep(_LOCK_POLL_S)
    with stack:
        yield


def commit_job(index_dir: Path, job: Job, record: dict[str, Any], wait_s: float) -> Committed:
    """Add every finished shard's segments to the live index, in shard order, as one new
    generation. A segment the live index lists already (a commit that died after going live)
    is not added again."""
    with locked(index_dir, wait_s):
        base, units = _live(index_dir, record)
        order = [(k, name) for k in sorted(job.done) for name in job.done[k]["segments"]]
        new = [(k, name) for k, name in order if name not in base]
        folder = index_dir / layout.SEGMENTS
        lost = [
            k
            for k, name in new
            if not (job.folder / name).is_dir() and not (folder / name).is_dir()
        ]
        if lost:
            raise LostSegments(
                f"{job.folder}: segments of {len(set(lost))} finished shard(s) are gone; "
                "rerun the same command to build them again",
                sorted(set(lost)),
            )
        if not new:
            collect_old_generations(index_dir)
            return Committed([], units)
        names = [name for _, name in new]
        moved = _move_in(job.folder, folder, names)
        try:
            publish_segments(index_dir, [*base, *names], record)
        except BaseException:
            if not set(names) <= listed_now(index_dir):  # unlisted, a build would collect them
                _move_back(job.folder, folder, moved)
            raise
        merge_tiers(index_dir)
        with IndexReader(index_dir) as reader:
            return Committed(names, reader.n_units)


def _live(index_dir: Path, record: dict[str, Any]) -> tuple[list[str], int]:
    """The live index's segments and units (none yet: a new index), read under the lock."""
    if not (index_dir / layout.CURRENT).exists():
        return [], 0
    with IndexReader(index_dir) as reader:
        if reader.encoder_info != record:
            raise IpscanIndexError(
                f"{index_dir}: the index was rebuilt with another encoder while this job ran; "
                "its staged segments do not fit it"
            )
        return list(reader.segment_names), reader.n_units


def listed_now(index_dir: Path) -> set[str]:
    """The segments the live generation lists (none when there is none)."""
    live = live_name(index_dir)
    return set(listed_segments(index_dir / live) or ()) if live else set()


def _move_in(staging: Path, folder: Path, names: Sequence[str]) -> list[str]:
    """Move staged segments into the segments folder (one filesystem: renames)."""
    moved: list[str] = []
    try:
        folder.mkdir(exist_ok=True)
        for name in names:
            if (staging / name).is_dir():
                os.replace(staging / name, folder / name)
                moved.append(name)
    except OSError as exc:
        _move_back(staging, folder, moved)
        raise IpscanIndexError(
            f"{folder}: cannot move the job's segments in: {exc.strerror or exc}; "
            "the index is unchanged"
        ) from exc
    return moved


def _move_back(staging: Path, folder: Path, names: Sequence[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            os.replace(folder / name, staging / name)

"""A distributed build's plan: its job id, its shards of sources, and sources as plain data.

Ray moves plain data between the driver and its workers, and the job manifest is JSON; so a
source (``ListedSource``) and what a shard did (``BuildSummary``) travel as dicts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ipscan.index.build import BuildSummary
from ipscan.sources.gitsource import looks_like_git_url
from ipscan.sources.source_list import ListedSource
from ipscan.sources.source_list import SourceFailure

# Without --shard-size: about this many shards per worker (a slow shard then holds up little)...
SHARDS_PER_WORKER = 2
# ...and at most this many sources in one (each shard is a segment; fewer is faster to scan).
MAX_AUTO_SHARD = 32
# A folder's size is the sum of its files': counted up to this many, then an estimate.
_MAX_COUNTED_FILES = 100_000
_FIELDS = {f.name for f in dataclasses.fields(ListedSource)}


def source_record(item: ListedSource) -> dict[str, Any]:
    """A source as a JSON object."""
    return dataclasses.asdict(item)


def source_of(record: Any) -> ListedSource:
    """The source a ``source_record`` describes (ValueError when it describes none)."""
    if not isinstance(record, dict) or set(record) != _FIELDS:
        raise ValueError("not a source record")
    if not all(v is None or isinstance(v, str) for v in record.values()):
        raise ValueError("not a source record")
    return ListedSource(**record)


def portable(spec: str | ListedSource) -> ListedSource:
    """A source as every worker can open it: a local path made absolute (workers run in
    another folder, or on another machine that mounts the same storage)."""
    item = spec if isinstance(spec, ListedSource) else ListedSource.of_spec(spec)
    if item.kind != "spec":
        return item
    path = Path(item.target).expanduser()
    if path.is_absolute() or not (path.exists() or not looks_like_git_url(item.target)):
        return item
    return dataclasses.replace(item, target=os.path.abspath(path))


def distinct_sources(items: Sequence[ListedSource]) -> list[ListedSource]:
    """``items`` without repeats of a source listed before (the same kind, target, version,
    revision and pin, wherever listed): two shards would each add it, where a build on one
    machine skips the second by its content digest."""
    seen: set[tuple[str, str, str, str | None, str | None]] = set()
    out: list[ListedSource] = []
    for item in items:
        key = (item.kind, item.target, item.version, item.rev, item.sha256)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def job_id(index_dir: Path, items: Sequence[ListedSource], settings: dict[str, Any]) -> str:
    """The sha256 naming a job: the index, its sources in order, and what shapes their contents
    (``settings``: revision, include and exclude patterns, encoder)."""
    doc = {
        "index": str(index_dir.resolve()),
        "sources": [source_record(i) for i in items],
        "settings": settings,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode("utf-8")).hexdigest()


def auto_shard_size(n_sources: int, workers: int) -> int:
    """Sources per shard when none is given: ``SHARDS_PER_WORKER`` shards per worker."""
    per = math.ceil(n_sources / max(1, SHARDS_PER_WORKER * workers))
    return max(1, min(MAX_AUTO_SHARD, per))


def plan_shards(items: Sequence[ListedSource], shard_size: int) -> list[list[int]]:
    """Split ``items`` into shards of at most ``shard_size`` sources (indexes into ``items``),
    balanced by size where it is known: largest first, each to the lightest shard with room.

    Each shard keeps its sources in list order, and shards go by their first source, so a
    plan (and the order of the index it builds) depends on the list alone.
    """
    if not items:
        return []
    n_shards = math.ceil(len(items) / max(1, shard_size))
    sizes = [source_size(i) for i in items]
    known = sorted(s for s in sizes if s is not None)
    guess = known[len(known) // 2] if known else 1  # an unknown size counts as a typical one
    weight = [guess if s is None else s for s in sizes]
    shards: list[list[int]] = [[] for _ in range(n_shards)]
    loads = [0] * n_shards
    for i in sorted(range(len(items)), key=lambda i: (-weight[i], i)):
        room = [k for k in range(n_shards) if len(shards[k]) < shard_size]
        k = min(room, key=lambda k: (loads[k], k))
        shards[k].append(i)
        loads[k] += weight[i]
    return sorted((sorted(s) for s in shards if s), key=lambda s: s[0])


def source_size(item: ListedSource) -> int | None:
    """Bytes of a local archive or folder (a git folder: its files, not its history); None for
    what is fetched (registry packages, git URLs) or missing."""
    if item.kind not in ("path", "spec"):
        return None
    path = Path(item.target).expanduser()
    try:
        if path.is_file():
            return path.stat().st_size
        if not path.is_dir():
            return None
    except OSError:
        return None
    total = counted = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
            counted += 1
            if counted >= _MAX_COUNTED_FILES:
                return total
    return total


def summary_record(summary: BuildSummary) -> dict[str, Any]:
    """What a shard did, as a JSON object (``total_units`` and ``index_dir`` left out)."""
    return {
        "added": list(summary.added),
        "skipped": list(summary.skipped),
        "failed": [{"source": source_record(f.source), "reason": f.reason} for f in summary.failed],
        "units_added": summary.units_added,
        "files_added": summary.files_added,
    }


def add_summary(into: BuildSummary, record: dict[str, Any]) -> None:
    """Add a shard's ``summary_record`` to a job's summary."""
    into.added.extend(str(x) for x in record["added"])
    into.skipped.extend(str(x) for x in record["skipped"])
    into.failed.extend(
        SourceFailure(source_of(f["source"]), str(f["reason"])) for f in record["failed"]
    )
    into.units_added += int(record["units_added"])
    into.files_added += int(record["files_added"])

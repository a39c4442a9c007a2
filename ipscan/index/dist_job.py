"""A distributed build's staging folder and its job manifest, which survive a killed job.

``INDEX/.jobs/<job id>/`` holds the segments finished shards wrote and ``job.json``: the
shards (their sources, fixed when the job first ran) and, for each finished one, its
segments and summary. The manifest is replaced atomically as each shard finishes, so a rerun
of the same job reuses every shard it names as done and runs only the others. Nothing that
collects an index's garbage looks into ``.jobs`` (it touches recorded generations and
``segments/`` only); a committed job's folder is removed by the job itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from ipscan.errors import IpscanIndexError
from ipscan.index.dist_plan import source_of
from ipscan.index.generations import SEGMENT_NAME

JOBS = ".jobs"
JOB_FILE = "job.json"
JOB_FORMAT = "ipscan-index-job"
JOB_VERSION = 1
_LOCK = ".lock"
# The id's first hex digits name the folder: 64 bits keep two jobs of one index apart.
_FOLDER_DIGITS = 16


@dataclass
class Job:
    """One job: its shards (source records) and what each finished shard returned."""

    job_id: str
    folder: Path
    shards: list[list[dict[str, Any]]]
    done: dict[int, dict[str, Any]] = field(default_factory=dict)

    def pending(self) -> list[int]:
        """The shards still to run, in order."""
        return [k for k in range(len(self.shards)) if k not in self.done]

    def staged(self) -> set[str]:
        """The segment names finished shards recorded."""
        return {name for result in self.done.values() for name in result["segments"]}

    def save(self) -> None:
        """Replace the manifest atomically (a kill leaves the old one or the new one)."""
        doc = {
            "format": JOB_FORMAT,
            "version": JOB_VERSION,
            "job": self.job_id,
            "shards": self.shards,
            "done": {str(k): v for k, v in sorted(self.done.items())},
        }
        tmp = self.folder / f".{JOB_FILE}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / JOB_FILE)


def job_folder(index_dir: Path, job_id: str) -> Path:
    """Where job ``job_id`` of ``index_dir`` stages its segments."""
    return index_dir / JOBS / job_id[:_FOLDER_DIGITS]


def load_job(folder: Path, job_id: str) -> Job | None:
    """The job recorded in ``folder``, or None when there is none (or it is another job's, or
    damaged: the job then starts afresh)."""
    try:
        doc = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
        if doc.get("format") != JOB_FORMAT or doc.get("version") != JOB_VERSION:
            return None
        if doc.get("job") != job_id:
            return None
        shards = doc["shards"]
        done = {int(k): _checked_result(v) for k, v in doc["done"].items()}
        if not isinstance(shards, list) or any(not 0 <= k < len(shards) for k in done):
            return None
        for shard in shards:
            for record in shard:
                source_of(record)  # each is a source, or the manifest is damaged
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return Job(job_id, folder, shards, done)


def _checked_result(result: Any) -> dict[str, Any]:
    names = result["segments"]
    if not isinstance(names, list) or not all(
        isinstance(n, str) and SEGMENT_NAME.fullmatch(n) for n in names
    ):
        raise ValueError("not a segment list")
    if not isinstance(result["summary"], dict):
        raise ValueError("not a summary")
    return dict(result)


@contextlib.contextmanager
def job_lock(folder: Path) -> Iterator[None]:
    """One driver per job: a second run of the same job while one runs is a one-line error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = (folder / _LOCK).open("a")
    except OSError as exc:
        raise IpscanIndexError(
            f"{folder}: cannot write the job's staging folder: {exc.strerror or exc}"
        ) from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IpscanIndexError(f"{folder}: another ipscan process is running this job") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clear_unrecorded(job: Job) -> None:
    """Remove what the staging folder holds beyond the recorded segments: segments of shards
    that finished after the job was killed, half-written ones, an old job's manifest."""
    keep = job.staged() | {JOB_FILE, _LOCK}
    for path in job.folder.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def remove_job(job: Job) -> None:
    """Remove a committed job's folder (and ``.jobs`` when no other job is staged)."""
    shutil.rmtree(job.folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        job.folder.parent.rmdir()

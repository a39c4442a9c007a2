"""`ipscan index build --ray`: build an index on a Ray cluster (docs/distributed.md).

The sources are split into shards of a few, balanced by size (``dist_plan``). Each shard is a
Ray task: a worker reads, parses and embeds its sources and writes them as segments into the
job's staging folder, ``INDEX/.jobs/<job id>/``, on storage every worker sees
(``dist_worker``). As shards finish, the job manifest records them (``dist_job``), so the same
command run again after a kill or a failed shard runs only the shards not yet done. Once every
shard is done the driver takes the index's writer lock, moves the staged segments into
``segments/`` and makes live one generation listing the old segments and the new ones
(``dist_commit``): readers see the whole job or nothing of it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ipscan.errors import IpscanError
from ipscan.errors import IpscanIndexError
from ipscan.errors import UsageError
from ipscan.index import layout
from ipscan.index.build import BuildSummary
from ipscan.index.compat import EncoderLike
from ipscan.index.compat import check_encoder
from ipscan.index.compat import check_extendable
from ipscan.index.compat import encoder_info
from ipscan.index.dist_commit import LostSegments
from ipscan.index.dist_commit import claim_folder
from ipscan.index.dist_commit import commit_job
from ipscan.index.dist_commit import listed_now
from ipscan.index.dist_job import Job
from ipscan.index.dist_job import clear_unrecorded
from ipscan.index.dist_job import job_folder
from ipscan.index.dist_job import job_lock
from ipscan.index.dist_job import load_job
from ipscan.index.dist_job import remove_job
from ipscan.index.dist_plan import add_summary
from ipscan.index.dist_plan import auto_shard_size
from ipscan.index.dist_plan import distinct_sources
from ipscan.index.dist_plan import job_id
from ipscan.index.dist_plan import plan_shards
from ipscan.index.dist_plan import portable
from ipscan.index.dist_plan import source_record
from ipscan.index.dist_worker import Known
from ipscan.index.dist_worker import ShardTask
from ipscan.index.dist_worker import run_shard
from ipscan.index.reader import IndexReader
from ipscan.index.store import check_index_folder
from ipscan.sources.source_list import ListedSource

INSTALL_HINT = "pip install 'ipscan-code[distributed]'"
# A GPU worker parses on its CPU between batches: two shards share a GPU so it stays busy.
GPU_SHARE = 0.5
# How long a finished job waits for another build's writer lock before it gives up.
COMMIT_WAIT_S = 60.0
_SINGLE_NODE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# A task whose worker process died is run again this often (an exception is not retried).
_TASK_RETRIES = 2
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RaySettings:
    """Where and how a distributed build runs."""

    address: str | None = None  # None: a local Ray (or the one this process joined already)
    cpus: int | None = None  # a local Ray's CPUs (None: every core)
    shard_size: int = 0  # sources per shard (0: ``dist_plan.auto_shard_size``)
    device: str = "auto"  # each worker's encoder device ("auto": CUDA where it has a GPU)
    batch_size: int = 32
    commit_wait_s: float = COMMIT_WAIT_S


@dataclass
class JobReport:
    """What a distributed build did: the usual summary, and its shards."""

    summary: BuildSummary
    job_id: str
    shards: int
    ran: int  # shards run by this call
    reused: int  # shards a killed or failed run of the same job had finished


def import_ray(local: bool = False) -> ModuleType:
    """The ``ray`` module, or a usage error saying how to install it. ``local``: for a Ray
    started on this machine only, which then listens on 127.0.0.1 alone (nothing on the
    network reaches it, and it starts where only the loopback is up), when Ray is imported
    here for the first time."""
    if local and "ray" not in sys.modules:
        # Ray's switch for a one-machine Ray (read once, as Ray is imported): its processes
        # take the loopback address instead of the machine's.
        os.environ.setdefault(_SINGLE_NODE_ENV, "0")
    try:
        import ray
    except ImportError as exc:
        raise UsageError(f"--ray needs Ray: {INSTALL_HINT}") from exc
    return ray


def loopback_works() -> bool:
    """Whether this machine can talk to itself over TCP (a local Ray needs it; a network
    namespace without its loopback up, as CI's, has none)."""
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                return True
    except OSError:
        return False


def build_distributed(
    specs: Sequence[str | ListedSource],
    index_dir: Path,
    encoder: EncoderLike,
    settings: RaySettings | None = None,
    rev: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    progress: Progress | None = None,
    on_shard_done: Callable[[int], None] | None = None,
) -> JobReport:
    """Add ``specs`` to the index at ``index_dir`` with Ray workers (see the module's doc).

    ``encoder`` names the encoder the new segments record (workers load their own, which
    must match it). Sources the index holds (same origin or digest) are skipped, and a source
    that cannot be read is listed in the summary's ``failed`` as ``build_index`` does with
    ``keep_going``. A shard that fails, or a job that is stopped, leaves the index unchanged
    and its finished shards staged for a rerun. ``on_shard_done(k)`` is called as shard ``k``
    is recorded.
    """
    ray = import_ray()
    opts = settings or RaySettings()
    say = progress or (lambda _msg: None)
    check_index_folder(index_dir)
    index_dir = index_dir.absolute()  # the path every worker mounts the storage at
    items = distinct_sources([portable(s) for s in specs])
    # First: a Ray that cannot start leaves nothing behind.
    ray_up = connect_ray(ray, opts.address, opts.cpus)
    try:
        claim_folder(index_dir, opts.commit_wait_s)
        record, known = _snapshot(index_dir, encoder)
        content = {"rev": rev, "include": list(include), "exclude": list(exclude)}
        jid = job_id(index_dir, items, {**content, "encoder": record})
        folder = job_folder(index_dir, jid)
        with job_lock(folder):
            size = opts.shard_size or auto_shard_size(len(items), _slots(ray))
            job = _job(index_dir, folder, jid, items, size)
            reused = len(job.done)
            say(f"job {jid[:16]}: {len(job.shards)} shards, {reused} done before")
            base: ShardTask = {
                "shard": -1,
                "index": str(index_dir),
                "staging": str(folder),
                "sources": [],
                "encoder": record,
                "device": opts.device,
                "batch_size": opts.batch_size,
                "rev": rev,
                "include": list(include),
                "exclude": list(exclude),
            }
            ran, errors = _run_shards(ray, job, base, known, say, on_shard_done)
            if ray_up:  # the workers are done: free the machine before the commit
                ray.shutdown()
                ray_up = False
            if errors:
                raise IpscanIndexError(
                    f"{len(errors)} of {len(job.shards)} shards failed ({errors[0]}); the index "
                    f"is unchanged, the {len(job.done)} finished ones are kept in {folder}: "
                    "rerun the same command to run only the rest"
                )
            summary = _commit(index_dir, job, record, opts.commit_wait_s)
    finally:
        if ray_up:
            ray.shutdown()
    return JobReport(summary, jid, len(job.shards), ran, reused)


def _snapshot(index_dir: Path, encoder: EncoderLike) -> tuple[dict[str, Any], Known]:
    """The encoder record new segments carry, and what the index holds (read without the
    lock: a reader's view is consistent, and the commit checks the encoder again)."""
    if not (index_dir / layout.CURRENT).exists():
        return encoder_info(encoder), {"digests": [], "origins": []}
    with IndexReader(index_dir) as reader:
        check_encoder(reader.encoder_info, encoder, index_dir)
        check_extendable(reader.raw_scheme, index_dir)
        digests = {str(s["digest"]) for s in reader.sources if s.get("digest") is not None}
        origins = {str(s["origin"]) for s in reader.sources if s.get("origin") is not None}
        return dict(reader.encoder_info), {"digests": sorted(digests), "origins": sorted(origins)}


def connect_ray(ray: ModuleType, address: str | None, cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address``, or start a local one of ``cpus`` CPUs (None: every
    core); True when this call started or joined it (and so must shut it down). Also what
    ``ipscan dataset audit --ray`` connects with."""
    if ray.is_initialized():
        return False
    where = "start a local Ray" if address is None else f"connect to Ray at {address}"
    if address is None and not loopback_works():
        raise IpscanError(f"cannot {where}: this machine's loopback network (127.0.0.1) is down")
    try:
        if address is None:
            from ipscan.extract.parallel import available_cores

            ray.init(
                address="local",  # a new one, even where RAY_ADDRESS names a cluster
                num_cpus=cpus or available_cores(),
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
        else:
            ray.init(address=address, logging_level=logging.WARNING)
    except Exception as exc:  # Ray raises many kinds (ConnectionError, RuntimeError, ...)
        raise IpscanError(f"cannot {where}: {one_line(exc)}") from exc
    return True


def _slots(ray: ModuleType) -> int:
    """Shards the cluster runs at once."""
    resources = ray.cluster_resources()
    gpus = float(resources.get("GPU", 0))
    return int(gpus / GPU_SHARE) if gpus else max(1, int(resources.get("CPU", 1)))


def _job(
    index_dir: Path, folder: Path, jid: str, items: Sequence[ListedSource], shard_size: int
) -> Job:
    """The job as a killed run left it, or a new one (its shards are fixed from then on)."""
    job = load_job(folder, jid)
    if job is None:
        plan = plan_shards(items, shard_size)
        job = Job(jid, folder, [[source_record(items[i]) for i in shard] for shard in plan])
    clear_unrecorded(job)
    listed = listed_now(index_dir)
    for k, result in list(job.done.items()):
        # Staged, moved in by a commit that died, or live already: else built again.
        if not all(
            (folder / n).is_dir() or (index_dir / layout.SEGMENTS / n).is_dir() or n in listed
            for n in result["segments"]
        ):
            del job.done[k]
    job.save()
    return job


def _run_shards(
    ray: ModuleType,
    job: Job,
    base: ShardTask,
    known: Known,
    say: Progress,
    on_shard_done: Callable[[int], None] | None,
) -> tuple[int, list[str]]:
    """Run the job's pending shards as Ray tasks, recording each as it finishes; the number
    run and one line per shard that failed."""
    pending = job.pending()
    if not pending:
        return 0, []
    options: dict[str, Any] = {"num_cpus": 1, "max_retries": _TASK_RETRIES}
    if float(ray.cluster_resources().get("GPU", 0)) > 0:
        options["num_gpus"] = GPU_SHARE
    remote = ray.remote(run_shard).options(**options)
    known_ref = ray.put(known)  # once into the object store, not once per task
    refs = {
        remote.remote({**base, "shard": k, "sources": job.shards[k]}, known_ref): k for k in pending
    }
    n, errors = len(job.shards), []
    try:
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                k = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    errors.append(f"shard {k + 1}: {one_line(exc)}")
                    say(f"shard {k + 1}/{n} failed: {one_line(exc)}")
                    continue
                job.done[k] = {"segments": result["segments"], "summary": result["summary"]}
                job.save()
                done = result["summary"]
                say(
                    f"shard {k + 1}/{n} done on {result['host']} ({result['device']}, "
                    f"{result['seconds']:.1f} s): {len(done['added'])} added, "
                    f"{len(done['skipped'])} skipped, {len(done['failed'])} failed"
                )
                if on_shard_done is not None:
                    on_shard_done(k)
    except BaseException:
        for ref in refs:  # a stopped job leaves no task writing into its staging folder
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise
    return len(pending), errors


def _commit(index_dir: Path, job: Job, record: dict[str, Any], wait_s: float) -> BuildSummary:
    """Commit the finished job and remove its folder; the job's summary."""
    summary = BuildSummary(index_dir=str(index_dir))
    for k in sorted(job.done):
        add_summary(summary, job.done[k]["summary"])
    try:
        committed = commit_job(index_dir, job, record, wait_s)
    except LostSegments as exc:
        for k in exc.shards:
            job.done.pop(k, None)
        job.save()
        raise
    except IpscanIndexError as exc:
        raise IpscanIndexError(
            f"{exc}; the job's finished shards are kept: rerun the same command to commit them"
        ) from exc
    summary.total_units = committed.total_units
    remove_job(job)
    return summary


def one_line(exc: BaseException) -> str:
    """An error as one line: an ipscan error's own sentence, else its type and first line."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        exc = cause
    if isinstance(exc, IpscanError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__

"""Distributed build benchmark (issue #17): one set of sources indexed on one machine, then on
a local Ray with 1 and 2 workers (``ipscan index build --ray``), each cold.

Cold: every run is a new process that writes a new index with an empty embedding cache
(``IPSCAN_CACHE_DIR`` set to a new folder before Ray starts, so its workers get it too): each
run embeds every unit. A Ray run with N workers is pinned to N cores (CPU affinity, which Ray's
processes inherit), so "1 worker" means one core, as on a one-CPU Ray node: the encoder sizes
its thread pool by the cores it may use. The single-machine run has every core. A Ray run's
wall time includes starting and stopping the local Ray, as the command does; the start alone
is printed too. Each run is repeated (--repeat, in turns) and the fastest kept: the machine
may be shared. The default sources are sdist-shaped archives of installed distributions
(``ipscan.training.installed``): nothing is downloaded.

    .venv/bin/python bench/ray_build.py [--workers 1 2] [--repeat 3] [--json FILE]
        [--sources ARCHIVE_OR_FOLDER ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import machine_line

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Pure-Python packages of this environment's own dependencies, of uneven sizes (13 to 37
# files), so that balancing shards by size matters.
DEFAULT_DISTRIBUTIONS = [
    "click",
    "packaging",
    "jsonschema",
    "attrs",
    "GitPython",
    "pyparsing",
    "Jinja2",
    "h11",
]


def default_sources(dest: Path) -> list[str]:
    """sdist-shaped archives of ``DEFAULT_DISTRIBUTIONS`` (their Python files, tests left out)."""
    from ipscan.training.installed import make_sdist
    from ipscan.training.installed import package_modules

    return [str(make_sdist(dest, d, package_modules(d))) for d in DEFAULT_DISTRIBUTIONS]


def run_single(sources: list[str], work: Path) -> dict[str, Any]:
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.build import build_index
    from ipscan.index.progress import progress_embedder

    started = time.perf_counter()
    encoder = load_encoder(bulk_device("auto", BULK_TEXTS))
    embed = progress_embedder(encoder, 32, show=False)
    summary = build_index(sources, work / "index", encoder, embed)
    return {"wall_s": time.perf_counter() - started, "units": summary.units_added}


def run_ray(sources: list[str], work: Path, workers: int, shard_size: int) -> dict[str, Any]:
    from ipscan.encoder import load_encoder
    from ipscan.index.distributed import RaySettings
    from ipscan.index.distributed import build_distributed
    from ipscan.index.distributed import import_ray

    import_ray(local=True)  # as `--ray` without an address
    settings = RaySettings(cpus=workers, shard_size=shard_size)
    started = time.perf_counter()
    report = build_distributed(sources, work / "index", load_encoder("cpu"), settings)
    return {
        "wall_s": time.perf_counter() - started,
        "units": report.summary.units_added,
        "shards": report.shards,
    }


def ray_start_s() -> float:
    """Seconds to start and stop an empty local Ray (part of every Ray run's wall time)."""
    from ipscan.index.distributed import import_ray

    ray = import_ray(local=True)
    started = time.perf_counter()
    ray.init(address="local", num_cpus=1, include_dashboard=False, logging_level=logging.WARNING)
    ray.shutdown()
    return time.perf_counter() - started


def one_run(args: argparse.Namespace) -> None:
    """A single cold run in this process (the parent starts one per run); prints its JSON."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.work))
    os.environ["IPSCAN_CACHE_DIR"] = str(work / "cache")
    if args.one == "single":
        row = run_single(args.sources, work)
    elif args.one == "ray-start":
        row = {"wall_s": ray_start_s()}
    else:
        workers = int(args.one.removeprefix("ray"))
        cores = sorted(os.sched_getaffinity(0))[:workers]
        os.sched_setaffinity(0, cores)  # Ray and its workers inherit it
        row = run_ray(args.sources, work, workers, args.shard_size)
    print(json.dumps(row))


def cold_run(args: argparse.Namespace, run: str, sources: list[str], work: Path) -> dict[str, Any]:
    """One cold run of ``run`` in a new process."""
    cmd = [sys.executable, __file__, "--one", run, "--work", str(work)]
    cmd += ["--shard-size", str(args.shard_size), "--sources", *sources]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def measured(
    args: argparse.Namespace, runs: list[str], sources: list[str], work: Path
) -> dict[str, dict[str, Any]]:
    """The fastest of ``args.repeat`` cold runs of each of ``runs``, taken in turns (one of
    each, then again) so that a busy spell of a shared machine slows them alike."""
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for run in runs:
            row = cold_run(args, run, sources, work)
            if run not in best or row["wall_s"] < best[run]["wall_s"]:
                best[run] = row
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sources", nargs="+", help="archives or folders (default: see above)")
    parser.add_argument("--shard-size", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_run(args)
        return
    with tempfile.TemporaryDirectory(prefix="ipscan-ray-bench-") as tmp:
        work = Path(tmp)
        sources = [str(Path(s).resolve()) for s in args.sources or default_sources(work)]
        runs = ["single", *(f"ray{n}" for n in args.workers), "ray-start"]
        best = measured(args, runs, sources, work)
        rows = [{"run": "single machine", **best["single"]}]
        for n in args.workers:
            label = f"Ray, {n} worker{'s' if n > 1 else ''} ({n} core{'s' if n > 1 else ''})"
            rows.append({"run": label, **best[f"ray{n}"]})
        start = best["ray-start"]["wall_s"]
    base = rows[0]["wall_s"]
    one = next((r["wall_s"] for r in rows[1:] if r["run"].startswith("Ray, 1 ")), None)
    print(machine_line())
    print(
        f"{len(sources)} sources, {rows[0]['units']} units; best of {args.repeat} cold runs; "
        f"an empty local Ray starts and stops in {start:.1f} s"
    )
    print(f"{'run':<30}{'wall s':>8}{'units/s':>9}{'vs single':>11}{'vs 1 worker':>13}")
    for row in rows:
        row["units_per_s"] = row["units"] / row["wall_s"]
        row["speedup"] = base / row["wall_s"]
        vs_one = f"{one / row['wall_s']:.2f}" if one and row is not rows[0] else "-"
        print(
            f"{row['run']:<30}{row['wall_s']:>8.1f}{row['units_per_s']:>9.1f}"
            f"{row['speedup']:>11.2f}{vs_one:>13}"
        )
    if len({row["units"] for row in rows}) != 1:
        print("warning: the runs indexed different numbers of units", file=sys.stderr)
    if args.json:
        doc = {"machine": machine_line(), "ray_start_s": start, "runs": rows}
        args.json.write_text(json.dumps(doc, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

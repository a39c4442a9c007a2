"""Scale benchmark (issue #17): synthetic indexes tiled from the default index, measured cold.

Each size is the default index repeated k times with every copy made distinct (fingerprint
hashes and digests XORed with a per-copy 64-bit key, ids shifted, sources renamed, vectors
perturbed), written with ``write_index``. Every measurement runs in a new process: index write,
open, ``ipscan check`` of 5 staged files (planted copies of default-index code and original
code), ``ipscan repo`` of about 1,000 standard-library units. Peak RSS comes from ``wait4``
(what ``/usr/bin/time -v`` reports). The page cache is not dropped (that needs root), so
"cold" means a new process reading a just-written index from memory.

    .venv/bin/python bench/scale.py --units 100000 1000000 [--keep DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import io
import json
import math
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
from machine import cpu_model
from machine import machine_line

REPO = Path(__file__).resolve().parent.parent
# Set when the bench re-runs itself on an exported revision: where that code lies.
EXPORT_ENV = "IPSCAN_SCALE_CODE"


def exported(rev: str) -> Path:
    """``ipscan/`` and ``models/`` of commit ``rev``, unpacked into a temporary folder."""
    where = Path(tempfile.mkdtemp(prefix="ipscan-scale-code-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "ipscan", "models"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def run_exported_rev() -> None:
    """With ``--rev``, run again on that commit's ipscan, before any ipscan import: the work
    tree may be half-edited by others."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--rev")
    rev = pre.parse_known_args()[0].rev
    if rev and EXPORT_ENV not in os.environ:
        code = exported(rev)
        path = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, EXPORT_ENV: str(code), "PYTHONPATH": path}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


if __name__ == "__main__":
    run_exported_rev()

import ipscan  # noqa: E402
from ipscan.extract.analyze import AnalyzedFile  # noqa: E402
from ipscan.extract.analyze import analyze_bytes  # noqa: E402
from ipscan.index import layout  # noqa: E402
from ipscan.index.open import index_location  # noqa: E402
from ipscan.index.reader import IndexReader  # noqa: E402
from ipscan.index.store import IndexContents  # noqa: E402
from ipscan.index.store import publish_segments  # noqa: E402
from ipscan.index.store import write_index  # noqa: E402
from ipscan.index.store import write_segment  # noqa: E402
from ipscan.index.store import writer_lock  # noqa: E402
from ipscan.training.code_corpus import stdlib_files  # noqa: E402

SEED = 17
REPO_UNITS = 1000

# --- The synthetic index ---------------------------------------------------------------------


def copy_key(copy: int) -> np.uint64:
    """A 64-bit key per copy (splitmix64 of the copy number); copy 0 keeps the real values."""
    if copy == 0:
        return np.uint64(0)
    z = (copy * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return np.uint64(z ^ (z >> 31))


def nearest_cosine(vectors: np.ndarray, sample: int = 10_000, chunk: int = 20_000) -> float:
    """Median cosine of each real vector (a fixed sample of a large base) to its nearest other."""
    rows = np.arange(len(vectors))
    if len(rows) > sample:
        rows = np.sort(np.random.default_rng(SEED).choice(len(rows), sample, replace=False))
    best = np.full(len(rows), -1.0, dtype=np.float32)
    for lo in range(0, len(vectors), chunk):
        sims = vectors[rows] @ vectors[lo : lo + chunk].T
        own = (rows >= lo) & (rows < lo + chunk)
        sims[np.flatnonzero(own), rows[own] - lo] = -1.0
        best = np.maximum(best, sims.max(axis=1))
    return float(np.median(best))


def shared_rows(hashes: np.ndarray, owners: np.ndarray, min_df: int) -> np.ndarray:
    """Rows whose hash is posted for ``min_df`` or more distinct owners (0: none)."""
    if min_df <= 0 or not len(hashes):
        return np.zeros(len(hashes), dtype=bool)
    pairs = np.unique(np.stack([hashes, owners.astype(np.uint64)], axis=1), axis=0)
    uniq, df = np.unique(pairs[:, 0], return_counts=True)
    common = uniq[df >= min_df]
    return np.isin(hashes, common)


def renamed_source(source: dict[str, Any], copy: int) -> dict[str, Any]:
    """A copy's source record: its own name, version and archive digest."""
    if copy == 0:
        return dict(source)
    name, version = str(source.get("name", "")), str(source.get("version", ""))
    new_name, new_version = f"{name}.tile{copy}", f"{version}.tile{copy}"
    origin = str(source.get("origin", ""))
    if f"{name}-{version}" in origin:
        origin = origin.replace(f"{name}-{version}", f"{new_name}-{new_version}")
    else:
        origin = f"{origin}#tile{copy}"
    digest = hashlib.sha256(f"{source.get('digest', '')}/tile{copy}".encode()).hexdigest()
    return {**source, "name": new_name, "version": new_version, "origin": origin, "digest": digest}


def tile(
    base: IndexContents, n_units: int, target_cos: float, shared_df: int, first_copy: int = 0
) -> IndexContents:
    """``base`` repeated until it holds ``n_units`` units, every copy distinct (see module doc);
    the copies are numbered from ``first_copy`` (one segment of a larger index starts where the
    one before it ended; ids stay local to the segment).

    Vectors of copy c > 0 are the real ones plus Gaussian noise, renormalized, with a cosine of
    about ``target_cos`` to the original. Hashes posted for ``shared_df`` or more units of the
    base stay unchanged in every copy (boilerplate shared across packages); 0 perturbs all.
    """
    nb, nf, ns = len(base.units), len(base.files), len(base.sources)
    copies = math.ceil(n_units / nb)
    kept = [min(nb, n_units - c * nb) for c in range(copies)]
    dim = base.vectors.shape[1]
    sigma = math.sqrt(max(1.0 / target_cos**2 - 1.0, 0.0) / dim)
    post_shared = shared_rows(base.postings["hash"], base.postings["unit"], shared_df)
    struct_shared = shared_rows(
        base.structure_postings["hash"], base.structure_postings["unit"], shared_df
    )
    file_shared = shared_rows(base.file_postings["hash"], base.file_postings["file"], shared_df)

    def rows_below(array: np.ndarray, column: str, limit: int) -> np.ndarray:
        return array if limit == nb else array[array[column] < limit]

    def n_rows(array: np.ndarray, column: str) -> int:
        return sum(len(rows_below(array, column, k)) for k in kept)

    units = np.empty(n_units, dtype=base.units.dtype)
    vectors = np.empty((n_units, dim), dtype=np.float32)
    postings = np.empty(n_rows(base.postings, "unit"), dtype=base.postings.dtype)
    structure = np.empty(
        n_rows(base.structure_postings, "unit"), dtype=base.structure_postings.dtype
    )
    file_keys = np.empty(len(base.file_keys) * copies, dtype=base.file_keys.dtype)
    file_postings = np.empty(len(base.file_postings) * copies, dtype=base.file_postings.dtype)
    sources: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    names: list[str] = []
    at_post = at_struct = 0
    for c, k in enumerate(kept):
        key = copy_key(first_copy + c)
        lo = c * nb
        block = units[lo : lo + k]
        block[:] = base.units[:k]
        block["file"] += np.uint32(c * nf)
        block["digest"] ^= key
        names.extend(base.unit_names[:k])
        if first_copy + c == 0:
            vectors[:k] = base.vectors[:k]
        else:
            rng = np.random.default_rng([SEED, first_copy + c])
            noisy = base.vectors[:k] + np.float32(sigma) * rng.standard_normal(
                (k, dim), dtype=np.float32
            )
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            vectors[lo : lo + k] = noisy
        at_post = _place(postings, at_post, base.postings, post_shared, k, nb, key, "unit", lo)
        at_struct = _place(
            structure, at_struct, base.structure_postings, struct_shared, k, nb, key, "unit", lo
        )
        fk = file_keys[c * len(base.file_keys) : (c + 1) * len(base.file_keys)]
        fk[:] = base.file_keys
        fk["file"] += np.uint32(c * nf)
        fk["text_digest"] ^= key
        fk["code_digest"] ^= key
        fp = file_postings[c * len(base.file_postings) : (c + 1) * len(base.file_postings)]
        fp[:] = base.file_postings
        fp["hash"] ^= np.where(file_shared, np.uint64(0), key)
        fp["file"] += np.uint32(c * nf)
        sources.extend(renamed_source(s, first_copy + c) for s in base.sources)
        files.extend({**f, "source": int(f["source"]) + c * ns} for f in base.files)
    return IndexContents(
        encoder=dict(base.encoder),
        sources=sources,
        files=files,
        units=units,
        unit_names=names,
        postings=postings,
        vectors=vectors,
        file_keys=file_keys,
        file_postings=file_postings,
        structure_postings=structure,
    )


def _place(
    out: np.ndarray,
    at: int,
    base: np.ndarray,
    shared: np.ndarray,
    k: int,
    nb: int,
    key: np.uint64,
    column: str,
    offset: int,
) -> int:
    """Write one copy of ``base`` postings (units below ``k``) at row ``at``; the next row."""
    keep = slice(None) if k == nb else base[column] < k
    rows = base[keep]
    block = out[at : at + len(rows)]
    block[:] = rows
    block["hash"] ^= np.where(shared[keep], np.uint64(0), key)
    block[column] += np.uint32(offset)
    return at + len(rows)


def child_build(
    index_dir: Path, n_units: int, shared_df: int, base_dir: Path, segment_units: int
) -> dict[str, Any]:
    """Make and write the synthetic index (run in its own process): one generation up to
    ``segment_units`` units, else segments of that many units each (as a build adds them), so
    memory stays that of one segment."""
    t0 = time.perf_counter()
    with IndexReader(base_dir) as reader:
        base = reader.contents()
    t1 = time.perf_counter()
    target = nearest_cosine(base.vectors)
    tile_s = write_s = 0.0
    totals = dict.fromkeys(
        ("postings", "structure_postings", "file_postings", "files", "sources"), 0
    )
    per_segment = max(len(base.units), segment_units // len(base.units) * len(base.units))
    names: list[str] = []
    with writer_lock(index_dir):
        for lo in range(0, n_units, per_segment):
            t = time.perf_counter()
            contents = tile(
                base, min(per_segment, n_units - lo), target, shared_df, lo // len(base.units)
            )
            tile_s += time.perf_counter() - t
            t = time.perf_counter()
            if n_units <= per_segment:
                write_index(index_dir, contents)
            else:
                names.append(write_segment(index_dir / layout.SEGMENTS, contents))
            write_s += time.perf_counter() - t
            for key in totals:
                totals[key] += len(getattr(contents, key))
            del contents
        if names:
            t = time.perf_counter()
            publish_segments(index_dir, names, dict(base.encoder))
            write_s += time.perf_counter() - t
    return {
        "read_base_s": round(t1 - t0, 3),
        "tile_s": round(tile_s, 3),
        "write_s": round(write_s, 3),
        "segments": max(1, len(names)),
        "vector_copy_cosine": round(target, 4),
        **totals,
    }


def child_open(index_dir: Path) -> dict[str, Any]:
    """Time opening the index as a scan does, with every file hashed, and loading FAISS."""
    t0 = time.perf_counter()
    IndexReader(index_dir).close()  # the reader's default, what `ipscan check` uses
    t1 = time.perf_counter()
    IndexReader(index_dir, verify=True).close()
    t2 = time.perf_counter()
    with IndexReader(index_dir, verify=False) as reader:
        t3 = time.perf_counter()
        for seg in reader.segments:
            seg.vector_store  # noqa: B018 - the load is what is timed
        t4 = time.perf_counter()
    return {
        "open_s": round(t1 - t0, 4),
        "open_verify_s": round(t2 - t1, 4),
        "open_noverify_s": round(t3 - t2, 4),
        "faiss_load_s": round(t4 - t3, 4),
    }


# --- Processes, measured ---------------------------------------------------------------------


@dataclass
class Run:
    """One finished child process: wall time, peak RSS (MB), exit status, output."""

    wall_s: float
    rss_mb: float
    rc: int
    out: str
    err: str


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to its end; peak RSS from wait4, as /usr/bin/time -v reports it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall_s=wall,
            rss_mb=usage.ru_maxrss / 1024,
            rc=proc.returncode,
            out=out.read().decode("utf-8", "replace"),
            err=err.read().decode("utf-8", "replace"),
        )


def checked(result: Run, what: str, ok: tuple[int, ...] = (0,)) -> Run:
    """``result``, or exit with what failed."""
    if result.rc not in ok:
        raise SystemExit(f"{what} failed (exit {result.rc}): {result.err.strip()[-2000:]}")
    return result


def best(runs: list[Run]) -> dict[str, Any]:
    """Fastest wall time and the largest peak RSS of repeated runs."""
    return {
        "wall_s": round(min(r.wall_s for r in runs), 3),
        "rss_mb": round(max(r.rss_mb for r in runs), 1),
        "walls": [round(r.wall_s, 3) for r in runs],
    }


def ipscan_cmd() -> list[str]:
    """The console script next to this Python, as a user runs it."""
    script = Path(sys.executable).parent / "ipscan"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ipscan.cli"]


def scan_env() -> dict[str, str]:
    """The environment of every scan: no embedding cache, no colour, no IPSCAN_INDEX."""
    env = {k: v for k, v in os.environ.items() if k != "IPSCAN_INDEX"}
    return {**env, "IPSCAN_NO_CACHE": "1", "NO_COLOR": "1"}


# --- Queries: planted copies and original code --------------------------------------------------

# (query file, package folder in site-packages, its name in the default index, how it is
# planted, [(module path in the package, top-level function)]). Versions differ from the
# indexed ones, so only functions that did not change between them are detected.
PLANTS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    (
        "app/console.py",
        "click",
        "click",
        "verbatim",
        [
            ("_compat.py", "_make_text_stream"),
            ("utils.py", "make_str"),
            ("utils.py", "get_app_dir"),
            ("formatting.py", "measure_table"),
            ("formatting.py", "join_options"),
        ],
    ),
    (
        "app/model.py",
        "attr",
        "attrs",
        "edited",
        [
            ("_make.py", "_is_class_var"),
            ("_make.py", "evolve"),
            ("_cmp.py", "_make_operator"),
            ("validators.py", "matches_re"),
        ],
    ),
    (
        "app/paths.py",
        "pathspec",
        "pathspec",
        "verbatim",
        [
            ("util.py", "match_file"),
            ("util.py", "register_pattern"),
            ("util.py", "normalize_file"),
        ],
    ),
]

ORIGINAL_STATS = '''"""Small statistics over numeric rows."""

from __future__ import annotations

import math


def rolling_mean(values: list[float], window: int) -> list[float]:
    """Mean of each run of ``window`` consecutive values."""
    if window <= 0:
        raise ValueError("window must be positive")
    out: list[float] = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        if i + 1 >= window:
            out.append(total / window)
    return out


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    pos = (len(sorted_values) - 1) * min(max(q, 0.0), 1.0)
    below = math.floor(pos)
    above = min(below + 1, len(sorted_values) - 1)
    frac = pos - below
    return sorted_values[below] * (1.0 - frac) + sorted_values[above] * frac


def bucket_counts(values: list[float], edges: list[float]) -> dict[str, int]:
    """How many values fall between each pair of neighbouring edges."""
    counts = {f"{lo:g}-{hi:g}": 0 for lo, hi in zip(edges, edges[1:])}
    for value in values:
        for lo, hi in zip(edges, edges[1:]):
            if lo <= value < hi:
                counts[f"{lo:g}-{hi:g}"] += 1
                break
    return counts


def describe(rows: list[dict[str, float]], column: str) -> dict[str, float]:
    """Count, mean, spread and median of one column of ``rows``."""
    data = sorted(row[column] for row in rows if column in row)
    if not data:
        return {"count": 0.0}
    mean = sum(data) / len(data)
    spread = math.sqrt(sum((x - mean) ** 2 for x in data) / max(len(data) - 1, 1))
    return {"count": float(len(data)), "mean": mean, "sd": spread, "median": quantile(data, 0.5)}
'''

ORIGINAL_JOBS = '''"""Retrying jobs with a growing pause between tries."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class RetryPlan:
    """How often and how patiently a job is tried again."""

    tries: int = 4
    first_pause: float = 0.5
    factor: float = 2.0
    ceiling: float = 30.0

    def pauses(self, jitter: float = 0.1) -> list[float]:
        """The pause before each retry, capped, with some jitter."""
        out = []
        pause = self.first_pause
        for _ in range(self.tries - 1):
            spread = pause * jitter
            out.append(min(self.ceiling, pause + random.uniform(-spread, spread)))
            pause *= self.factor
        return out


def run_job(job: Callable[[], str], plan: RetryPlan, retry_on: tuple[type, ...]) -> str:
    """Run ``job`` until it returns, retrying the listed errors as the plan allows."""
    pauses = plan.pauses()
    for attempt in range(plan.tries):
        try:
            return job()
        except retry_on as exc:
            if attempt == plan.tries - 1:
                raise RuntimeError(f"gave up after {plan.tries} tries: {exc}") from exc
            time.sleep(pauses[attempt])
    raise AssertionError("unreachable")


def parse_schedule(field: str, low: int, high: int) -> list[int]:
    """The values a cron-like field ('*/15', '1-5', '3,7') selects between low and high."""
    chosen: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, stop = low, high
        elif "-" in part:
            start_text, stop_text = part.split("-", 1)
            start, stop = int(start_text), int(stop_text)
        else:
            start = stop = int(part)
        if start < low or stop > high or step <= 0:
            raise ValueError(f"{field!r} is out of range {low}-{high}")
        chosen.update(range(start, stop + 1, step))
    return sorted(chosen)
'''

ORIGINAL_PATH_HELPER = '''

def common_root(paths: list[str]) -> str:
    """The longest folder every POSIX path in ``paths`` lies under ('' when none)."""
    if not paths:
        return ""
    split = [p.strip("/").split("/")[:-1] for p in paths]
    root: list[str] = []
    for parts in zip(*split):
        if any(part != parts[0] for part in parts):
            break
        root.append(parts[0])
    return "/".join(root)
'''


@dataclass
class Planted:
    """A planted function: where it sits in the query file, and the source it must name."""

    path: str
    name: str
    start_line: int
    end_line: int
    package: str
    version: str


@dataclass
class Queries:
    """The staged query repository and what was planted in it."""

    root: Path
    files: list[str]
    planted: list[Planted] = field(default_factory=list)
    original: list[tuple[str, int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def package_dir(folder: str) -> Path | None:
    """Where an installed package lives (never pip's or setuptools' own trees)."""
    if folder in ("pip", "setuptools") or folder.startswith("_"):
        return None
    spec = importlib.util.find_spec(folder)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def function_text(path: Path, name: str) -> str | None:
    """The source of top-level function ``name`` of ``path`` (decorators included)."""
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = text.splitlines()[first - 1 : node.end_lineno]
            return "\n".join(lines) + "\n"
    return None


def lightly_edited(text: str) -> str:
    """Rename the function and its parameters, and add one statement at the top of its body."""
    tree = ast.parse(text)
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    renames = {p: f"{p.strip('_')}_arg" for p in params if p not in ("self", "cls")}
    renames[node.name] = f"{node.name.strip('_')}_local"
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    # Names used inside f-strings (one STRING token in 3.11) keep theirs, so the code still runs.
    for tok in tokens:
        if tok.type == tokenize.STRING and tok.string[:2].lower() in ("f'", 'f"', "rf", "fr"):
            renames = {k: v for k, v in renames.items() if not re.search(rf"\b{k}\b", tok.string)}
    lines = text.splitlines()
    edits: list[tuple[int, int, int, str]] = []
    previous = ""
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string in renames and previous != ".":
            edits.append((tok.start[0], tok.start[1], tok.end[1], renames[tok.string]))
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = tok.string
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    body = node.body
    first = body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    anchor = body[1] if is_doc and len(body) > 1 else first
    at = anchor.lineno - 1
    indent = re.match(r"\s*", lines[at])
    pad = indent.group(0) if indent else "    "
    lines[at:at] = [f"{pad}# adapted for our models", f"{pad}trace_name = __name__"]
    return "\n".join(lines) + "\n"


def indexed_versions(base_dir: Path) -> dict[str, str]:
    """Package name → version, as the base index records its sources."""
    with IndexReader(base_dir, verify=False) as reader:
        return {str(s["name"]): str(s["version"]) for s in reader.sources}


def git(root: Path, *args: str) -> None:
    """Run git in ``root`` with a fixed identity."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def stage_queries(root: Path, n_files: int, base_dir: Path) -> Queries:
    """Write the query files into a new git repository and stage them (not committed)."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    versions = indexed_versions(base_dir)
    queries = Queries(root=root, files=[])
    texts: dict[str, str] = {}
    spans: dict[str, list[tuple[str, str, str, int, int]]] = {}
    for rel, folder, indexed_as, how, functions in PLANTS:
        where = package_dir(folder)
        # An index built from the installed folder names the source after the folder.
        package = indexed_as if indexed_as in versions else folder
        if where is None or package not in versions:
            queries.notes.append(f"{package}: not installed or not indexed; {rel} left out")
            continue
        text = f'"""Helpers ({how} from {package}, planted by bench/scale.py)."""\n'
        found: list[tuple[str, str, str, int, int]] = []
        for module, name in functions:
            fn = function_text(where / module, name) if (where / module).is_file() else None
            if fn is None:
                queries.notes.append(f"{package}: {module}:{name} not found in the installed one")
                continue
            if how == "edited":
                fn = lightly_edited(fn)
            text += "\n\n"
            start = text.count("\n") + 1
            text += fn
            found.append((package, versions[package], name, start, text.count("\n")))
        if rel == "app/paths.py":
            start = text.count("\n") + 3
            text += ORIGINAL_PATH_HELPER
            queries.original.append((rel, start, text.count("\n")))
        texts[rel] = text
        spans[rel] = found
    for rel, text in (("app/stats.py", ORIGINAL_STATS), ("app/jobs.py", ORIGINAL_JOBS)):
        texts[rel] = text
        queries.original.append((rel, 1, text.count("\n")))
    order = ["app/console.py", "app/stats.py", "app/model.py", "app/paths.py", "app/jobs.py"]
    chosen = [rel for rel in order if rel in texts][:n_files]
    for rel in chosen:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(texts[rel], encoding="utf-8")
        for package, version, name, start, end in spans.get(rel, []):
            queries.planted.append(Planted(rel, name, start, end, package, version))
    queries.original = [o for o in queries.original if o[0] in chosen]
    queries.files = chosen
    git(root, "add", "-A")
    return queries


def stdlib_repo(root: Path, units: int) -> tuple[int, int]:
    """A committed git repository of standard-library modules holding about ``units`` units."""
    root.mkdir(parents=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(stdlib_files(), key=lambda p: hashlib.sha256(p.name.encode()).digest())
    total = n_files = 0
    for path in files:
        data = path.read_bytes()
        if len(data) > 100_000:
            continue
        rel = path.relative_to(stdlib).as_posix()
        analyzed = analyze_bytes(rel, data)
        if not isinstance(analyzed, AnalyzedFile) or not analyzed.units:
            continue
        target = root / "lib" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(analyzed.units)
        n_files += 1
        if total >= units:
            break
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "stdlib slice")
    return n_files, total


# --- Recall -----------------------------------------------------------------------------------


def recall(report: dict[str, Any], queries: Queries) -> dict[str, Any]:
    """Planted functions found with the right source; findings on other sources or originals."""

    def overlaps(f: dict[str, Any], path: str, start: int, end: int) -> bool:
        return bool(f["path"] == path and f["start_line"] <= end and f["end_line"] >= start)

    # File-level findings cover whole files, planted and original lines alike: counted apart.
    every = report.get("findings", [])
    findings = [f for f in every if f.get("scope", "unit") != "file"]
    hit = wrong = 0
    missed: list[str] = []
    for p in queries.planted:
        near = [f for f in findings if overlaps(f, p.path, p.start_line, p.end_line)]
        right = [
            f
            for f in near
            if f["source"]["package"] == p.package and f["source"]["version"] == p.version
        ]
        hit += bool(right)
        wrong += len(near) - len(right)
        if not right:
            missed.append(f"{p.path}:{p.name}")
    originals = sum(
        1 for f in findings for path, s, e in queries.original if overlaps(f, path, s, e)
    )
    return {
        "planted": len(queries.planted),
        "found": hit,
        "recall": round(hit / len(queries.planted), 3) if queries.planted else None,
        "wrong_source_findings": wrong,
        "findings_on_original_code": originals,
        "missed": missed,
        "findings": len(every),
        "file_level_findings": len(every) - len(findings),
    }


# --- One size, measured ------------------------------------------------------------------------


def disk_usage(index_dir: Path) -> dict[str, int]:
    """Bytes of every file under the index folder (all generations and segments it holds)."""
    return {
        p.relative_to(index_dir).as_posix(): p.stat().st_size
        for p in sorted(index_dir.rglob("*"))
        if p.is_file()
    }


def scan_check(index_dir: Path, queries: Queries, embeddings: bool, out: Path) -> Run:
    """One `ipscan check --all-units` of the staged query files."""
    cmd = [*ipscan_cmd(), "check", "--index", str(index_dir), "--all-units", "-q"]
    cmd += ["--format", "json", "-o", str(out)]
    if not embeddings:
        cmd.append("--no-embeddings")
    return checked(run([*cmd, *queries.files], cwd=queries.root, env=scan_env()), "check", (0, 1))


def scan_repo(index_dir: Path, root: Path, out: Path) -> Run:
    """One `ipscan repo` of the standard-library slice."""
    cmd = [*ipscan_cmd(), "repo", str(root), "--index", str(index_dir), "-q"]
    cmd += ["--format", "json", "-o", str(out)]
    return checked(run(cmd, cwd=root, env=scan_env()), "repo", (0, 1))


def add_source(index_dir: Path, source: Path, work: Path) -> dict[str, Any]:
    """Issue #17's "adding one package costs what the package costs": ``source`` added to
    ``index_dir`` and, in the same way, to an empty index. The source is added to the big
    index for good (a new segment): measure this last."""
    empty = work / "add-empty"
    shutil.rmtree(empty, ignore_errors=True)
    runs = {}
    for name, target in (("empty_index", empty), ("this_index", index_dir)):
        cmd = [*ipscan_cmd(), "index", "build", str(source), "--index", str(target), "-q"]
        runs[name] = checked(run(cmd, env=scan_env()), f"add {name}")
    shutil.rmtree(empty, ignore_errors=True)
    return {
        "source": source.name,
        "empty_index_s": round(runs["empty_index"].wall_s, 2),
        "this_index_s": round(runs["this_index"].wall_s, 2),
        "this_index_rss_mb": round(runs["this_index"].rss_mb, 1),
    }


def measure(
    label: str,
    index_dir: Path,
    queries: Queries,
    stdlib: Path,
    work: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Every figure of one index: disk, open, check with and without embeddings, repo, recall."""
    me = [sys.executable, str(Path(__file__).resolve())]
    row: dict[str, Any] = {"label": label}
    with IndexReader(index_dir, verify=False) as reader:
        row["units"] = reader.n_units
        row["segments"] = len(reader.segments)
    sizes = disk_usage(index_dir)
    row["disk_bytes"] = sum(sizes.values())
    row["bytes_per_unit"] = round(row["disk_bytes"] / row["units"], 1)
    row["disk_files"] = sizes
    opens = [
        checked(run([*me, "--child-open", str(index_dir)]), "open") for _ in range(args.repeat)
    ]
    times = [json.loads(o.out) for o in opens]
    row["open"] = {k: min(t[k] for t in times) for k in times[0]}
    row["open"]["process_rss_mb"] = round(max(o.rss_mb for o in opens), 1)
    out = work / f"check-{label}.json"
    for embeddings in (True, False):
        runs = [scan_check(index_dir, queries, embeddings, out) for _ in range(args.repeat)]
        key = "check" if embeddings else "check_no_embeddings"
        row[key] = best(runs)
        report = json.loads(out.read_text(encoding="utf-8"))
        row[key]["recall"] = recall(report, queries)
        row[key]["units_scanned"] = report["summary"]["units_scanned"]
    repo_out = work / f"repo-{label}.json"
    runs = [scan_repo(index_dir, stdlib, repo_out) for _ in range(args.repo_repeat)]
    row["repo"] = best(runs)
    repo_report = json.loads(repo_out.read_text(encoding="utf-8"))
    row["repo"]["units_scanned"] = repo_report["summary"]["units_scanned"]
    row["repo"]["findings"] = repo_report["summary"]["findings"]
    return row


def profiled(index_dir: Path, queries: Queries, stdlib: Path, work: Path) -> list[str]:
    """cProfile of one `ipscan check` and one `ipscan repo`, with embeddings: the top costs."""
    base = [sys.executable, "-m", "cProfile", "-o", str(work / "scan.prof"), "-m", "ipscan.cli"]
    tail = ["--index", str(index_dir), "-q", "--format", "json", "-o", str(work / "prof.json")]
    jobs = [
        ("check", [*base, "check", "--all-units", *tail, *queries.files], queries.root),
        # Never the repository root as the working folder: `-m` would import its ipscan/.
        ("repo", [*base, "repo", str(stdlib), *tail], work),
    ]
    lines: list[str] = []
    for what, cmd, cwd in jobs:
        result = checked(run(cmd, cwd=cwd, env=scan_env()), f"profiled {what}", (0, 1))
        lines.append(f"=== ipscan {what} under cProfile: {result.wall_s:.2f} s ===")
        for order in ("cumulative", "tottime"):
            text = io.StringIO()
            stats = pstats.Stats(str(work / "scan.prof"), stream=text)
            stats.sort_stats(order).print_stats(20 if order == "tottime" else 30)
            body = text.getvalue().splitlines()
            lines += [f"--- {what}, by {order} ---", *(b for b in body if b.strip())]
    return lines


# --- Output ------------------------------------------------------------------------------------


def git_state(rev: str | None) -> dict[str, Any]:
    """The commit measured, and whether the work tree had changes when the bench ran."""

    def out(*args: str) -> str:
        res = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return res.stdout.strip()

    changed = [line for line in out("status", "--porcelain").splitlines() if line]
    code = Path(ipscan.__file__).resolve().parent
    return {
        "head": out("rev-parse", "HEAD"),
        "measured_rev": out("rev-parse", rev) if rev else None,
        "dirty": bool(changed),
        "changed_paths": changed,
        "ipscan_code": f"{code} (git archive of {rev})" if rev else str(code),
    }


def tables(rows: list[dict[str, Any]]) -> str:
    """The two markdown tables: index size and open, then scans."""
    out = [
        "| index | units | segments | disk MB | bytes/unit | write s | build RSS MB | open s | "
        "open s (sha256 all) | vectors load s | open RSS MB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        b = r.get("build", {})
        o = r["open"]
        out.append(
            f"| {r['label']} | {r['units']:,} | {r.get('segments', 1)} | "
            f"{r['disk_bytes'] / 1e6:,.0f} | "
            f"{r['bytes_per_unit']:,.0f} | {_num(b.get('write_s'))} | {_num(b.get('rss_mb'), 0)} | "
            f"{o['open_s']:.3f} | {o['open_verify_s']:.3f} | {o['faiss_load_s']:.3f} | "
            f"{o['process_rss_mb']:,.0f} |"
        )
    out += [
        "",
        "| index | check s | check RSS MB | check s (no emb.) | RSS MB (no emb.) | recall | "
        "wrong source | on original code | repo s | repo units | repo RSS MB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        c, n, p = r["check"], r["check_no_embeddings"], r["repo"]
        rc = c["recall"]
        out.append(
            f"| {r['label']} | {c['wall_s']:.2f} | {c['rss_mb']:,.0f} | {n['wall_s']:.2f} | "
            f"{n['rss_mb']:,.0f} | {rc['found']}/{rc['planted']} "
            f"(no emb. {n['recall']['found']}) | {rc['wrong_source_findings']} | "
            f"{rc['findings_on_original_code']} | {p['wall_s']:.1f} | {p['units_scanned']:,} | "
            f"{p['rss_mb']:,.0f} |"
        )
    return "\n".join(out)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


# --- Main ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--units", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--keep", type=Path, help="keep the synthetic indexes in this folder")
    ap.add_argument("--queries", type=int, default=5, help="query files to check (1-5)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each open and check (best)")
    ap.add_argument("--repo-repeat", type=int, default=2, help="runs of the repo scan (best)")
    ap.add_argument(
        "--shared-df",
        type=int,
        default=0,
        help="hashes in this many base units or "
        "more stay shared by every copy (0: every copy distinct)",
    )
    ap.add_argument(
        "--profile", action="store_true", help="cProfile a check and a repo scan at the top size"
    )
    ap.add_argument("--no-default", action="store_true", help="skip the default index row")
    ap.add_argument(
        "--add-source",
        type=Path,
        help="after measuring, time adding this source (an sdist) to each index and to an "
        "empty one (it stays in the index)",
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure an index already in the --keep folder (built by an earlier run) again",
    )
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument(
        "--base",
        type=Path,
        help="tile this index instead of the default one (its sources name the plants' packages)",
    )
    ap.add_argument(
        "--rev",
        help="measure the ipscan of this commit (git archive into /tmp), not the work tree",
    )
    ap.add_argument("--child-build", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--child-units", type=int, help=argparse.SUPPRESS)
    ap.add_argument(
        "--segment-units",
        type=int,
        default=1_000_000,
        help="larger indexes are written as segments of this many units (a build's memory)",
    )
    ap.add_argument("--child-open", type=Path, help=argparse.SUPPRESS)
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    if args.child_build is not None:
        base = args.base or index_location(None)
        made = child_build(
            args.child_build, args.child_units, args.shared_df, base, args.segment_units
        )
        print(json.dumps(made))
        return
    if args.child_open is not None:
        print(json.dumps(child_open(args.child_open)))
        return
    if not 1 <= args.queries <= 5:
        raise SystemExit("--queries takes 1 to 5 files")
    if args.rev and EXPORT_ENV not in os.environ:
        code = exported(args.rev)
        path = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, EXPORT_ENV: str(code), "PYTHONPATH": path}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    try:
        bench(args)
    finally:
        if EXPORT_ENV in os.environ and args.rev:
            shutil.rmtree(os.environ[EXPORT_ENV], ignore_errors=True)


def bench(args: argparse.Namespace) -> None:
    """Measure the default index and every size of ``args.units``; print and save the tables."""
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "machine": machine_line(),
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **git_state(args.rev),
        "shared_df": args.shared_df,
        "load_average": os.getloadavg(),
    }
    print(meta["machine"], flush=True)
    print(f"HEAD {meta['head']} ({'dirty' if meta['dirty'] else 'clean'} tree)", flush=True)
    print(f"ipscan measured: {meta['ipscan_code']}", flush=True)
    base = (args.base or index_location(None)).resolve()
    meta["base_index"] = str(base)
    work = Path(tempfile.mkdtemp(prefix="ipscan-scale-"))
    rows: list[dict[str, Any]] = []
    profile: list[str] = []
    try:
        queries = stage_queries(work / "queries", args.queries, base)
        files, units = stdlib_repo(work / "stdlib", REPO_UNITS)
        meta["queries"] = {
            "files": queries.files,
            "planted": [p.__dict__ for p in queries.planted],
            "original": queries.original,
            "notes": queries.notes,
        }
        meta["repo_slice"] = {"files": files, "units_counted": units}
        for note in queries.notes:
            print(f"note: {note}", flush=True)
        if not args.no_default:
            print(f"measuring the base index {base}", flush=True)
            label = "default" if args.base is None else "base"
            rows.append(measure(label, base, queries, work / "stdlib", work, args))
        for n in args.units:
            label = _label(n)
            parent = args.keep if args.keep is not None else work
            index_dir = parent / f"index-{label}"
            made: dict[str, Any] = {}
            if index_dir.exists() and not args.reuse:
                raise SystemExit(f"{index_dir} exists; give another --keep folder, or --reuse")
            if not index_dir.exists():
                print(f"building {label} ({n:,} units)", flush=True)
                me = [sys.executable, str(Path(__file__).resolve())]
                cmd = [*me, "--child-build", str(index_dir), "--child-units", str(n)]
                cmd += ["--base", str(base), "--segment-units", str(args.segment_units)]
                build = checked(run([*cmd, "--shared-df", str(args.shared_df)]), "build")
                made = json.loads(build.out)
                made.update(wall_s=round(build.wall_s, 2), rss_mb=round(build.rss_mb, 1))
            print(f"measuring {label}", flush=True)
            row = measure(label, index_dir, queries, work / "stdlib", work, args)
            row["build"] = made
            if args.add_source is not None:
                row["add"] = add_source(index_dir, args.add_source, work)
                a = row["add"]
                print(
                    f"adding {a['source']}: {a['this_index_s']} s to the {label} index, "
                    f"{a['empty_index_s']} s to an empty one ({a['this_index_rss_mb']} MB)",
                    flush=True,
                )
            rows.append(row)
            if args.profile and n == max(args.units):
                profile = profiled(index_dir, queries, work / "stdlib", work)
            if args.keep is None:
                shutil.rmtree(index_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    meta["elapsed_s"] = round(time.perf_counter() - started, 1)
    print()
    print(tables(rows))
    print()
    print(
        f"{meta['machine']}; HEAD {meta['head'][:12]}{' (dirty tree)' if meta['dirty'] else ''}; "
        f"code: {meta['ipscan_code']}; "
        f"{f'shared-df {args.shared_df}; ' if args.shared_df else ''}"
        f"bench peak RSS {meta['bench_peak_rss_mb']:,.0f} MB; {meta['elapsed_s']:.0f} s in all"
    )
    if profile:
        print("\n".join(profile))
    if args.json is not None:
        payload = {**meta, "rows": rows, "profile": profile}
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def _label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


if __name__ == "__main__":
    main()

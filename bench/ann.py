"""Vector stores for large indexes, measured: build, size, open, search, recall, peak memory.

Data: the default index's real vectors (read with ``read_vectors``); 300 of them are held out as
the "real" queries, the rest are parents. Base vectors mix a parent with one of its 20 nearest
parents (weight uniform in [0, 1]) plus Gaussian noise (sigma 0.02 a dimension), renormalized,
so neighbourhoods look like the real ones; the "mix" queries are 300 more made the same way
(held out: not in the base). Recall@10 is against an exact search of the fp16 rows.

Each structure is built in a temporary folder, then opened and searched by a new process twice:
first after asking the kernel to drop the files' cached pages (``posix_fadvise DONTNEED``: the
nearest to a cold cache without root; a VM's host may still cache them), then warm. RSS is that
process's high-water mark after opening and after the searches (file pages it touched count).
k=5 is what ``embed_candidates`` asks.

    python bench/ann.py [--sizes 100000 1000000] [--sweep 25000 50000 200000] [--only NAME ...]
                        [--repeat 1] [--tmp DIR]

Everything at the default sizes takes about 15 minutes on two cores (1M vectors: about 8, most
of it building IVF-PQ and HNSW; ``--only ivf-sq8`` keeps it to 3) and at most ~1.5 GB in --tmp.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import machine_line

from ipscan.index import ann
from ipscan.index.ann_build import choose_nlist
from ipscan.index.ann_build import choose_nprobe
from ipscan.index.ann_build import coarse_quantizer
from ipscan.index.ann_build import training_sample
from ipscan.index.ann_checks import check_f16_npy
from ipscan.index.ann_rows import PreadRows
from ipscan.index.ann_search import exact_search
from ipscan.index.ann_search import rerank
from ipscan.index.vectors import read_vectors
from ipscan.index.vectors import write_vectors

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = ROOT / "ipscan" / "data" / "default_index"
N_QUERIES = 300
SIGMA = 0.02
NEIGHBOURS = 20
K = 10
K_EMBED = 5  # ipscan.tuning.TOP_K, what embed_candidates asks for


def real_vectors() -> np.ndarray:
    gen = DEFAULT_INDEX / (DEFAULT_INDEX / "CURRENT").read_text().strip()
    units = json.loads((gen / "manifest.json").read_text())["counts"]["units"]
    return read_vectors(gen / "vectors.faiss", units)


def mixed(parents: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n vectors, each a parent mixed with a near parent plus noise, renormalized."""
    rng = np.random.default_rng(seed)
    sims = parents @ parents.T
    np.fill_diagonal(sims, -2)
    near = np.argpartition(-sims, NEIGHBOURS, axis=1)[:, :NEIGHBOURS]
    out = np.empty((n, parents.shape[1]), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        i = rng.integers(0, len(parents), m)
        j = near[i, rng.integers(0, NEIGHBOURS, m)]
        a = rng.uniform(0, 1, (m, 1)).astype(np.float32)
        x = a * parents[i] + (1 - a) * parents[j]
        x += rng.normal(0, SIGMA, x.shape).astype(np.float32)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def evict(folder: Path) -> None:
    """Ask the kernel to drop the folder's files from the page cache."""
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


# Builders: (folder, base) -> the spec a child process opens.
def build_v1(folder: Path, base: np.ndarray) -> dict[str, Any]:
    write_vectors(folder / "vectors.faiss", base)
    return {"kind": "v1"}


def build_store(threshold: int) -> Callable[[Path, np.ndarray], dict[str, Any]]:
    def build(folder: Path, base: np.ndarray) -> dict[str, Any]:
        return {
            "kind": "store",
            "desc": ann.write_vector_store(folder, base, ann_threshold=threshold),
        }

    return build


def build_pq(folder: Path, base: np.ndarray) -> dict[str, Any]:
    import faiss

    ann.write_vector_store(folder, base, ann_threshold=len(base) + 1)
    nlist = choose_nlist(len(base))
    sample = training_sample(base, nlist)
    coarse = coarse_quantizer(sample, nlist)  # the k-means of ivf-sq8
    index = faiss.IndexIVFPQ(coarse, base.shape[1], nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
    index.train(sample)
    for start in range(0, len(base), 65_536):
        index.add(base[start : start + 65_536])
    faiss.write_index(index, str(folder / "pq.faiss"))
    return {"kind": "faiss", "file": "pq.faiss", "flags": "mmap", "candidates": 100}


def build_hnsw(folder: Path, base: np.ndarray) -> dict[str, Any]:
    import faiss

    ann.write_vector_store(folder, base, ann_threshold=len(base) + 1)
    index = faiss.IndexHNSWSQ(
        base.shape[1], faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT
    )
    index.train(base[: min(len(base), 65_536)])
    for start in range(0, len(base), 65_536):
        index.add(base[start : start + 65_536])
    faiss.write_index(index, str(folder / "hnsw.faiss"))
    return {"kind": "faiss", "file": "hnsw.faiss", "flags": "ifc", "candidates": 32}


CANDIDATES: dict[str, Callable[[Path, np.ndarray], dict[str, Any]]] = {
    "v1-flat-fp16 (read whole)": build_v1,
    "exact-f16 (mmap)": build_store(2**62),
    "ivf-sq8 (mmap) + rerank": build_store(0),
    "ivf-pq48 (mmap) + rerank": build_pq,
    "hnsw32-sq8 (mmap_ifc) + rerank": build_hnsw,
}


def status_mb(field: str) -> float:
    """A memory field of /proc/self/status in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): ru_maxrss would do, but Linux keeps it across
    execve, so a child started by this large parent reports the parent's peak."""
    if Path("/proc/self/status").exists():
        return status_mb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: Path, spec: dict[str, Any], n: int, dim: int) -> None:
    """Open the structure, search both query sets, print timings and peak RSS as JSON."""
    t0 = time.perf_counter()
    import faiss

    t_import = time.perf_counter() - t0
    queries = {name: np.load(folder.parent / f"q_{name}.npy") for name in ("mix", "real")}
    t0 = time.perf_counter()
    search: Callable[[np.ndarray, int], np.ndarray]
    if spec["kind"] == "v1":
        store: Any = ann.open_v1_store(folder / "vectors.faiss", n, dim)
        search = lambda q, k: store.search(q, k)[1]  # noqa: E731
    elif spec["kind"] == "store":
        store = ann.open_vector_store(folder, spec["desc"], n, dim)
        if "nprobe" in spec:
            store.nprobe = spec["nprobe"]
        search = lambda q, k: store.search(q, k)[1]  # noqa: E731
    else:
        flags = {
            "mmap": faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY,
            "ifc": faiss.IO_FLAG_MMAP_IFC,
        }
        index = faiss.read_index(str(folder / spec["file"]), flags[spec["flags"]])
        path = folder / ann.F16_NAME
        rows = PreadRows(path, check_f16_npy(path, n, dim), n, dim)
        params = (
            faiss.SearchParametersIVF() if "pq" in spec["file"] else faiss.SearchParametersHNSW()
        )
        if "pq" in spec["file"]:
            params.nprobe = choose_nprobe(n, choose_nlist(n))
        else:
            params.efSearch = 128

        def search(q: np.ndarray, k: int) -> np.ndarray:
            _, ids = index.search(q, max(k, spec["candidates"]), params=params)
            return rerank(rows, q, ids, k)[1]

    t_open = time.perf_counter() - t0
    out: dict[str, Any] = {"import_s": t_import, "open_s": t_open, "open_rss_mb": peak_rss_mb()}
    for name, k in (("mix", K), ("real", K), ("mix", K_EMBED)):
        t0 = time.perf_counter()
        ids = search(queries[name], k)
        out[f"search_{name}_{k}_s"] = time.perf_counter() - t0
        np.save(folder.parent / f"ids_{name}_{k}.npy", ids)
    out["maxrss_mb"] = peak_rss_mb()
    out["file_mb"] = status_mb("RssFile")
    print(json.dumps(out))


def run_child(folder: Path, spec: dict[str, Any], n: int, dim: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(folder), json.dumps(spec), str(n), str(dim)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def recall(ids: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ids, truth, strict=True)]))


def measure(
    name: str, work: Path, base: np.ndarray, truth: dict[str, np.ndarray], repeat: int
) -> None:
    """Build one structure, then print a row for each search setting it is measured at."""
    folder = work / "store"
    folder.mkdir()
    t0 = time.perf_counter()
    spec = CANDIDATES[name](folder, base)
    build_s = time.perf_counter() - t0
    n, dim = base.shape
    size = sum(p.stat().st_size for p in folder.iterdir())
    variants: dict[str, dict[str, Any]] = {"": {}}
    if spec["kind"] == "store" and "nprobe" in spec["desc"]:
        p = spec["desc"]["nprobe"]
        variants = {f" p={q}": {"nprobe": q} for q in (max(1, p // 2), p, 2 * p)}
    for label, extra in variants.items():
        evict(folder)
        cold = run_child(folder, {**spec, **extra}, n, dim)
        runs = [run_child(folder, {**spec, **extra}, n, dim) for _ in range(repeat)]
        warm = {key: min(r[key] for r in runs) for key in runs[0]}
        r_mix = recall(np.load(work / "ids_mix_10.npy"), truth["mix"])
        r_real = recall(np.load(work / "ids_real_10.npy"), truth["real"])
        print(
            f"| {name + label:32} | {build_s:6.1f} | {size / n:5.0f} "
            f"| {1000 * cold['open_s']:6.1f} / {1000 * warm['open_s']:5.1f} "
            f"| {1000 * cold['search_mix_10_s']:5.0f} / {1000 * warm['search_mix_10_s']:5.0f} "
            f"| {1000 * warm['search_mix_5_s']:5.0f} | {r_mix:.4f} | {r_real:.4f} "
            f"| {cold['open_rss_mb']:4.0f} / {cold['maxrss_mb']:4.0f} ({cold['file_mb']:4.0f}) |",
            flush=True,
        )
    shutil.rmtree(folder)


HEADER = (
    "| structure | build s | B/vec | open ms cold / warm | search k=10 ms cold / warm "
    "| k=5 ms | recall@10 mix | real | RSS MB open / peak (file pages) |"
)


def run_size(
    n: int, names: list[str], parents: np.ndarray, held_out: np.ndarray, root: Path, repeat: int
) -> None:
    t0 = time.perf_counter()
    base = mixed(parents, n, seed=1)
    queries = {"mix": mixed(parents, N_QUERIES, seed=2), "real": held_out}
    rows16 = base.astype(np.float16)
    truth = {name: exact_search(rows16, q, K)[1] for name, q in queries.items()}
    del rows16
    work = Path(tempfile.mkdtemp(dir=root))
    for name, q in queries.items():
        np.save(work / f"q_{name}.npy", q)
    print(
        f"\nn = {n:,}: nlist {choose_nlist(n)}, {N_QUERIES} queries, load average "
        f"{os.getloadavg()[0]:.1f} (data and exact truth {time.perf_counter() - t0:.0f}s)\n"
        f"{HEADER}\n|{'---|' * HEADER.count(' | ')}---|",
        flush=True,
    )
    for name in names:
        measure(name, work, base, truth, repeat)
    shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[25_000, 50_000, 200_000],
        help="sizes at which only exact-f16 and ivf-sq8 are compared",
    )
    parser.add_argument("--only", nargs="*", default=None, help="candidate name prefixes")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--repeat", type=int, default=1, help="warm runs (best kept)")
    args = parser.parse_args()
    import faiss

    print(machine_line(), f"| faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads")
    real = real_vectors()
    pick = np.random.default_rng(3).permutation(len(real))
    held_out, parents = real[pick[:N_QUERIES]], real[pick[N_QUERIES:]]
    names = [c for c in CANDIDATES if not args.only or any(c.startswith(o) for o in args.only)]
    root = Path(tempfile.mkdtemp(prefix="ipscan-ann-", dir=args.tmp))
    try:
        for n in sorted(args.sweep):
            sweep = [c for c in names if c.startswith(("exact", "ivf-sq8"))]
            run_size(n, sweep, parents, held_out, root, args.repeat)
        for n in args.sizes:
            run_size(n, names, parents, held_out, root, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()

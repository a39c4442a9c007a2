"""Building the vector store's files: the fp16 rows and the IVF-SQ8 index over them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ipscan.index.ann_checks import F16
from ipscan.index.vectors import require_faiss

if TYPE_CHECKING:
    import faiss

# Rows converted or added at a time, so a build of 10M vectors holds no second full copy.
BLOCK_ROWS = 65_536
# k-means sample and passes: 32 points a centroid and 10 passes reach recall@10 >= 0.99 after
# re-ranking (bench/ann.py); faiss's defaults (up to 256 points, 25 passes) take minutes at 1M
# vectors on two cores for a partition that only has to be good, not optimal.
TRAIN_PER_LIST = 32
KMEANS_ITERATIONS = 10
SEED = 1234
# Codes scanned a query, and the fewest lists probed whatever the list size.
SCAN_TARGET = 8192
MIN_NPROBE = 16


def write_f16(path: Path, vectors: np.ndarray) -> None:
    """Write ``vectors`` as a plain (n, d) float16 .npy, a block at a time."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=F16, shape=vectors.shape)
    for start in range(0, len(vectors), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = vectors[start : start + BLOCK_ROWS]
    out.flush()
    del out


def choose_nlist(n: int) -> int:
    """Inverted lists for n vectors: the power of two nearest 4 * sqrt(n), at least 8 vectors
    a list (the usual sqrt(n)-order rule of the FAISS wiki, "Guidelines to choose an index")."""
    target = 4 * math.sqrt(max(n, 1))
    nlist = 1 << round(math.log2(target))
    return max(1, min(nlist, n // 8))


def choose_nprobe(n: int, nlist: int) -> int:
    """Lists probed a query: enough for about SCAN_TARGET codes, at least MIN_NPROBE lists.

    Recall follows the codes scanned more than the lists probed: with 4 sqrt(n) lists, 16 probes
    miss 2-5% of the neighbours at 50k vectors but almost none at 1M; scanning about 8k codes
    keeps recall@10 >= 0.99 from 25k to 1M (bench/ann.py), at a near-constant search cost.
    """
    per_list = max(n, 1) / nlist
    return max(1, min(nlist, max(MIN_NPROBE, round(SCAN_TARGET / per_list))))


def training_sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """A seeded sample of TRAIN_PER_LIST rows a list, in file order, as float32."""
    n = len(vectors)
    rng = np.random.default_rng(SEED)
    rows = np.sort(rng.choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def coarse_quantizer(sample: np.ndarray, nlist: int) -> faiss.IndexFlatIP:
    """nlist centroids of a seeded spherical k-means of ``sample``, as an inner-product index."""
    require_faiss()
    import faiss

    dim = sample.shape[1]
    # Spherical: centroids renormalized each pass, so assigning by inner product (as the search
    # does) is assigning by cosine, and tight clusters' longer centroids do not pull points in.
    kmeans = faiss.Kmeans(
        dim,
        nlist,
        niter=KMEANS_ITERATIONS,
        seed=SEED,
        spherical=True,
        min_points_per_centroid=1,
        max_points_per_centroid=TRAIN_PER_LIST,
    )
    kmeans.train(sample)
    assert kmeans.centroids is not None
    quantizer = faiss.IndexFlatIP(dim)
    quantizer.add(kmeans.centroids)
    return quantizer


def build_ivf(vectors: np.ndarray, nlist: int) -> faiss.IndexIVFScalarQuantizer:
    """An IVF index of 8-bit residual codes over L2-normalized ``vectors``; seeded throughout,
    so the same vectors give the same file."""
    require_faiss()
    import faiss

    sample = training_sample(vectors, nlist)
    index = faiss.IndexIVFScalarQuantizer(
        coarse_quantizer(sample, nlist),
        vectors.shape[1],
        nlist,
        faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
        True,
    )
    # The quantizer is trained and full, so this trains only the codes' ranges on the residuals.
    index.train(sample)
    for start in range(0, len(vectors), BLOCK_ROWS):
        index.add(np.ascontiguousarray(vectors[start : start + BLOCK_ROWS], dtype=np.float32))
    return index

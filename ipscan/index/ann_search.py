"""Exact inner-product search and re-ranking over fp16 rows, in numpy (BLAS matmuls)."""

from __future__ import annotations

import numpy as np

from ipscan.index.ann_i8 import ScaledRows
from ipscan.index.ann_rows import PreadRows

# The score FAISS gives a missing result of an inner-product search (-FLT_MAX), with id -1.
MISSING = np.float32(np.finfo(np.float32).min)
# Rows scored at a time: a float32 copy of 8k rows of 384 dims is 12.6 MB.
BLOCK_ROWS = 8_192


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (score, id) pairs of each row, best first, ties by smaller id, padded with
    (MISSING, -1); ``ids`` -1 marks an empty slot whatever its score."""
    nq, width = scores.shape
    scores = np.where(ids >= 0, scores, MISSING)
    if width < k:
        scores = np.concatenate([scores, np.full((nq, k - width), MISSING, np.float32)], axis=1)
        ids = np.concatenate([ids, np.full((nq, k - width), -1, np.int64)], axis=1)
    # Sort keys: score descending, then empty slots last, then id ascending.
    order = np.lexsort((ids, ids < 0, -scores), axis=-1)[:, :k]
    best_ids = np.take_along_axis(ids, order, axis=1).astype(np.int64)
    best = np.take_along_axis(scores, order, axis=1).astype(np.float32)
    best[best_ids < 0] = MISSING
    return best, best_ids


def exact_search(
    rows: np.ndarray | ScaledRows, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of largest inner product with each query (float32 (nq, d))."""
    nq = len(queries)
    best = np.full((nq, k), MISSING, np.float32)
    best_ids = np.full((nq, k), -1, np.int64)
    for start in range(0, len(rows), BLOCK_ROWS):
        block = np.asarray(rows[start : start + BLOCK_ROWS], dtype=np.float32)
        scores = queries @ block.T
        keep = min(k, len(block))
        part = np.argpartition(scores, len(block) - keep, axis=1)[:, len(block) - keep :]
        best, best_ids = top_k(
            np.concatenate([best, np.take_along_axis(scores, part, axis=1)], axis=1),
            np.concatenate([best_ids, part + start], axis=1),
            k,
        )
    return best, best_ids


def rerank(
    rows: np.ndarray | PreadRows | ScaledRows,
    queries: np.ndarray,
    candidates: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact scores of each query's candidate rows (ids, -1 for none), the k best kept."""
    valid = candidates >= 0
    wanted, inverse = np.unique(np.where(valid, candidates, 0), return_inverse=True)
    # One gather of the distinct rows, in file order, then one small matmul a query.
    vectors = np.asarray(rows[wanted], dtype=np.float32)[inverse.reshape(candidates.shape)]
    scores = np.matmul(vectors, queries[:, :, None])[:, :, 0]
    return top_k(scores, np.where(valid, candidates, -1).astype(np.int64), k)

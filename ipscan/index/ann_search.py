"""Exact inner-product search and re-ranking over fp16 rows, in numpy (BLAS matmuls)."""

from __future__ import annotations

import numpy as np

from ipscan.index.ann_i8 import ScaledRows
from ipscan.index.ann_i8 import decode_into
from ipscan.index.ann_rows import PreadRows

# The score FAISS gives a missing result of an inner-product search (-FLT_MAX), with id -1.
MISSING = np.float32(np.finfo(np.float32).min)
# Rows scored at a time: a float32 copy of 8k rows of 384 dims is 12.6 MB.
BLOCK_ROWS = 8_192
# Queries scored at a time: their scores against a block are 32 MB.
QUERY_ROWS = 1_024


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
    rows: np.ndarray | ScaledRows, queries: np.ndarray, k: int, floor: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of largest inner product with each query (float32 (nq, d)); with ``floor``,
    only those scoring at least that (the others' slots stay empty: ``MISSING``, -1)."""
    nq, n = len(queries), len(rows)
    best = np.full((nq, k), MISSING, np.float32)
    best_ids = np.full((nq, k), -1, np.int64)
    # A score must beat this to enter (a row's k-th best, when higher): a search that wants
    # only close rows skips the partitioning of every row that most blocks would need.
    below = MISSING if floor is None else np.nextafter(np.float32(floor), MISSING)
    # Buffers reused block after block and query after query: fresh 30 MB arrays a block cost
    # as much in page faults as the matmul on a 2-core machine (6,000 queries at once: 200 MB).
    width = max(1, min(BLOCK_ROWS, n))
    block_buf = np.empty((width, queries.shape[1]), np.float32)
    score_buf = np.empty((min(nq, QUERY_ROWS), width), np.float32)
    start, size = 0, FIRST_BLOCK_ROWS
    while start < n:
        stop = min(n, start + size)
        block = _read_block(rows, start, stop, block_buf)
        for first in range(0, nq, QUERY_ROWS):
            last = min(nq, first + QUERY_ROWS)
            scores = score_buf[: last - first, : stop - start]
            np.matmul(queries[first:last], block.T, out=scores)
            # Only a score above a query's k-th best so far can enter its top k (a tie loses
            # to the earlier, smaller id). After the first, small block few queries have one,
            # and few scores, so only those are selected: partitioning every row cost twice
            # the matmul.
            bar = np.maximum(best[first:last, -1], below)
            hit = np.flatnonzero(scores.max(axis=1) > bar)
            if len(hit):
                at = hit + first
                best[at], best_ids[at] = _merge(
                    best[at], best_ids[at], scores[hit], start, bar[hit, None]
                )
        start, size = stop, BLOCK_ROWS
    return at_least(best, best_ids, floor)


def at_least(
    scores: np.ndarray, ids: np.ndarray, floor: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Results under ``floor`` made empty slots (``MISSING``, -1): what every store answers to
    a floored search."""
    if floor is not None:
        short = scores < np.float32(floor)
        scores, ids = scores.copy(), ids.copy()
        scores[short], ids[short] = MISSING, -1
    return scores, ids


def _merge(
    best: np.ndarray, best_ids: np.ndarray, scores: np.ndarray, start: int, bar: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The k best of ``best`` and a block's ``scores`` (rows ``start`` on), for each query,
    from its scores above its ``bar`` (its k-th best, or the search's floor); when many are,
    only those at least its k-th largest score of the block, ties all kept, so that of equal
    scores the smaller ids win as in ``top_k`` (a partition alone keeps any of them)."""
    above = scores > bar
    if np.count_nonzero(above) > SPARSE_SHARE * above.size:
        width = scores.shape[1]
        at = width - min(best.shape[1], width)
        above &= scores >= np.partition(scores, at, axis=1)[:, at : at + 1]
    return _merge_sparse(best, best_ids, scores, above, start)


# The first block is small: its k best give every query a floor that most later scores miss.
FIRST_BLOCK_ROWS = 1_024


def _read_block(
    rows: np.ndarray | ScaledRows, start: int, stop: int, buf: np.ndarray
) -> np.ndarray:
    """Rows ``start:stop`` as float32, decoded into ``buf`` where the rows allow it."""
    out = buf[: stop - start]
    if isinstance(rows, ScaledRows) and isinstance(rows.records, np.ndarray):
        return decode_into(rows.records[start:stop], out)
    if isinstance(rows, np.ndarray):
        np.copyto(out, rows[start:stop], casting="unsafe")
        return out
    return np.asarray(rows[start:stop], dtype=np.float32)


# A block whose scores above the queries' k-th best are at most this share of all is merged
# from those alone (``_merge_sparse``); more, and every row is partitioned.
SPARSE_SHARE = 0.05


def _merge_sparse(
    best: np.ndarray, best_ids: np.ndarray, scores: np.ndarray, above: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """``best`` (nq, k) merged with the (query, column) scores marked ``above``: one sort of
    every query's k best and its new scores, by query, then as ``top_k`` orders."""
    nq, k = best.shape
    qi, col = np.nonzero(above)
    owner = np.concatenate([np.repeat(np.arange(nq), k), qi])
    ids = np.concatenate([best_ids.reshape(-1), col.astype(np.int64) + start])
    values = np.concatenate([best.reshape(-1), scores[qi, col]])
    order = np.lexsort((ids, ids < 0, -values, owner))
    counts = np.bincount(owner, minlength=nq)
    first = np.cumsum(counts) - counts
    take = order[(first[:, None] + np.arange(k)).reshape(-1)]
    out_ids = ids[take].reshape(nq, k)
    out = values[take].reshape(nq, k).astype(np.float32)
    out[out_ids < 0] = MISSING
    return out, out_ids


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

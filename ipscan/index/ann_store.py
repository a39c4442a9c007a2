"""The vector stores a scan searches: exact over fp16 rows, IVF-SQ8 re-ranked, and v1 FAISS."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Protocol

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index.ann_i8 import ScaledRows
from ipscan.index.ann_rows import PreadRows
from ipscan.index.ann_search import at_least
from ipscan.index.ann_search import exact_search
from ipscan.index.ann_search import rerank
from ipscan.index.vectors import stored_vector

if TYPE_CHECKING:
    import faiss

# ANN candidates re-ranked exactly: RERANK_FACTOR * k, at least MIN_CANDIDATES. 8-bit codes
# only misorder near ties (2k candidates recalled as many as 4k at 100k vectors), and each
# candidate costs one scattered row read, the bulk of a cold search.
RERANK_FACTOR = 4
MIN_CANDIDATES = 16


class VectorStore(Protocol):
    """What a scan asks of indexed vectors; FAISS's ``search`` contract."""

    @property
    def ntotal(self) -> int: ...

    @property
    def d(self) -> int: ...

    def search(
        self, queries: np.ndarray, k: int, floor: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inner products (nq, k) float32 and row ids (nq, k) int64, best first; -1 for none,
        and for those under ``floor``."""
        ...

    def vector(self, row: int) -> np.ndarray:
        """Row ``row`` as float32 (d,)."""
        ...


def _queries(queries: np.ndarray, dim: int, k: int) -> np.ndarray:
    if queries.ndim != 2 or queries.shape[1] != dim:
        raise ValueError(f"queries must be (n, {dim}), not {queries.shape}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    return np.ascontiguousarray(queries, dtype=np.float32)


class _RowStore:
    """What both stores read from their fp16 rows: the count, the dimension, one row."""

    rows: np.ndarray | PreadRows | ScaledRows

    @property
    def ntotal(self) -> int:
        return int(self.rows.shape[0])

    @property
    def d(self) -> int:
        return int(self.rows.shape[1])

    def vector(self, row: int) -> np.ndarray:
        if not 0 <= row < self.ntotal:
            raise IndexError(f"row {row} outside 0..{self.ntotal - 1}")
        return np.asarray(self.rows[row], dtype=np.float32)


class ExactStore(_RowStore):
    """Exact search over the memory-mapped fp16 rows."""

    rows: np.ndarray | ScaledRows

    def __init__(self, rows: np.ndarray | ScaledRows) -> None:
        self.rows = rows

    def search(
        self, queries: np.ndarray, k: int, floor: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return exact_search(self.rows, _queries(queries, self.d, k), k, floor)


class IvfStore(_RowStore):
    """IVF-SQ8 candidates, re-ranked exactly against the fp16 rows (read with ``pread``:
    ``ipscan.index.ann_rows``)."""

    rows: PreadRows | ScaledRows

    def __init__(
        self, rows: PreadRows | ScaledRows, index: faiss.IndexIVFScalarQuantizer, nprobe: int
    ) -> None:
        self.rows = rows
        self.index = index
        self.nprobe = nprobe

    def search(
        self, queries: np.ndarray, k: int, floor: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        q = _queries(queries, self.d, k)
        wanted = min(max(RERANK_FACTOR * k, MIN_CANDIDATES), self.ntotal)
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        _, ids = self.index.search(q, max(k, wanted), params=params)
        if len(ids) and (ids.max() >= self.ntotal or ids.min() < -1):
            raise IpscanIndexError("the ANN file holds row ids out of range; rebuild the index")
        return at_least(*rerank(self.rows, q, ids, k), floor)


class FaissStore:
    """Today's v1 ``vectors.faiss`` (flat fp16, read whole) behind the same interface."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def d(self) -> int:
        return int(self.index.d)

    def search(
        self, queries: np.ndarray, k: int, floor: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self.index.search(_queries(queries, self.d, k), k)
        return at_least(scores, ids, floor)

    def vector(self, row: int) -> np.ndarray:
        if not 0 <= row < self.ntotal:
            raise IndexError(f"row {row} outside 0..{self.ntotal - 1}")
        return stored_vector(self.index, row)

"""Scattered fp16 rows read with ``pread``, for re-ranking ANN candidates of a large index.

A memory-mapped row costs more than its 768 bytes: on Linux with large page-cache folios a
fault maps the whole folio around it into the process. Re-ranking 280 scattered rows of a
1M-row file through the map added 127 MB to the scan's resident memory (RssFile; 2-core AMD
EPYC, Linux 6.x); read with ``pread`` the same rows cost their bytes, a copy each, and about
2 microseconds a row from the page cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

F16 = np.dtype("<f2")


class PreadRows:
    """The (n, dim) fp16 rows of a .npy file at ``offset``, read on demand, row by row; or,
    given ``record``, its (n,) records of that dtype (``ipscan.index.ann_i8``)."""

    def __init__(
        self, path: Path, offset: int, n: int, dim: int, record: np.dtype | None = None
    ) -> None:
        self.shape = (n, dim)
        self._offset = offset
        self._record = record
        self._row_bytes = dim * F16.itemsize if record is None else record.itemsize
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: int | np.ndarray) -> np.ndarray:
        """One row (dim,) for an int, else the rows (m, dim) of an integer array, in its order
        (records: one record, or (m,) records)."""
        if isinstance(rows, (int, np.integer)):
            return self._read(int(rows))
        ids = np.asarray(rows, dtype=np.int64).reshape(-1)
        if self._record is not None:
            out = np.empty(len(ids), dtype=self._record)
        else:
            out = np.empty((len(ids), self.shape[1]), dtype=F16)
        for i, row in enumerate(ids):
            out[i] = self._read(int(row))
        return out

    def _read(self, row: int) -> np.ndarray:
        if not 0 <= row < self.shape[0]:
            raise IndexError(f"row {row} outside 0..{self.shape[0] - 1}")
        data = os.pread(self._fd, self._row_bytes, self._offset + row * self._row_bytes)
        if len(data) != self._row_bytes:
            raise OSError(f"short read of vector row {row}")
        if self._record is not None:
            record: np.ndarray = np.frombuffer(data, dtype=self._record)[0]
            return record
        return np.frombuffer(data, dtype=F16)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()

"""Where query hashes lie in a sorted hash column: the one lookup every matcher makes.

``index_totals`` looks every query hash up in every segment of a multi-segment index to count
boilerplate over the whole index; it keeps the row ranges it found, so a matcher reading the
same segment afterwards takes them instead of searching the column again. The column's pages
are then touched once per scan and can be given back after the counting pass (issue #17).
"""

from __future__ import annotations

import numpy as np

# [lo, hi) rows of the sorted column holding each query hash, in query order.
Bounds = tuple[np.ndarray, np.ndarray]


def hash_bounds(column: np.ndarray, hashes: np.ndarray) -> Bounds:
    """The [lo, hi) row range of each of ``hashes`` in the sorted ``column``."""
    if not len(column) or not len(hashes):
        empty = np.zeros(len(hashes), dtype=np.int64)
        return empty, empty.copy()
    if len(hashes) < _SORT_FROM:
        return np.searchsorted(column, hashes, "left"), np.searchsorted(column, hashes, "right")
    # Looked up in sorted order, each search starts where the last ended and reads the column's
    # pages in order: 200,000 hashes in a column of 1M cost a third of the time, sort included.
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    lo = np.empty(len(hashes), dtype=np.intp)
    hi = np.empty(len(hashes), dtype=np.intp)
    lo[order] = np.searchsorted(column, ordered, "left")
    hi[order] = np.searchsorted(column, ordered, "right")
    return lo, hi


# From this many hashes on, they are sorted before they are looked up.
_SORT_FROM = 1_024

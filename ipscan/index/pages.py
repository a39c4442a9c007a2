"""Hand a segment's mapped pages back once a scan pass is done with it (issue #17).

Every page a search touches in a memory-mapped array stays in the process's resident memory
(RssFile) until the map is closed: a binary search over a sorted hash column touches about 16
pages per lookup, and with large page-cache folios a fault maps the whole folio around a page.
A cold check of 5 files against a 10M-unit index of 11 segments so held about 100 MB of hash
columns per segment at once (2.2-2.5 GB peak). ``MADV_DONTNEED`` on a read-only file mapping
drops the process's page-table entries and nothing else: the pages stay in the page cache, so
touching them again costs a minor fault, not a read from disk.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable

import numpy as np

_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)  # absent where the OS has no madvise


def release(arrays: Iterable[np.ndarray]) -> int:
    """Drop the resident pages of the file mappings behind ``arrays`` (arrays read whole are
    skipped); how many mappings were released."""
    if _DONTNEED is None:
        return 0
    maps = {id(m): m for m in (_mapping(a) for a in arrays) if m is not None}
    released = 0
    for mapped in maps.values():
        try:
            mapped.madvise(_DONTNEED)
        except (OSError, ValueError):  # closed, or the kernel refused: the pages just stay
            continue
        released += 1
    return released


def _mapping(array: np.ndarray) -> mmap.mmap | None:
    """The ``mmap`` an array's memory belongs to (through views and ``np.memmap``), if any."""
    seen: object = array
    for _ in range(64):  # a chain of views is short; never loop on an odd base
        if isinstance(seen, mmap.mmap):
            return seen
        inner = getattr(seen, "_mmap", None)
        if isinstance(inner, mmap.mmap):
            return inner
        # np.frombuffer(mmap) (the vector rows) keeps a memoryview of the map as its base.
        seen = seen.obj if isinstance(seen, memoryview) else getattr(seen, "base", None)
        if seen is None:
            return None
    return None

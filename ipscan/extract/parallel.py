"""Parse and fingerprint many files on every core: a process pool over files, results in order.

Parsing, tokenizing and fingerprinting are pure Python over tree-sitter, so threads would
share one core; worker processes do not. A small batch stays in this process, where starting
workers would cost more than it saves (the pre-commit hook's few files never start a pool).
Workers are forked where the platform allows (they inherit the loaded grammars), and results
come back through the standard library's process pool (its own pipes between ipscan's own
processes; nothing is stored).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from itertools import islice
from typing import TYPE_CHECKING

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_bytes
from ipscan.extract.analyze import analyze_file
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.extract.variants import with_plain_units
from ipscan.records import SkippedFile
from ipscan.records import SourceFile

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# Below this much text a pool costs more than it saves (worker start-up is ~50 ms on a fork).
MIN_PARALLEL_BYTES = 512 * 1024
# Files handed to a worker at once: few round trips, still balanced over the workers.
_CHUNK = 8
# Entries read ahead of the results when they arrive from an iterator (an archive being read).
_WINDOW = 256


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _jobs(jobs: int | None) -> int:
    return available_cores() if jobs is None or jobs < 1 else jobs


def _pool(jobs: int) -> ProcessPoolExecutor:
    # Imported here: the hook's few files never start a pool, and these imports cost ~25 ms.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def analyze_files(
    files: Sequence[SourceFile],
    jobs: int | None = None,
    lines: Sequence[Sequence[tuple[int, int]] | None] | None = None,
    raw_scheme: int = RAW_SCHEME,
) -> Iterator[AnalyzedFile]:
    """``analyze_file`` of each file, with its units' plain forms (``ipscan.extract.variants``:
    what a scan asks about too), in order, on ``jobs`` processes (None: every core); ``lines``:
    each file's line ranges whose units alone are wanted, ``raw_scheme`` the raw-token scheme
    of the index asked (``analyze_file``)."""
    n = _jobs(jobs)
    size = sum(len(f.text) for f in files)
    wanted = list(lines) if lines is not None else [None] * len(files)
    schemes = [raw_scheme] * len(files)
    if n == 1 or len(files) < 2 or size < MIN_PARALLEL_BYTES:
        yield from map(_analyze_for_scan, files, wanted, schemes)
        return
    with _pool(min(n, len(files))) as pool:
        yield from pool.map(_analyze_for_scan, files, wanted, schemes, chunksize=_CHUNK)


def _analyze_for_scan(
    file: SourceFile, lines: Sequence[tuple[int, int]] | None, raw_scheme: int
) -> AnalyzedFile:
    return with_plain_units(analyze_file(file, lines, raw_scheme))


Analyzed = tuple[str, AnalyzedFile | SkippedFile | None]


def _analyze_entry(entry: tuple[str, bytes]) -> Analyzed:
    return entry[0], analyze_bytes(entry[0], entry[1])


def analyze_entries(
    entries: Iterable[tuple[str, bytes]], jobs: int | None = None
) -> Iterator[Analyzed]:
    """(path, ``analyze_bytes``) of each (path, bytes), in order, on ``jobs`` processes.

    Entries are read a window ahead, so an archive streams through without being held whole.
    """
    n = _jobs(jobs)
    it = iter(entries)
    first = list(islice(it, _WINDOW))
    small = len(first) < _WINDOW and sum(len(d) for _, d in first) < MIN_PARALLEL_BYTES
    if n == 1 or small:
        yield from (_analyze_entry(e) for e in first)
        yield from (_analyze_entry(e) for e in it)
        return
    with _pool(n) as pool:
        window = first
        while window:
            yield from pool.map(_analyze_entry, window, chunksize=_CHUNK)
            window = list(islice(it, _WINDOW))

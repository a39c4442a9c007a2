"""Matcher 2-structure: indexed units sharing structure-insensitive fingerprints with a scanned
unit (``ipscan.extract.fingerprint.units_evidence``: control flow taken out).

A copy whose loops, branches and conditions were rewritten keeps its straight-line code, and so
most of these fingerprints, where the main channel's longer k-grams across the rewritten
structure are gone. The count of shared ones is evidence for the classifier
(``structure_containment``); a pair sharing ``MIN_STRUCTURE_SHARED`` is a candidate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ipscan.extract.fingerprint import UnitEvidence
from ipscan.match.bounds import Bounds
from ipscan.match.bounds import hash_bounds
from ipscan.match.winnow import max_posting_fanout
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.tuning import MIN_STRUCTURE_SHARED

_LOW = 0xFFFFFFFF


class SharedCounts:
    """(query unit, indexed unit) → distinct structure fingerprints they share, as two arrays
    sorted by pair: a scan's pairs sharing one fingerprint run to the hundreds of thousands,
    and a dict of them all cost more (0.64 s of a 4 s scan) than the lookups it serves."""

    def __init__(self, keys: np.ndarray | None = None, counts: np.ndarray | None = None) -> None:
        self.keys = np.zeros(0, dtype=np.int64) if keys is None else keys
        self.counts = np.zeros(0, dtype=np.int64) if counts is None else counts

    def get(self, pair: tuple[int, int], default: int = 0) -> int:
        """The count of ``pair`` (query unit, indexed unit)."""
        key = pair[0] << 32 | pair[1]
        i = int(np.searchsorted(self.keys, key))
        return int(self.counts[i]) if i < len(self.keys) and self.keys[i] == key else default

    def items(self) -> list[tuple[tuple[int, int], int]]:
        return [
            ((int(k >> 32), int(k & _LOW)), int(n))
            for k, n in zip(self.keys, self.counts, strict=True)
        ]

    def __len__(self) -> int:
        return len(self.keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SharedCounts):
            return NotImplemented
        return np.array_equal(self.keys, other.keys) and np.array_equal(self.counts, other.counts)

    __hash__ = None  # type: ignore[assignment]


def structure_shared(
    queries: Sequence[UnitEvidence],
    postings: np.ndarray,
    n_units: int,
    hash_column: np.ndarray | None = None,
    totals: np.ndarray | None = None,
    bounds: Bounds | None = None,
) -> SharedCounts:
    """(query unit, indexed unit) → distinct structure fingerprints they share (boilerplate
    fingerprints, posted in many indexed units, left out); ``hash_column``: the postings' hash
    column as a contiguous array, when the index has one; ``totals``: postings per query
    fingerprint over the whole index when these postings are one segment of several, and
    ``bounds`` the fingerprints' row ranges when already looked up (see ``find_hits``)."""
    if not queries or not len(postings):
        return SharedCounts()
    hashes = structure_hashes(queries)
    owner = np.repeat(np.arange(len(queries)), [len(q.structure) for q in queries])
    column = postings["hash"] if hash_column is None else hash_column
    lo, hi = hash_bounds(column, hashes) if bounds is None else bounds
    counts = hi - lo
    counts[(counts if totals is None else totals) > max_posting_fanout(n_units)] = 0
    total = int(counts.sum())
    if total == 0:
        return SharedCounts()
    rep = np.repeat(np.arange(len(hashes)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    units = np.asarray(postings["unit"][lo[rep] + offsets], dtype=np.int64)
    # Each (query hash, unit) once: a unit's postings hold distinct hashes, queries' too.
    keys = owner[rep].astype(np.int64) << 32 | units
    found, shared = np.unique(keys, return_counts=True)
    return SharedCounts(found, shared.astype(np.int64))


def structure_hashes(queries: Sequence[UnitEvidence]) -> np.ndarray:
    """Every query unit's structure fingerprints, one after the other."""
    if not queries:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate([q.structure for q in queries])


def structure_candidates(shared: SharedCounts) -> list[Candidate]:
    """A candidate for every pair sharing at least MIN_STRUCTURE_SHARED fingerprints."""
    keep = shared.counts >= MIN_STRUCTURE_SHARED
    return [
        Candidate(int(k >> 32), int(k & _LOW), Matcher.STRUCTURE, float(n))
        for k, n in zip(shared.keys[keep], shared.counts[keep], strict=True)
    ]

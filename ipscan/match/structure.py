"""Matcher 2-structure: indexed units sharing structure-insensitive fingerprints with a scanned
unit (``ipscan.extract.fingerprint.structure_fingerprints``: control flow taken out).

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

SharedCounts = dict[tuple[int, int], int]


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
        return {}
    hashes = structure_hashes(queries)
    owner = np.repeat(np.arange(len(queries)), [len(q.structure) for q in queries])
    column = postings["hash"] if hash_column is None else hash_column
    lo, hi = hash_bounds(column, hashes) if bounds is None else bounds
    counts = hi - lo
    counts[(counts if totals is None else totals) > max_posting_fanout(n_units)] = 0
    total = int(counts.sum())
    if total == 0:
        return {}
    rep = np.repeat(np.arange(len(hashes)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    units = np.asarray(postings["unit"][lo[rep] + offsets], dtype=np.int64)
    # Each (query hash, unit) once: a unit's postings hold distinct hashes, queries' too.
    keys = owner[rep].astype(np.int64) << 32 | units
    found, shared = np.unique(keys, return_counts=True)
    return {(int(k >> 32), int(k & 0xFFFFFFFF)): int(n) for k, n in zip(found, shared, strict=True)}


def structure_hashes(queries: Sequence[UnitEvidence]) -> np.ndarray:
    """Every query unit's structure fingerprints, one after the other."""
    if not queries:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate([q.structure for q in queries])


def structure_candidates(shared: SharedCounts) -> list[Candidate]:
    """A candidate for every pair sharing at least MIN_STRUCTURE_SHARED fingerprints."""
    return [
        Candidate(qi, uid, Matcher.STRUCTURE, float(n))
        for (qi, uid), n in shared.items()
        if n >= MIN_STRUCTURE_SHARED
    ]

"""Matcher 2-winnow: shared winnowing fingerprints between scanned and indexed units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.extract.fingerprint import UnitEvidence
from ipscan.match.bounds import Bounds
from ipscan.match.bounds import hash_bounds
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.tuning import MAX_POSTING_FANOUT
from ipscan.tuning import MIN_POSTING_FANOUT
from ipscan.tuning import MIN_SHARED
from ipscan.tuning import UNITS_PER_POSTING_FANOUT


def max_posting_fanout(n_units: int) -> int:
    """Fingerprints in more indexed units than this are boilerplate (MOSS drops such too)."""
    return min(MAX_POSTING_FANOUT, max(MIN_POSTING_FANOUT, n_units // UNITS_PER_POSTING_FANOUT))


@dataclass(frozen=True)
class FingerprintHits:
    """Every (query fingerprint, posting) pair with equal hashes, in parallel arrays."""

    query_unit: np.ndarray  # query unit index
    query_fp: np.ndarray  # fingerprint index within that query unit
    posting: np.ndarray  # row in the index postings
    source_unit: np.ndarray  # indexed unit id
    fanout: np.ndarray  # how many postings share the hit's hash (boilerplate is high)

    def pairs(self) -> dict[tuple[int, int], np.ndarray]:
        """Hit row numbers grouped by (query unit, indexed unit)."""
        if not len(self.query_unit):
            return {}
        key = self.query_unit.astype(np.int64) << 32 | self.source_unit.astype(np.int64)
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        bounds = [*starts[1:], len(order)]
        return {
            (int(k >> 32), int(k & 0xFFFFFFFF)): order[s:e]
            for k, s, e in zip(keys, starts, bounds, strict=True)
        }


def find_hits(
    queries: Sequence[UnitEvidence],
    postings: np.ndarray,
    n_units: int,
    hash_column: np.ndarray | None = None,
    totals: np.ndarray | None = None,
    bounds: Bounds | None = None,
) -> FingerprintHits:
    """Look every query fingerprint up in the hash-sorted postings, boilerplate dropped;
    ``hash_column`` is their hash column as a contiguous array, when the index has one.

    ``totals``: postings per query fingerprint (in query order) over the whole index, when these
    postings are one segment of several; with ``n_units`` the whole index's, what counts as
    boilerplate is then what it is in one merged index (``ipscan.match.totals``). ``bounds``:
    the fingerprints' row ranges in these postings, when already looked up.
    """
    empty = np.zeros(0, dtype=np.int64)
    if not queries or not len(postings):
        return FingerprintHits(empty, empty, empty, empty, empty)
    hashes = query_hashes(queries)
    q_unit = np.repeat(np.arange(len(queries)), [len(q.hashes) for q in queries])
    q_fp = np.concatenate([np.arange(len(q.hashes)) for q in queries])
    column = postings["hash"] if hash_column is None else hash_column
    lo, hi = hash_bounds(column, hashes) if bounds is None else bounds
    counts = hi - lo
    fanout = counts.copy() if totals is None else totals
    counts[fanout > max_posting_fanout(n_units)] = 0
    total = int(counts.sum())
    if total == 0:
        return FingerprintHits(empty, empty, empty, empty, empty)
    rep = np.repeat(np.arange(len(hashes)), counts)
    # Position of each expanded hit inside its [lo, hi) range.
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = lo[rep] + offsets
    return FingerprintHits(
        query_unit=q_unit[rep],
        query_fp=q_fp[rep],
        posting=rows,
        source_unit=np.asarray(postings["unit"][rows], dtype=np.int64),
        fanout=fanout[rep],
    )


def query_hashes(queries: Sequence[UnitEvidence]) -> np.ndarray:
    """Every query unit's winnowing fingerprints, one after the other."""
    if not queries:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate([q.hashes for q in queries])


def winnow_candidates(hits: FingerprintHits) -> list[Candidate]:
    """A candidate for every pair sharing at least MIN_SHARED fingerprints, in pair order."""
    if not len(hits.query_unit):
        return []
    key = hits.query_unit.astype(np.int64) << 32 | hits.source_unit.astype(np.int64)
    fp = hits.query_fp.astype(np.int64)
    # Distinct query fingerprints per pair, counted at once (a np.unique per pair took ~0.3 s
    # of a 1,000-unit scan): sort by (pair, fingerprint), keep the first of each.
    order = np.lexsort((fp, key))
    key, fp = key[order], fp[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (fp[1:] != fp[:-1])
    pairs, shared = np.unique(key[first], return_counts=True)
    keep = shared >= MIN_SHARED
    return [
        Candidate(int(k >> 32), int(k & 0xFFFFFFFF), Matcher.WINNOW, float(n))
        for k, n in zip(pairs[keep], shared[keep], strict=True)
    ]

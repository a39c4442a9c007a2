"""Matcher 1-hash: units whose normalized token streams are identical (names and layout aside)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ipscan.extract.fingerprint import UnitEvidence
from ipscan.match.bounds import Bounds
from ipscan.match.bounds import hash_bounds
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.tuning import MAX_DIGEST_FANOUT


def digest64(evidence: UnitEvidence) -> int:
    """The 64-bit digest prefix the index stores."""
    return int.from_bytes(evidence.digest[:8], "little")


def match_digests(
    queries: Sequence[UnitEvidence],
    index: np.ndarray,
    totals: np.ndarray | None = None,
    bounds: Bounds | None = None,
) -> list[Candidate]:
    """Candidates for every indexed unit with the same normalized digest as a query unit;
    ``index`` holds (digest, unit) rows sorted by digest (``layout.DIGEST_INDEX_DTYPE``);
    ``totals``: units per query digest over the whole index, when ``index`` is one segment's;
    ``bounds``: the digests' row ranges in ``index``, when already looked up."""
    if not len(queries) or not len(index):
        return []
    lo, hi = hash_bounds(index["digest"], query_digests(queries)) if bounds is None else bounds
    fanout = hi - lo if totals is None else totals
    out = []
    for qi in np.nonzero((hi > lo) & (fanout <= MAX_DIGEST_FANOUT))[0]:
        for uid in index["unit"][lo[qi] : hi[qi]]:
            out.append(Candidate(int(qi), int(uid), Matcher.HASH, 1.0))
    return out


def query_digests(queries: Sequence[UnitEvidence]) -> np.ndarray:
    """The digest key of each query unit, as the index stores them."""
    return np.array([digest64(q) for q in queries], dtype=np.uint64)

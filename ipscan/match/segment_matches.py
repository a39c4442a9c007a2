"""The fingerprint matchers over each index segment, run before any scanned unit is embedded.

Digests, winnowing fingerprints and structure fingerprints need no vectors. Running them first
over every segment tells, pair by pair, what each scanned unit shares with the index
(``ipscan.match.pair_shares``), so only the units that could be claimed are embedded and looked
up by vector (``worth_embedding``); the vector matcher and the pairs' evidence come after.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.decide.classifier import Classifier
from ipscan.decide.verdict import could_claim
from ipscan.extract.fingerprint import UnitEvidence
from ipscan.index import layout
from ipscan.index.segment import Segment
from ipscan.match.bounds import hash_bounds
from ipscan.match.digest import match_digests
from ipscan.match.digest import query_digests
from ipscan.match.pair_shares import PairShares
from ipscan.match.pair_shares import QueryColumns
from ipscan.match.pair_shares import Shares
from ipscan.match.pair_shares import empty_shares
from ipscan.match.pair_shares import exact_shares
from ipscan.match.structure import SharedCounts
from ipscan.match.structure import structure_candidates
from ipscan.match.structure import structure_shared
from ipscan.match.totals import IndexTotals
from ipscan.match.totals import SegmentBounds
from ipscan.match.winnow import FingerprintHits
from ipscan.match.winnow import find_hits
from ipscan.match.winnow import winnow_candidates
from ipscan.records import Candidate
from ipscan.tuning import EMBED_SIMILAR_COSINE

# How many pairs are bounded at once (``worth_embedding``): memory, not speed.
_PAIRS_AT_ONCE = 32_768


@dataclass(frozen=True)
class SegmentMatches:
    """What the fingerprint matchers found in one segment."""

    candidates: list[Candidate]  # digest, winnowing and structure candidates
    hits: FingerprintHits
    structure: SharedCounts
    digest_found: np.ndarray  # bool per query: an indexed unit of the segment has its digest


def segment_matches(
    evidence: Sequence[UnitEvidence],
    seg: Segment,
    totals: IndexTotals,
    bounds: SegmentBounds | None,
) -> SegmentMatches:
    """Run the digest, winnowing and structure matchers over ``seg``; ``bounds``: where
    ``index_totals`` found the queries' hashes in it (None: each matcher looks them up)."""
    digest_bounds = (
        hash_bounds(seg.digest_index["digest"], query_digests(evidence))
        if bounds is None
        else bounds.digests
    )
    candidates = match_digests(evidence, seg.digest_index, totals.digests, digest_bounds)
    hits = find_hits(
        evidence,
        seg.postings,
        totals.n_units,
        seg.hash_column(layout.POSTINGS),
        totals.unit_fps,
        None if bounds is None else bounds.unit_fps,
    )
    candidates += winnow_candidates(hits)
    structure = structure_shared(
        evidence,
        seg.structure_postings,
        totals.n_units,
        seg.hash_column(layout.STRUCTURE_POSTINGS),
        totals.structure,
        None if bounds is None else bounds.structure,
    )
    candidates += structure_candidates(structure)
    lo, hi = digest_bounds
    return SegmentMatches(candidates, hits, structure, np.asarray(hi > lo, dtype=bool))


def worth_embedding(
    columns: QueryColumns,
    segments: Sequence[Segment],
    shares: Sequence[PairShares],
    matches: Sequence[SegmentMatches],
    clf: Classifier,
) -> np.ndarray:
    """For each scanned unit, whether any pair it makes could reach ``clf``'s threshold: a pair
    that shares fingerprints, by what it shares (``shares``: each segment's ``pair_shares``), or
    any other indexed unit, by the unit's empty shares. A unit that cannot comes to no verdict
    but ``similar``. ``columns``: the scanned units' (``QueryColumns``)."""
    n = len(columns.tokens)
    digest = np.zeros(n, dtype=bool)
    for found in matches:
        digest |= found.digest_found
    wanted = np.zeros(n, dtype=bool)
    for seg, pairs in zip(segments, shares, strict=True):
        _mark(wanted, columns, pairs.query, pairs.shares, clf)
        # Pairs sharing only structure fingerprints are most pairs against a large index, a
        # few fingerprints each. One bound per unit at its largest count (the bound grows with
        # it) with any indexed unit rules most out at once; the rest are bounded one by one.
        query, unit, counts = pairs.structure_only()
        if not len(query):
            continue
        most = np.zeros(n, dtype=np.int64)
        np.maximum.at(most, query, counts)
        maybe = could_claim(columns, empty_shares(digest, most), clf)
        pick = maybe[query] & ~wanted[query]
        for start in range(0, int(pick.sum()), _PAIRS_AT_ONCE):
            part = slice(start, start + _PAIRS_AT_ONCE)
            q, u = query[pick][part], unit[pick][part]
            _mark(wanted, columns, q, exact_shares(pairs, columns, q, u, seg.units), clf)
    out: np.ndarray = wanted | could_claim(columns, empty_shares(digest), clf)
    return out


def _mark(
    wanted: np.ndarray,
    columns: QueryColumns,
    query: np.ndarray,
    shares: Shares,
    clf: Classifier,
) -> None:
    """Set ``wanted`` for the query unit of each row of ``shares`` that could be claimed,
    a bounded number of rows at a time: against a large index a repository's units share a
    fingerprint or two with hundreds of thousands of indexed units."""
    for start in range(0, len(query), _PAIRS_AT_ONCE):
        part = slice(start, start + _PAIRS_AT_ONCE)
        q = query[part]
        wanted[q[could_claim(columns, shares.rows(part), clf, q)]] = True


def decidable(
    candidates: Sequence[Candidate],
    columns: QueryColumns,
    shares: PairShares,
    units: np.ndarray,
    query_vectors: np.ndarray | None,
    source_vectors: Mapping[int, np.ndarray],
    clf: Classifier,
) -> list[Candidate]:
    """The candidates of the pairs that can come to a verdict: ``clf``'s threshold within reach
    of what the pair shares (``shares``, counted in the segment whose unit table is ``units``)
    at its cosine, or a cosine that makes it ``similar``. Gathering the evidence of the others
    (most pairs of a large tree) would end in no verdict."""
    keys = sorted({(c.query, c.unit_id) for c in candidates})
    if not keys:
        return []
    query = np.array([q for q, _ in keys], dtype=np.int64)
    unit = np.array([u for _, u in keys], dtype=np.int64)
    # The cosine ``gather_pairs`` computes, to the bit.
    cosine = np.array(
        [
            float(np.dot(query_vectors[q], source_vectors[u]))
            if query_vectors is not None and u in source_vectors
            else 0.0
            for q, u in keys
        ]
    )
    pairs = exact_shares(shares, columns, query, unit, units, cosine)
    keep = could_claim(columns, pairs, clf, query) | (cosine >= EMBED_SIMILAR_COSINE)
    kept = {key for key, ok in zip(keys, keep.tolist(), strict=True) if ok}
    return [c for c in candidates if (c.query, c.unit_id) in kept]

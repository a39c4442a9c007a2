"""The fingerprint matchers over each index segment, run before any scanned unit is embedded.

Digests, winnowing fingerprints and structure fingerprints need no vectors. Running them first
over every segment tells, pair by pair, what each scanned unit shares with the index
(``ipscan.match.pair_shares``), so only the units that could be claimed are embedded and looked
up by vector (``worth_embedding``); the vector matcher and the pairs' evidence come after.
"""

from __future__ import annotations

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
from ipscan.match.pair_shares import empty_shares
from ipscan.match.pair_shares import pair_shares
from ipscan.match.structure import SharedCounts
from ipscan.match.structure import structure_candidates
from ipscan.match.structure import structure_shared
from ipscan.match.totals import IndexTotals
from ipscan.match.totals import SegmentBounds
from ipscan.match.winnow import FingerprintHits
from ipscan.match.winnow import find_hits
from ipscan.match.winnow import winnow_candidates
from ipscan.records import Candidate


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
    evidence: Sequence[UnitEvidence],
    segments: Sequence[Segment],
    matches: Sequence[SegmentMatches],
    clf: Classifier,
    common_fanout: int,
) -> np.ndarray:
    """For each scanned unit, whether any pair it makes could reach ``clf``'s threshold: a pair
    that shares fingerprints, by what it shares (``pair_shares``), or any other indexed unit,
    by the unit's empty shares. A unit that cannot comes to no verdict but ``similar``."""
    n = len(evidence)
    digest = np.zeros(n, dtype=bool)
    wanted = np.zeros(n, dtype=bool)
    for seg, found in zip(segments, matches, strict=True):
        digest |= found.digest_found
        pairs = pair_shares(evidence, found.hits, found.structure, seg.units, common_fanout)
        if len(pairs.query):
            claims = could_claim(evidence, pairs.shares, clf, pairs.query)
            wanted[pairs.query[claims]] = True
    out: np.ndarray = wanted | could_claim(evidence, empty_shares(digest), clf)
    return out

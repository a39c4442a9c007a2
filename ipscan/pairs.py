"""Gather the evidence for every candidate pair the matchers proposed, and decide each one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.align import PairAlignment
from ipscan.align import Region
from ipscan.align import align_pair
from ipscan.align import whole_units
from ipscan.analyze import AnalyzedUnit
from ipscan.match.digest import digest64
from ipscan.match.winnow import FingerprintHits
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.verdict import Decision
from ipscan.verdict import PairEvidence
from ipscan.verdict import decide


@dataclass(frozen=True)
class DecidedPair:
    """One candidate pair with its evidence, decision and the matched lines on both sides."""

    query: int
    unit_id: int
    matchers: tuple[Matcher, ...]
    evidence: PairEvidence
    decision: Decision
    region: Region


def decide_pairs(
    queries: Sequence[AnalyzedUnit],
    candidates: Sequence[Candidate],
    hits: FingerprintHits,
    postings: np.ndarray,
    units: np.ndarray,
    query_vectors: np.ndarray | None,
    source_vectors: dict[int, np.ndarray],
) -> list[DecidedPair]:
    """Evidence and verdict for every distinct (query, indexed unit) pair that reaches a verdict."""
    matchers: dict[tuple[int, int], set[Matcher]] = defaultdict(set)
    for cand in candidates:
        matchers[(cand.query, cand.unit_id)].add(cand.matcher)
    hit_rows = hits.pairs()
    out = []
    for (qi, uid), tags in matchers.items():
        au = queries[qi]
        row = units[uid]
        rows = hit_rows.get((qi, uid))
        if rows is None:
            alignment = PairAlignment(0, 0, 0.0, 0.0, 0.0, None)
        else:
            alignment = align_pair(
                au.evidence,
                hits.query_fp[rows],
                np.asarray(postings[hits.posting[rows]]),
                int(row["start_line"]),
                int(row["n_tokens"]),
            )
        cosine = 0.0
        if query_vectors is not None and uid in source_vectors:
            cosine = float(np.dot(query_vectors[qi], source_vectors[uid]))
        digest_equal = digest64(au.evidence) == int(row["digest"]) and au.evidence.n_tokens == int(
            row["n_tokens"]
        )
        evidence = PairEvidence(
            digest_equal=digest_equal,
            cosine=cosine,
            query_tokens=au.evidence.n_tokens,
            source_tokens=int(row["n_tokens"]),
            alignment=alignment,
        )
        decision = decide(evidence)
        if decision is None:
            continue
        span = au.unit.span
        region = alignment.region
        if digest_equal or region is None:
            region = whole_units(
                (span.start_line, span.end_line), (int(row["start_line"]), int(row["end_line"]))
            )
        ordered = tuple(sorted(tags, key=lambda m: m.value))
        out.append(DecidedPair(qi, uid, ordered, evidence, decision, region))
    return out

"""Gather the evidence for every candidate pair the matchers proposed, and decide each one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

import numpy as np

from ipscan.arrays import distinct
from ipscan.decide.classifier import Classifier
from ipscan.decide.verdict import RANK
from ipscan.decide.verdict import Decision
from ipscan.decide.verdict import PairEvidence
from ipscan.decide.verdict import decide_all
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.match.align import PairAlignment
from ipscan.match.align import Region
from ipscan.match.align import align_pair
from ipscan.match.align import whole_units
from ipscan.match.digest import digest64
from ipscan.match.structure import SharedCounts
from ipscan.match.winnow import FingerprintHits
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.tuning import COMMON_FANOUT


@dataclass(frozen=True)
class PairCandidate:
    """One distinct candidate pair, its evidence, and the matched lines on both sides."""

    query: int
    unit_id: int
    matchers: tuple[Matcher, ...]
    evidence: PairEvidence
    region: Region


@dataclass(frozen=True)
class DecidedPair(PairCandidate):
    """A candidate pair with the verdict it reached."""

    decision: Decision


def gather_pairs(
    queries: Sequence[AnalyzedUnit],
    candidates: Sequence[Candidate],
    hits: FingerprintHits,
    postings: np.ndarray,
    units: np.ndarray,
    query_vectors: np.ndarray | None,
    source_vectors: dict[int, np.ndarray],
    structure: SharedCounts | None = None,
    common_fanout: int = COMMON_FANOUT,
) -> list[PairCandidate]:
    """The evidence of every distinct (query, indexed unit) pair the matchers proposed; a shared
    fingerprint posted ``common_fanout`` times or more in the index counts as common."""
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
        common = 0.0
        if rows is not None and len(rows):
            common = float(np.mean(hits.fanout[rows] >= common_fanout))
        evidence = PairEvidence(
            digest_equal=digest_equal,
            cosine=cosine,
            query_tokens=au.evidence.n_tokens,
            source_tokens=int(row["n_tokens"]),
            alignment=alignment,
            query_fps=len(distinct(au.evidence.hashes)),
            source_fps=int(row["n_fps"]),
            common_share=common,
            structure_shared=structure.get((qi, uid), 0) if structure is not None else 0,
            query_structure=len(au.evidence.structure),
            query_structure_tokens=au.evidence.structure_tokens,
        )
        span = au.unit.span
        region = alignment.region
        if digest_equal or region is None:
            region = whole_units(
                (span.start_line, span.end_line), (int(row["start_line"]), int(row["end_line"]))
            )
        ordered = tuple(sorted(tags, key=lambda m: m.value))
        out.append(PairCandidate(qi, uid, ordered, evidence, region))
    return out


def decide_pairs(pairs: Sequence[PairCandidate], clf: Classifier) -> list[DecidedPair]:
    """The pairs that reach a verdict, with it."""
    out = []
    for p, decision in zip(pairs, decide_all([p.evidence for p in pairs], clf), strict=True):
        if decision is not None:
            out.append(DecidedPair(p.query, p.unit_id, p.matchers, p.evidence, p.region, decision))
    return out


def best_per_pair(pairs: Sequence[DecidedPair], same_as: Mapping[int, int]) -> list[DecidedPair]:
    """``pairs`` with each variant query (``same_as``: its position → its unit's position) read
    as its unit, keeping one pair per (unit, indexed unit): the strongest decision."""
    if not same_as:
        return list(pairs)
    best: dict[tuple[int, int], DecidedPair] = {}
    for p in pairs:
        if p.query in same_as:
            p = replace(p, query=same_as[p.query])
        key = (p.query, p.unit_id)
        held = best.get(key)
        if held is None or _decision_key(p) > _decision_key(held):
            best[key] = p
    return list(best.values())


def _decision_key(p: DecidedPair) -> tuple[bool, int, float, float]:
    # A claim before a pair too short to claim alone (a plain form can be shorter than the unit).
    d = p.decision
    return (not d.supporting, RANK[d.verdict], d.similarity, d.probability)

"""Align a candidate pair: which tokens and lines match on both sides, from shared fingerprints.

Shared winnowing fingerprints are sorted by their position in the scanned unit and grouped into
clusters: a gap of more than ``MAX_GAP_TOKENS`` between two shared fingerprints starts a new
cluster, and clusters that cover fewer than ``MIN_CLUSTER_TOKENS`` tokens are dropped as chance
agreement. What is left gives the matched line ranges on both sides, so a 15-line snippet inside a
long function is reported with its own lines, not the function's. The numbers named here live
in ``ipscan.tuning`` and are recorded with the classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipscan.arrays import distinct
from ipscan.extract.fingerprint import UnitEvidence
from ipscan.extract.fingerprint import covered_tokens
from ipscan.tuning import MAX_GAP_TOKENS
from ipscan.tuning import MIN_CLUSTER_TOKENS
from ipscan.tuning import TOKENS_PER_DISTINCT_FP
from ipscan.tuning import K


@dataclass(frozen=True)
class Region:
    """Matched lines on both sides (absolute, 1-based, inclusive)."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int


@dataclass(frozen=True)
class PairAlignment:
    """Token evidence for one (scanned unit, indexed unit) pair."""

    shared_fps: int  # distinct shared fingerprint hashes
    matched_tokens: int  # tokens matched on both sides (the smaller side, capped as above)
    query_coverage: float  # share of the scanned unit's tokens that match
    source_coverage: float  # share of the indexed unit's tokens that match
    region_coverage: float  # share of the scanned tokens inside the matched region that match
    region: Region | None  # None when no cluster is large enough


def whole_units(q_lines: tuple[int, int], s_lines: tuple[int, int]) -> Region:
    """The region for an exact (digest-equal) copy: both units in full."""
    return Region(q_lines[0], q_lines[1], s_lines[0], s_lines[1])


def align_pair(
    query: UnitEvidence,
    query_fp: np.ndarray,
    source_rows: np.ndarray,
    source_start_line: int,
    source_tokens: int,
) -> PairAlignment:
    """Align one pair from its shared fingerprints.

    ``query_fp`` indexes ``query``'s fingerprints; ``source_rows`` are the matching posting rows
    (fields ``hash``, ``tok``, ``line0``, ``line1``), element for element.
    """
    if len(query_fp) == 0:
        return PairAlignment(0, 0, 0.0, 0.0, 0.0, None)
    q_pos = query.token_pos[query_fp]
    order = np.argsort(q_pos, kind="stable")
    q_pos = q_pos[order]
    query_fp = query_fp[order]
    source_rows = source_rows[order]
    breaks = np.nonzero(np.diff(q_pos) > MAX_GAP_TOKENS)[0] + 1
    kept_q: list[np.ndarray] = []
    kept: list[np.ndarray] = []
    for idx in np.split(np.arange(len(q_pos)), breaks):
        if covered_tokens(distinct(q_pos[idx]), query.n_tokens) >= MIN_CLUSTER_TOKENS:
            kept.append(idx)
            kept_q.append(q_pos[idx])
    shared = len(distinct(query.hashes[query_fp]))
    if not kept:
        return PairAlignment(shared, 0, 0.0, 0.0, 0.0, None)
    idx = np.concatenate(kept)
    s_tok = distinct(source_rows["tok"][idx].astype(np.int64))
    all_q = distinct(np.concatenate(kept_q))
    q_cov = covered_tokens(all_q, query.n_tokens)
    region_tokens = min(int(all_q[-1]) + K, query.n_tokens) - int(all_q[0])
    s_cov = covered_tokens(s_tok, source_tokens)
    matched = min(q_cov, s_cov, len(distinct(query.hashes[query_fp[idx]])) * TOKENS_PER_DISTINCT_FP)
    fps = query_fp[idx]
    region = Region(
        query_start=int(query.start_lines[fps].min()),
        query_end=int(query.end_lines[fps].max()),
        source_start=source_start_line + int(source_rows["line0"][idx].min()),
        source_end=source_start_line + int(source_rows["line1"][idx].max()),
    )
    return PairAlignment(
        shared_fps=shared,
        matched_tokens=int(matched),
        query_coverage=q_cov / max(query.n_tokens, 1),
        source_coverage=s_cov / max(source_tokens, 1),
        region_coverage=q_cov / max(region_tokens, 1),
        region=region,
    )

"""Matcher 3-embed: nearest indexed units by encoder vector (cosine of L2-normalized vectors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.tuning import MIN_COSINE
from ipscan.tuning import NEAREST_MIN_COSINE
from ipscan.tuning import TOP_K


def embed_candidates(
    query_vectors: np.ndarray,
    faiss_index: Any,
    top_k: int = TOP_K,
    rows: np.ndarray | None = None,
) -> list[Candidate]:
    """The top-k neighbours of every query vector whose cosine reaches MIN_COSINE, and the
    nearest one from NEAREST_MIN_COSINE on; ``rows``: the query positions to look up (None:
    all)."""
    positions = np.arange(len(query_vectors)) if rows is None else np.asarray(rows, np.int64)
    if not len(positions) or faiss_index.ntotal == 0:
        return []
    k = min(top_k, faiss_index.ntotal)
    wanted = np.ascontiguousarray(query_vectors[positions], dtype=np.float32)
    # Rows under both thresholds are never candidates: the store need not rank them.
    scores, ids = faiss_index.search(wanted, k, floor=min(NEAREST_MIN_COSINE, MIN_COSINE))
    out = []
    for row, qi in enumerate(positions):
        for rank, (score, uid) in enumerate(zip(scores[row], ids[row], strict=True)):
            if uid >= 0 and score >= (NEAREST_MIN_COSINE if rank == 0 else MIN_COSINE):
                out.append(Candidate(int(qi), int(uid), Matcher.EMBED, float(score)))
    return out

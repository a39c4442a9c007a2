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
    query_vectors: np.ndarray, faiss_index: Any, top_k: int = TOP_K
) -> list[Candidate]:
    """The top-k neighbours of every query vector whose cosine reaches MIN_COSINE, and the
    nearest one from NEAREST_MIN_COSINE on."""
    if not len(query_vectors) or faiss_index.ntotal == 0:
        return []
    k = min(top_k, faiss_index.ntotal)
    scores, ids = faiss_index.search(np.ascontiguousarray(query_vectors, dtype=np.float32), k)
    out = []
    for qi in range(len(query_vectors)):
        for rank, (score, uid) in enumerate(zip(scores[qi], ids[qi], strict=True)):
            if uid >= 0 and score >= (NEAREST_MIN_COSINE if rank == 0 else MIN_COSINE):
                out.append(Candidate(qi, int(uid), Matcher.EMBED, float(score)))
    return out

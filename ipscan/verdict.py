"""A first, transparent verdict rule over one pair's evidence (a trained classifier replaces it).

The rule, in order (numbers measured by ``bench/detection.py``):

1. ``copied``: the normalized token streams are identical (names, literals, comments and layout
   aside) and the unit is long enough (``DIGEST_MIN_TOKENS``). Shorter units with the same
   normalized form are stock idioms as often as copies (``__exit__`` signatures, property
   getters): at most ``similar`` (rule 4).
2. ``copied`` / ``modified-copy``: at least ``MIN_MATCHED_TOKENS`` tokens align through shared
   fingerprints and they make up a real share of one side (``MIN_COVERAGE``), or are long enough
   on their own to be a pasted snippet (``SNIPPET_TOKENS``). Both sides covered to
   ``FULL_COVERAGE`` is ``copied``; anything less is ``modified-copy``.
3. ``modified-copy``: embeddings nearly agree (``EMBED_COPY_COSINE``) and some fingerprints
   support it (renamed copies with statements edited fall here).
4. ``similar``: embeddings agree closely (``EMBED_SIMILAR_COSINE``) without token support.
   Reported only with ``--explain``; never fails a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipscan.align import PairAlignment
from ipscan.records import Verdict

DIGEST_MIN_TOKENS = 50
MIN_MATCHED_TOKENS = 40
MIN_COVERAGE = 0.5
MIN_REGION_COVERAGE = 0.5
SNIPPET_TOKENS = 80
FULL_COVERAGE = 0.9
EMBED_COPY_COSINE = 0.93
EMBED_COPY_MIN_TOKENS = 20
EMBED_COPY_MIN_COVERAGE = 0.3
EMBED_SIMILAR_COSINE = 0.97

RANK = {Verdict.COPIED: 3, Verdict.MODIFIED_COPY: 2, Verdict.SIMILAR: 1}


@dataclass(frozen=True)
class PairEvidence:
    """Everything the rule looks at for one (scanned unit, indexed unit) pair."""

    digest_equal: bool
    cosine: float
    query_tokens: int
    source_tokens: int
    alignment: PairAlignment

    def features(self) -> dict[str, float]:
        """The evidence as named numbers, for ``--explain`` and the JSON report."""
        a = self.alignment
        return {
            "digest_equal": float(self.digest_equal),
            "cosine": round(self.cosine, 4),
            "matched_tokens": float(a.matched_tokens),
            "shared_fingerprints": float(a.shared_fps),
            "query_coverage": round(a.query_coverage, 4),
            "source_coverage": round(a.source_coverage, 4),
            "region_coverage": round(a.region_coverage, 4),
            "query_tokens": float(self.query_tokens),
            "source_tokens": float(self.source_tokens),
        }


@dataclass(frozen=True)
class Decision:
    """A verdict and the similarity (0-1) that goes with it."""

    verdict: Verdict
    similarity: float


def decide(ev: PairEvidence) -> Decision | None:
    """The verdict for one pair, or None when the evidence does not reach any rule."""
    a = ev.alignment
    if ev.digest_equal and min(ev.query_tokens, ev.source_tokens) >= DIGEST_MIN_TOKENS:
        return Decision(Verdict.COPIED, 1.0)
    best_cov = max(a.query_coverage, a.source_coverage)
    if (
        a.matched_tokens >= MIN_MATCHED_TOKENS
        and a.region_coverage >= MIN_REGION_COVERAGE
        and (best_cov >= MIN_COVERAGE or a.matched_tokens >= SNIPPET_TOKENS)
    ):
        # A verbatim snippet inside a larger unit is still copied: judge it by its own region.
        full = (
            min(a.query_coverage, a.source_coverage) >= FULL_COVERAGE
            or a.region_coverage >= FULL_COVERAGE
        )
        similarity = max(best_cov, a.region_coverage)
        return Decision(Verdict.COPIED if full else Verdict.MODIFIED_COPY, round(similarity, 4))
    if (
        ev.cosine >= EMBED_COPY_COSINE
        and min(ev.query_tokens, ev.source_tokens) >= DIGEST_MIN_TOKENS
        and a.matched_tokens >= EMBED_COPY_MIN_TOKENS
        and best_cov >= EMBED_COPY_MIN_COVERAGE
    ):
        return Decision(Verdict.MODIFIED_COPY, round(ev.cosine, 4))
    if ev.cosine >= EMBED_SIMILAR_COSINE:
        return Decision(Verdict.SIMILAR, round(ev.cosine, 4))
    return None

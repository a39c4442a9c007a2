"""The verdict of one pair: the trained classifier's calibrated P(copy), then its reasons.

0. Only a *claimable* pair can be a copy: both units hold at least ``MIN_CLAIM_TOKENS``
   normalized tokens, or at least that many tokens align (a snippet inside larger units).
   Shorter agreement is a stock idiom as often as a copy (``__exit__`` bodies, getters); the
   classifier is trained on claimable pairs only. A short pair the classifier accepts is kept
   as *supporting*: it joins a neighbouring claimed copy from the same source file, and is
   dropped otherwise.
1. ``copied`` / ``modified-copy``: the classifier (``ipscan.decide.classifier``, trained by
   ``ipscan model train-classifier`` on rewritten copies of real code and on unrelated code)
   puts P(copy) at or above its threshold. ``copied`` when the token streams are identical or
   both sides (or the matched region, for a pasted snippet) are covered to ``FULL_COVERAGE``;
   anything less is ``modified-copy``.
2. ``similar``: below the threshold, but the embeddings agree closely
   (``EMBED_SIMILAR_COSINE``). Reported only with ``--explain``; never fails a run by default.

Reasons name the evidence that fired, as stable strings (``Reason``). The numbers named here
live in ``ipscan.tuning`` and are recorded with the classifier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ipscan.decide.classifier import Classifier
from ipscan.extract.fingerprint import winnowed_share
from ipscan.match.align import PairAlignment
from ipscan.match.pair_shares import QueryColumns
from ipscan.match.pair_shares import Shares
from ipscan.records import Reason
from ipscan.records import Verdict
from ipscan.tuning import BOILERPLATE_SHARE
from ipscan.tuning import COVER_REGION
from ipscan.tuning import COVER_UNIT
from ipscan.tuning import EMBED_AGREES
from ipscan.tuning import EMBED_SIMILAR_COSINE
from ipscan.tuning import FULL_COVERAGE
from ipscan.tuning import MIN_CLAIM_TOKENS
from ipscan.tuning import REGION_MIN_TOKENS
from ipscan.tuning import STRUCTURE_W

RANK = {Verdict.COPIED: 3, Verdict.MODIFIED_COPY: 2, Verdict.SIMILAR: 1}


def _expected_fps(fps: Any, tokens: Any) -> Any:
    """How many fingerprints a unit of ``tokens`` tokens holds: winnowing keeps about
    2/(W+1) of the k-grams. A data table holds far fewer (literal-only k-grams are not
    fingerprinted), and its few shared ones must not count as containing it. Numbers or
    arrays of them (``feature_bounds``)."""
    return np.maximum(np.maximum(fps, winnowed_share(tokens)), 1.0)


def _expected_structure(fps: Any, tokens: Any) -> Any:
    """``_expected_fps`` for the structure-insensitive stream (its own window)."""
    return np.maximum(np.maximum(fps, winnowed_share(tokens, STRUCTURE_W)), 1.0)


@dataclass(frozen=True)
class PairEvidence:
    """Everything known about one (scanned unit, indexed unit) pair."""

    digest_equal: bool
    cosine: float
    query_tokens: int
    source_tokens: int
    alignment: PairAlignment
    query_fps: int = 0  # distinct fingerprints of the scanned unit
    source_fps: int = 0  # fingerprints of the indexed unit
    common_share: float = 0.0  # share of the shared fingerprints that are common in the index
    structure_shared: int = 0  # distinct structure-insensitive fingerprints shared
    query_structure: int = 0  # distinct structure-insensitive fingerprints of the scanned unit
    query_structure_tokens: int = 0  # tokens of the scanned unit's structure-insensitive stream

    def features(self) -> dict[str, float]:
        """The evidence as named numbers, for ``--explain``, the JSON report and the classifier."""
        a = self.alignment
        shared = float(a.shared_fps)
        q_contain = min(shared / float(_expected_fps(self.query_fps, self.query_tokens)), 1.0)
        s_contain = min(shared / float(_expected_fps(self.source_fps, self.source_tokens)), 1.0)
        return {
            "digest_equal": float(self.digest_equal),
            "cosine": round(self.cosine, 4),
            "matched_tokens": float(a.matched_tokens),
            "shared_fingerprints": shared,
            "query_coverage": round(a.query_coverage, 4),
            "source_coverage": round(a.source_coverage, 4),
            "region_coverage": round(a.region_coverage, 4),
            "query_containment": round(q_contain, 4),
            "source_containment": round(s_contain, 4),
            "common_share": round(self.common_share, 4),
            "query_tokens": float(self.query_tokens),
            "source_tokens": float(self.source_tokens),
            # Shares weighted by how much evidence backs them: three shared fingerprints cover
            # all of a short window by chance, never by chance all of a long function.
            "weighted_containment": round(q_contain * math.log1p(shared), 4),
            "weighted_region": round(a.region_coverage * math.log1p(a.matched_tokens), 4),
            # Of the scanned unit's structure-insensitive fingerprints, the share the indexed
            # unit holds; never below the main channel's containment, so that an index built
            # before this channel (no structure fingerprints) scores a copy as before.
            "structure_containment": round(max(self._structure_containment(), q_contain), 4),
        }

    def _structure_containment(self) -> float:
        # Out of the fingerprints a stream of that many tokens holds: a data table keeps few
        # (data-only k-grams are left out), and two shared ones must not count as all of it.
        expected = float(_expected_structure(self.query_structure, self.query_structure_tokens))
        return min(self.structure_shared / expected, 1.0)


@dataclass(frozen=True)
class Decision:
    """A verdict, the similarity (0-1) that goes with it, P(copy) and the reasons."""

    verdict: Verdict
    similarity: float
    probability: float = 0.0
    reasons: tuple[Reason, ...] = ()
    # A copy too short to claim alone: reported only as part of a neighbouring claimed copy
    # from the same source file (a short method of a copied class).
    supporting: bool = False


def reasons(ev: PairEvidence) -> tuple[Reason, ...]:
    """The evidence that fired for a pair, strongest first."""
    a = ev.alignment
    out = []
    if ev.digest_equal:
        out.append(Reason.IDENTICAL_TOKENS)
    if min(a.query_coverage, a.source_coverage) >= COVER_UNIT:
        out.append(Reason.FINGERPRINTS_COVER_UNIT)
    elif a.matched_tokens >= REGION_MIN_TOKENS and a.region_coverage >= COVER_REGION:
        out.append(Reason.FINGERPRINTS_COVER_REGION)
    if ev.cosine >= EMBED_AGREES:
        out.append(Reason.EMBEDDING_AGREES)
    if a.shared_fps and ev.common_share >= BOILERPLATE_SHARE:
        out.append(Reason.BOILERPLATE)
    return tuple(out)


def claimable(ev: PairEvidence) -> bool:
    """Whether a pair holds enough code for a copy to be claimed at all."""
    return (
        min(ev.query_tokens, ev.source_tokens) >= MIN_CLAIM_TOKENS
        or ev.alignment.matched_tokens >= MIN_CLAIM_TOKENS
    )


def decide(ev: PairEvidence, probability: float, threshold: float) -> Decision | None:
    """The verdict of one pair given the classifier's P(copy), or None."""
    a = ev.alignment
    why = reasons(ev)
    if probability >= threshold:
        # A matched region speaks for itself only when it is big enough to be a snippet: a
        # three-line loop that two functions share is all of its own region.
        region = a.region_coverage if a.matched_tokens >= REGION_MIN_TOKENS else 0.0
        full = (
            ev.digest_equal
            or min(a.query_coverage, a.source_coverage) >= FULL_COVERAGE
            or region >= FULL_COVERAGE
        )
        if ev.digest_equal:
            similarity = 1.0
        elif a.matched_tokens:
            similarity = max(a.query_coverage, a.source_coverage, region)
        else:
            similarity = ev.cosine
        verdict = Verdict.COPIED if full else Verdict.MODIFIED_COPY
        return Decision(
            verdict,
            round(min(similarity, 1.0), 4),
            round(probability, 4),
            why,
            supporting=not claimable(ev),
        )
    if ev.cosine >= EMBED_SIMILAR_COSINE:
        return Decision(Verdict.SIMILAR, round(ev.cosine, 4), round(probability, 4), why)
    return None


def decide_all(evidence: Sequence[PairEvidence], clf: Classifier) -> list[Decision | None]:
    """Verdicts for many pairs with one batched classifier call."""
    probs = clf.probability([ev.features() for ev in evidence])
    return [decide(ev, float(p), clf.threshold) for ev, p in zip(evidence, probs, strict=True)]


# The largest an indexed unit can be, in tokens: a bound for a feature that grows with it.
_MAX_SOURCE_TOKENS = 10_000_000
# An index keeps its vectors as 8-bit or 16-bit rows, read back with norms a little off 1: a
# cosine of 1.0007 is seen. Five percent is far more than that error.
_MAX_COSINE = 1.05
_ROUNDING = 1e-4


def could_claim(
    units: QueryColumns,
    shared: Shares,
    clf: Classifier,
    owners: np.ndarray | None = None,
) -> np.ndarray:
    """For each row of ``shared`` (what one pair of the unit at that row's position in
    ``owners``, or of the row's own unit, shares), whether that pair could reach ``clf``'s
    threshold: the largest P(copy) over every cosine and alignment
    those shares allow, and every indexed unit where the row does not name one. All True where
    no such bound is known: a non-linear classifier, or a feature this function does not know.

    A unit none of whose pairs can reach the threshold comes to no verdict but ``similar``
    (``--explain``): a scan need not embed it (``ipscan.match.pair_shares``)."""
    lo, hi = feature_bounds(units, shared, clf.features, owners)
    best = None if lo is None or hi is None else clf.max_probability(lo, hi)
    if best is None:
        return np.ones(len(shared.digest), dtype=bool)
    return np.asarray(best >= clf.threshold, dtype=bool)


def feature_bounds(
    units: QueryColumns,
    shared: Shares,
    names: Sequence[str],
    owners: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(lower, upper) bound of each named feature (``PairEvidence.features``) of a pair that
    shares what a row of ``shared`` says, of the unit at the row's position in ``owners`` (None:
    row i is unit i's; ``units``: the scanned units' ``QueryColumns``); (None, None) when a name
    is not known here."""
    n = len(shared.digest)
    q_tokens = units.tokens.astype(np.float64)
    q_fps = units.fingerprints.astype(np.float64)
    q_struct = units.structure.astype(np.float64)
    s_tokens = units.structure_tokens.astype(np.float64)
    if owners is not None:
        q_tokens, q_fps, q_struct, s_tokens = (
            a[owners] for a in (q_tokens, q_fps, q_struct, s_tokens)
        )
    fps = shared.fingerprints.astype(np.float64)  # a pair shares at most these
    any_fp = (fps > 0).astype(np.float64)  # no shared fingerprint: no alignment at all
    q_contain = np.minimum(fps / _expected_fps(q_fps, q_tokens), 1.0)
    structure_share = shared.structure / _expected_structure(q_struct, s_tokens)
    structure = np.maximum(np.minimum(structure_share, 1.0), q_contain)
    zero, one = np.zeros(n), np.ones(n)
    source = (one, np.full(n, float(_MAX_SOURCE_TOKENS)))
    if shared.source_tokens is not None:
        source = (shared.source_tokens, shared.source_tokens)
    common = (zero, any_fp) if shared.common_share is None else (shared.common_share,) * 2
    cosine = (-_MAX_COSINE * one, _MAX_COSINE * one)
    if shared.cosine is not None:
        cosine = (shared.cosine, shared.cosine)
    bounds = {
        "digest_equal": (zero, shared.digest.astype(np.float64)),
        "cosine": cosine,
        "matched_tokens": (zero, q_tokens * any_fp),
        "shared_fingerprints": (zero, fps),
        "query_coverage": (zero, any_fp),
        "source_coverage": (zero, any_fp),
        "region_coverage": (zero, any_fp),
        "query_containment": (zero, q_contain),
        "source_containment": (zero, any_fp),
        "common_share": common,
        "query_tokens": (q_tokens, q_tokens),
        "source_tokens": source,
        "weighted_containment": (zero, q_contain * np.log1p(fps)),
        "weighted_region": (zero, any_fp * np.log1p(q_tokens)),
        "structure_containment": (zero, np.minimum(structure, 1.0)),
    }
    if any(name not in bounds for name in names):
        return None, None
    if not n:
        return np.zeros((0, len(names))), np.zeros((0, len(names)))
    # ``features`` rounds its shares to 4 decimals: the bounds widen by that much.
    lo = np.column_stack([bounds[name][0] for name in names]) - _ROUNDING
    hi = np.column_stack([bounds[name][1] for name in names]) + _ROUNDING
    return lo, hi

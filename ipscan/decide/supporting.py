"""Which claims stand alone: the pairs that count only beside a copy from the same source file.

The classifier judges one pair at a time. Some claims it accepts say nothing alone, and what
tells them apart is around the pair, not in it: a short unit whose normalized form many indexed
units share (``STOCK_UNIT_TOKENS``), a pattern the scanned project repeats on one indexed unit
(``PATTERN_CLAIMS``), a match on a signature that an interface fixes, or a few lines of idiom
that nothing rarer backs. Such a pair is made *supporting* (``Decision.supporting``): it joins a
neighbouring claimed copy from its source file and is dropped otherwise (a unit of filler joins
any claim on its file from that source file: ``ipscan.decide.aggregate.filler_beside_copies``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ipscan.match.pairs import DecidedPair
from ipscan.records import Verdict
from ipscan.tuning import MIN_CLAIM_TOKENS


def supporting_only(
    pairs: Sequence[DecidedPair],
    body_lines: Sequence[int],
    stock: set[int],
    pattern_claims: int,
) -> list[DecidedPair]:
    """``pairs`` with every rule below applied: ``body_lines``, each scanned unit's body's first
    line (0: none); ``stock``, the scanned units of stock code; ``pattern_claims``, how many
    scanned units' partial claims on one indexed unit make a pattern."""
    out = [
        _supporting(p) if p.query in stock and p.decision.verdict is not Verdict.SIMILAR else p
        for p in pairs
    ]
    patterns = _patterns(out, pattern_claims)
    return [
        _supporting(p)
        if _partly(p) and (p.unit_id in patterns or _in_signature(p, body_lines) or _all_common(p))
        else p
        for p in out
    ]


def filler_held_back(
    pairs: Sequence[DecidedPair], filler: set[int]
) -> tuple[list[DecidedPair], list[DecidedPair]]:
    """``pairs`` with the claims on ``filler`` units (tables, near-identical lines:
    ``FILLER_FP_DENSITY``) made supporting, and those claims as they stood: a unit of filler
    counts only with other code claimed on its file (``ipscan.decide.aggregate.
    filler_beside_copies``), since any other table of its shape shares its normalized form."""
    out, held = [], []
    for p in pairs:
        if p.query in filler and _standing(p):
            held.append(p)
            p = _supporting(p)
        out.append(p)
    return out, held


def _standing(p: DecidedPair) -> bool:
    """A claim that stands alone."""
    return p.decision.verdict is not Verdict.SIMILAR and not p.decision.supporting


def _patterns(pairs: Sequence[DecidedPair], at_least: int) -> set[int]:
    """The indexed units that ``at_least`` scanned units make partial claims on, each on fewer
    than ``MIN_CLAIM_TOKENS`` aligned tokens (claimable by the units' size alone): a pattern
    the scanned project repeats is no copy (``PATTERN_CLAIMS``)."""
    partly: dict[int, set[int]] = defaultdict(set)
    for p in pairs:
        if _partly(p):
            partly[p.unit_id].add(p.query)
    return {u for u, qs in partly.items() if len(qs) >= at_least}


def _in_signature(p: DecidedPair, body_lines: Sequence[int]) -> bool:
    """Whether ``p``'s matched lines end by its scanned unit's body's first line: an interface
    fixes its methods' signatures (``ipscan.extract.signature``)."""
    body = body_lines[p.query]
    return bool(body) and p.region.query_end <= body


def _all_common(p: DecidedPair) -> bool:
    """Whether every fingerprint ``p``'s units share is common in the index: a few lines that
    other indexed units write too (a slice of strings joined with ``strconv.Itoa``), and nothing
    rarer, are an idiom when they are all that two units share."""
    return p.evidence.alignment.shared_fps > 0 and p.evidence.common_share >= 1.0


def _supporting(p: DecidedPair) -> DecidedPair:
    """``p`` as part of a copy beside it from the same source file, never a claim alone."""
    return replace(p, decision=replace(p.decision, supporting=True))


def _partly(p: DecidedPair) -> bool:
    """A modified copy on fewer aligned tokens than a claim needs alone."""
    return (
        p.decision.verdict is Verdict.MODIFIED_COPY
        and p.evidence.alignment.matched_tokens < MIN_CLAIM_TOKENS
    )

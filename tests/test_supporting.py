"""Which claims stand alone (``ipscan.decide.supporting``), rule by rule, on pairs whose evidence
is given: the scan-level tests (``test_signatures``, ``test_pattern_claims``) show each rule on a
real index; here each one's edges."""

from __future__ import annotations

from ipscan.decide.supporting import supporting_only
from ipscan.decide.verdict import PairEvidence
from ipscan.match.align import PairAlignment
from ipscan.match.pairs import DecidedPair
from ipscan.records import Verdict
from ipscan.tuning import MIN_CLAIM_TOKENS
from tests.conftest import decided_pair


def _pair(
    query: int,
    unit: int = 0,
    matched: int = 39,
    common_share: float = 0.0,
    verdict: Verdict = Verdict.MODIFIED_COPY,
    lines: tuple[int, int] = (3, 6),
) -> DecidedPair:
    alignment = PairAlignment(8, matched, 0.64, 0.68, 1.0, None)
    evidence = PairEvidence(False, 0.97, 61, 57, alignment, common_share=common_share)
    pair = decided_pair(query, unit, evidence, lines, verdict, 0.68)
    assert isinstance(pair, DecidedPair)
    return pair


def _standing(pairs: list[DecidedPair], body_lines: list[int] | None = None) -> list[int]:
    """The scanned units whose claims stand alone."""
    bodies = body_lines or [0] * (1 + max(p.query for p in pairs))
    kept = supporting_only(pairs, bodies, stock=set(), pattern_claims=5)
    return [p.query for p in kept if not p.decision.supporting]


def test_a_few_lines_of_idiom_and_nothing_rarer_need_a_copy_beside_them() -> None:
    # Every shared fingerprint common in the index: an idiom (a slice of strings joined).
    assert _standing([_pair(0, common_share=1.0)]) == []
    # One rarer fingerprint among them, or enough aligned code to claim alone: a copy.
    assert _standing([_pair(0, common_share=0.5)]) == [0]
    assert _standing([_pair(0, matched=MIN_CLAIM_TOKENS, common_share=1.0)]) == [0]
    # A copy in full stands whatever its fingerprints are.
    assert _standing([_pair(0, common_share=1.0, verdict=Verdict.COPIED)]) == [0]


def test_a_match_ending_by_the_bodys_first_line_is_a_signature() -> None:
    assert _standing([_pair(0, lines=(3, 4))], body_lines=[4]) == []
    assert _standing([_pair(0, lines=(3, 6))], body_lines=[4]) == [0]


def test_many_scanned_units_on_one_indexed_unit_are_a_pattern() -> None:
    assert _standing([_pair(q) for q in range(5)]) == []
    assert _standing([_pair(q) for q in range(4)]) == [0, 1, 2, 3]

"""The verdict rule and the stable strings of the JSON contract."""

from __future__ import annotations

import pytest

from ipscan.align import PairAlignment
from ipscan.records import Matcher
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.verdict import PairEvidence
from ipscan.verdict import decide


def test_contract_strings_are_pinned() -> None:
    assert [v.value for v in Verdict] == ["copied", "modified-copy", "similar"]
    assert [m.value for m in Matcher] == ["1-hash", "2-winnow", "3-embed"]
    assert [s.value for s in Scope] == ["unit", "file"]


def evidence(
    matched: int = 0,
    q_cov: float = 0.0,
    s_cov: float = 0.0,
    region: float = 0.0,
    cosine: float = 0.0,
    digest: bool = False,
    tokens: int = 200,
) -> PairEvidence:
    alignment = PairAlignment(matched // 4, matched, q_cov, s_cov, region, None)
    return PairEvidence(digest, cosine, tokens, tokens, alignment)


@pytest.mark.parametrize(
    ("ev", "expected"),
    [
        (evidence(digest=True, tokens=120), Verdict.COPIED),
        # A short unit with an equal normalized form is a stock idiom as often as a copy.
        (evidence(digest=True, tokens=35, cosine=0.5), None),
        (evidence(digest=True, tokens=35, cosine=0.98), Verdict.SIMILAR),
        (evidence(matched=190, q_cov=0.95, s_cov=0.93, region=0.95), Verdict.COPIED),
        (evidence(matched=120, q_cov=0.6, s_cov=0.55, region=0.7), Verdict.MODIFIED_COPY),
        # A pasted snippet: small share of both units, but long and dense on its own lines.
        (evidence(matched=110, q_cov=0.2, s_cov=0.3, region=1.0), Verdict.COPIED),
        (evidence(matched=30, q_cov=0.2, s_cov=0.2, region=1.0), None),
        (evidence(matched=25, q_cov=0.4, s_cov=0.3, cosine=0.95), Verdict.MODIFIED_COPY),
        (evidence(cosine=0.98), Verdict.SIMILAR),
        (evidence(cosine=0.9), None),
    ],
)
def test_rule(ev: PairEvidence, expected: Verdict | None) -> None:
    decision = decide(ev)
    assert (decision.verdict if decision else None) is expected
    if decision:
        assert 0.0 <= decision.similarity <= 1.0

"""Verdicts: the stable strings of the JSON contract, and the shipped classifier's decisions."""

from __future__ import annotations

import pytest

from ipscan.decide.classifier import load_classifier
from ipscan.decide.verdict import PairEvidence
from ipscan.decide.verdict import decide
from ipscan.decide.verdict import decide_all
from ipscan.match.align import PairAlignment
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Scope
from ipscan.records import Verdict


def test_contract_strings_are_pinned() -> None:
    assert [v.value for v in Verdict] == ["copied", "modified-copy", "similar"]
    assert [m.value for m in Matcher] == [
        "0-file",
        "1-hash",
        "2-winnow",
        "2-verbatim",
        "2-structure",
        "3-embed",
    ]
    assert [s.value for s in Scope] == ["unit", "file"]
    assert [r.value for r in Reason] == [
        "identical-normalized-tokens",
        "fingerprints-cover-unit",
        "fingerprints-cover-region",
        "embedding-agrees",
        "common-fingerprints",
        "identical-file",
        "identical-file-code",
        "verbatim-region",
        "near-identical-file",
        "identical-file-beside-copies",
        "short-unit-beside-copies",
        "short-run-beside-copies",
    ]


def evidence(
    matched: int = 0,
    q_cov: float = 0.0,
    s_cov: float = 0.0,
    region: float = 0.0,
    cosine: float = 0.0,
    digest: bool = False,
    tokens: int = 200,
    common: float = 0.0,
) -> PairEvidence:
    shared = matched // 4
    alignment = PairAlignment(shared, matched, q_cov, s_cov, region, None)
    fps = max(tokens // 4, 1)
    return PairEvidence(digest, cosine, tokens, tokens, alignment, fps, fps, common)


def test_decide_maps_probability_to_verdicts() -> None:
    full = evidence(matched=190, q_cov=0.95, s_cov=0.93, region=0.95, cosine=0.99)
    assert decide(full, 0.99, 0.9).verdict is Verdict.COPIED
    part = evidence(matched=120, q_cov=0.6, s_cov=0.55, region=0.7, cosine=0.9)
    decision = decide(part, 0.95, 0.9)
    assert decision.verdict is Verdict.MODIFIED_COPY
    assert decision.similarity == 0.7
    assert decision.reasons == (Reason.FINGERPRINTS_COVER_UNIT,)
    assert decide(part, 0.5, 0.9) is None
    close = evidence(cosine=0.98)
    assert decide(close, 0.1, 0.9).verdict is Verdict.SIMILAR
    exact = evidence(digest=True, tokens=120, matched=120, q_cov=1.0, s_cov=1.0, region=1.0)
    decision = decide(exact, 0.999, 0.9)
    assert (decision.verdict, decision.similarity) == (Verdict.COPIED, 1.0)
    assert decision.reasons[0] is Reason.IDENTICAL_TOKENS
    assert not decision.supporting
    # Too short to claim alone: only as part of a neighbouring claimed copy.
    short = evidence(digest=True, tokens=35, matched=35, q_cov=1.0, s_cov=1.0, region=1.0)
    assert decide(short, 0.99, 0.9).supporting


@pytest.mark.parametrize(
    ("ev", "expected"),
    [
        # Identical normalized tokens over a long unit.
        (evidence(digest=True, tokens=150, matched=150, q_cov=1, s_cov=1, region=1), "copy"),
        # Most of both units align through shared fingerprints.
        (evidence(matched=190, q_cov=0.95, s_cov=0.93, region=0.95, cosine=0.97), "copy"),
        # A pasted snippet: a small share of both units, but long and dense on its own lines.
        (
            evidence(matched=110, q_cov=0.35, s_cov=0.6, region=1.0, tokens=150, cosine=0.7),
            "copy",
        ),
        # Nothing aligns and the embeddings disagree.
        (evidence(cosine=0.6), "no"),
        # A few shared fingerprints, all of them common idioms.
        (evidence(matched=24, q_cov=0.1, s_cov=0.1, region=0.3, cosine=0.7, common=1.0), "no"),
    ],
)
def test_the_shipped_classifier_on_clear_cases(ev: PairEvidence, expected: str) -> None:
    clf = load_classifier()
    (decision,) = decide_all([ev], clf)
    copy = decision is not None and decision.verdict is not Verdict.SIMILAR
    assert copy is (expected == "copy"), (decision, clf.probability([ev.features()]))

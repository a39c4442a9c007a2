"""Neighbouring findings from the same source merge into one region."""

from __future__ import annotations

from ipscan.decide.aggregate import merge_adjacent
from ipscan.records import Finding
from ipscan.records import Reason
from ipscan.records import SourceRef
from ipscan.records import Verdict


def _finding(start: int, end: int, s_start: int, s_end: int, **kw: object) -> Finding:
    source = SourceRef("pkg", "1.0", kw.pop("src", "src/a.py"), s_start, s_end, "MIT")  # type: ignore[arg-type]
    defaults: dict[str, object] = {
        "similarity": 1.0,
        "verdict": Verdict.COPIED,
        "reasons": (Reason.FINGERPRINTS_COVER_UNIT,),
    }
    return Finding("x.py", start, end, source=source, **{**defaults, **kw})  # type: ignore[arg-type]


def test_neighbouring_methods_of_one_source_are_one_finding() -> None:
    merged = merge_adjacent(
        [
            _finding(10, 20, 100, 110),
            _finding(22, 30, 112, 120, verdict=Verdict.MODIFIED_COPY, similarity=0.8),
            _finding(31, 40, 121, 130),
        ]
    )
    assert len(merged) == 1
    f = merged[0]
    assert (f.start_line, f.end_line, f.source.start_line, f.source.end_line) == (10, 40, 100, 130)
    assert f.verdict is Verdict.MODIFIED_COPY
    assert f.evidence["merged_units"] == 3.0
    assert 0.8 < f.similarity < 1.0


def test_far_apart_other_source_or_out_of_order_stay_apart() -> None:
    far = merge_adjacent([_finding(10, 20, 100, 110), _finding(40, 50, 112, 120)])
    other = merge_adjacent([_finding(10, 20, 100, 110), _finding(21, 30, 111, 120, src="b.py")])
    backwards = merge_adjacent([_finding(10, 20, 100, 110), _finding(21, 30, 50, 60)])
    assert (len(far), len(other), len(backwards)) == (2, 2, 2)


def test_short_supporting_copies_join_a_claimed_neighbour_only() -> None:
    claimed = [_finding(10, 20, 100, 110)]
    short_next = _finding(21, 24, 111, 114)
    short_alone = _finding(60, 63, 300, 303)
    merged = merge_adjacent(claimed, [short_next, short_alone])
    assert [(f.start_line, f.end_line) for f in merged] == [(10, 24)]
    assert merge_adjacent([], [short_alone]) == []

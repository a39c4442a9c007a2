"""Neighbouring findings from the same source merge into one region; a unit that sibling files
of one upstream share is reported from its file's home source file, or from the source file
whose path ends like its own."""

from __future__ import annotations

from dataclasses import replace

from ipscan.decide.aggregate import merge_adjacent
from ipscan.decide.aggregate import unit_findings
from ipscan.decide.aggregate import without_shadowed
from ipscan.decide.verdict import PairEvidence
from ipscan.match.align import PairAlignment
from ipscan.match.pairs import DecidedPair
from ipscan.records import Finding
from ipscan.records import Reason
from ipscan.records import SourceRef
from ipscan.records import Verdict
from tests.conftest import decided_pair


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


def _pair(query: int, unit: int, verdict: Verdict, similarity: float) -> DecidedPair:
    lines = (10 * query + 1, 10 * query + 8)
    evidence = PairEvidence(False, 0.9, 64, 64, PairAlignment(6, 60, 0.9, 0.9, 0.9, None))
    pair = decided_pair(query, unit, evidence, lines, verdict, similarity)
    assert isinstance(pair, DecidedPair)
    return pair


def test_a_unit_two_sibling_files_share_is_reported_from_its_files_home() -> None:
    # Indexed units 0-2 are in a.rs, unit 3 in its sibling b.rs (ceilf.rs beside floorf.rs).
    sources = {
        u: SourceRef("libm", "0.2.1", "a.rs" if u < 3 else "b.rs", 1, 8, "MIT") for u in range(4)
    }
    pairs = [
        _pair(0, 0, Verdict.COPIED, 1.0),
        _pair(1, 1, Verdict.COPIED, 1.0),
        # Scanned unit 2 is in both: b.rs a little better, a.rs as good within the margin.
        _pair(2, 3, Verdict.MODIFIED_COPY, 0.9),
        _pair(2, 2, Verdict.MODIFIED_COPY, 0.85),
    ]
    paths, names = ["floorf.rs"] * 3, ["f0", "f1", "f2"]
    found = unit_findings(pairs, paths, names, sources.__getitem__)
    assert {f.start_line: f.source.path for f in found} == {1: "a.rs", 11: "a.rs", 21: "a.rs"}
    # Not when the home file's pair is clearly weaker, or of a lower verdict.
    weaker = [*pairs[:3], _pair(2, 2, Verdict.MODIFIED_COPY, 0.7)]
    lower = [*pairs[:2], _pair(2, 3, Verdict.COPIED, 1.0), _pair(2, 2, Verdict.MODIFIED_COPY, 1.0)]
    for other in (weaker, lower):
        found = unit_findings(other, paths, names, sources.__getitem__)
        assert next(f.source.path for f in found if f.start_line == 21) == "b.rs"
    # One unit from a.rs is no home: the best pair stays first.
    alone = [pairs[0], *pairs[2:]]
    found = unit_findings(alone, ["floorf.rs"] * 3, names, sources.__getitem__)
    assert next(f.source.path for f in found if f.start_line == 21) == "b.rs"


def test_with_no_home_the_source_whose_path_ends_like_the_scanned_one_comes_first() -> None:
    # One scanned unit of vendor/libm/src/math/floorf.rs, as good a match in three files.
    paths = {0: "src/math/ceilf.rs", 1: "tests/floorf.rs", 2: "src/math/floorf.rs"}
    sources = {u: SourceRef("libm", "0.2.1", p, 1, 8, "MIT") for u, p in paths.items()}
    pairs = [
        _pair(0, 0, Verdict.MODIFIED_COPY, 0.9),
        _pair(0, 1, Verdict.MODIFIED_COPY, 0.88),
        _pair(0, 2, Verdict.MODIFIED_COPY, 0.85),
    ]
    scanned = ["vendor/libm/src/math/floorf.rs"]
    [found] = unit_findings(pairs, scanned, ["floorf"], sources.__getitem__)
    assert found.source.path == "src/math/floorf.rs"
    # Not when that file's pair is clearly weaker: then the next best name, else the best pair.
    weaker = [*pairs[:2], _pair(0, 2, Verdict.MODIFIED_COPY, 0.7)]
    [found] = unit_findings(weaker, scanned, ["floorf"], sources.__getitem__)
    assert found.source.path == "tests/floorf.rs"
    [found] = unit_findings(pairs, ["vendor/roundf.rs"], ["floorf"], sources.__getitem__)
    assert found.source.path == "src/math/ceilf.rs"


def test_a_weaker_match_inside_a_copy_from_another_file_is_dropped() -> None:
    outer = _finding(57, 102, 33, 78, src="accumulators/ostream.hpp")
    inside = dict(verdict=Verdict.MODIFIED_COPY, similarity=0.6)
    sibling = _finding(57, 64, 327, 328, src="ostream.hpp", **inside)
    same_file = _finding(57, 64, 10, 17, src="accumulators/ostream.hpp", **inside)
    elsewhere = _finding(110, 120, 300, 310, src="ostream.hpp", **inside)
    stronger = _finding(66, 70, 300, 304, src="ostream.hpp")  # as strong: not a look-alike
    kept = without_shadowed([outer, sibling, same_file, elsewhere, stronger])
    assert kept == [outer, same_file, elsewhere, stronger]
    assert without_shadowed([replace(sibling, path="y.py"), outer]) == [
        replace(sibling, path="y.py"),
        outer,
    ]


def test_a_match_inside_a_copy_from_the_same_lines_of_its_source_is_dropped() -> None:
    # A copied function and the closure inside it, each matched on its own.
    outer = _finding(6, 24, 197, 222, src="json2.js", verdict=Verdict.MODIFIED_COPY)
    closure = _finding(20, 23, 219, 221, src="json2.js", verdict=Verdict.MODIFIED_COPY)
    assert without_shadowed([closure, outer]) == [outer]
    # The same lines matched twice from that file: the first stays.
    twice = replace(outer, similarity=0.9)
    assert without_shadowed([outer, twice]) == [outer]
    # Other lines of that file inside the scanned span are a finding of their own.
    moved = _finding(20, 23, 10, 13, src="json2.js")
    assert without_shadowed([outer, moved]) == [outer, moved]


def test_of_equal_matches_the_original_comes_before_a_vendored_copy() -> None:
    paths = {0: "py/_vendored_packages/apipkg/__init__.py", 1: "src/apipkg/__init__.py"}
    sources = {u: SourceRef("pkg", "1.0", p, 1, 8, "MIT") for u, p in paths.items()}
    for order in ([0, 1], [1, 0]):
        pairs = [_pair(0, u, Verdict.COPIED, 1.0) for u in order]
        [found] = unit_findings(pairs, ["app/apipkg.py"], ["f"], sources.__getitem__)
        assert found.source.path == "src/apipkg/__init__.py"


def test_a_finding_lists_the_other_files_as_good_a_match() -> None:
    # One scanned program, copied in three submissions (ConPlag): one named, two also in.
    paths = {0: "p14/921b6e4a.java", 1: "p14/115c99cb.java", 2: "p14/3e6def38.java"}
    paths |= {3: "p14/6b97058e.java", 4: "p14/9ab3c0e1.java"}
    sources = {u: SourceRef("conplag", "1", p, 1, 8, "CC-BY-4.0") for u, p in paths.items()}
    pairs = [
        _pair(0, 0, Verdict.COPIED, 1.0),
        _pair(0, 1, Verdict.COPIED, 1.0),
        _pair(0, 2, Verdict.COPIED, 0.95),
        _pair(0, 3, Verdict.COPIED, 0.8),  # clearly weaker
        _pair(0, 4, Verdict.MODIFIED_COPY, 1.0),  # a lower verdict
        _pair(0, 0, Verdict.COPIED, 1.0),  # the named file again
    ]
    [found] = unit_findings(pairs, ["Main.java"], ["main"], sources.__getitem__)
    named = found.source.path
    also = [ref.path for ref in found.also_in]
    assert sorted([named, *also]) == sorted(paths[u] for u in (0, 1, 2))
    assert len(also) == len(set(also)) == 2
    # Merged neighbours keep each other file once.
    after = replace(found.source, start_line=9, end_line=12)
    [merged] = merge_adjacent([found, replace(found, start_line=9, end_line=12, source=after)])
    assert [ref.path for ref in merged.also_in] == also
    [alone] = unit_findings(pairs[:1], ["Main.java"], ["main"], sources.__getitem__)
    assert alone.also_in == ()

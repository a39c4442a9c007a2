"""Units a scan does not embed: those no indexed unit could make a copy of, by what each of their
pairs shares (``could_claim``, ``worth_embedding``), on the shipped classifier and a real index
built in the run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ipscan.decide.classifier import load_classifier
from ipscan.decide.verdict import could_claim
from ipscan.decide.verdict import feature_bounds
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.analyze import analyze_file
from ipscan.index.reader import IndexReader
from ipscan.match.pair_shares import QueryColumns
from ipscan.match.pair_shares import empty_shares
from ipscan.match.pair_shares import exact_shares
from ipscan.match.pair_shares import pair_shares
from ipscan.match.pairs import PairCandidate
from ipscan.match.pairs import decide_pairs
from ipscan.match.segment_matches import segment_matches
from ipscan.match.segment_matches import worth_embedding
from ipscan.match.totals import index_totals
from ipscan.records import SourceFile
from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import candidate_pairs
from ipscan.scan import scan_repo
from ipscan.tuning import COMMON_FANOUT
from tests.conftest import init_repo
from tests.conftest import installed_file

# Code written for this test: nothing like it is in the index.
UNRELATED = '''\
"""Seat assignment for a small theatre (written for this test)."""


def assign(rows, party, prefer_aisle=True):
    for number, row in enumerate(rows):
        free = [i for i, taken in enumerate(row) if not taken]
        runs, start = [], None
        for i in range(len(row) + 1):
            if i < len(row) and not row[i]:
                start = i if start is None else start
            elif start is not None:
                runs.append((start, i))
                start = None
        fits = [(a, b) for a, b in runs if b - a >= party]
        if not fits:
            continue
        a, b = fits[0] if prefer_aisle else fits[-1]
        for seat in range(a, a + party):
            row[seat] = True
        return number, list(range(a, a + party)), len(free) - party
    raise LookupError("no row has room for the whole party")
'''


def test_the_bound_is_the_largest_probability_in_every_box() -> None:
    clf = load_classifier()
    rng = np.random.default_rng(0)
    n, f = 400, len(clf.features)
    a = rng.uniform(0.0, 3.0, (n, f)) * rng.integers(0, 2, (n, f))
    b = a + rng.uniform(0.0, 200.0, (n, f)) * rng.integers(0, 2, (n, f))
    best = clf.max_probability(a, b)
    assert best is not None
    for _ in range(20):
        inside = a + (b - a) * rng.uniform(0.0, 1.0, (n, f))
        p = clf.probability([dict(zip(clf.features, row, strict=True)) for row in inside])
        assert np.all(p <= best + 1e-12)
    corners = clf.probability([dict(zip(clf.features, row, strict=True)) for row in b])
    assert np.any(corners < best)  # some boxes have their largest at a low end


def test_a_classifier_that_is_not_linear_gives_no_bound_and_skips_nothing() -> None:
    clf = load_classifier()
    tanh = replace(clf, config={**clf.config, "activation": "tanh"})
    assert tanh.max_probability(np.zeros((1, 15)), np.ones((1, 15))) is None
    unit = analyze_file(SourceFile("seats.py", UNRELATED, "python")).units[0].evidence
    one = QueryColumns.of([unit])
    assert could_claim(one, empty_shares(np.zeros(1, bool)), tanh).tolist() == [True]


@pytest.fixture(scope="module")
def analyzed(tiny_index: Path) -> tuple[list[AnalyzedUnit], IndexReader]:
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    files = [
        SourceFile("vendor/utils.py", utils, "python"),
        SourceFile("app/seats.py", UNRELATED, "python"),
    ]
    units = [au for f in files for au in analyze_file(f).units]
    return units, IndexReader(tiny_index)


def test_every_pair_lies_inside_the_box_of_what_it_shares(
    analyzed: tuple[list[AnalyzedUnit], IndexReader],
) -> None:
    units, reader = analyzed
    clf = load_classifier()
    evidence = [au.evidence for au in units]
    columns = QueryColumns.of(evidence)
    totals = index_totals(evidence, [], reader)
    assert len(reader.segments) > 1  # a pair's unit id runs over every segment
    found = [
        segment_matches(evidence, seg, totals, totals.segment_bounds(i))
        for i, seg in enumerate(reader.segments)
    ]
    shares = [
        pair_shares(evidence, columns, f.hits, f.structure, seg.units, COMMON_FANOUT)
        for seg, f in zip(reader.segments, found, strict=True)
    ]
    pairs = candidate_pairs(units, reader, ScanOptions(index_dir=reader.index_dir, device="cpu"))
    assert pairs  # every unit embedded
    brute = np.zeros(len(units), dtype=bool)
    structure_only = 0
    for position, seg in enumerate(reader.segments):
        base, end = int(reader.unit_base[position]), int(reader.unit_base[position + 1])
        mine = [p for p in pairs if base <= p.unit_id < end]
        query = np.array([p.query for p in mine], dtype=np.int64)
        unit = np.array([p.unit_id - base for p in mine], dtype=np.int64)
        box = exact_shares(shares[position], columns, query, unit, seg.units)
        lo, hi = feature_bounds(columns, box, clf.features, query)
        assert lo is not None and hi is not None
        for i, p in enumerate(mine):
            x = np.array([p.evidence.features()[name] for name in clf.features])
            assert np.all(x >= lo[i] - 1e-9) and np.all(x <= hi[i] + 1e-9), p
        # Every pair that shares a fingerprint, each bounded on its own.
        q2, u2, _ = shares[position].structure_only()
        structure_only += len(q2)
        q_all = np.concatenate([shares[position].query, q2])
        u_all = np.concatenate([shares[position].unit, u2])
        each = exact_shares(shares[position], columns, q_all, u_all, seg.units)
        brute[q_all[could_claim(columns, each, clf, q_all)]] = True
    digest = np.logical_or.reduce([f.digest_found for f in found])
    brute |= could_claim(columns, empty_shares(digest), clf)
    wanted = worth_embedding(columns, reader.segments, shares, found, clf)
    # The bound per unit over its structure-only pairs rules out no unit a pair would keep.
    assert structure_only and wanted.tolist() == brute.tolist()
    accepted = [p for p in decide_pairs(pairs, clf) if p.decision.verdict is not Verdict.SIMILAR]
    assert accepted and all(wanted[p.query] for p in accepted)
    assert not wanted.all()  # the unrelated file's units are not embedded


def test_a_scan_finds_the_same_with_and_without_every_unit_embedded(
    tmp_path: Path, tiny_index: Path
) -> None:
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    repo = init_repo(tmp_path / "repo", {"vendor/utils.py": utils, "app/seats.py": UNRELATED})
    lean = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu"))
    full = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="cpu", explain=True))
    assert lean.findings
    key = [(f.path, f.start_line, f.end_line, f.verdict, f.source.path) for f in lean.findings]
    want = [
        (f.path, f.start_line, f.end_line, f.verdict, f.source.path)
        for f in full.findings
        if f.verdict is not Verdict.SIMILAR
    ]
    assert key == want


def test_pairs_that_cannot_come_to_a_verdict_are_not_gathered(
    analyzed: tuple[list[AnalyzedUnit], IndexReader],
) -> None:
    units, reader = analyzed
    clf = load_classifier()
    options = ScanOptions(index_dir=reader.index_dir, device="cpu")
    every = candidate_pairs(units, reader, options)
    judged = candidate_pairs(units, reader, options, claims_by=clf)
    assert 0 < len(judged) < len(every)

    def claims(pairs: list[PairCandidate]) -> set[tuple[int, int, str, float]]:
        return {
            (p.query, p.unit_id, p.decision.verdict.value, p.decision.probability)
            for p in decide_pairs(pairs, clf)
            if p.decision.verdict is not Verdict.SIMILAR
        }

    assert claims(every) and claims(judged) == claims(every)

"""A scan finds the same whether the index is many segments or one merged index (issue #17):
boilerplate is counted over the whole index (``ipscan.match.totals``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_bytes
from ipscan.index.compact import compact_index
from ipscan.index.reader import IndexReader
from ipscan.index.store import write_index
from ipscan.match.bounds import hash_bounds
from ipscan.match.totals import index_totals
from ipscan.match.winnow import find_hits
from ipscan.match.winnow import max_posting_fanout
from ipscan.records import Report
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.test_index_segments import grow
from tests.test_index_segments import named


def test_a_fingerprint_spread_over_segments_is_boilerplate_as_in_one_index(
    tmp_path: Path,
) -> None:
    idx = tmp_path / "idx"
    cut = max_posting_fanout(12)
    common = np.uint64(12345)
    parts = []
    for k, package in enumerate(("alpha", "beta")):
        part = named(6, package, k)
        part.postings["hash"][::3] = common  # each unit of both segments posts it once
        parts.append(part)
    write_index(idx, parts[0])
    grow(idx, parts[1])
    query = _evidence(
        "def f(a, b):\n"
        "    out = [a + b * i for i in range(a) if i % b]\n"
        "    total = sum(x * x for x in out if x > b)\n"
        "    return out, total, max(out, default=0) - min(out, default=0)\n"
    )
    query_units = [au.evidence for au in query.units]
    query_units[0] = _with_hashes(query_units[0], common)
    with IndexReader(idx) as reader:
        assert len(reader.segments) == 2 and 6 <= cut < 12  # each under the cut, both over it
        totals = index_totals(query_units, [query.raw], reader)
        assert totals.unit_fps is not None and int(totals.unit_fps[0]) == 12
        for seg in reader.segments:
            alone = find_hits(query_units, seg.postings, reader.n_units)
            merged = find_hits(query_units, seg.postings, reader.n_units, None, totals.unit_fps)
            assert len(alone.posting) == 6 and len(merged.posting) == 0


def test_scanning_a_segmented_index_finds_what_its_merged_copy_finds(
    tmp_path: Path, tiny_index: Path
) -> None:
    merged = tmp_path / "merged"
    shutil.copytree(tiny_index, merged)
    compact_index(merged)
    with IndexReader(tiny_index) as reader:
        assert len(reader.segments) == 2  # click, then packaging added as a segment
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    specifiers = installed_file("packaging", "packaging/specifiers.py").read_text(encoding="utf-8")
    repo = init_repo(
        tmp_path / "repo",
        {
            "vendor/utils.py": utils,
            "lib/specs.py": specifiers[: len(specifiers) // 2],
            "app.py": "def main(argv):\n    return sum(len(a) for a in argv)\n",
        },
    )
    segmented = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="numpy"))
    one = scan_repo(repo, ScanOptions(index_dir=merged, device="numpy"))
    assert segmented.findings and _found(segmented) == _found(one)


def _found(report: Report) -> list[tuple[object, ...]]:
    return [
        (
            f.path,
            f.start_line,
            f.end_line,
            f.verdict,
            f.scope,
            f.source.package,
            f.source.path,
            f.source.start_line,
            f.source.end_line,
            round(f.similarity, 3),
        )
        for f in report.findings
    ]


def _evidence(text: str) -> AnalyzedFile:
    analyzed = analyze_bytes("q.py", text.encode())
    assert isinstance(analyzed, AnalyzedFile) and analyzed.units
    return analyzed


def _with_hashes(evidence, common: np.uint64):  # type: ignore[no-untyped-def]
    """``evidence`` whose first winnowing fingerprint is ``common``."""
    import dataclasses

    hashes = np.array(evidence.hashes, copy=True)
    hashes[0] = common
    return dataclasses.replace(evidence, hashes=hashes)


def test_each_matcher_takes_the_row_ranges_the_counting_found(
    tmp_path: Path, tiny_index: Path
) -> None:
    from ipscan.index import layout
    from ipscan.match.digest import match_digests
    from ipscan.match.structure import structure_shared
    from ipscan.match.verbatim import verbatim_regions

    specifiers = installed_file("packaging", "packaging/specifiers.py").read_text(encoding="utf-8")
    query = _evidence(specifiers)
    units = [au.evidence for au in query.units]
    with IndexReader(tiny_index) as reader:
        totals = index_totals(units, [query.raw], reader)
        assert totals.bounds is not None and len(totals.bounds) == 2
        for position, seg in enumerate(reader.segments):
            bounds = totals.segment_bounds(position)
            assert bounds is not None
            n = reader.n_units
            searched = find_hits(units, seg.postings, n, None, totals.unit_fps)
            given = find_hits(units, seg.postings, n, None, totals.unit_fps, bounds.unit_fps)
            assert np.array_equal(searched.posting, given.posting)
            column = seg.hash_column(layout.STRUCTURE_POSTINGS)
            assert structure_shared(
                units, seg.structure_postings, n, column, totals.structure
            ) == structure_shared(
                units, seg.structure_postings, n, column, totals.structure, bounds.structure
            )
            assert match_digests(units, seg.digest_index, totals.digests) == match_digests(
                units, seg.digest_index, totals.digests, bounds.digests
            )
            files = seg.file_postings
            assert verbatim_regions([query.raw], files, None, totals.file_fps) == verbatim_regions(
                [query.raw], files, None, totals.file_fps, bounds.file_fps
            )
        found = sum(len(b.unit_fps[1]) for b in totals.bounds)
        assert found == 2 * len(totals.unit_fps)  # every fingerprint looked up in each segment
    merged = tmp_path / "merged"
    shutil.copytree(tiny_index, merged)
    compact_index(merged)
    with IndexReader(merged) as reader:  # one segment: its own counts are the totals
        assert index_totals(units, [query.raw], reader).bounds is None


def test_hash_bounds_of_many_hashes_are_each_hashs_own_range() -> None:
    """Many hashes are looked up in sorted order; each still gets its own [lo, hi)."""
    rng = np.random.default_rng(3)
    column = np.sort(rng.integers(0, 500, 20_000).astype(np.uint64))  # repeated hashes
    for n in (10, 5_000):
        hashes = rng.integers(0, 600, n).astype(np.uint64)  # some absent, some repeated
        lo, hi = hash_bounds(column, hashes)
        assert lo.tolist() == np.searchsorted(column, hashes, "left").tolist()
        assert hi.tolist() == np.searchsorted(column, hashes, "right").tolist()

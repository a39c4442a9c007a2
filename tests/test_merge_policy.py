"""Tier merges (issue #17): small segments of one size tier merge by eights, big ones are never
rewritten, and the merged index holds exactly what the segments held."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ipscan.index.compact import merge_tiers
from ipscan.index.merge_policy import MAX_MERGED_UNITS
from ipscan.index.merge_policy import MERGE_FACTOR
from ipscan.index.merge_policy import merged_names
from ipscan.index.merge_policy import next_merge
from ipscan.index.merge_policy import tier
from ipscan.index.open import source_lookup
from ipscan.index.reader import IndexReader
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock
from ipscan.index.verify import verify_index
from tests.conftest import run_cli
from tests.test_index_segments import grow
from tests.test_index_segments import named


def test_tiers_grow_by_the_merge_factor() -> None:
    assert [tier(n) for n in (0, 999, 7_999, 8_000, 63_999, 64_000)] == [0, 0, 0, 1, 1, 2]


def test_a_full_tier_merges_its_smallest_and_a_short_one_waits() -> None:
    assert next_merge([10] * (MERGE_FACTOR - 1)) == []
    sizes = [50_000, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert next_merge(sizes) == [1, 2, 3, 4, 5, 6, 7, 8]  # tier 0's eight smallest, in order
    assert merged_names(list("abcdefghij"), [1, 2, 3, 4, 5, 6, 7, 8], "m") == ["a", "m", "j"]


def test_a_merge_never_makes_a_segment_above_the_cap() -> None:
    big = MAX_MERGED_UNITS * 4 // 10
    assert next_merge([big] * MERGE_FACTOR) == [0, 1]  # two fit under the cap, not eight
    assert next_merge([MAX_MERGED_UNITS * 6 // 10] * MERGE_FACTOR) == []  # not even two


def test_growing_by_many_builds_keeps_few_segments_and_rewrites_little() -> None:
    sizes: list[int] = []
    written = 0
    for _ in range(10):  # ten builds of 1M units, 50,000 per segment: a 10M-unit index
        sizes += [50_000] * 20
        while group := next_merge(sizes):
            merged = sum(sizes[p] for p in group)
            written += merged
            sizes = [merged if p == group[0] else s for p, s in enumerate(sizes)]
            sizes = [s for p, s in enumerate(sizes) if p == group[0] or p not in group]
    assert sum(sizes) == 10_000_000 and len(sizes) <= 20
    assert max(sizes) <= MAX_MERGED_UNITS and written <= 2 * 10_000_000


def test_merge_tiers_merges_eight_small_segments_into_one(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(3, "p0", 0))
    for k in range(1, MERGE_FACTOR + 1):
        grow(idx, named(2 + k % 3, f"p{k}", k))
    with IndexReader(idx) as reader:
        before = _rows(reader)
        assert len(reader.segments) == MERGE_FACTOR + 1
    with writer_lock(idx):
        assert merge_tiers(idx) == 1
        assert merge_tiers(idx) == 0  # nothing left to merge
    with IndexReader(idx) as reader:
        assert len(reader.segments) == 2  # the eight smallest became one; the other stands
        assert sorted(_rows(reader)) == sorted(before)
    assert verify_index(idx).units == len(before)


def _rows(reader: IndexReader) -> list[tuple[str, str, int]]:
    """Every unit as (package, unit name, digest): what must survive a merge."""
    lookup = source_lookup(reader)
    out = []
    for uid in range(reader.n_units):
        seg, local = reader.locate(uid)
        ref = lookup(uid)
        out.append((ref.package, ref.unit_name, int(np.uint64(seg.units[local]["digest"]))))
    return out


def test_builds_that_add_one_package_each_end_with_a_merge(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    outputs = []
    for k in range(MERGE_FACTOR):
        pkg = tmp_path / f"pkg{k}"
        pkg.mkdir()
        (pkg / f"mod{k}.py").write_text(_module(k), encoding="utf-8")
        res = run_cli("index", "build", str(pkg), "--index", str(idx), "--device", "numpy")
        assert res.returncode == 0, res.stderr
        outputs.append(res.stdout.strip().splitlines()[-1])
    assert outputs[-2].endswith(f"in {MERGE_FACTOR - 1} segment(s)")
    assert outputs[-1].endswith("in 1 segment(s), 1 merge(s) of small segments")
    with IndexReader(idx) as reader:
        packages = {source_lookup(reader)(u).package for u in range(reader.n_units)}
    assert packages == {f"pkg{k}" for k in range(MERGE_FACTOR)}


def _module(k: int) -> str:
    """A small module whose one function is its own (distinct names and constants)."""
    return (
        f"def scale_{k}(values, factor={k + 2}):\n"
        f"    total_{k} = 0\n"
        "    out = []\n"
        "    for index, value in enumerate(values):\n"
        f"        if value % {k + 3} == 0:\n"
        f"            out.append(value * factor + index - {k})\n"
        f"            total_{k} += value\n"
        "        else:\n"
        f"            out.append(value - {k + 1})\n"
        f"    return out, total_{k}\n"
    )

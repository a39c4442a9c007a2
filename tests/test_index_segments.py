"""Segments (issue #17): a build adds a segment and never rewrites what the index holds;
compaction merges; readers keep what they opened; old generations' segments are collected."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index import generations
from ipscan.index import layout
from ipscan.index.open import source_lookup
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import add_segment
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock
from ipscan.index.verify import verify_index
from tests.test_index_store import contents


def named(n_units: int, package: str, seed: int) -> IndexContents:
    c = contents(n_units)
    rng = np.random.default_rng(seed)
    c.units["digest"] = rng.integers(0, 2**63, n_units, dtype=np.int64).astype(np.uint64)
    c.sources = [{"name": package, "version": "1.0", "license": "MIT", "digest": package}]
    c.files = [{"path": f"{package}.py", "source": 0, "license": "MIT"}]
    c.unit_names = [f"{package}_{i}" for i in range(n_units)]
    return c


def grow(idx: Path, c: IndexContents) -> Path:
    """Add ``c`` as a segment after what the index holds (what a build does)."""
    with writer_lock(idx), IndexReader(idx) as reader:
        before = list(reader.segment_names)
    with writer_lock(idx):
        return add_segment(idx, c, before)[0]


def segment_folders(idx: Path) -> list[str]:
    folder = idx / layout.SEGMENTS
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_adding_a_segment_keeps_the_old_data_and_numbers_units_on(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = write_index(idx, named(4, "alpha", 1))
    before = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    grow(idx, named(3, "beta", 2))
    grow(idx, named(2, "gamma", 3))
    with IndexReader(idx) as reader:
        assert len(reader.segments) == 3 and reader.n_units == 9
        assert reader.segments[0].gen_dir == first  # never rewritten
        assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == before
        lookup = source_lookup(reader)
        assert [lookup(u).package for u in (0, 3, 4, 6, 7, 8)] == [
            "alpha",
            "alpha",
            "beta",
            "beta",
            "gamma",
            "gamma",
        ]
        assert lookup(5).unit_name == "beta_1"
        assert reader.counts["units"] == 9 and reader.counts["sources"] == 3
        with pytest.raises(IpscanIndexError, match="unit 9 is not in the index"):
            reader.locate(9)
        with pytest.raises(IpscanIndexError, match="compact it"):
            reader.units  # noqa: B018
    assert len(segment_folders(idx)) == 2
    assert verify_index(idx).units == 9


def test_compacting_merges_segments_and_collects_the_old_ones(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    grow(idx, named(3, "beta", 2))
    with IndexReader(idx) as reader:
        merged = reader.contents()
        names = [source_lookup(reader)(u).unit_name for u in range(reader.n_units)]
    with writer_lock(idx):
        write_index(idx, merged)
    with IndexReader(idx) as reader:
        assert len(reader.segments) == 1 and reader.n_units == 7
        assert [source_lookup(reader)(u).unit_name for u in range(7)] == names
        assert sorted(reader.postings["unit"].tolist()) == sorted([*range(4), *range(4, 7)] * 3)
        assert reader.files[1] == {"path": "beta.py", "source": 1, "license": "MIT"}
    assert segment_folders(idx) == []
    assert len(generations.recorded(idx)) == 1


def test_a_reader_keeps_its_segments_while_the_index_is_compacted(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    grow(idx, named(3, "beta", 2))
    reader = IndexReader(idx)
    with writer_lock(idx):
        write_index(idx, IndexReader(idx).contents())
    assert len(segment_folders(idx)) == 1  # still read
    assert source_lookup(reader)(5).unit_name == "beta_1"
    assert len([reader.segments[1].vector_store.vector(i) for i in range(3)]) == 3
    reader.close()
    with writer_lock(idx):
        generations.collect(idx)
    assert segment_folders(idx) == []


def test_a_half_written_segment_is_collected(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    (idx / layout.SEGMENTS / ".s-20260101T000000-abcdef.tmp").mkdir(parents=True)
    (idx / layout.SEGMENTS / "notes").mkdir()  # not ipscan's: left alone
    grow(idx, named(3, "beta", 2))
    assert [n for n in segment_folders(idx) if not n.startswith("s-")] == ["notes"]


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ([], "manifest segments is"),
        (["../etc"], "manifest segments is"),
        (["s-a", "s-a"], "manifest segments is"),
        ("s-a", "manifest segments is"),
        (["s-missing"], "manifest.json is missing or corrupt"),
    ],
)
def test_a_bad_segment_list_is_a_one_line_error(
    tmp_path: Path, segments: object, message: str
) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    gen = grow(idx, named(3, "beta", 2))
    manifest = json.loads((gen / layout.MANIFEST).read_text())
    manifest["segments"] = segments
    (gen / layout.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IpscanIndexError, match=message):
        IndexReader(idx)


def test_segments_from_another_encoder_are_refused(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    other = named(3, "beta", 2)
    other.encoder = {**other.encoder, "weights_sha256": "1" * 64}
    grow(idx, other)
    with pytest.raises(IpscanIndexError, match="different encoders"):
        IndexReader(idx)


def test_verify_and_compact_from_the_command_line(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    idx = tmp_path / "idx"
    write_index(idx, named(4, "alpha", 1))
    grow(idx, named(3, "beta", 2))
    res = run_cli("index", "verify", str(idx))
    assert res.returncode == 0, res.stderr
    assert "ok (7 units, 2 files, 2 sources in 2 segment(s)" in res.stdout
    res = run_cli("index", "compact", str(idx))
    assert res.returncode == 0 and "2 segment(s) merged into 1" in res.stdout
    assert segment_folders(idx) == [] and not (idx / layout.SEGMENTS).exists()
    assert "in 1 segment(s)" in run_cli("index", "verify", str(idx)).stdout
    (idx / str(generations.live_name(idx)) / layout.UNITS).write_bytes(b"\x93NUMPY broken")
    res = run_cli("index", "verify", str(idx))
    assert res.returncode == 3 and res.stderr.count("\n") == 1
    assert "units.npy is missing or corrupt" in res.stderr

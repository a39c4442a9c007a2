"""The index directory: atomic generations, checked on load, one writer at a time, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.ann import I8_NAME
from ipscan.index.ann_i8 import decode
from ipscan.index.ann_i8 import quantize
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock


def contents(n_units: int = 4, dim: int = 8) -> IndexContents:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n_units, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    units = np.zeros(n_units, layout.UNIT_DTYPE)
    units["start_line"] = np.arange(n_units) * 10 + 1
    units["end_line"] = units["start_line"] + 8
    units["n_tokens"] = 50
    units["digest"] = rng.integers(0, 2**63, n_units, dtype=np.int64).astype(np.uint64)
    postings = np.zeros(3 * n_units, layout.POSTING_DTYPE)
    postings["hash"] = rng.integers(0, 2**63, len(postings), dtype=np.int64).astype(np.uint64)
    postings["unit"] = np.repeat(np.arange(n_units), 3)
    return IndexContents(
        encoder={"id": "test", "weights_sha256": "0" * 64, "dim": dim, "max_length": 8},
        sources=[{"name": "pkg", "version": "1.0", "license": "MIT", "digest": "d"}],
        files=[{"path": "a.py", "source": 0, "license": "MIT"}],
        units=units,
        unit_names=[f"f{i}" for i in range(n_units)],
        postings=postings,
        vectors=vectors,
    )


def test_round_trip(tmp_path: Path) -> None:
    c = contents()
    write_index(tmp_path / "idx", c)
    r = IndexReader(tmp_path / "idx")
    assert np.array_equal(r.units, c.units)
    assert np.all(np.diff(r.postings["hash"].astype(np.float64)) >= 0)  # sorted by hash
    assert r.unit_names == c.unit_names
    assert r.files == c.files and r.sources == c.sources
    got = r.contents().vectors
    assert np.array_equal(got, decode(quantize(c.vectors)))  # 8-bit rows (ann_i8)
    assert r.faiss_index.ntotal == 4


def test_a_new_generation_replaces_the_old_one_whole(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = write_index(idx, contents(4))
    second = write_index(idx, contents(6))
    assert not first.exists() and second.exists()
    assert len(IndexReader(idx).units) == 6
    assert not [p for p in idx.iterdir() if p.name.endswith(".tmp")]


WRITTEN = [n for n in layout.DATA_FILES if n != layout.VECTORS] + [I8_NAME]


@pytest.mark.parametrize("victim", WRITTEN)
def test_a_corrupt_file_is_a_one_line_error(tmp_path: Path, victim: str) -> None:
    gen = write_index(tmp_path / "idx", contents())
    with (gen / victim).open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(IpscanIndexError, match="missing or corrupt; rebuild"):
        IndexReader(tmp_path / "idx")


def test_a_newer_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    gen = write_index(tmp_path / "idx", contents())
    manifest = json.loads((gen / layout.MANIFEST).read_text())
    manifest["format_version"] = 99
    (gen / layout.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IpscanIndexError, match="format 99"):
        IndexReader(tmp_path / "idx")


def test_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(IpscanIndexError, match="not an ipscan index"):
        IndexReader(tmp_path)


def test_two_writers_are_kept_apart(tmp_path: Path) -> None:
    with (
        writer_lock(tmp_path),
        pytest.raises(IpscanIndexError, match="another ipscan process"),
        writer_lock(tmp_path),
    ):
        pass


def test_no_pickle_in_any_array(tmp_path: Path) -> None:
    c = contents()
    gen = write_index(tmp_path / "idx", c)
    for name, written in ((layout.UNITS, c.units), (layout.POSTINGS, c.postings)):
        raw = (gen / name).read_bytes()
        assert raw.startswith(b"\x93NUMPY") and b"pickle" not in raw
        # Plain records: loading without pickle gives back every row that was written.
        loaded = np.load(gen / name, allow_pickle=False)
        assert not loaded.dtype.hasobject
        assert len(loaded) == len(written)
        assert sorted(loaded.tolist()) == sorted(written.tolist())


def test_an_index_from_before_the_record_hands_over_its_live_generation(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = write_index(idx, contents(4))
    (idx / layout.GENERATIONS).unlink()  # as indexes written before GENERATIONS existed
    (first / layout.READERS).unlink()
    (idx / "g-notes").mkdir()  # not recorded, not live: never ours to remove
    second = write_index(idx, contents(5))
    assert not first.exists() and second.is_dir() and (idx / "g-notes").is_dir()
    assert (idx / layout.GENERATIONS).read_text().split() == [second.name]

"""A scan gives back a segment's mapped pages once a pass is done with it (issue #17)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ipscan.index import layout
from ipscan.index.pages import release
from ipscan.index.reader import IndexReader


def _rss_file_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    raise AssertionError("no RssFile line")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_released_pages_leave_resident_memory_and_the_data_stays(tmp_path: Path) -> None:
    path = tmp_path / "column.npy"
    values = np.arange(4 * 1024 * 1024, dtype="<u8")  # 32 MiB
    np.save(path, values)
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    before = _rss_file_kb()
    assert int(mapped.sum()) == int(values.sum())  # every page touched
    touched = _rss_file_kb()
    assert touched - before > 16 * 1024
    assert release([mapped, mapped[::7]]) == 1  # a view is the same mapping
    assert touched - _rss_file_kb() > 16 * 1024
    assert np.array_equal(mapped[-5:], values[-5:])  # mapped again when read


def test_arrays_read_whole_have_nothing_to_release() -> None:
    assert release([np.arange(10), np.zeros(0)]) == 0


def test_a_released_segment_answers_as_before(tiny_index: Path) -> None:
    with IndexReader(tiny_index) as reader:
        assert len(reader.segments) == 2
        seg = reader.segments[0]
        column = seg.hash_column(layout.POSTINGS)
        assert column is not None
        hashes = np.array(column[::5])
        query = np.asarray(seg.vector_store.vector(3), dtype=np.float32)[None, :]
        found = seg.vector_store.search(query, 5)
        reader.done_with(seg)
        assert np.array_equal(seg.hash_column(layout.POSTINGS)[::5], hashes)
        again = seg.vector_store.search(query, 5)
        assert np.array_equal(found[1], again[1]) and np.allclose(found[0], again[0])
        assert int(seg.units["n_tokens"].sum()) > 0 and len(seg.digest_index) == len(seg.units)


def test_the_vector_rows_are_released_too(tmp_path: Path) -> None:
    from ipscan.index.ann import open_vector_store
    from ipscan.index.ann import write_vector_store

    vectors = np.random.default_rng(0).standard_normal((20_000, 384)).astype(np.float32)
    for rows in ("i8", "f16"):
        folder = tmp_path / rows
        folder.mkdir()
        store = open_vector_store(
            folder, write_vector_store(folder, vectors, rows=rows), 20_000, 384
        )
        mapped = getattr(store.rows, "records", store.rows)  # 8-bit records, or float16 rows
        assert release([mapped]) == 1, rows
        np.testing.assert_allclose(store.vector(7), vectors[7], atol=0.05)

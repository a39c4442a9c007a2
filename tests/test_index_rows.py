"""Index rows read on demand (ipscan.index.rows) and the cheap checks a scan makes on open."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.manifest import HEAD_BYTES
from ipscan.index.manifest import verify_files
from ipscan.index.reader import IndexReader
from ipscan.index.rows import JsonRows
from ipscan.index.rows import Lines
from ipscan.index.rows import line_offsets
from ipscan.index.rows import write_lines
from ipscan.index.store import write_index
from tests.test_index_store import contents

CORRUPT = r"files\.jsonl is missing or corrupt"
NAMES = ["f0", "naïve_ünïcode", "", "a b", "x" * 300]


def test_lines_round_trip_with_and_without_offsets(tmp_path: Path) -> None:
    write_lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", NAMES)
    with_offsets = Lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", len(NAMES))
    computed = Lines(tmp_path / "n.txt")
    for lines in (with_offsets, computed):
        assert list(lines) == NAMES and len(lines) == len(NAMES)
        assert lines[1] == NAMES[1] and lines[-1] == NAMES[-1] and lines[1:3] == NAMES[1:3]
        with pytest.raises(IndexError):
            lines[len(NAMES)]


@pytest.mark.parametrize(
    ("data", "rows"),
    [(b"", []), (b"a\n", ["a"]), (b"a\nb", ["a", "b"]), (b"\n\n", ["", ""])],
)
def test_offsets_of_files_a_build_did_not_index(data: bytes, rows: list[str]) -> None:
    offsets = line_offsets(data)
    assert len(offsets) == len(rows) + 1 and offsets[-1] == len(data)


def test_a_unit_name_with_a_line_break_stays_one_row(tmp_path: Path) -> None:
    c = contents(3)
    c.unit_names = ["one\ntwo", "cr\rname", "f\x0cfeed"]
    write_index(tmp_path / "idx", c)
    assert list(IndexReader(tmp_path / "idx").unit_names) == ["one two", "cr name", "f\x0cfeed"]


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        (np.array([0, 3, 99], dtype="<u8"), "does not match"),
        (np.array([0, 3], dtype="<u8"), "does not match"),
        (np.array([[0, 3]], dtype="<u8"), "wrong layout"),
        (np.array([0.0, 3.0]), "wrong layout"),
    ],
)
def test_a_bad_offsets_file_is_a_one_line_error(
    tmp_path: Path, offsets: np.ndarray, message: str
) -> None:
    write_lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", ["ab", "cd"])
    np.save(tmp_path / "n.offsets.npy", offsets, allow_pickle=False)
    with pytest.raises(IpscanIndexError, match=message):
        list(Lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", 2))


def test_rows_must_be_as_many_as_the_manifest_counts(tmp_path: Path) -> None:
    write_lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", ["ab", "cd"])
    with pytest.raises(IpscanIndexError, match="2 rows where the manifest counts 5"):
        len(Lines(tmp_path / "n.txt", tmp_path / "n.offsets.npy", 5))


def test_json_rows_are_parsed_when_read_and_checked(tmp_path: Path) -> None:
    write_lines(tmp_path / "f.jsonl", tmp_path / "f.npy", ['{"path": "a.py"}', "[1]", "{"])
    rows = JsonRows(Lines(tmp_path / "f.jsonl", tmp_path / "f.npy", 3))
    assert rows[0] == {"path": "a.py"}
    with pytest.raises(IpscanIndexError, match="row 1 is not a record"):
        rows[1]
    with pytest.raises(IpscanIndexError, match="row 2 is not JSON"):
        rows[2]


def test_a_build_writes_the_lookup_aids_and_the_reader_uses_them(tmp_path: Path) -> None:
    c = contents(6)
    gen = write_index(tmp_path / "idx", c)
    manifest = json.loads((gen / layout.MANIFEST).read_text())
    for name in layout.LOOKUP_FILES:
        assert name in manifest["files"] and name in manifest["sizes"] and name in manifest["heads"]
    reader = IndexReader(tmp_path / "idx")
    index = reader.digest_index
    assert np.all(np.diff(index["digest"].astype(np.float64)) >= 0)
    assert np.array_equal(reader.units["digest"][index["unit"]], index["digest"])
    assert list(reader.files) == c.files and len(reader.files) == len(c.files)


def test_an_index_without_the_lookup_aids_still_opens(tmp_path: Path) -> None:
    """Indexes built before the aids (the shipped default index among them) work without."""
    c = contents(6)
    gen = write_index(tmp_path / "idx", c)
    manifest = json.loads((gen / layout.MANIFEST).read_text())
    for name in layout.LOOKUP_FILES:
        (gen / name).unlink()
        for key in ("files", "sizes", "heads"):
            del manifest[key][name]
    for key in ("sizes", "heads"):
        del manifest[key]
    (gen / layout.MANIFEST).write_text(json.dumps(manifest))
    reader = IndexReader(tmp_path / "idx", verify=True)
    assert reader.unit_names == c.unit_names and list(reader.files) == c.files
    found = reader.units["digest"][reader.digest_index["unit"]]
    assert np.array_equal(found, np.sort(c.units["digest"]))


def test_a_scan_checks_sizes_and_heads_and_verify_reads_everything(tmp_path: Path) -> None:
    """Open costs the same at any size: a change deep inside a file is for `verify` to find."""
    c = contents(4)
    c.files = [{"path": f"p{i}.py", "source": 0, "pad": "x" * 40_000} for i in range(4)]
    gen = write_index(tmp_path / "idx", c)
    target = gen / layout.FILES
    data = bytearray(target.read_bytes())
    assert len(data) > HEAD_BYTES + 10
    data[HEAD_BYTES + 5] ^= 1  # same size, same head
    target.write_bytes(bytes(data))
    IndexReader(tmp_path / "idx").close()
    with pytest.raises(IpscanIndexError, match=CORRUPT):
        IndexReader(tmp_path / "idx", verify=True)
    reader = IndexReader(tmp_path / "idx")
    with pytest.raises(IpscanIndexError, match=CORRUPT):
        verify_files(reader.index_dir, reader.gen_dir, reader.manifest)
    data[3] ^= 1  # in the head: caught on open
    target.write_bytes(bytes(data))
    with pytest.raises(IpscanIndexError, match=CORRUPT):
        IndexReader(tmp_path / "idx")

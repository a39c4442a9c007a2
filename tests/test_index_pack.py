"""An index packed into one file (``ipscan.index.pack``): unpacked once into the cache, it
holds what the folder held and a scan finds the same; a damaged or foreign pack is refused in
one line."""

from __future__ import annotations

import json
import multiprocessing
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.ann_i8 import decode
from ipscan.index.ann_i8 import quantize
from ipscan.index.open import index_location
from ipscan.index.pack import META
from ipscan.index.pack import pack_index
from ipscan.index.pack import unpack_index
from ipscan.index.reader import IndexReader
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.test_index_totals import _found


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory, tiny_index: Path) -> Path:
    out = tmp_path_factory.mktemp("pack") / "tiny.ipack"
    size = pack_index(tiny_index, out)
    assert size == out.stat().st_size
    return out


def test_a_pack_is_smaller_and_the_same_index_packs_to_the_same_bytes(
    tmp_path: Path, tiny_index: Path, packed: Path
) -> None:
    folder = sum(p.stat().st_size for p in tiny_index.rglob("*") if p.is_file())
    assert packed.stat().st_size < folder / 2
    again = tmp_path / "again.ipack"
    pack_index(tiny_index, again)
    assert again.read_bytes() == packed.read_bytes()


def test_unpacked_it_holds_what_the_folder_held(
    tmp_path: Path, tiny_index: Path, packed: Path
) -> None:
    where = unpack_index(packed, tmp_path / "cache")
    assert where.parent == tmp_path / "cache" and len(where.name) == 64
    with IndexReader(tiny_index) as a, IndexReader(where, verify=True) as b:
        one, two = a.contents(), b.contents()
        assert len(b.segments) == 1
    assert one.sources == two.sources and one.files == two.files
    assert one.unit_names == two.unit_names and np.array_equal(one.units, two.units)
    for name in ("postings", "file_postings", "structure_postings", "file_lines"):
        rows_a, rows_b = getattr(one, name), getattr(two, name)
        order = np.argsort(rows_a["hash"], kind="stable")
        assert np.array_equal(rows_a[order], rows_b), name
    assert np.array_equal(one.file_keys, two.file_keys)
    np.testing.assert_array_equal(two.vectors, decode(quantize(one.vectors)))
    assert unpack_index(packed, tmp_path / "cache") == where  # unpacked once


def test_the_one_call_that_unpacks_says_so(tmp_path: Path, packed: Path) -> None:
    told: list[Path] = []
    where = unpack_index(packed, tmp_path / "cache", told.append)
    assert told == [where]
    unpack_index(packed, tmp_path / "cache", told.append)
    assert told == [where]  # already there: nothing to say


def test_a_scan_of_the_pack_finds_what_the_folder_finds(
    tmp_path: Path, tiny_index: Path, packed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(tmp_path / "cache"))
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    repo = init_repo(tmp_path / "repo", {"vendor/utils.py": utils})
    from_folder = scan_repo(repo, ScanOptions(index_dir=tiny_index, device="numpy"))
    from_pack = scan_repo(repo, ScanOptions(index_dir=packed, device="numpy"))
    assert from_folder.findings and _found(from_pack) == _found(from_folder)
    assert (index_location(packed) / layout.CURRENT).is_file()


def _unpack_in_child(args: tuple[str, str]) -> str:
    return str(unpack_index(Path(args[0]), Path(args[1])))


def test_two_processes_unpacking_at_once_get_one_folder(tmp_path: Path, packed: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.map(_unpack_in_child, [(str(packed), str(tmp_path / "c"))] * 2)
    assert got[0] == got[1]
    assert [p.name for p in (tmp_path / "c").iterdir() if not p.name.startswith(".")] == [
        Path(got[0]).name
    ]


def _counts(packed: Path) -> dict[str, int]:
    with zipfile.ZipFile(packed) as zf:
        counts: dict[str, int] = json.loads(zf.read(META))["counts"]
    return counts


def _rewrite(src: Path, dest: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)


def _meta(packed: Path, **changes: object) -> bytes:
    with zipfile.ZipFile(packed) as zf:
        meta = json.loads(zf.read(META))
    meta.update(changes)
    return json.dumps(meta).encode()


@pytest.mark.parametrize(
    "fault",
    [
        "not a zip",
        "no pack.json",
        "another format",
        "newer version",
        "other fingerprint settings",
        "a column changed",
        "a column missing",
        "truncated",
        "an id that is not hex",
        "no counts",
        "counts past any real index",
        "the encoder edited",
        "a pack.json of megabytes",
    ],
)
def test_a_damaged_or_foreign_pack_is_one_line(tmp_path: Path, packed: Path, fault: str) -> None:
    bad = tmp_path / "bad.ipack"
    if fault == "not a zip":
        bad.write_bytes(b"PK\x03\x04 not really")
    elif fault == "truncated":
        bad.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    else:
        change: dict[str, bytes | None] = {
            "no pack.json": {META: None},
            "another format": {META: _meta(packed, format="other")},
            "newer version": {META: _meta(packed, version=99)},
            "other fingerprint settings": {META: _meta(packed, fingerprints={"k": 3})},
            "a column changed": {"units/n_tokens": b"\x00" * 8},
            "a column missing": {"postings/tok": None},
            "an id that is not hex": {META: _meta(packed, id="z" * 64)},
            "no counts": {META: _meta(packed, counts=None)},
            "counts past any real index": {
                META: _meta(packed, counts=dict.fromkeys(_counts(packed), 1 << 50))
            },
            # The digest covers pack.json too: an encoder name changed by hand is refused.
            "the encoder edited": {META: _meta(packed, encoder={"name": "someone-else"})},
            "a pack.json of megabytes": {META: _meta(packed, padding=" " * (2 << 20))},
        }[fault]
        _rewrite(packed, bad, change)
    with pytest.raises(IpscanIndexError) as caught:
        unpack_index(bad, tmp_path / "cache")
    assert "\n" not in str(caught.value)
    cache = tmp_path / "cache"
    left = [p.name for p in cache.iterdir() if not p.name.startswith(".")] if cache.exists() else []
    assert left == []  # nothing half-unpacked stays behind


def test_what_a_killed_unpack_left_is_cleared_under_the_lock(tmp_path: Path, packed: Path) -> None:
    cache = tmp_path / "cache"
    first = unpack_index(packed, cache)
    (first / layout.CURRENT).unlink()  # killed after the rename, before CURRENT: not an index
    (cache / ".unpack-leftover").mkdir()
    (cache / ".unpack-leftover" / "half.npy").write_bytes(b"\0" * 64)
    again = unpack_index(packed, cache)
    assert again == first and (again / layout.CURRENT).is_file()
    assert not (cache / ".unpack-leftover").exists()
    with IndexReader(again, verify=True) as reader:
        assert len(reader.contents().unit_names) > 0


def test_paths_and_names_with_unicode_line_breaks_round_trip(
    tmp_path: Path, encoder: object
) -> None:
    from ipscan.index.build import build_index

    src = tmp_path / "odd"
    src.mkdir()
    body = "\n".join(f"    total = total + {i} * value" for i in range(30))
    code = f"def weigh(value):\n    total = 0\n{body}\n    return total\n"
    (src / "line\u2028sep\x85.py").write_text(code, encoding="utf-8")
    (src / "plain.py").write_text(code.replace("weigh", "measure"), encoding="utf-8")
    index_dir = tmp_path / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)  # type: ignore[attr-defined]
    out = tmp_path / "odd.ipack"
    pack_index(index_dir, out)
    with IndexReader(index_dir) as a, IndexReader(unpack_index(out, tmp_path / "c")) as b:
        one, two = a.contents(), b.contents()
    assert one.files == two.files and one.unit_names == two.unit_names
    assert any("\u2028" in json.dumps(f, ensure_ascii=False) for f in two.files)
    # Small files' line sketches travel too, and whether tiny files' digests are recorded.
    assert len(one.file_lines) and np.array_equal(one.file_lines, two.file_lines)
    assert one.tiny_files and two.tiny_files


def test_members_expanding_past_the_budget_together_are_refused(
    tmp_path: Path, packed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ipscan.index.pack as pack_module

    with zipfile.ZipFile(packed) as zf:
        biggest = max(i.file_size for i in zf.infolist())
    # Each member alone fits; read on several threads, all of them together do not.
    monkeypatch.setattr(pack_module, "MAX_UNPACKED_BYTES", biggest + 1)
    with pytest.raises(IpscanIndexError, match="expands past") as caught:
        unpack_index(packed, tmp_path / "cache")
    assert "\n" not in str(caught.value)

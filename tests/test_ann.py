"""The vector store of large indexes: exact and IVF-SQ8 search, float16 rows, checks of crafted
files (8-bit rows: test_ann_i8.py)."""

from __future__ import annotations

import json
import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index import ann
from ipscan.index.ann import F16_NAME
from ipscan.index.ann import IVF_NAME
from ipscan.index.ann import MISSING
from ipscan.index.ann import ExactStore
from ipscan.index.ann import open_v1_store
from ipscan.index.ann import open_vector_store
from ipscan.index.ann import verify_vector_store
from ipscan.index.ann import write_vector_store
from ipscan.index.ann_search import exact_search
from ipscan.index.vectors import has_faiss
from ipscan.index.vectors import load_faiss
from ipscan.index.vectors import stored_vector
from ipscan.index.vectors import write_vectors
from ipscan.match.embed import embed_candidates

DIM = 64
N = 20_000
K = 10


def write_f16_store(folder: Path, vectors: np.ndarray, **options: Any) -> dict[str, Any]:
    """A store of float16 rows (what indexes before 8-bit rows hold; those: test_ann_i8.py)."""
    return write_vector_store(folder, vectors, rows="f16", **options)


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, seed: int, centres: int = 400) -> np.ndarray:
    """Unit vectors around a fixed set of random centres, as encoder vectors of code cluster."""
    middle = unit(np.random.default_rng(0).standard_normal((centres, DIM)))
    rng = np.random.default_rng(seed)
    return unit(middle[rng.integers(0, centres, n)] + 0.12 * rng.standard_normal((n, DIM)))


def brute_force(rows: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ rows.astype(np.float32).T
    ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth, strict=True)])
    )


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return clustered(N, seed=1)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return clustered(200, seed=2)


@pytest.fixture(scope="module")
def ivf_folder(tmp_path_factory: pytest.TempPathFactory, data: np.ndarray) -> Path:
    folder = tmp_path_factory.mktemp("ivf")
    description = write_f16_store(folder, data, ann_threshold=1000)
    (folder / "description.json").write_text(json.dumps(description))
    return folder


def description_of(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "description.json").read_text())
    return loaded


def test_small_store_is_exact_and_equals_brute_force(
    tmp_path: Path, data: np.ndarray, queries: np.ndarray
) -> None:
    rows = data[:3000]
    description = write_f16_store(tmp_path, rows)
    assert description["kind"] == "exact-f16"
    assert sorted(p.name for p in tmp_path.iterdir()) == [F16_NAME]
    store = open_vector_store(tmp_path, description, 3000, DIM)
    assert (store.ntotal, store.d) == (3000, DIM)
    scores, ids = store.search(queries, K)
    want_scores, want_ids = brute_force(rows.astype(np.float16), queries, K)
    assert ids.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-5)


def test_fewer_rows_than_k_pads_like_faiss(tmp_path: Path, data: np.ndarray) -> None:
    store = open_vector_store(tmp_path, write_f16_store(tmp_path, data[:3]), 3, DIM)
    scores, ids = store.search(data[:2], 5)
    assert ids[:, 3:].tolist() == [[-1, -1], [-1, -1]]
    assert (scores[:, 3:] == MISSING).all()
    assert ids[0, 0] == 0 and ids[1, 0] == 1


def test_empty_store(tmp_path: Path) -> None:
    empty = np.zeros((0, DIM), np.float32)
    store = open_vector_store(tmp_path, write_f16_store(tmp_path, empty), 0, DIM)
    scores, ids = store.search(np.ones((2, DIM), np.float32), 3)
    assert store.ntotal == 0 and (ids == -1).all() and (scores == MISSING).all()


def test_ann_store_recall_against_exact(
    ivf_folder: Path, data: np.ndarray, queries: np.ndarray
) -> None:
    description = description_of(ivf_folder)
    assert description["kind"] == "ivf-sq8"
    assert description["count"] == N and description["dim"] == DIM
    assert description["nprobe"] < description["nlist"]  # not a scan of every list
    store = open_vector_store(ivf_folder, description, N, DIM)
    scores, ids = store.search(queries, K)
    rows = data.astype(np.float16)
    assert recall(ids, brute_force(rows, queries, K)[1]) >= 0.98
    # Re-ranked: every score is the exact inner product with the stored row.
    exact = np.einsum("qkd,qd->qk", rows[ids].astype(np.float32), queries)
    np.testing.assert_allclose(scores, exact, rtol=0, atol=1e-5)
    assert (np.diff(scores, axis=1) <= 0).all()


def test_ann_store_serves_embed_candidates(ivf_folder: Path, data: np.ndarray) -> None:
    store = open_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)
    candidates = embed_candidates(data[:20], store)
    assert {(c.query, c.unit_id) for c in candidates if c.score > 0.999} >= {
        (i, i) for i in range(20)
    }


@pytest.mark.parametrize("ann_threshold", [1000, 10**9])
def test_vector_is_the_stored_fp16_row(
    tmp_path: Path, data: np.ndarray, ann_threshold: int
) -> None:
    rows = data[:2000]
    store = open_vector_store(
        tmp_path, write_f16_store(tmp_path, rows, ann_threshold=ann_threshold), 2000, DIM
    )
    for row in (0, 7, 1999):
        got = store.vector(row)
        assert got.dtype == np.float32 and got.shape == (DIM,)
        np.testing.assert_array_equal(got, rows[row].astype(np.float16).astype(np.float32))
    with pytest.raises(IndexError):
        store.vector(2000)


def test_same_vectors_build_the_same_files(tmp_path: Path, data: np.ndarray) -> None:
    built = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        built.append(write_f16_store(tmp_path / name, data[:4000], ann_threshold=1000))
    assert built[0] == built[1]
    for name in built[0]["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_files_are_plain_npy_and_faiss(ivf_folder: Path) -> None:
    description = description_of(ivf_folder)
    json.dumps(description)
    rows = np.load(ivf_folder / F16_NAME, allow_pickle=False)
    assert rows.dtype == np.dtype("<f2") and rows.shape == (N, DIM)
    assert (ivf_folder / IVF_NAME).read_bytes()[:4] == b"IwSq"
    assert set(description["files"]) == {F16_NAME, IVF_NAME}


def test_v1_store_returns_what_load_faiss_returns(
    tmp_path: Path, data: np.ndarray, queries: np.ndarray
) -> None:
    path = tmp_path / "vectors.faiss"
    write_vectors(path, data[:500])
    store = open_v1_store(path, 500, DIM)
    index = load_faiss(path, 500, DIM)
    assert (store.ntotal, store.d) == (index.ntotal, index.d)
    got = store.search(queries, K)
    want = index.search(queries, K)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(store.vector(42), stored_vector(index, 42))
    with pytest.raises(IpscanIndexError):
        open_v1_store(path, 499, DIM)


# Crafted and damaged files: each must fail to open (or, for ids, to search) with one line.
_IX_HEADER = struct.Struct("<iqqq?i")
_NLIST_AT = 4 + _IX_HEADER.size
_QUANTIZER_COUNT_AT = _NLIST_AT + 16 + 4 + _IX_HEADER.size


def _patch(path: Path, offset: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(data)] = data
    path.write_bytes(bytes(raw))


def _sizes_at(path: Path) -> tuple[int, list[int]]:
    """Offset of the first list size and all list sizes ("full" form) of an IVF file."""
    raw = path.read_bytes()
    at = raw.index(b"ilar") + 4 + 16
    assert raw[at : at + 4] == b"full"
    (count,) = struct.unpack_from("<Q", raw, at + 4)
    return at + 12, list(struct.unpack_from(f"<{count}Q", raw, at + 12))


def _bump_first_list(path: Path) -> None:
    at, sizes = _sizes_at(path)
    _patch(path, at, struct.pack("<Q", sizes[0] + 1))


def _huge_first_list(path: Path) -> None:
    at, _ = _sizes_at(path)
    _patch(path, at, struct.pack("<Q", 2**62))


def _ids_out_of_range(path: Path) -> None:
    at, sizes = _sizes_at(path)
    raw = bytearray(path.read_bytes())
    offset = at + 8 * len(sizes)
    for size in sizes:
        offset += size * DIM
        raw[offset : offset + 8 * size] = struct.pack(f"<{size}q", *([N + 5] * size))
        offset += 8 * size
    path.write_bytes(bytes(raw))


def _first_id_twice(path: Path) -> None:
    """The first list's second id made a copy of its first: a row lost, one listed twice."""
    at, sizes = _sizes_at(path)
    first_ids = at + 8 * len(sizes) + sizes[0] * DIM
    (first,) = struct.unpack_from("<q", path.read_bytes(), first_ids)
    _patch(path, first_ids + 8, struct.pack("<q", first))


def _npy_as(dtype: str, shape: tuple[int, ...], order: str = "C") -> Callable[[Path], None]:
    def craft(path: Path) -> None:
        np.save(path, np.zeros(shape, dtype=dtype, order=order), allow_pickle=False)

    return craft


def _pickled_npy(path: Path) -> None:
    np.save(path, np.array([{"x": 1}] * N, dtype=object), allow_pickle=True)


FILE_FAULTS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "f16 truncated": (F16_NAME, lambda p: p.write_bytes(p.read_bytes()[:-100])),
    "f16 extended": (F16_NAME, lambda p: p.write_bytes(p.read_bytes() + b"\0" * 128)),
    "f16 empty": (F16_NAME, lambda p: p.write_bytes(b"")),
    "f16 not npy": (F16_NAME, lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 200)),
    "f16 float32": (F16_NAME, _npy_as("<f4", (N, DIM))),
    "f16 one row short": (F16_NAME, _npy_as("<f2", (N - 1, DIM))),
    "f16 transposed": (F16_NAME, _npy_as("<f2", (DIM, N))),
    "f16 fortran order": (F16_NAME, _npy_as("<f2", (N, DIM), "F")),
    "f16 pickled objects": (F16_NAME, _pickled_npy),
    "f16 huge header": (F16_NAME, lambda p: _patch(p, 8, struct.pack("<H", 65535))),
    "ivf missing": (IVF_NAME, lambda p: p.unlink()),
    "ivf truncated": (IVF_NAME, lambda p: p.write_bytes(p.read_bytes()[:-100])),
    "ivf extended": (IVF_NAME, lambda p: p.write_bytes(p.read_bytes() + b"\0" * 64)),
    "ivf header only": (IVF_NAME, lambda p: p.write_bytes(p.read_bytes()[:40])),
    "ivf other index type": (IVF_NAME, lambda p: _patch(p, 0, b"IwPQ")),
    "ivf ntotal": (IVF_NAME, lambda p: _patch(p, 8, struct.pack("<q", N + 1))),
    "ivf nlist": (IVF_NAME, lambda p: _patch(p, _NLIST_AT, struct.pack("<Q", 2**40))),
    "ivf quantizer size": (
        IVF_NAME,
        lambda p: _patch(p, _QUANTIZER_COUNT_AT, struct.pack("<Q", 2**60)),
    ),
    "ivf list size": (IVF_NAME, _bump_first_list),
    "ivf huge list": (IVF_NAME, _huge_first_list),
}


@pytest.mark.parametrize("fault", sorted(FILE_FAULTS))
def test_damaged_files_fail_with_one_line(ivf_folder: Path, tmp_path: Path, fault: str) -> None:
    folder = tmp_path / "store"
    shutil.copytree(ivf_folder, folder)
    name, craft = FILE_FAULTS[fault]
    craft(folder / name)
    with pytest.raises(IpscanIndexError) as caught:
        open_vector_store(folder, description_of(folder), N, DIM)
    assert "\n" not in str(caught.value)


def test_crafted_ids_fail_the_search(ivf_folder: Path, tmp_path: Path, queries: np.ndarray) -> None:
    folder = tmp_path / "store"
    shutil.copytree(ivf_folder, folder)
    _ids_out_of_range(folder / IVF_NAME)
    store = open_vector_store(folder, description_of(folder), N, DIM)
    with pytest.raises(IpscanIndexError):
        store.search(queries, K)


DESCRIPTION_FAULTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "not an object": lambda d: [d],
    "unknown kind": lambda d: {**d, "kind": "hnsw"},
    "other files": lambda d: {**d, "files": ["../vectors.f16.npy", IVF_NAME]},
    "newer version": lambda d: {**d, "version": 2},
    "count": lambda d: {**d, "count": N + 1},
    "dim": lambda d: {**d, "dim": DIM * 2},
    "nlist zero": lambda d: {**d, "nlist": 0},
    "nlist over n": lambda d: {**d, "nlist": N + 1},
    "nlist other": lambda d: {**d, "nlist": d["nlist"] // 2},
    "nprobe over nlist": lambda d: {**d, "nprobe": d["nlist"] + 1},
    "nprobe bool": lambda d: {**d, "nprobe": True},
    "nprobe text": lambda d: {**d, "nprobe": "16"},
}


@pytest.mark.parametrize("fault", sorted(DESCRIPTION_FAULTS))
def test_crafted_descriptions_fail_with_one_line(ivf_folder: Path, fault: str) -> None:
    crafted = DESCRIPTION_FAULTS[fault](description_of(ivf_folder))
    with pytest.raises(IpscanIndexError) as caught:
        open_vector_store(ivf_folder, crafted, N, DIM)
    assert "\n" not in str(caught.value)


def test_caller_counts_must_match(ivf_folder: Path) -> None:
    with pytest.raises(IpscanIndexError):
        open_vector_store(ivf_folder, description_of(ivf_folder), N - 1, DIM)


def test_verify_accepts_a_sound_store(ivf_folder: Path) -> None:
    verify_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)


@pytest.mark.parametrize(
    "fault",
    [
        (IVF_NAME, _first_id_twice),
        (IVF_NAME, _ids_out_of_range),
        # An fp16 infinity (0x7c00) in the last row.
        (F16_NAME, lambda p: _patch(p, p.stat().st_size - 2, struct.pack("<H", 0x7C00))),
    ],
    ids=["id twice", "ids out of range", "infinite value"],
)
def test_verify_reads_what_open_does_not(
    ivf_folder: Path, tmp_path: Path, fault: tuple[str, Callable[[Path], None]]
) -> None:
    folder = tmp_path / "store"
    shutil.copytree(ivf_folder, folder)
    name, craft = fault
    craft(folder / name)
    open_vector_store(folder, description_of(folder), N, DIM)  # opening stays cheap
    with pytest.raises(IpscanIndexError) as caught:
        verify_vector_store(folder, description_of(folder), N, DIM)
    assert "\n" not in str(caught.value)


@pytest.fixture
def no_faiss(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import faiss`` fails, as in an install without it (the pre-commit hook's)."""
    monkeypatch.setitem(sys.modules, "faiss", None)


def test_without_faiss_a_large_store_is_written_without_an_ann_file(
    tmp_path: Path, data: np.ndarray, queries: np.ndarray, no_faiss: None
) -> None:
    assert not has_faiss()
    description = write_f16_store(tmp_path, data[:4000], ann_threshold=1000)
    assert description["kind"] == "exact-f16"
    assert sorted(p.name for p in tmp_path.iterdir()) == [F16_NAME]
    store = open_vector_store(tmp_path, description, 4000, DIM)
    np.testing.assert_array_equal(
        store.search(queries, K)[1], brute_force(data[:4000].astype(np.float16), queries, K)[1]
    )


def test_without_faiss_an_ivf_store_is_searched_exactly(
    ivf_folder: Path, data: np.ndarray, queries: np.ndarray, no_faiss: None
) -> None:
    store = open_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)
    assert isinstance(store, ExactStore)
    scores, ids = store.search(queries, K)
    want_scores, want_ids = brute_force(data.astype(np.float16), queries, K)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-5)


def test_without_faiss_a_store_too_large_for_exact_search_is_warned_of_once(
    ivf_folder: Path,
    no_faiss: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(ann, "EXACT_UNITS", N - 1)
    monkeypatch.setattr(ann, "_warned", set())
    for _ in range(2):
        open_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)
    warned = [r.getMessage() for r in caplog.records if "faiss is not installed" in r.getMessage()]
    assert len(warned) == 1, warned
    assert f"{N} vectors are searched exactly" in warned[0]
    assert "ipscan-code[faiss]" in warned[0]
    monkeypatch.setattr(ann, "EXACT_UNITS", N)  # the default index's size: no warning
    monkeypatch.setattr(ann, "_warned", set())
    caplog.clear()
    open_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)
    assert not caplog.records


def test_exact_search_finds_rows_repeated_across_blocks(tmp_path: Path, data: np.ndarray) -> None:
    """Rows repeated a block or two later all reach the top k, each with its exact score (the
    order of equal scores is up to BLAS's rounding in each block, as in FAISS)."""
    rows = np.concatenate([data[:5000], data[:5000], data[:5000]])  # 15,000: three blocks
    description = write_f16_store(tmp_path, rows)
    store = open_vector_store(tmp_path, description, len(rows), DIM)
    queries = np.concatenate([data[:50], clustered(50, seed=9)])
    scores, ids = store.search(queries, K)
    want_scores, _ = brute_force(rows.astype(np.float16), queries, K)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-5)
    for q in range(50):
        assert set(ids[q, :3]) == {q, q + 5000, q + 10000}


def test_a_floored_search_leaves_out_only_what_scores_under_the_floor(
    tmp_path: Path, data: np.ndarray, ivf_folder: Path
) -> None:
    """More queries than one pass scores at once, over two blocks: the floored search returns
    the plain search's results that reach the floor, the rest as empty slots; an IVF store
    answers a floored search alike."""
    rows = data[:9000]
    store = open_vector_store(tmp_path, write_f16_store(tmp_path, rows), len(rows), DIM)
    queries = np.concatenate([clustered(1500, seed=4), data[:100]])  # > QUERY_ROWS
    scores, ids = store.search(queries, K)
    want_scores, _ = brute_force(rows.astype(np.float16), queries, K)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-5)
    floor = float(np.median(scores[:, 0]))
    low_scores, low_ids = store.search(queries, K, floor=floor)
    kept = scores >= np.float32(floor)
    assert 0 < kept.sum() < kept.size
    assert low_ids.tolist() == np.where(kept, ids, -1).tolist()
    assert low_scores.tolist() == np.where(kept, scores, MISSING).tolist()
    ivf = open_vector_store(ivf_folder, description_of(ivf_folder), N, DIM)
    plain, plain_ids = ivf.search(queries[:50], K)
    floored, floored_ids = ivf.search(queries[:50], K, floor=floor)
    assert floored_ids.tolist() == np.where(plain >= floor, plain_ids, -1).tolist()
    assert (floored[floored_ids < 0] == MISSING).all()


@pytest.mark.parametrize("floor", [None, 2.0])
def test_equal_scores_go_to_the_smaller_ids_in_every_block(floor: float | None) -> None:
    """Rows with small integer entries score exactly, so many tie: the k best of each query
    are its highest scores, of equal ones the smaller ids, whichever block they lie in and
    whether a block is merged from its few high scores or partitioned whole."""
    rng = np.random.default_rng(5)
    rows = rng.integers(-2, 3, (12_000, 8)).astype(np.float32)
    queries = rows[rng.integers(0, len(rows), 1_500)]
    scores = queries @ rows.T
    ids = np.broadcast_to(np.arange(len(rows)), scores.shape)
    want_ids = np.lexsort((ids, -scores), axis=-1)[:, :K]
    want = np.take_along_axis(scores, want_ids, axis=1)
    if floor is not None:
        want_ids = np.where(want < floor, -1, want_ids)
        want = np.where(want < floor, MISSING, want)
    got, got_ids = exact_search(rows, queries, K, floor)
    assert got_ids.tolist() == want_ids.tolist()
    assert got.tolist() == want.astype(np.float32).tolist()

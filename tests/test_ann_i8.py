"""Vector rows as 8-bit codes with a scale a row (``ipscan.index.ann_i8``): what new indexes
write, searched and re-ranked like float16 rows, checked like them."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index.ann import I8_NAME
from ipscan.index.ann import IVF_NAME
from ipscan.index.ann import open_vector_store
from ipscan.index.ann import read_all_rows
from ipscan.index.ann import verify_vector_store
from ipscan.index.ann import write_vector_store
from ipscan.index.ann_i8 import BLOCK_ROWS
from ipscan.index.ann_i8 import decode
from ipscan.index.ann_i8 import quantize
from ipscan.index.ann_i8 import row_dtype
from tests.test_ann import DIM
from tests.test_ann import K
from tests.test_ann import brute_force
from tests.test_ann import clustered
from tests.test_ann import recall

N = 6_000


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return clustered(N, seed=3)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return clustered(100, seed=4)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(
        (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1), np.float64
    )


def test_codes_keep_each_row_within_cosine_0_9999_of_its_vector() -> None:
    encoder_like = clustered(2000, seed=5)
    wide = np.random.default_rng(0).standard_normal((500, 384)).astype(np.float32)
    for vectors in (encoder_like, wide):
        back = decode(quantize(vectors))
        assert back.dtype == np.float32 and back.shape == vectors.shape
        assert cosines(back, vectors).min() >= 0.9999


def test_a_row_is_its_dimension_in_bytes_and_a_float() -> None:
    assert row_dtype(384).itemsize == 388
    zero = quantize(np.zeros((2, 8), np.float32))
    assert (zero["scale"] == 0).all() and (decode(zero) == 0).all()


def test_codes_of_decoded_rows_are_the_same_codes(data: np.ndarray) -> None:
    once = quantize(data[:500])
    assert quantize(decode(once)).tobytes() == once.tobytes()  # compacting changes nothing


@pytest.mark.parametrize("ann_threshold", [1000, 10**9])
def test_search_scores_the_decoded_rows(
    tmp_path: Path, data: np.ndarray, queries: np.ndarray, ann_threshold: int
) -> None:
    description = write_vector_store(tmp_path, data, ann_threshold=ann_threshold)
    ivf = ann_threshold <= N
    assert description["kind"] == ("ivf-sq8-i8" if ivf else "exact-i8")
    assert description["files"] == ([I8_NAME, IVF_NAME] if ivf else [I8_NAME])
    store = open_vector_store(tmp_path, description, N, DIM)
    decoded = decode(quantize(data))
    scores, ids = store.search(queries, K)
    truth = brute_force(decoded, queries, K)[1]
    if ivf:
        assert recall(ids, truth) >= 0.98
    else:
        np.testing.assert_array_equal(ids, truth)
    exact = np.einsum("qkd,qd->qk", decoded[ids], queries)
    np.testing.assert_allclose(scores, exact, rtol=0, atol=1e-5)
    for row in (0, 17, N - 1):
        np.testing.assert_array_equal(store.vector(row), decoded[row])
    np.testing.assert_array_equal(read_all_rows(tmp_path, description, N, DIM), decoded)
    verify_vector_store(tmp_path, description, N, DIM)


def test_a_row_costs_its_dimension_and_4_bytes(tmp_path: Path, data: np.ndarray) -> None:
    (tmp_path / "a").mkdir()
    write_vector_store(tmp_path / "a", data)
    write_vector_store(tmp_path, data, rows="f16")
    i8 = (tmp_path / "a" / I8_NAME).stat().st_size
    f16 = (tmp_path / "vectors.f16.npy").stat().st_size
    assert N * (DIM + 4) < i8 <= N * (DIM + 4) + 128 and f16 > N * 2 * DIM  # 384 dims: 388, 768


def _npy(dtype: np.dtype, shape: tuple[int, ...]):  # type: ignore[no-untyped-def]
    def craft(path: Path) -> None:
        np.save(path, np.zeros(shape, dtype=dtype), allow_pickle=False)

    return craft


FAULTS = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:-100]),
    "extended": lambda p: p.write_bytes(p.read_bytes() + b"\0" * 388),
    "not npy": lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 200),
    "float16 rows": _npy(np.dtype("<f2"), (N, DIM)),
    "one row short": _npy(row_dtype(DIM), (N - 1,)),
    "other dimension": _npy(row_dtype(DIM + 1), (N,)),
    "huge header": lambda p: p.write_bytes(p.read_bytes()[:8] + struct.pack("<H", 65535)),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("ann_threshold", [1000, 10**9])
def test_damaged_rows_fail_with_one_line(
    tmp_path: Path, data: np.ndarray, fault: str, ann_threshold: int
) -> None:
    built = tmp_path / "built"
    built.mkdir()
    description = write_vector_store(built, data, ann_threshold=ann_threshold)
    folder = tmp_path / "store"
    shutil.copytree(built, folder)
    FAULTS[fault](folder / I8_NAME)
    with pytest.raises(IpscanIndexError) as caught:
        open_vector_store(folder, description, N, DIM)
    assert "\n" not in str(caught.value)


def test_a_non_finite_scale_fails_verify(tmp_path: Path, data: np.ndarray) -> None:
    description = write_vector_store(tmp_path, data[:100])
    rows = np.load(tmp_path / I8_NAME, mmap_mode="r+", allow_pickle=False)
    rows["scale"][5] = np.inf
    rows.flush()
    del rows
    with pytest.raises(IpscanIndexError, match="not finite"):
        verify_vector_store(tmp_path, description, 100, DIM)


def test_the_exact_store_of_an_ivf_store_skips_its_ann_file(
    tmp_path: Path, data: np.ndarray, queries: np.ndarray
) -> None:
    from ipscan.index.ann import exact_store

    description = write_vector_store(tmp_path, data, ann_threshold=1000)
    assert IVF_NAME in description["files"]
    ivf = open_vector_store(tmp_path, description, N, DIM)
    ivf_ids, ivf_row = ivf.search(queries[:5], K)[1], ivf.vector(7)
    del ivf  # FAISS maps the file: let it go before the file is replaced
    (tmp_path / IVF_NAME).write_bytes(b"not read")  # the exact store never opens it
    exact = exact_store(tmp_path, description, N, DIM)
    got_scores, got_ids = exact.search(queries[:5], K)
    rows = read_all_rows(tmp_path, description, N, DIM)
    want_scores, want_ids = brute_force(rows, queries[:5], K)
    assert np.array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5, atol=1e-6)
    assert recall(ivf_ids, got_ids) >= 0.9
    assert np.array_equal(exact.vector(7), ivf_row)


def test_blocks_quantize_and_decode_as_one_pass_does() -> None:
    """Rows are converted a block at a time (``BLOCK_ROWS``); across block edges each row is
    what it is alone."""
    rows = clustered(2 * BLOCK_ROWS + 123, seed=5)
    records = quantize(rows)
    picks = [0, BLOCK_ROWS - 1, BLOCK_ROWS, 2 * BLOCK_ROWS, len(rows) - 1]
    for i in picks:
        alone = quantize(rows[i : i + 1])
        assert records[i].tobytes() == alone[0].tobytes()
    decoded = decode(records)
    assert decoded.dtype == np.float32 and decoded.shape == rows.shape
    for i in picks:
        np.testing.assert_array_equal(decoded[i], decode(records[i]))
        np.testing.assert_array_equal(decoded[i], records[i]["code"] * records[i]["scale"])

"""Fuzz the embedding cache reader: a cache file with garbage rows, garbage values or garbage
bytes as a whole never raises and never hands back a non-finite or wrong-shaped vector.

The encoder here is a trivial deterministic stand-in implementing the cache's ``_Encoder``
protocol (weights_sha256, dim, encode): the cache reader is what is under test, and a real
encoder would spend the time budget on matrix products instead of on inputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import cache_key
from ipscan.encoder.cache import embed_cached
from tests.fuzz.support import hard_limit

DIM = 8
TEXTS = ["def f(): pass", "x = 1", "", "\ud800", "def f(): pass"]


class HashEncoder:
    """Unit vectors from sha256 of the text: deterministic, instant, never NaN."""

    weights_sha256 = "f" * 64
    dim = DIM

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        rows = []
        for t in texts:
            raw = hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()[:DIM]
            v = np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 127.5
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32).reshape(len(texts), DIM)


ENCODER = HashEncoder()
# Values a damaged or hand-edited row may hold, of every SQLite storage class.
_F16 = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 65504.0, 1e-8]).map(
    lambda x: np.full(DIM, x, dtype=np.float16).tobytes()
)
CELL = st.one_of(
    st.binary(max_size=40),
    _F16,
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=10),
)


def _embed(path: Path) -> np.ndarray:
    """Embed TEXTS through a cache at ``path`` twice; check what came back."""
    with hard_limit():
        for _ in range(2):  # the second pass reads what the first may have rewritten
            with EmbeddingCache(path, enabled=True) as cache:
                out = embed_cached(ENCODER, TEXTS, cache)
            assert out.shape == (len(TEXTS), DIM) and out.dtype == np.float32
            assert np.isfinite(out).all()
            assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-2)
    return out


def _fresh_cache(folder: Path) -> Path:
    path = folder / "cache.sqlite"
    _embed(path)
    return path


@given(data=st.binary(max_size=2000), keep_header=st.booleans())
@example(data=b"", keep_header=False)
@example(data=b"SQLite format 3\x00" + b"\xff" * 100, keep_header=False).via("torn header")
def test_whole_file_garbage(scratch: Path, data: bytes, keep_header: bool) -> None:
    """The cache file replaced by any bytes (or a real cache's first page kept, the rest not)."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = _fresh_cache(folder)
        if keep_header:
            data = path.read_bytes()[:100] + data
        for side in folder.glob("cache.sqlite-*"):
            side.unlink()
        path.write_bytes(data)
        _embed(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@given(
    rows=st.lists(
        st.tuples(st.sampled_from(range(len(TEXTS))), st.integers(0, 5), CELL), max_size=6
    ),
    foreign=st.lists(st.tuples(CELL, CELL), max_size=3),
)
@example(rows=[(0, 1, np.full(DIM, np.nan, np.float16).tobytes())], foreign=[]).via("NaN row")
@example(rows=[(0, 1, b"\x00" * 3)], foreign=[]).via("odd-length vector bytes")
@example(rows=[(0, 1, None)], foreign=[]).via("NULL vector")
def test_garbage_rows(
    scratch: Path, rows: list[tuple[int, int, object]], foreign: list[tuple[object, object]]
) -> None:
    """Real rows whose columns were overwritten with garbage, and rows of garbage keys."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = _fresh_cache(folder)
        conn = sqlite3.connect(str(path))
        try:
            columns = [r[1] for r in conn.execute("PRAGMA table_info(emb)")]
            key_col = columns[0]
            for text_i, col_i, value in rows:
                col = columns[col_i % len(columns)]
                if col == key_col:
                    continue  # the key is what finds the row; garbage keys are below
                key = cache_key(ENCODER.weights_sha256, TEXTS[text_i])
                conn.execute(f"UPDATE emb SET {col} = ? WHERE {key_col} = ?", (value, key))
            for key, value in foreign:
                cells = [key, value] + [value] * (len(columns) - 2)
                marks = ",".join("?" * len(columns))
                # A NOT NULL or type constraint of the table may refuse it.
                with contextlib.suppress(sqlite3.IntegrityError):
                    conn.execute(f"INSERT OR REPLACE INTO emb VALUES ({marks})", cells)
            conn.commit()
        except sqlite3.IntegrityError:
            pass
        finally:
            conn.close()
        _embed(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

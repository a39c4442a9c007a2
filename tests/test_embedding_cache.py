"""The embedding cache is never evidence: damaged rows are misses, unreadable files start afresh.

Real SQLite files in ``tmp_path``, damaged the way disks, torn writes and hand edits damage them,
and a real scan whose findings and exit code must not depend on the state of the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import cache_key
from ipscan.encoder.cache import embed_cached
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

DIM = 8


class _HashEncoder:
    """A deterministic unit-vector encoder that counts what it is asked to encode."""

    weights_sha256 = "f" * 64
    dim = DIM

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        rows = []
        for t in texts:
            raw = hashlib.sha256(t.encode()).digest()[:DIM]
            v = np.frombuffer(raw, dtype=np.uint8).astype(np.float32) + 1.0
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def _rows(path: Path) -> list[tuple[bytes, bytes]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT k, v FROM emb").fetchall()
    finally:
        conn.close()


def _ff_ff(v: bytes) -> object:
    return b"\xff\xff" + v[2:]  # float16 NaN in the first component


def _zeros(v: bytes) -> object:
    return bytes(len(v))


def _text(v: bytes) -> object:
    return "not a vector"


def _integer(v: bytes) -> object:
    return 7


def _real(v: bytes) -> object:
    return 0.5


def _short(v: bytes) -> object:
    return v[:-2]  # one component missing


def _flipped_bit(v: bytes) -> object:
    return bytes([v[0] ^ 0x01]) + v[1:]  # still finite and about unit length


DAMAGE: dict[str, Callable[[bytes], object]] = {
    "ff-ff": _ff_ff,
    "zeros": _zeros,
    "text": _text,
    "integer": _integer,
    "real": _real,
    "short": _short,
    "flipped-bit": _flipped_bit,
}


def damage_every_row(path: Path, how: Callable[[bytes], object]) -> int:
    """Rewrite each stored vector with ``how`` (SQLite's own checks still pass); the row count."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT k, v FROM emb").fetchall()
        with conn:
            conn.executemany("UPDATE emb SET v = ? WHERE k = ?", [(how(v), k) for k, v in rows])
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    return len(rows)


def _cache_file(folder: Path) -> Path:
    (found,) = [p for p in folder.glob("embeddings-*.sqlite")]
    return found


TEXTS = [f"def f{i}(): return {i}" for i in range(6)]


@pytest.mark.parametrize("how", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_row_is_a_miss_that_is_re_embedded_and_repaired(
    tmp_path: Path, how: Callable[[bytes], object]
) -> None:
    enc = _HashEncoder()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        first = embed_cached(enc, TEXTS, cache)
    assert damage_every_row(tmp_path / "c.sqlite", how) == len(TEXTS)
    enc.seen.clear()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        second = embed_cached(enc, TEXTS, cache)
        assert cache.damaged_rows == len(TEXTS)
    np.testing.assert_array_equal(second, first)
    assert enc.seen == TEXTS  # every damaged row was encoded again
    enc.seen.clear()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        third = embed_cached(enc, TEXTS, cache)
        assert cache.damaged_rows == 0  # and rewritten
    assert enc.seen == []
    np.testing.assert_array_equal(third, first)


def test_a_vector_moved_to_another_key_is_a_miss(tmp_path: Path) -> None:
    enc = _HashEncoder()
    path = tmp_path / "c.sqlite"
    with EmbeddingCache(path) as cache:
        first = embed_cached(enc, TEXTS[:2], cache)
    ka, kb = (cache_key(enc.weights_sha256, t) for t in TEXTS[:2])
    conn = sqlite3.connect(path)
    with conn:
        stored = dict(conn.execute("SELECT k, v FROM emb").fetchall())
        conn.execute("UPDATE emb SET v = ? WHERE k = ?", (stored[kb], ka))
        conn.execute("UPDATE emb SET v = ? WHERE k = ?", (stored[ka], kb))
    conn.close()
    with EmbeddingCache(path) as cache:
        np.testing.assert_array_equal(embed_cached(enc, TEXTS[:2], cache), first)
        assert cache.damaged_rows == 2


def test_a_file_that_is_not_a_database_is_moved_aside_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    enc = _HashEncoder()
    path = tmp_path / "embeddings-v2.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="ipscan"), EmbeddingCache(path) as cache:
        assert cache.enabled
        embed_cached(enc, TEXTS, cache)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings
    (aside,) = tmp_path.glob("embeddings-v2.sqlite.corrupt-*")
    assert aside.name in warnings[0]
    assert aside.read_bytes() == b"this is not a database" * 100
    caplog.clear()
    enc.seen.clear()
    with caplog.at_level(logging.WARNING, logger="ipscan"), EmbeddingCache(path) as cache:
        embed_cached(enc, TEXTS, cache)
    assert caplog.records == []  # not warned again
    assert enc.seen == []  # and not re-embedded again


def test_a_truncated_file_is_moved_aside_and_the_scan_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    enc = _HashEncoder()
    path = tmp_path / "embeddings-v2.sqlite"
    many = [f"x = {i}" * 20 for i in range(3000)]
    with EmbeddingCache(path) as cache:
        first = embed_cached(enc, many, cache)
    data = path.read_bytes()
    assert len(data) > 64 * 1024
    path.write_bytes(data[: len(data) // 3])
    enc.seen.clear()
    with caplog.at_level(logging.WARNING, logger="ipscan"), EmbeddingCache(path) as cache:
        np.testing.assert_array_equal(embed_cached(enc, many, cache), first)
        assert cache.enabled
    assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
    assert "moved it to" in caplog.records[0].getMessage()
    assert list(tmp_path.glob("embeddings-v2.sqlite.corrupt-*"))
    enc.seen.clear()
    with EmbeddingCache(path) as cache:
        embed_cached(enc, many, cache)
    assert enc.seen == []


def test_another_programs_table_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "embeddings-v2.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE emb (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
    conn.commit()
    conn.close()
    enc = _HashEncoder()
    with EmbeddingCache(path) as cache:
        assert cache.enabled
        embed_cached(enc, TEXTS, cache)
    assert list(tmp_path.glob("embeddings-v2.sqlite.corrupt-*"))
    enc.seen.clear()
    with EmbeddingCache(path) as cache:
        embed_cached(enc, TEXTS, cache)
    assert enc.seen == []


def test_a_vector_that_is_not_unit_length_is_not_stored(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many([(b"a" * 32, np.zeros(DIM)), (b"b" * 32, np.full(DIM, np.nan))])
        cache.put_many([(b"c" * 32, np.ones(DIM) / np.sqrt(DIM))])
        assert list(cache.get_many([b"a" * 32, b"b" * 32, b"c" * 32])) == [b"c" * 32]
        assert cache.get_many([b"c" * 32], dim=DIM + 1) == {}


# --- End to end: the same findings and exit code whatever happened to the cache ----------------


def _scan(repo: Path, index: Path) -> tuple[int, list[tuple[str, int, int, str]], str]:
    res = run_cli("repo", str(repo), "--index", str(index), "--format", "json", "--device", "cpu")
    assert res.returncode in (0, 1), res.stderr
    found = sorted(
        (f["path"], f["start_line"], f["end_line"], f["verdict"])
        for f in json.loads(res.stdout)["findings"]
    )
    return res.returncode, found, res.stderr


@pytest.fixture(scope="module")
def five_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    formatting = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    specifiers = installed_file("packaging", "packaging/specifiers.py").read_text(encoding="utf-8")
    # Each copy with a function of its own: a file identical to an indexed one takes its
    # units' stored vectors and would leave the cache empty.
    own = "\n\ndef local_marker():\n    return 'local'\n"
    formatting, utils, specifiers = formatting + own, utils + own, specifiers + own
    files = {
        "a/formatting.py": formatting,
        "b/utils.py": utils,
        "c/specifiers.py": specifiers,
        "d/formatting_again.py": formatting,
        "e/utils_again.py": utils,
    }
    return init_repo(tmp_path_factory.mktemp("copies") / "repo", files)


@pytest.fixture(scope="module")
def first_scan(
    tmp_path_factory: pytest.TempPathFactory, five_copies: Path, tiny_index: Path
) -> tuple[int, list[tuple[str, int, int, str]], Path]:
    """The scan of the five copies with an empty cache, and the cache file it filled."""
    cache = tmp_path_factory.mktemp("first-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPSCAN_CACHE_DIR", str(cache))
        code, findings, _ = _scan(five_copies, tiny_index)
    assert code == 1
    assert {path.split("/")[0] for path, *_ in findings} == {"a", "b", "c", "d", "e"}
    return code, findings, _cache_file(cache)


def _filled_cache(first_scan: tuple[object, object, Path], folder: Path) -> Path:
    folder.mkdir()
    target = folder / first_scan[2].name
    target.write_bytes(first_scan[2].read_bytes())
    return target


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["ff-ff", "zeros", "text", "integer"])
def test_a_damaged_cache_does_not_change_a_scan(
    damage: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    five_copies: Path,
    tiny_index: Path,
    first_scan: tuple[int, list[tuple[str, int, int, str]], Path],
) -> None:
    path = _filled_cache(first_scan, tmp_path / "cache")
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(path.parent))
    assert damage_every_row(path, DAMAGE[damage]) > 0
    code, findings, stderr = _scan(five_copies, tiny_index)
    assert (code, findings) == first_scan[:2]
    assert "damaged" in stderr
    if damage == "ff-ff":
        assert "damaged" not in _scan(five_copies, tiny_index)[2]  # repaired


@pytest.mark.slow
def test_an_unreadable_cache_warns_once_and_the_scan_is_unchanged(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    five_copies: Path,
    tiny_index: Path,
    first_scan: tuple[int, list[tuple[str, int, int, str]], Path],
) -> None:
    path = _filled_cache(first_scan, tmp_path / "cache")
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(path.parent))
    path.write_bytes(b"\0garbage" * 4096)
    code, findings, stderr = _scan(five_copies, tiny_index)
    assert (code, findings) == first_scan[:2]
    assert stderr.count("moved it to") == 1, stderr
    code, findings, stderr = _scan(five_copies, tiny_index)
    assert (code, findings) == first_scan[:2]
    assert "cache" not in stderr

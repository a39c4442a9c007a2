"""A local SQLite cache of embeddings, keyed by encoder weights and text.

The cache is an optimisation only: an unreadable, read-only or corrupt cache file turns the cache
off for the run (one warning on the log), it never fails a scan. ``IPSCAN_NO_CACHE=1`` disables it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

CACHE_FILE = "embeddings-v1.sqlite"
ENV_CACHE_DIR = "IPSCAN_CACHE_DIR"
ENV_NO_CACHE = "IPSCAN_NO_CACHE"
_CHUNK = 500  # SQLite host parameters per query

log = logging.getLogger("ipscan")


class _Encoder(Protocol):
    weights_sha256: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def cache_dir() -> Path:
    """``$IPSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ipscan``, else ``~/.cache/ipscan``."""
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / "ipscan"
    return Path.home() / ".cache" / "ipscan"


def cache_disabled() -> bool:
    """True when ``IPSCAN_NO_CACHE`` is set to a true value."""
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() not in ("", "0", "false", "no")


def cache_key(weights_sha256: str, text: str) -> bytes:
    """sha256(weights_sha256 + NUL + text), as bytes."""
    return hashlib.sha256(f"{weights_sha256}\0{text}".encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """float16 vectors by key in ``embeddings-v1.sqlite`` (WAL mode, shared by processes)."""

    def __init__(self, path: str | Path | None = None, enabled: bool | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir() / CACHE_FILE
        self.disabled_reason: str | None = None
        self.writable = True
        self._conn: sqlite3.Connection | None = None
        if enabled is False or (enabled is None and cache_disabled()):
            self.disabled_reason = f"{ENV_NO_CACHE} is set" if enabled is None else "disabled"
            return
        try:
            self._conn = self._open()
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=10.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS emb (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
            )
            conn.commit()
            return conn
        except sqlite3.OperationalError:
            if not self.path.is_file():
                raise
        # A read-only cache (e.g. a shared one) still serves hits.
        self.writable = False
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        conn.execute("SELECT 1 FROM emb LIMIT 1").fetchall()
        return conn

    def _disable(self, exc: BaseException) -> None:
        self.disabled_reason = f"{exc.__class__.__name__}: {exc}"
        log.warning(
            "embedding cache %s unusable, continuing without it (%s)",
            self.path,
            self.disabled_reason,
        )
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    @property
    def enabled(self) -> bool:
        """Whether lookups can hit."""
        return self._conn is not None

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached float16 vectors of those keys that are present."""
        out: dict[bytes, np.ndarray] = {}
        if self._conn is None or not keys:
            return out
        unique = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})", chunk)
                for k, v in rows:
                    out[bytes(k)] = np.frombuffer(v, dtype=np.float16)
        except sqlite3.Error as exc:
            self._disable(exc)
            return {}
        return out

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store vectors (as float16) under their keys."""
        if self._conn is None or not self.writable:
            return
        rows = [(k, np.asarray(v, dtype=np.float16).tobytes()) for k, v in items]
        if not rows:
            return
        try:
            with self._conn:
                self._conn.executemany("INSERT OR REPLACE INTO emb (k, v) VALUES (?, ?)", rows)
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc).replace(" ", "").lower():
                self.writable = False  # hits still work
                return
            self._disable(exc)
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        """Close the database (the cache is unusable afterwards)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fp16_normalized(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float16).astype(np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    return v / norms


def embed_cached(
    encoder: _Encoder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    batch_size: int = 32,
) -> np.ndarray:
    """Vectors for ``texts``, encoding only cache misses (each distinct text once).

    Every returned row has been through float16 and re-normalized, cached or not, so results do
    not depend on the state of the cache.
    """
    n = len(texts)
    out = np.zeros((n, encoder.dim), dtype=np.float32)
    if n == 0:
        return out
    keys = [cache_key(encoder.weights_sha256, t) for t in texts]
    hits = cache.get_many(keys) if cache is not None else {}
    missing: dict[bytes, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if k not in hits or hits[k].shape != (encoder.dim,):
            missing.setdefault(k, t)
    found: dict[bytes, np.ndarray] = {k: v for k, v in hits.items() if v.shape == (encoder.dim,)}
    if missing:
        miss_keys = list(missing)
        fresh = encoder.encode([missing[k] for k in miss_keys], batch_size=batch_size)
        fresh16 = np.asarray(fresh, dtype=np.float16)
        if cache is not None:
            cache.put_many(zip(miss_keys, fresh16, strict=True))
        found.update(zip(miss_keys, fresh16, strict=True))
    stacked = np.stack([found[k] for k in keys])
    out[:] = _fp16_normalized(stacked)
    return out

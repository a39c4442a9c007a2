"""A local SQLite cache of embeddings, keyed by encoder weights and text.

The cache is an optimisation only, never evidence on its own say-so:

* Every row carries a digest of its key and vector bytes. A row whose digest, column types, size
  or values (finite, unit length) are wrong (bit rot, a torn write, a hand-edited file) is a
  cache miss: counted, re-embedded and overwritten, so a damaged cache cannot change a finding.
* A file SQLite cannot read at all (not a database, malformed pages, another program's table) is
  moved aside as ``embeddings-v2.sqlite.corrupt-<UTC time>`` with one warning, and a new cache is
  started, so later runs neither warn again nor re-embed everything again.
* An unwritable location turns the cache read-only or off for the run (one warning on the log);
  it never fails a scan. ``IPSCAN_NO_CACHE=1`` disables it.

The digest detects damage, not forgery: whoever can write the file can compute it too, so a
cache folder writable by untrusted parties must not be used (set ``IPSCAN_NO_CACHE``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

# v2 added the digest column; a v1 file is left alone (it is only ever read by older ipscans).
CACHE_FILE = "embeddings-v2.sqlite"
ENV_CACHE_DIR = "IPSCAN_CACHE_DIR"
ENV_NO_CACHE = "IPSCAN_NO_CACHE"
_CHUNK = 500  # SQLite host parameters per query
_COLUMNS = ["k", "v", "d"]
_DIGEST_SIZE = 16
_DIGEST_PERSON = b"ipscan-emb-v2"  # domain separation from any other blake2b use
# The encoder's vectors are L2-normalized; float16 storage moves the norm by well under 1e-3.
_NORM_TOLERANCE = 1e-2
# Primary SQLite result codes that mean "this file cannot be read as a database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26

log = logging.getLogger("ipscan")


class _Encoder(Protocol):
    weights_sha256: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


class _NotOurs(sqlite3.DatabaseError):
    """A readable SQLite file at the cache's path whose table is not the cache's."""


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


# Bumped when vectors cached before were computed wrongly: v3, the int8 encoder on CPUs without
# VNNI had cached vectors clipped by ONNX Runtime's saturating kernel (ipscan.encoder.cpu).
_KEY_VERSION = "v3"


def cache_key(weights_sha256: str, text: str) -> bytes:
    """sha256(key version + NUL + weights_sha256 + NUL + text), as bytes."""
    keyed = f"{_KEY_VERSION}\0{weights_sha256}\0{text}"
    return hashlib.sha256(keyed.encode("utf-8", "surrogatepass")).digest()


def row_digest(key: bytes, vector: bytes) -> bytes:
    """The digest stored beside a vector: blake2b of its bytes, keyed by its cache key, so a
    vector moved to another key fails too."""
    return hashlib.blake2b(
        vector, key=key[:64], digest_size=_DIGEST_SIZE, person=_DIGEST_PERSON
    ).digest()


def valid_vector(vec: np.ndarray, dim: int | None = None) -> bool:
    """Whether ``vec`` can be an encoder output: 1-D, ``dim`` long, finite, of unit length."""
    if vec.ndim != 1 or vec.size == 0 or (dim is not None and vec.size != dim):
        return False
    v32 = vec.astype(np.float32)
    if not np.isfinite(v32).all():
        return False
    return abs(float(np.linalg.norm(v32)) - 1.0) <= _NORM_TOLERANCE


def _is_unreadable(exc: BaseException) -> bool:
    if isinstance(exc, _NotOurs):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _move_aside(path: Path) -> Path:
    """Rename ``path`` (and its WAL files) to ``<name>.corrupt-<UTC time>``; return the name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    if aside.exists():
        aside = path.with_name(f"{aside.name}-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):  # another process moved it first
        path.rename(aside)
    for side in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + side).rename(aside.with_name(aside.name + side))
    return aside


class EmbeddingCache:
    """float16 vectors by key in ``embeddings-v2.sqlite`` (WAL mode, shared by processes)."""

    def __init__(self, path: str | Path | None = None, enabled: bool | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir() / CACHE_FILE
        self.disabled_reason: str | None = None
        self.writable = True
        self.damaged_rows = 0  # distinct keys whose stored row failed its checks
        self._damaged: set[bytes] = set()
        self._conn: sqlite3.Connection | None = None
        if enabled is False or (enabled is None and cache_disabled()):
            self.disabled_reason = f"{ENV_NO_CACHE} is set" if enabled is None else "disabled"
            return
        try:
            self._conn = self._open()
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=10.0)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS emb "
                    "(k BLOB PRIMARY KEY, v BLOB NOT NULL, d BLOB NOT NULL) WITHOUT ROWID"
                )
                conn.commit()
                self._check_schema(conn)
            except sqlite3.Error:
                conn.close()
                raise
            return conn
        except sqlite3.OperationalError as exc:
            if not self.path.is_file() or _is_unreadable(exc):
                raise
        # A read-only cache (e.g. a shared one) still serves hits.
        self.writable = False
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            self._check_schema(conn)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    @staticmethod
    def _check_schema(conn: sqlite3.Connection) -> None:
        cols = [row[1] for row in conn.execute("PRAGMA table_info(emb)")]
        if cols != _COLUMNS:
            raise _NotOurs(f"table emb has columns {cols}, not {_COLUMNS}")

    def _failed(self, exc: BaseException) -> None:
        """An error from SQLite: start afresh when the file is unreadable, else turn off."""
        if not _is_unreadable(exc) or not self.writable:
            self._disable(exc)
            return
        self.close()
        try:
            aside = _move_aside(self.path)
            self._conn = self._open()
        except (sqlite3.Error, OSError) as again:
            self._disable(again)
            return
        log.warning(
            "embedding cache %s was unreadable (%s: %s); moved it to %s and started a new one",
            self.path,
            exc.__class__.__name__,
            exc,
            aside.name,
        )

    def _disable(self, exc: BaseException) -> None:
        self.disabled_reason = f"{exc.__class__.__name__}: {exc}"
        log.warning(
            "embedding cache %s unusable, continuing without it (%s)",
            self.path,
            self.disabled_reason,
        )
        self.close()

    @property
    def enabled(self) -> bool:
        """Whether lookups can hit."""
        return self._conn is not None

    def get_many(self, keys: Sequence[bytes], dim: int | None = None) -> dict[bytes, np.ndarray]:
        """The cached float16 vectors of those keys that are present and intact (``dim`` long
        when given); a damaged row is left out, as if absent, and counted."""
        out: dict[bytes, np.ndarray] = {}
        if self._conn is None or not keys:
            return out
        unique = list(dict.fromkeys(keys))
        damaged: list[bytes] = []
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT k, v, d FROM emb WHERE k IN ({marks})", chunk)
                for k, v, d in rows:
                    vec = self._intact(k, v, d, dim)
                    if vec is None:
                        damaged.append(bytes(k) if isinstance(k, bytes) else b"")
                    else:
                        out[k] = vec
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}
        if damaged:
            self._count_damaged(damaged)
        return out

    @staticmethod
    def _intact(k: object, v: object, d: object, dim: int | None) -> np.ndarray | None:
        # SQLite columns hold any type whatever the declaration; only bytes are ours.
        if not (isinstance(k, bytes) and isinstance(v, bytes) and isinstance(d, bytes)):
            return None
        if len(v) % 2 or not hmac.compare_digest(d, row_digest(k, v)):
            return None
        vec = np.frombuffer(v, dtype=np.float16)
        return vec if valid_vector(vec, dim) else None

    def _count_damaged(self, keys: list[bytes]) -> None:
        first = not self._damaged
        self._damaged.update(keys)
        self.damaged_rows = len(self._damaged)
        if first:
            log.warning(
                "embedding cache %s: %d damaged entr%s ignored; re-embedding and rewriting them",
                self.path,
                len(keys),
                "y" if len(keys) == 1 else "ies",
            )

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store vectors (as float16) under their keys, each with its digest; a vector that is
        not finite and of unit length is not stored."""
        if self._conn is None or not self.writable:
            return
        rows = []
        for k, v in items:
            vec = np.asarray(v, dtype=np.float16).reshape(-1)
            if valid_vector(vec):
                data = vec.tobytes()
                rows.append((k, data, row_digest(k, data)))
        if not rows:
            return
        for attempt in range(2):
            try:
                with self._conn:
                    self._conn.executemany(
                        "INSERT OR REPLACE INTO emb (k, v, d) VALUES (?, ?, ?)", rows
                    )
                return
            except sqlite3.OperationalError as exc:
                if "readonly" in str(exc).replace(" ", "").lower():
                    self.writable = False  # hits still work
                    return
                self._failed(exc)
            except sqlite3.Error as exc:
                self._failed(exc)
            if not self.enabled or attempt:  # _failed may have closed it
                return  # a new, empty cache gets the rows once more

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
    norms: np.ndarray = np.linalg.norm(v, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    unit: np.ndarray = v / norms
    return unit


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
    found = cache.get_many(keys, dim=encoder.dim) if cache is not None else {}
    missing: dict[bytes, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if k not in found:
            missing.setdefault(k, t)
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

"""Write an index generation atomically; open one and check it against its manifest."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np

from ipscan import __version__
from ipscan.errors import IndexError_
from ipscan.fingerprint import MIN_UNIT_TOKENS
from ipscan.fingerprint import TOKEN_SCHEME
from ipscan.fingerprint import K
from ipscan.fingerprint import W
from ipscan.hashing import file_sha256
from ipscan.index import layout
from ipscan.index.vectors import write_vectors


@dataclass
class IndexContents:
    """Everything an index holds, in memory. Unit ids are row numbers of ``units``."""

    encoder: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    units: np.ndarray = field(default_factory=lambda: np.zeros(0, layout.UNIT_DTYPE))
    unit_names: list[str] = field(default_factory=list)
    postings: np.ndarray = field(default_factory=lambda: np.zeros(0, layout.POSTING_DTYPE))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))


def fingerprint_params() -> dict[str, int]:
    """The parameters fingerprints depend on; an index is only usable with equal ones."""
    return {"k": K, "w": W, "min_unit_tokens": MIN_UNIT_TOKENS, "token_scheme": TOKEN_SCHEME}


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Keep two writers of one index apart (readers never need the lock)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / layout.LOCK).open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexError_(f"{index_dir}: another ipscan process is writing this index") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_index(index_dir: Path, contents: IndexContents) -> Path:
    """Write ``contents`` as a new generation of ``index_dir`` and make it the live one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = f"g-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f".{gen}.tmp"
    tmp.mkdir()
    try:
        order = np.argsort(contents.postings["hash"], kind="stable")
        np.save(tmp / layout.POSTINGS, contents.postings[order], allow_pickle=False)
        np.save(tmp / layout.UNITS, contents.units, allow_pickle=False)
        write_vectors(tmp / layout.VECTORS, contents.vectors)
        (tmp / layout.UNIT_NAMES).write_text(
            "".join(n.replace("\n", " ") + "\n" for n in contents.unit_names), encoding="utf-8"
        )
        with (tmp / layout.FILES).open("w", encoding="utf-8") as fh:
            for row in contents.files:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        (tmp / layout.SOURCES).write_text(
            json.dumps(contents.sources, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        manifest = {
            "format": layout.FORMAT,
            "format_version": layout.FORMAT_VERSION,
            "ipscan_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "encoder": contents.encoder,
            "metric": "inner-product-of-l2-normalized",
            "fingerprints": fingerprint_params(),
            "counts": {
                "sources": len(contents.sources),
                "files": len(contents.files),
                "units": len(contents.units),
                "postings": len(contents.postings),
            },
            "files": {name: file_sha256(tmp / name) for name in layout.DATA_FILES},
        }
        (tmp / layout.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        for p in tmp.iterdir():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
        final = index_dir / gen
        os.replace(tmp, final)
        pointer = index_dir / f".{layout.CURRENT}.{gen}.tmp"
        pointer.write_text(gen + "\n", encoding="utf-8")
        os.replace(pointer, index_dir / layout.CURRENT)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_generations(index_dir, keep=gen)
    return final


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    for p in index_dir.iterdir():
        if p.is_dir() and p.name != keep and (p.name.startswith("g-") or p.name.startswith(".g-")):
            shutil.rmtree(p, ignore_errors=True)


def live_generation(index_dir: Path) -> Path:
    """The folder of the live generation, or an IndexError_ saying what is wrong."""
    if not index_dir.is_dir():
        raise IndexError_(f"{index_dir}: no index here; build one with `ipscan index build`")
    try:
        gen = (index_dir / layout.CURRENT).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise IndexError_(f"{index_dir}: not an ipscan index (no {layout.CURRENT} file)") from exc
    path = index_dir / gen
    if not gen or "/" in gen or not path.is_dir():
        raise IndexError_(f"{index_dir}: {layout.CURRENT} names a missing generation; rebuild it")
    return path


def read_manifest(gen_dir: Path) -> dict[str, Any]:
    """The manifest of a generation, checked for format and version."""
    try:
        manifest = json.loads((gen_dir / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(
            f"{gen_dir}: manifest.json is missing or corrupt; rebuild the index"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != layout.FORMAT:
        raise IndexError_(f"{gen_dir}: not an ipscan index manifest")
    if manifest.get("format_version") != layout.FORMAT_VERSION:
        raise IndexError_(
            f"{gen_dir}: index format {manifest.get('format_version')} but this ipscan reads "
            f"format {layout.FORMAT_VERSION}; rebuild it with `ipscan index build`"
        )
    if manifest.get("fingerprints") != fingerprint_params():
        raise IndexError_(f"{gen_dir}: fingerprint parameters differ from this ipscan; rebuild it")
    return manifest


def verify_files(index_dir: Path, gen: Path, manifest: dict[str, Any]) -> None:
    """Check every data file against the sha256 the manifest recorded for it."""
    for name in layout.DATA_FILES:
        digest = manifest.get("files", {}).get(name)
        path = gen / name
        if digest is None or not path.is_file() or file_sha256(path) != digest:
            raise IndexError_(f"{index_dir}: {name} is missing or corrupt; rebuild the index")

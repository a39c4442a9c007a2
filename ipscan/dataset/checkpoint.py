"""A resumable audit: each finished chunk's results are a file in the checkpoint folder.

The folder also records what the audit is (``audit.json``: a digest of the input's files,
sizes and times, the fields, the index generation, the policy and the chunk size). An audit
run with ``--resume`` on the same input and settings skips the chunks on record, and the
results it then assembles in chunk order are those an uninterrupted run gives. A chunk is
written to a temporary file and moved into place, so a kill leaves it whole or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ipscan.dataset.check import AuditSettings
from ipscan.dataset.check import SampleResult
from ipscan.dataset.samples import Fields
from ipscan.errors import IpscanError
from ipscan.errors import UsageError
from ipscan.index import layout
from ipscan.index.open import index_location

AUDIT_FILE = "audit.json"
SCHEMA = "ipscan.dataset-checkpoint/1"


def default_folder(input_path: Path, outputs: list[Path | None]) -> Path:
    """Beside the first output (else the input): ``.<name>.ipscan-audit``."""
    near = next((p for p in outputs if p is not None), input_path)
    return near.parent / f".{near.name}.ipscan-audit"


def _stamp(path: Path) -> list[Any]:
    """What changes when the input does: each file's relative path, size and mtime."""
    if path.is_file():
        st = path.stat()
        return [[path.name, st.st_size, st.st_mtime_ns]]
    out: list[Any] = []
    for folder, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(files):
            p = Path(folder, name)
            st = p.lstat()
            out.append([p.relative_to(path).as_posix(), st.st_size, st.st_mtime_ns])
    return out


def _file_digest(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # loading the policy says why


def audit_key(
    input_path: Path, fmt: str, fields: Fields, settings: AuditSettings, chunk_size: int
) -> str:
    """A digest of everything that decides an audit's results."""
    index = index_location(settings.index_dir)
    try:
        generation = (index / layout.CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        generation = ""
    doc = {
        "input": str(input_path.resolve()),
        "stamp": _stamp(input_path),
        "format": fmt,
        "fields": asdict(fields),
        "index": [str(index.resolve()), generation],
        "project_license": settings.project_license,
        "policy": _file_digest(settings.policy_file),
        "embeddings": settings.embeddings,
        "chunk_size": chunk_size,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


class Checkpoint:
    """The finished chunks of one audit."""

    def __init__(self, folder: Path, key: str, resume: bool) -> None:
        self.folder = folder
        self.key = key
        record = folder / AUDIT_FILE
        if resume and record.is_file():
            try:
                doc = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise IpscanError(
                    f"{record}: unreadable checkpoint; rerun without --resume"
                ) from exc
            if doc.get("key") != key:
                raise UsageError(
                    f"{folder}: the checkpoint is of another audit (input, index, policy or "
                    "options differ); rerun without --resume to start over"
                )
        else:
            if folder.exists():
                if not (record.is_file() or (folder.is_dir() and not any(folder.iterdir()))):
                    raise UsageError(f"{folder}: exists and is not an audit checkpoint")
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            _write(record, json.dumps({"schema": SCHEMA, "key": key}) + "\n")
        self.done = {
            int(p.name[6:-6]) for p in folder.glob("chunk-*.jsonl") if p.name[6:-6].isdigit()
        }

    def _path(self, k: int) -> Path:
        return self.folder / f"chunk-{k:08d}.jsonl"

    def save(self, k: int, results: list[SampleResult]) -> None:
        """Record chunk ``k`` as finished with ``results``."""
        _write(self._path(k), "".join(json.dumps(r) + "\n" for r in results))
        self.done.add(k)

    def results(self, k: int) -> Iterator[SampleResult]:
        """Chunk ``k``'s results, in sample order."""
        try:
            with self._path(k).open(encoding="utf-8") as fh:
                for line in fh:
                    yield json.loads(line)
        except (OSError, ValueError) as exc:
            raise IpscanError(
                f"{self._path(k)}: unreadable checkpoint; rerun without --resume"
            ) from exc

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

"""Write an index generation atomically, one writer at a time; find the live one."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np

from ipscan import __version__
from ipscan.errors import IpscanIndexError
from ipscan.errors import UsageError
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.hashing import file_sha256
from ipscan.index import generations
from ipscan.index import layout
from ipscan.index.ann import write_vector_store
from ipscan.index.manifest import file_fingerprint_params
from ipscan.index.manifest import file_line_params
from ipscan.index.manifest import fingerprint_params
from ipscan.index.manifest import head_sha256
from ipscan.index.manifest import structure_fingerprint_params
from ipscan.index.manifest import tiny_file_params
from ipscan.index.rows import write_lines


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
    file_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, layout.FILE_KEY_DTYPE))
    file_postings: np.ndarray = field(
        default_factory=lambda: np.zeros(0, layout.FILE_POSTING_DTYPE)
    )
    structure_postings: np.ndarray = field(
        default_factory=lambda: np.zeros(0, layout.STRUCTURE_POSTING_DTYPE)
    )
    file_lines: np.ndarray = field(default_factory=lambda: np.zeros(0, layout.FILE_LINE_DTYPE))
    # The raw-token scheme of the verbatim channel (``file_keys``, ``file_postings``).
    raw_scheme: int = RAW_SCHEME
    # Whether every small file has its line sketch in ``file_lines`` (not so in what an index
    # built before the sketches holds).
    line_sketches: bool = True
    # Whether tiny files' digests are in ``file_keys`` (not so before 2026-12-04 night).
    tiny_files: bool = True


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Keep two writers of one index apart (readers lock generations, see ``generations``)."""
    check_index_folder(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = (index_dir / layout.LOCK).open("a")
    except OSError as exc:
        raise IpscanIndexError(f"{index_dir}: cannot write the index: {_reason(exc)}") from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IpscanIndexError(
                f"{index_dir}: another ipscan process is writing this index"
            ) from exc
        try:
            check_index_folder(index_dir)  # again, now that no other writer can change it
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def check_index_folder(index_dir: Path) -> None:
    """Refuse to build into a folder of the user's: only a new, empty or index folder will do."""
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir}: not a folder; --index needs a folder for the index")
    try:
        ours = generations.is_index_folder(index_dir)
    except OSError as exc:
        raise IpscanIndexError(
            f"{index_dir}: cannot read the index folder: {_reason(exc)}"
        ) from exc
    if not ours:
        raise UsageError(
            f"{index_dir}: not an ipscan index and not empty; give a new or empty folder"
        )


def write_index(index_dir: Path, contents: IndexContents) -> Path:
    """Write ``contents`` as a new generation of ``index_dir`` (one folder of data, format 1)
    and make it the live one.

    Call it under ``writer_lock``. Until ``CURRENT`` is replaced nothing a reader sees has
    changed, and a failure (or a kill) up to then leaves the previous index as it was; what a
    killed build left is recorded, and removed by the next one.
    """
    return _publish(index_dir, lambda tmp: _write_generation(tmp, contents))


def add_segment(
    index_dir: Path, contents: IndexContents, segments: Sequence[str]
) -> tuple[Path, str]:
    """Write ``contents`` as a new segment and make live a generation that lists ``segments``
    (what the index holds now) and it: the index grows without rewriting what it holds.
    Call it under ``writer_lock``. Returns the new generation and the segment's name."""
    folder = index_dir / layout.SEGMENTS
    name = write_segment(folder, contents)
    try:
        gen = publish_segments(index_dir, [*segments, name], contents.encoder)
    except BaseException:
        live = generations.live_name(index_dir)
        if not live or name not in (generations.listed_segments(index_dir / live) or ()):
            _discard_segment(folder, name)
        raise
    return gen, name


def write_segment(folder: Path, contents: IndexContents) -> str:
    """Write ``contents`` as a segment folder in ``folder`` (atomically: a temporary folder
    renamed into place) and return its name; nothing lists it yet. ``folder`` is the index's
    segments folder, or a staging folder a distributed build moves finished segments from."""
    name = generations.new_name("s")
    tmp = folder / f".{name}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        _write_generation(tmp, contents)
        os.replace(tmp, folder / name)
        _fsync_dir(folder)
    except OSError as exc:
        _discard_segment(folder, name)
        raise IpscanIndexError(
            f"{folder}: cannot write the index: {_reason(exc)}; the index is unchanged"
        ) from exc
    except BaseException:
        _discard_segment(folder, name)
        raise
    return name


def publish_segments(index_dir: Path, names: Sequence[str], encoder: dict[str, Any]) -> Path:
    """Make live a generation that lists ``names`` (segments in the index's segments folder, or
    format-1 generations of it). Call it under ``writer_lock``."""
    listed = list(names)
    return _publish(index_dir, lambda gen: _write_list(gen, listed, encoder))


def _discard_segment(folder: Path, name: str) -> None:
    """Remove what a failed segment write made (and the segments folder, if it is now empty)."""
    shutil.rmtree(folder / f".{name}.tmp", ignore_errors=True)
    shutil.rmtree(folder / name, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def _publish(index_dir: Path, write: Callable[[Path], None]) -> Path:
    """Write a new generation with ``write`` and switch ``CURRENT`` to it."""
    gen = generations.new_name()
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        names = generations.recorded(index_dir)
        previous = generations.live_name(index_dir)
        if previous and generations.GENERATED_NAME.fullmatch(previous):
            names.insert(0, previous)  # an index from before the record: its live one is ours
        # Recorded before anything exists, so even a kill mid-write leaves nothing unowned.
        generations.write_record(index_dir, [*names, gen])
        tmp = index_dir / generations.tmp_name(gen)
        tmp.mkdir()
        write(tmp)
        os.replace(tmp, index_dir / gen)
        pointer = index_dir / generations.pointer_name(gen)
        pointer.write_text(gen + "\n", encoding="utf-8")
        with pointer.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer, index_dir / layout.CURRENT)  # the new index is live from here on
    except OSError as exc:
        _discard(index_dir, gen)
        raise IpscanIndexError(
            f"{index_dir}: cannot write the index: {_reason(exc)}; the index is unchanged"
        ) from exc
    except BaseException:
        _discard(index_dir, gen)
        raise
    _fsync_dir(index_dir)
    collect_old_generations(index_dir, keep=gen)
    return index_dir / gen


def _write_list(tmp: Path, names: Sequence[str], encoder: dict[str, Any]) -> None:
    """A format-2 generation: the list of its segments (each checked by its own manifest)."""
    (tmp / layout.READERS).touch()
    manifest = {
        "format": layout.FORMAT,
        "format_version": layout.LIST_FORMAT_VERSION,
        "ipscan_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "encoder": encoder,
        "segments": list(names),
    }
    (tmp / layout.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for p in tmp.iterdir():
        with p.open("rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp)


def merge_contents(parts: Sequence[IndexContents]) -> IndexContents:
    """Several contents as one: each part's source, file and unit ids moved past the ones
    before it (compaction)."""
    if len(parts) == 1:
        return parts[0]
    if len({p.raw_scheme for p in parts}) > 1:
        raise IpscanIndexError("segments made with different raw-token schemes; rebuild the index")
    out = IndexContents(
        encoder=parts[0].encoder,
        raw_scheme=parts[0].raw_scheme,
        line_sketches=all(p.line_sketches for p in parts),
        tiny_files=all(p.tiny_files for p in parts),
    )
    units: list[np.ndarray] = []
    postings: list[np.ndarray] = []
    structure: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    file_postings: list[np.ndarray] = []
    file_lines: list[np.ndarray] = []
    vectors: list[np.ndarray] = []
    for part in parts:
        n_sources, n_files = len(out.sources), len(out.files)
        n_units = sum(len(u) for u in units)
        out.sources.extend(part.sources)
        out.files.extend({**f, "source": int(f["source"]) + n_sources} for f in part.files)
        out.unit_names.extend(part.unit_names)
        units.append(_shifted(part.units, "file", n_files))
        postings.append(_shifted(part.postings, "unit", n_units))
        structure.append(_shifted(part.structure_postings, "unit", n_units))
        keys.append(_shifted(part.file_keys, "file", n_files))
        file_postings.append(_shifted(part.file_postings, "file", n_files))
        file_lines.append(_shifted(part.file_lines, "file", n_files))
        vectors.append(part.vectors.astype(np.float32))
    out.units = np.concatenate(units)
    out.postings = np.concatenate(postings)
    out.structure_postings = np.concatenate(structure)
    out.file_keys = np.concatenate(keys)
    out.file_postings = np.concatenate(file_postings)
    out.file_lines = np.concatenate(file_lines)
    out.vectors = np.concatenate(vectors)
    return out


def _shifted(rows: np.ndarray, column: str, by: int) -> np.ndarray:
    out = np.array(rows)
    out[column] += by
    return out


def collect_old_generations(index_dir: Path, keep: str | None = None) -> None:
    """Remove the generations this index wrote that no one reads any more (under the lock)."""
    with contextlib.suppress(OSError):
        generations.collect(index_dir, keep=keep)


def _by_hash(rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by hash, equal hashes in their order (a stable sort); rows that already
    are (an unpacked pack's) are returned as they are, without a sort and a copy."""
    hashes = rows["hash"]
    if len(hashes) < 2 or bool(np.all(hashes[1:] >= hashes[:-1])):
        return rows
    return rows[np.argsort(hashes, kind="stable")]


def _write_generation(tmp: Path, contents: IndexContents) -> None:
    (tmp / layout.READERS).touch()
    np.save(tmp / layout.POSTINGS, _by_hash(contents.postings), allow_pickle=False)
    np.save(tmp / layout.UNITS, contents.units, allow_pickle=False)
    np.save(tmp / layout.FILE_KEYS, contents.file_keys, allow_pickle=False)
    np.save(tmp / layout.FILE_POSTINGS, _by_hash(contents.file_postings), allow_pickle=False)
    np.save(
        tmp / layout.STRUCTURE_POSTINGS, _by_hash(contents.structure_postings), allow_pickle=False
    )
    np.save(tmp / layout.FILE_LINES, _by_hash(contents.file_lines), allow_pickle=False)
    vectors = write_vector_store(tmp, np.asarray(contents.vectors, dtype=np.float32))
    np.save(tmp / layout.DIGEST_INDEX, digest_index(contents.units), allow_pickle=False)
    for name, column in layout.HASH_COLUMNS.items():
        rows = np.load(tmp / name, mmap_mode="r", allow_pickle=False)
        np.save(tmp / column, np.ascontiguousarray(rows["hash"]), allow_pickle=False)
        del rows
    write_lines(
        tmp / layout.UNIT_NAMES,
        tmp / layout.UNIT_NAMES_OFFSETS,
        [_one_line(n) for n in contents.unit_names],
    )
    write_lines(
        tmp / layout.FILES,
        tmp / layout.FILES_OFFSETS,
        [json.dumps(row, ensure_ascii=False) for row in contents.files],
    )
    (tmp / layout.SOURCES).write_text(
        json.dumps(contents.sources, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    names = (
        *(n for n in layout.DATA_FILES if n != layout.VECTORS),
        *vectors["files"],
        *layout.FILE_CHANNEL_FILES,
        layout.STRUCTURE_POSTINGS,
        layout.FILE_LINES,
        *layout.LOOKUP_FILES,
    )
    manifest = {
        "format": layout.FORMAT,
        "format_version": layout.FORMAT_VERSION,
        "ipscan_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "encoder": contents.encoder,
        "metric": "inner-product-of-l2-normalized",
        "vectors": vectors,
        "fingerprints": fingerprint_params(),
        "file_fingerprints": file_fingerprint_params(contents.raw_scheme),
        "structure_fingerprints": structure_fingerprint_params(),
        **({"file_lines": file_line_params()} if contents.line_sketches else {}),
        **({"tiny_files": tiny_file_params()} if contents.tiny_files else {}),
        "counts": {
            "sources": len(contents.sources),
            "files": len(contents.files),
            "units": len(contents.units),
            "postings": len(contents.postings),
            "file_keys": len(contents.file_keys),
            "file_postings": len(contents.file_postings),
            "structure_postings": len(contents.structure_postings),
            "file_lines": len(contents.file_lines),
        },
        "files": {name: file_sha256(tmp / name) for name in names},
        "sizes": {name: (tmp / name).stat().st_size for name in names},
        "heads": {name: head_sha256(tmp / name) for name in names},
    }
    (tmp / layout.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for p in tmp.iterdir():
        with p.open("rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp)


def digest_index(units: np.ndarray) -> np.ndarray:
    """(digest, unit) of every unit, sorted by digest (ties by unit id)."""
    order = np.argsort(units["digest"], kind="stable")
    out = np.zeros(len(units), layout.DIGEST_INDEX_DTYPE)
    out["digest"] = units["digest"][order]
    out["unit"] = order
    return out


def _one_line(name: str) -> str:
    # A unit name is one line of unit_names.txt; a newline inside one would shift every id.
    return name.replace("\r", " ").replace("\n", " ")


def _discard(index_dir: Path, gen: str) -> None:
    """Remove what a failed write made, unless it went live; leftovers stay recorded."""
    if generations.live_name(index_dir) == gen:
        return
    for folder in (index_dir / generations.tmp_name(gen), index_dir / gen):
        shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        (index_dir / generations.pointer_name(gen)).unlink(missing_ok=True)
        generations.write_record(
            index_dir, [n for n in generations.recorded(index_dir) if n != gen]
        )


def _fsync_dir(path: Path) -> None:
    # Makes the renames durable; some filesystems cannot fsync a folder, which is no error.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(exc: OSError) -> str:
    """A short cause for the user: the two that matter most said plainly."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is not writable"
    return (exc.strerror or str(exc)).lower()


def live_generation(index_dir: Path) -> Path:
    """The folder of the live generation, or an IpscanIndexError saying what is wrong."""
    if not index_dir.is_dir():
        raise IpscanIndexError(f"{index_dir}: no index here; build one with `ipscan index build`")
    try:
        gen = generations.read_current(index_dir)
    except OSError as exc:
        raise IpscanIndexError(
            f"{index_dir}: not an ipscan index (no {layout.CURRENT} file)"
        ) from exc
    except ValueError as exc:
        raise IpscanIndexError(
            f"{index_dir}: {layout.CURRENT} is not text (invalid UTF-8); rebuild the index"
        ) from exc
    if not generations.READABLE_NAME.fullmatch(gen):
        raise IpscanIndexError(
            f"{index_dir}: {layout.CURRENT} holds {gen[:60]!r}, not a generation name; "
            "rebuild the index"
        )
    path = index_dir / gen
    if not path.is_dir():
        raise IpscanIndexError(
            f"{index_dir}: {layout.CURRENT} names a missing generation; rebuild it"
        )
    return path

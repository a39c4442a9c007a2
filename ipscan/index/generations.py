"""Which generation folders an index owns, who is reading one, and when one may be removed.

A build records a generation's name in ``GENERATIONS`` before it creates any folder for it, so
a later build removes only folders this index made (never a user's ``g-notes/``), including the
temporary ones a killed build left behind. A reader holds a shared ``flock`` on the generation
it opened for as long as it lives; a build removes an old generation only while it holds that
lock exclusively, so a scan never loses the files under it. A generation still in use stays
recorded and is collected by a later build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import time
import weakref
from pathlib import Path

from ipscan.index import layout

# The names write_index gives; only these are ever removed, and only when recorded.
GENERATED_NAME = re.compile(r"g-\d{8}T\d{6}-[0-9a-f]{6}")
# What CURRENT may name: one path component (never `..`, never absolute).
READABLE_NAME = re.compile(r"g-[A-Za-z0-9_.-]{1,200}")
# CURRENT holds a short name; never read more of a hostile file than this.
_CURRENT_MAX = 256


def new_name(prefix: str = "g") -> str:
    """A fresh generation name (``prefix`` "s": a segment's)."""
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


# The names write_segment gives; only these are removed from the segments folder.
SEGMENT_NAME = re.compile(r"s-\d{8}T\d{6}-[0-9a-f]{6}")


def segment_path(index_dir: Path, name: str) -> Path:
    """Where a segment a generation lists lives: in the segments folder, or (a format-1
    generation the index builds on) beside the generations."""
    return index_dir / layout.SEGMENTS / name if name.startswith("s-") else index_dir / name


def tmp_name(gen: str) -> str:
    """The folder a generation is written in, and renamed to again while it is removed."""
    return f".{gen}.tmp"


def pointer_name(gen: str) -> str:
    """The file that becomes ``CURRENT`` when ``gen`` goes live."""
    return f".{layout.CURRENT}.{gen}.tmp"


def read_current(index_dir: Path) -> str:
    """The text of ``CURRENT``, stripped; OSError or UnicodeDecodeError when unreadable."""
    with (index_dir / layout.CURRENT).open("rb") as fh:
        return fh.read(_CURRENT_MAX).decode("utf-8").strip()


def live_name(index_dir: Path) -> str | None:
    """The generation ``CURRENT`` names, or None when there is no readable one."""
    try:
        gen = read_current(index_dir)
    except (OSError, ValueError):
        return None
    return gen if READABLE_NAME.fullmatch(gen) else None


def recorded(index_dir: Path) -> list[str]:
    """The generations this index wrote and has not removed yet (an unreadable record: none)."""
    try:
        text = (index_dir / layout.GENERATIONS).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []
    return [n for n in dict.fromkeys(text.split()) if GENERATED_NAME.fullmatch(n)]


def write_record(index_dir: Path, names: list[str]) -> None:
    """Replace the record atomically (a reader of it sees the old list or the new one)."""
    tmp = index_dir / f".{layout.GENERATIONS}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, "".join(f"{n}\n" for n in dict.fromkeys(names)).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, index_dir / layout.GENERATIONS)


def is_index_folder(index_dir: Path) -> bool:
    """Whether ``index_dir`` is missing, empty, or an index (only then may a build write there)."""
    if not index_dir.exists():
        return True
    names = {p.name for p in index_dir.iterdir()}
    if layout.GENERATIONS in names:
        return True
    if layout.CURRENT in names:
        # Other programs keep a CURRENT file too (LevelDB, RocksDB): ours names a generation
        # folder that holds a manifest.
        gen = live_name(index_dir)
        return gen is not None and (index_dir / gen / layout.MANIFEST).is_file()
    # A first build that failed or was killed leaves only its lock and a half-written record.
    return not names - {layout.LOCK, f".{layout.GENERATIONS}.tmp"}


def _lock_target(gen: Path) -> Path:
    # Generations written before the lock file existed are locked through their folder.
    readers = gen / layout.READERS
    return readers if readers.is_file() else gen


class ReaderLock:
    """A shared lock on one generation, released by ``close`` or when garbage-collected."""

    def __init__(self, fd: int) -> None:
        self._close = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        """Release the lock (the generation may then be removed by a build)."""
        self._close()


def hold_shared(gen: Path) -> ReaderLock | None:
    """Lock ``gen`` against removal, or None when it vanished before the lock was taken."""
    target = _lock_target(gen)
    try:
        fd = os.open(target, os.O_RDONLY)
    except FileNotFoundError:
        return None
    lock = ReaderLock(fd)
    with contextlib.suppress(OSError):  # no flock here (some network filesystems): no writer
        fcntl.flock(fd, fcntl.LOCK_SH)  # can lock it either, so nothing is ever removed
    # A build may have removed (or renamed away) the generation between open and lock.
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(target))
    except OSError:
        same = False
    if not same:
        lock.close()
        return None
    return lock


def collect(index_dir: Path, keep: str | None = None) -> None:
    """Remove recorded generations that are not live, not ``keep``, not being read and not
    named as a segment by a generation that stays; then segments no generation names.

    Call it under the writer lock. Failures leave a generation recorded for a later build.
    """
    live = live_name(index_dir)
    pinned = {live, keep}
    lists: list[str] = []
    data: list[str] = []
    for gen in recorded(index_dir):
        (lists if listed_segments(index_dir / gen) is not None else data).append(gen)
    remaining = [g for g in lists if g in pinned or not _remove(index_dir, g)]
    named = _named_segments(index_dir, [*remaining, *(g for g in pinned if g)])
    remaining += [g for g in data if g in pinned or g in named or not _remove(index_dir, g)]
    with contextlib.suppress(OSError):
        write_record(index_dir, remaining)
    _collect_segments(index_dir, named)


def listed_segments(gen: Path) -> list[str] | None:
    """The segments a generation lists, or None when it is a format-1 generation (or is not
    readable: it is then treated as data, and removed only when nothing names it)."""
    try:
        manifest = json.loads((gen / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format_version") != 2:
        return None
    names = manifest.get("segments")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else None


def _named_segments(index_dir: Path, gens: list[str]) -> set[str]:
    named: set[str] = set()
    for gen in gens:
        named.update(listed_segments(index_dir / gen) or ())
    return named


def _collect_segments(index_dir: Path, named: set[str]) -> None:
    """Remove the segments (and half-written ones) that no remaining generation names.

    Readers lock the generation they opened, which keeps its segments named; so a segment no
    generation names has no reader.
    """
    folder = index_dir / layout.SEGMENTS
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in folder.iterdir():
        name = path.name
        written = SEGMENT_NAME.fullmatch(name) and name not in named
        unfinished = name.startswith(".s-") and name.endswith(".tmp")
        if (written or unfinished) and not path.is_symlink():
            _rmtree(path)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty: a compacted index needs no segments folder


def _remove(index_dir: Path, gen: str) -> bool:
    folder = index_dir / gen
    tomb = index_dir / tmp_name(gen)
    if folder.is_symlink():
        return False  # not something write_index makes: leave it alone
    if folder.is_dir():
        try:
            fd = os.open(_lock_target(folder), os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Out of the way first, so a reader that reached it late finds it gone.
            _rmtree(tomb)
            os.replace(folder, tomb)
            _rmtree(tomb)
        except OSError:
            return False  # a reader holds it (or the folder is read-only): later
        finally:
            os.close(fd)
    _rmtree(tomb)
    with contextlib.suppress(OSError):
        (index_dir / pointer_name(gen)).unlink(missing_ok=True)
    return not folder.exists() and not tomb.exists()


def _rmtree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)

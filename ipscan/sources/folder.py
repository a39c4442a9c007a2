"""Local folders as sources: their regular files, read from disk."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.metadata import source_info
from ipscan.sources.paths import SKIP_DIRS
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.records import MAX_FILE_BYTES
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import Entries
from ipscan.sources.records import SourceEntry
from ipscan.sources.records import SourceInfo


def _walk_dir(root: Path) -> Iterator[tuple[str, Path, int]]:
    """(relative POSIX path, path, size) of the regular files below ``root``, sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != "node_modules")
        base = Path(dirpath)
        for fn in sorted(filenames):
            p = base / fn
            try:
                st = p.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # symlinks, fifos, devices
            yield p.relative_to(root).as_posix(), p, st.st_size


def open_dir(path: Path) -> tuple[SourceInfo, Entries]:
    """A local folder (not a git repository): its info, and its files as entries."""
    root = path.resolve()
    h = hashlib.sha256()
    files: dict[str, bytes] = {}
    try:
        listing = list(_walk_dir(root))
        for rel, p, size in listing:
            h.update(f"{rel}\0{file_sha256(p)}\n".encode())
            if is_meta_candidate(rel) and size <= META_MAX_BYTES:
                files[rel] = p.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read folder: {exc.strerror or exc}") from exc
    paths = [rel for rel, _, _ in listing]
    info = source_info(files, root.name, str(root), "dir", h.hexdigest(), None, paths)

    def entries() -> Entries:
        for rel, p, size in listing:
            if size > MAX_FILE_BYTES:
                continue
            try:
                data = p.read_bytes()
            except OSError:
                continue  # vanished since it was listed
            yield SourceEntry(rel, data)

    return info, entries()

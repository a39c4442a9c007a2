"""A folder of source files: each file a sample, its path (POSIX, relative) its id and name.

Files are taken in sorted path order; hidden files and folders (``.git``) and symbolic links
are not samples. The filtered copy is a folder of the same files less the dropped ones,
copied unchanged (with their times).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from collections.abc import Set
from pathlib import Path

from ipscan.dataset.atomic import atomic_path
from ipscan.dataset.samples import Fields
from ipscan.dataset.samples import Sample
from ipscan.errors import IpscanError
from ipscan.extract.gate import MAX_FILE_BYTES
from ipscan.extract.gate import decode_text


def list_files(root: Path) -> list[str]:
    """The sample files under ``root``, as sorted POSIX paths relative to it."""
    if not root.is_dir():
        raise IpscanError(f"{root}: not a folder")
    found: list[str] = []
    for folder, dirs, files in os.walk(root, onerror=_raise):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(folder).relative_to(root)
        for name in files:
            if not name.startswith(".") and not Path(folder, name).is_symlink():
                found.append((rel / name).as_posix())
    return sorted(found)


def _raise(exc: OSError) -> None:
    raise IpscanError(f"{exc.filename}: cannot read ({exc.strerror})") from exc


def read_samples(root: Path, _fields: Fields) -> Iterator[Sample]:
    """Each file as a sample: its text, or its bytes when it holds a NUL byte (binary)."""
    for index, rel in enumerate(list_files(root)):
        path = root / rel
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise IpscanError(f"{path}: cannot read ({exc.strerror})") from exc
        content: object = data if b"\x00" in data[:8192] else decode_text(data)
        yield Sample(index=index, id=rel, content=content, name=rel)


def write_filtered(root: Path, dest: Path, drop: Set[int]) -> int:
    """The files of ``root`` less the samples in ``drop``, copied into the folder ``dest``."""
    kept = 0
    with atomic_path(dest) as tmp:
        tmp.mkdir()
        for index, rel in enumerate(list_files(root)):
            if index in drop:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, target)
            kept += 1
    return kept

"""Sources to index: local folders, git repositories and URLs, and package archives.

``open_source(spec)`` is a context manager yielding ``(SourceInfo, entries)``: the source's name,
version, license and content digest, and an iterator over its files as ``SourceEntry`` (POSIX path
relative to the source root, bytes). Archives are read in memory and never extracted; git sources
are read from the object database (HEAD or ``rev``), never from a work tree. ``rev`` applies to
git sources only and is ignored for the others.

Every source kind skips what could escape or mislead: symlinks and other non-regular files,
absolute and ``..`` paths, VCS folders, ``node_modules`` below the root, and files over
``MAX_FILE_BYTES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.sources.paths import SKIP_DIRS
from ipscan.sources.records import MAX_FILE_BYTES
from ipscan.sources.records import NOASSERTION
from ipscan.sources.records import Entries
from ipscan.sources.records import SourceEntry
from ipscan.sources.records import SourceInfo

__all__ = [
    "MAX_FILE_BYTES",
    "NOASSERTION",
    "SKIP_DIRS",
    "Entries",
    "SourceEntry",
    "SourceInfo",
    "open_source",
]


@contextmanager
def open_source(spec: str, rev: str | None = None) -> Iterator[tuple[SourceInfo, Entries]]:
    """Open ``spec`` (folder, git repository or URL, sdist/npm tarball, wheel or zip)."""
    # The readers are imported here: a scan imports this package for its records and path
    # rules (ipscan.licensing.project) and must not pay for archive and git readers.
    from ipscan.sources.archives import open_archive
    from ipscan.sources.folder import open_dir
    from ipscan.sources.gitsource import is_git_repo
    from ipscan.sources.gitsource import looks_like_git_url
    from ipscan.sources.gitsource import open_git
    from ipscan.sources.gitsource import open_git_url

    path = Path(spec).expanduser()
    opened: list[Iterator[SourceEntry]] = []
    try:
        if path.is_dir():
            if is_git_repo(path):
                with open_git(path, spec, str(path.resolve()), "git", rev) as (info, entries):
                    opened.append(entries)
                    yield info, entries
            else:
                info, entries = open_dir(path)
                opened.append(entries)
                yield info, entries
        elif path.is_file():
            info, entries = open_archive(path, spec)
            opened.append(entries)
            yield info, entries
        elif path.exists():
            raise SourceError(f"{spec}: not a regular file or folder")
        elif looks_like_git_url(spec):
            with open_git_url(spec, rev) as (info, entries):
                opened.append(entries)
                yield info, entries
        else:
            raise SourceError(f"{spec}: no such file, folder or git URL")
    finally:
        for it in opened:
            close = getattr(it, "close", None)
            if close is not None:
                close()

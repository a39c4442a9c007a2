"""The files a scan looks at: git-tracked files of a work tree, or every file of a plain folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import GitError
from ipscan.errors import UsageError

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class FileListing:
    """Files under a scan root: POSIX paths relative to ``root``, and whether git listed them."""

    root: Path
    paths: tuple[str, ...]
    from_git: bool


def list_scan_files(root: Path) -> FileListing:
    """Tracked files when ``root`` is inside a git work tree, else all regular files below it."""
    if not root.exists():
        raise UsageError(f"{root}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    root = root.resolve()
    tracked = _git_tracked(root)
    if tracked is not None:
        return FileListing(root, tracked, True)
    return FileListing(root, _walk(root), False)


def _git_tracked(root: Path) -> tuple[str, ...] | None:
    """Paths git tracks below ``root`` (staged files of an empty repository included)."""
    import git  # gitpython: imported here so `ipscan --help` stays instant

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare:
        raise UsageError(f"{root}: is a bare git repository; scan a work tree")
    try:
        out = repo.git.ls_files("-z", "--full-name", "--", str(root))
    except git.GitCommandError as exc:
        raise GitError(f"{root}: git ls-files failed: {exc.stderr.strip() or exc}") from exc
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.relative_to(top).as_posix() if root != top else ""
    paths = []
    for full in out.split("\0"):
        if not full:
            continue
        rel = full[len(prefix) + 1 :] if prefix else full
        paths.append(rel)
    return tuple(sorted(paths))


def _walk(root: Path) -> tuple[str, ...]:
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            full = Path(dirpath, name)
            paths.append(full.relative_to(root).as_posix())
    return tuple(sorted(paths))


def read_listed_file(listing: FileListing, rel: str) -> bytes | str:
    """The file's bytes, or a skip reason: symlinks and non-regular files are never followed."""
    full = listing.root / rel
    try:
        if full.is_symlink():
            return "symlink"
        if not full.is_file():
            return "not-a-file" if full.exists() else "missing"
        return full.read_bytes()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"

"""The files a scan looks at: git-tracked files of a work tree, or every file of a plain folder.

Paths never leave the scanned root: a file is read only when no part of its path below the root
is a symlink (a tracked folder replaced by a link to elsewhere is skipped as ``symlink``), and
the file itself is opened without following links. Submodules are listed, not read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import GitError
from ipscan.errors import UsageError
from ipscan.extract.changes import harden
from ipscan.extract.gate import MAX_FILE_BYTES

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class FileListing:
    """Files under a scan root: POSIX paths relative to ``root``, and whether git listed them."""

    root: Path
    paths: tuple[str, ...]
    from_git: bool
    submodules: tuple[str, ...] = ()  # git submodules below ``root`` (another repository's code)


def list_scan_files(root: Path) -> FileListing:
    """Tracked files when ``root`` is inside a git work tree, else all regular files below it."""
    if not root.exists():
        raise UsageError(f"{root}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    root = root.resolve()
    if ".git" in root.parts:
        top = Path(*root.parts[: root.parts.index(".git")])
        raise UsageError(f"{root}: is inside git's own folder, not the work tree; scan {top}")
    tracked = _git_tracked(root)
    if tracked is not None:
        paths, submodules = tracked
        return FileListing(root, paths, True, submodules)
    return FileListing(root, _walk(root), False)


def _may_be_in_git(root: Path) -> bool:
    """Whether ``root`` or a folder above it holds ``.git`` or is a git folder itself (a bare
    repository), as gitpython searches for one."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return True
        if (folder / "HEAD").is_file() and (folder / "objects").is_dir():
            return True
    return False


def _git_tracked(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Paths git tracks below ``root`` (staged files of an empty repository included), and the
    submodules among them."""
    if not _may_be_in_git(root):
        return None  # a plain folder (an unpacked archive) does not pay gitpython's import
    import git  # gitpython: imported here so `ipscan --help` stays instant

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    # Literal paths, no command from the repository's config, no transport (see harden).
    harden(repo)
    if repo.bare:
        raise UsageError(f"{root}: is a bare git repository; scan a work tree")
    try:
        out = repo.git.ls_files("-z", "--stage", "--full-name", "--", str(root))
    except git.GitCommandError as exc:
        raise GitError(f"{root}: git ls-files failed: {exc.stderr.strip() or exc}") from exc
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.relative_to(top).as_posix() if root != top else ""
    paths: set[str] = set()
    submodules: set[str] = set()
    for record in out.split("\0"):
        if not record:
            continue
        # "<mode> <object> <stage>\t<path>"; a conflicted file is listed once per stage.
        info, _, full = record.partition("\t")
        rel = full[len(prefix) + 1 :] if prefix else full
        (submodules if info.startswith("160000") else paths).add(rel)
    return tuple(sorted(paths)), tuple(sorted(submodules))


def _walk(root: Path) -> tuple[str, ...]:
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            full = Path(dirpath, name)
            paths.append(full.relative_to(root).as_posix())
    return tuple(sorted(paths))


def read_listed_file(listing: FileListing, rel: str) -> bytes | str:
    """The file's bytes, or a skip reason: a symlink anywhere below the root, a non-regular file
    or one over the gate's size limit is never read."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts):
        return "outside-root"
    here = listing.root
    try:
        for part in parts[:-1]:
            here = here / part
            st = here.lstat()
            if stat.S_ISLNK(st.st_mode):
                return "symlink"
            if not stat.S_ISDIR(st.st_mode):
                return "missing"
        full = here / parts[-1]
        st = full.lstat()
        if stat.S_ISLNK(st.st_mode):
            return "symlink"
        if not stat.S_ISREG(st.st_mode):
            return "not-a-file"
        if st.st_size > MAX_FILE_BYTES:
            return "too-large"
        # O_NOFOLLOW: a file swapped for a link after the checks above is still not followed.
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):
            return "symlink"
        return f"unreadable: {exc.strerror or exc}"

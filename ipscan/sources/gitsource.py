"""Git repositories and URLs as sources, read from the object database (HEAD or ``rev``)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.errors import UsageError
from ipscan.extract.changes import harden
from ipscan.extract.revisions import check_rev
from ipscan.extract.revisions import has_control_chars
from ipscan.sources.metadata import source_info
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.paths import safe_path
from ipscan.sources.paths import skipped_dir
from ipscan.sources.records import MAX_FILE_BYTES
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import Entries
from ipscan.sources.records import SourceEntry
from ipscan.sources.records import SourceInfo

_GIT_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
# git's "<transport>::<address>" form (ext::, fd::, remote helpers): it can run commands.
_TRANSPORT = re.compile(r"^[a-z][a-z0-9+.-]*::", re.IGNORECASE)
SAFE_SCHEMES = ("https", "http", "ssh", "git", "git+ssh", "ssh+git", "file")


def looks_like_git_url(spec: str) -> bool:
    """True for URLs, ``transport::address``, ``user@host:path`` and anything ending in
    ``.git``."""
    return bool(_GIT_URL.match(spec) or _TRANSPORT.match(spec)) or spec.endswith(".git")


def check_git_url(spec: str) -> str:
    """``spec`` unchanged when git may clone it safely, else a UsageError (exit 2).

    Only plain URL schemes and scp-like ``user@host:path`` pass: ``ext::`` and ``fd::`` run
    commands or read descriptors, and a spec starting with '-' would be read as an option.
    """
    if spec.startswith("-"):
        raise UsageError(f"{spec!r}: a source cannot start with '-'")
    if has_control_chars(spec):
        raise UsageError(f"{spec!r}: a git URL cannot hold control characters")
    scheme = spec.split("://", 1)[0].lower() if "://" in spec else None
    if _TRANSPORT.match(spec) or (scheme is not None and scheme not in SAFE_SCHEMES):
        raise UsageError(
            f"{spec}: unsupported or unsafe URL scheme (use {', '.join(SAFE_SCHEMES)}, "
            "or user@host:path)"
        )
    return spec


def is_git_repo(path: Path) -> bool:
    """True for a work tree with ``.git`` or a bare repository."""
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _git_message(exc: Exception) -> str:
    stderr = getattr(exc, "stderr", "") or ""
    lines = [ln.strip() for ln in str(stderr).splitlines() if ln.strip()]
    lines = [ln.removeprefix("stderr: ").strip("'").strip() for ln in lines]
    lines = [ln for ln in lines if ln]
    msg = lines[-1] if lines else str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return msg.removeprefix("fatal: ")


@contextmanager
def open_git(
    path: Path, spec: str, origin: str, kind: str, rev: str | None, name: str | None = None
) -> Iterator[tuple[SourceInfo, Entries]]:
    """A git repository at ``path``: the info and entries of commit ``rev`` (HEAD by default)."""
    import git  # gitpython: imported here so `ipscan --help` stays instant

    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise SourceError(f"{spec}: not a git repository") from exc
    # Literal paths, no command from the repository's config, no transport (see harden).
    harden(repo)
    with repo:
        if rev is not None:
            check_rev(rev, "--rev")
        try:
            commit = repo.commit(rev or "HEAD")
        except (git.BadName, git.BadObject, ValueError, git.GitCommandError) as exc:
            what = f"unknown revision {rev!r}" if rev else "no commits (HEAD does not resolve)"
            raise SourceError(f"{spec}: {what}") from exc
        try:
            version = repo.git.describe("--tags", "--always", commit.hexsha).strip()
        except git.GitCommandError:
            version = ""
        version = version or commit.hexsha[:12]
        blobs: list[tuple[str, git.Blob]] = []
        files: dict[str, bytes] = {}
        for item in commit.tree.traverse():
            if not isinstance(item, git.Blob) or item.mode not in (0o100644, 0o100755, 0o100664):
                continue  # trees, submodules, symlinks
            rel = safe_path(str(item.path))  # typed str | PathLike; a str in a tree walk
            if rel is None or skipped_dir(rel.split("/")[:-1]):
                continue
            blobs.append((rel, item))
            if is_meta_candidate(rel) and item.size <= META_MAX_BYTES:
                files[rel] = item.data_stream.read()
        if name is None:
            top = Path(repo.working_tree_dir) if repo.working_tree_dir else Path(repo.git_dir)
            name = top.resolve().name
        stem = name.removesuffix(".git")
        info = source_info(files, stem, origin, kind, commit.hexsha, version)

        def entries() -> Entries:
            for rel, blob in blobs:
                if blob.size > MAX_FILE_BYTES:
                    continue
                yield SourceEntry(rel, blob.data_stream.read())

        yield info, entries()


@contextmanager
def open_git_url(spec: str, rev: str | None) -> Iterator[tuple[SourceInfo, Entries]]:
    """A git URL, cloned bare into a temporary folder (shallow unless ``rev`` is given)."""
    import git  # gitpython: imported here so `ipscan --help` stays instant

    check_git_url(spec)
    if rev is not None:
        check_rev(rev, "--rev")
    url_name = re.split(r"[/:]", spec.rstrip("/"))[-1].removesuffix(".git") or "repo"
    env = {"GIT_TERMINAL_PROMPT": "0"}
    with tempfile.TemporaryDirectory(prefix="ipscan-clone-") as tmp:
        dest = Path(tmp) / "repo.git"
        try:
            # Shallow unless a revision is asked for; GitPython leaves out options set to None.
            depth = 1 if rev is None else None
            git.Repo.clone_from(spec, str(dest), env=env, bare=True, depth=depth)
        except (git.exc.UnsafeProtocolError, git.exc.UnsafeOptionError) as exc:
            raise UsageError(f"{spec}: unsupported or unsafe URL scheme") from exc
        except git.GitCommandError as exc:
            raise SourceError(f"{spec}: cannot clone: {_git_message(exc)}") from exc
        with open_git(dest, spec, spec, "git-url", rev, name=url_name) as opened:
            yield opened

"""What a commit or a range changes: file contents and the line ranges it added.

- staged: the blobs in git's index (what `git commit` will record, not the working tree), and the
  lines the index adds over HEAD (an unborn branch adds every line);
- range: the blobs at HEAD of ``BASE..HEAD`` and the lines added since BASE (renames followed,
  deleted files dropped). A revision that is not here is an error naming ``--fetch``; only with
  it is the revision fetched from ``origin`` (see ``ipscan.extract.revisions``).

Submodules are listed, never read (their code is another repository's); symlinks carry no code.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ipscan.errors import GitError
from ipscan.errors import UsageError
from ipscan.extract.revisions import check_rev
from ipscan.extract.revisions import ensure_commit

if TYPE_CHECKING:
    import git

LineRange = tuple[int, int]
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree
_REGULAR = (0o100644, 0o100755)
_SUBMODULE = 0o160000


@dataclass(frozen=True)
class ChangedFile:
    """A file's new content and the 1-based inclusive line ranges the change added to it."""

    path: str  # POSIX, relative to the repository root
    data: bytes
    added: tuple[LineRange, ...]


@dataclass(frozen=True)
class Changes:
    """The changed files of a commit or range, with the repository root they are relative to."""

    root: Path
    files: tuple[ChangedFile, ...]
    not_staged: tuple[str, ...] = ()  # asked-for paths that git's index does not hold
    submodules: tuple[str, ...] = ()  # changed paths that are submodules (not scanned)


# A scanned repository's own config must not run commands: core.fsmonitor names a program
# that git runs on index reads, diff drivers (external, textconv) run on diffs. Paths from git's
# output go back to it literally (a file named ':/x.py' or '[ab].py' is not a pattern).
SAFE_SETTINGS = ("core.fsmonitor=false", "core.quotepath=off")
# Without --fetch no transport is allowed: a partial clone's lazy fetch of missing blobs would
# otherwise reach the network, through a remote URL the repository's own config chooses.
OFFLINE_SETTING = "protocol.allow=never"
NO_NETWORK_ENV = {"GIT_NO_LAZY_FETCH": "1"}  # git >= 2.44 refuses lazy fetches outright


def harden(repo: git.Repo) -> git.Repo:
    """``repo`` with its GitPython commands run like ``_git``'s: literal paths, no command from
    the repository's config, no transport."""
    repo.git.set_persistent_git_options(literal_pathspecs=True, c=[*SAFE_SETTINGS, OFFLINE_SETTING])
    repo.git.update_environment(**NO_NETWORK_ENV)
    return repo


def _git(
    root: Path,
    *args: str,
    network: bool = False,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> bytes:
    """Run git in ``root`` (no transport unless ``network``; ``env`` added to ours, ``stdin``
    fed to it); GitError with git's message."""
    settings = SAFE_SETTINGS if network else (*SAFE_SETTINGS, OFFLINE_SETTING)
    config = [part for setting in settings for part in ("-c", setting)]
    cmd = ["git", "-C", str(root), "--literal-pathspecs", *config, *args]
    full_env = {**os.environ, **({} if network else NO_NETWORK_ENV), **(env or {})}
    try:
        res = subprocess.run(cmd, capture_output=True, check=True, env=full_env, input=stdin)
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {msg[-1] if msg else exc.returncode}") from exc
    return res.stdout


def repo_root(path: Path) -> Path:
    """The top of the work tree containing ``path``, or a UsageError."""
    try:
        out = _git(path, "rev-parse", "--show-toplevel")
    except GitError as exc:
        raise UsageError(f"{path}: not inside a git work tree") from exc
    return Path(out.decode().strip())


def added_lines(diff: bytes) -> tuple[LineRange, ...]:
    """Added line ranges of the new side from a ``-U0`` diff (pure deletions add nothing)."""
    out = []
    for m in _HUNK.finditer(diff):
        start = int(m.group(1))
        count = 1 if m.group(2) is None else int(m.group(2))
        if count:
            out.append((start, start + count - 1))
    return tuple(out)


def _has_head(root: Path) -> bool:
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return False
    return True


def staged_changes(cwd: Path, paths: Sequence[str]) -> Changes:
    """Staged content of ``paths`` (relative to ``cwd``) and the lines staging added to them.

    Git's own plumbing reads the index (``ls-files --stage``) and its blobs (one ``cat-file
    --batch``): the hook's path imports no GitPython, whose import alone costs about 0.1 s.
    """
    root = repo_root(cwd)
    prefix = _git(cwd, "rev-parse", "--show-prefix").decode().strip()
    base = "HEAD" if _has_head(root) else _EMPTY_TREE
    # `git commit -a` and `git commit PATH` stage into a temporary index that hooks see through
    # GIT_INDEX_FILE; the index in .git/ is not what will be committed then. git reads a
    # relative one from its own working folder, so it is made absolute from ours.
    index_file = os.environ.get("GIT_INDEX_FILE")
    index_env = {"GIT_INDEX_FILE": str((cwd / index_file).resolve())} if index_file else {}
    wanted = [_repo_path(p, root, prefix) for p in paths]
    entries = _staged_entries(root, wanted, index_env)
    renamed = _staged_renames(root, base, index_env)
    blobs = _blobs(root, [entries[rel][1] for rel in wanted if _is_regular(entries.get(rel))])
    files = []
    missing = []
    submodules = []
    for rel in wanted:
        entry = entries.get(rel)
        if entry is None:
            missing.append(rel)  # deleted, or a path git does not track
            continue
        if entry[0] == _SUBMODULE:
            submodules.append(rel)
            continue
        if not _is_regular(entry):
            continue  # symlinks carry no code of their own
        # A rename is diffed against its old path, so only what the rename changed is added.
        diffed = (renamed[rel], rel) if rel in renamed else (rel,)
        diff = _git(
            root,
            "diff",
            "--cached",
            "-U0",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            base,
            "--",
            *diffed,
            env=index_env,
        )
        files.append(ChangedFile(rel, blobs[entry[1]], added_lines(diff)))
    return Changes(root, tuple(files), tuple(missing), tuple(submodules))


def _repo_path(path: str, root: Path, prefix: str) -> str:
    """``path`` (absolute, or relative to the folder ``prefix`` below ``root``) as a POSIX path
    relative to ``root``; a UsageError when it lies outside."""
    if Path(path).is_absolute():
        rel = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(root))).as_posix()
    else:
        rel = posixpath.normpath(posixpath.join(prefix, Path(path).as_posix()))
    if rel == ".." or rel.startswith("../"):
        raise UsageError(f"{path}: outside the repository {root}")
    return rel


IndexEntry = tuple[int, str]  # (mode, blob id) of a stage-0 entry of git's index


def _is_regular(entry: IndexEntry | None) -> bool:
    return entry is not None and entry[0] & 0o170000 == 0o100000


def _staged_entries(
    root: Path, wanted: Sequence[str], env: dict[str, str]
) -> dict[str, IndexEntry]:
    """path → (mode, blob id) for the ``wanted`` paths that git's index holds at stage 0 (a
    conflicted path has only stages 1-3 and is not there)."""
    if not wanted:
        return {}
    out = _git(root, "ls-files", "--stage", "-z", "--", *wanted, env=env)
    want = set(wanted)
    entries: dict[str, IndexEntry] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, tab, path = record.partition("\t")
        if not tab or path not in want:
            continue  # a folder's other files: only the paths asked for count
        mode, blob, stage = meta.split()
        if stage == "0":
            entries[path] = (int(mode, 8), blob)
    return entries


def _blobs(root: Path, ids: Sequence[str]) -> dict[str, bytes]:
    """The content of each blob in ``ids``, from one ``git cat-file --batch``."""
    if not ids:
        return {}
    unique = list(dict.fromkeys(ids))
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{i}\n" for i in unique).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for blob in unique:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"git cat-file: cannot read blob {blob}")
        size = int(header[2])
        blobs[blob] = out[eol + 1 : eol + 1 + size]
        pos = eol + 1 + size + 1  # the content, then a newline
    return blobs


def _staged_renames(root: Path, base: str, env: dict[str, str]) -> dict[str, str]:
    """new path → old path for the renames staged over ``base`` (as `git commit` would record)."""
    out = _git(
        root,
        "diff",
        "--cached",
        "--name-status",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        base,
        env=env,
    )
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    renames: dict[str, str] = {}
    i = 0
    while i < len(fields) - 1:
        code = fields[i]
        if code.startswith(("R", "C")):
            if code.startswith("R"):
                renames[fields[i + 2]] = fields[i + 1]
            i += 3
        else:
            i += 2
    return renames


def parse_range(spec: str | None, base: str | None, head: str | None) -> tuple[str, str, bool]:
    """(base, head, merge_base) from ``BASE..HEAD``, ``BASE...HEAD`` or --base/--head."""
    if spec:
        if base or head:
            raise UsageError("give either a range BASE..HEAD or --base/--head, not both")
        three = "..." in spec
        left, _, right = spec.partition("..." if three else "..")
        if not _ or not left:
            raise UsageError(f"{spec}: expected a range like BASE..HEAD")
        return check_rev(left, "base"), check_rev(right or "HEAD", "head"), three
    if not base:
        raise UsageError("give a range BASE..HEAD or --base REF")
    return check_rev(base, "base"), check_rev(head or "HEAD", "head"), False


def range_changes(
    cwd: Path, base: str, head: str, merge_base: bool = False, fetch: bool = False
) -> Changes:
    """Files added or modified from ``base`` to ``head`` (renames followed, deletions dropped).

    A revision missing here is fetched from ``origin`` only when ``fetch`` is true.
    """
    root = repo_root(cwd)
    head_sha = ensure_commit(_git, root, head, fetch)
    base_sha = ensure_commit(_git, root, base, fetch)
    if merge_base:
        base_sha = _git(root, "merge-base", base_sha, head_sha).decode().strip()
    status = _git(
        root,
        "diff",
        "--name-status",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        base_sha,
        head_sha,
    )
    fields = status.decode("utf-8", "surrogateescape").split("\0")
    files = []
    submodules = []
    i = 0
    while i < len(fields) - 1:
        code = fields[i]
        if code.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if code.startswith("D"):
            continue
        mode_and_blob = _git(root, "ls-tree", "-z", head_sha, "--", new).split(maxsplit=3)
        mode = int(mode_and_blob[0], 8) if mode_and_blob else 0
        if mode == _SUBMODULE:
            submodules.append(new)
            continue
        if mode not in _REGULAR:
            continue  # symlinks carry no code of their own
        data = _git(root, "cat-file", "blob", mode_and_blob[2].decode())
        paths = (old, new) if old != new else (new,)
        diff = _git(
            root,
            "diff",
            "-U0",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            base_sha,
            head_sha,
            "--",
            *paths,
        )
        files.append(ChangedFile(new, data, added_lines(diff)))
    return Changes(root, tuple(files), submodules=tuple(submodules))

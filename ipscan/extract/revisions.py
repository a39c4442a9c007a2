"""Revisions a user names (``ipscan diff`` ranges): checked, resolved locally, fetched only on ask.

A revision is user input that reaches git's command line, so it is refused before any git call
when it could be read as an option (``--upload-pack=...``) or a refspec (``a:b``, ``+a``), and
every git argv built from it ends git's options first (``--end-of-options``). Nothing goes to
the network unless the user passed ``--fetch``: then only ``git fetch origin <rev>`` runs, with
``--depth=1`` only when the clone is already shallow (a full clone is never made shallow).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ipscan.errors import GitError
from ipscan.errors import UsageError

Git = Callable[..., bytes]

# What `git fetch origin <rev>` may be given: an object name or a plain ref name (no refspec
# syntax, no revision arithmetic that a remote could not resolve).
_FETCHABLE = re.compile(r"^(?:[0-9a-fA-F]{7,64}|[A-Za-z0-9_][A-Za-z0-9_./-]*)$")


def has_control_chars(text: str) -> bool:
    """Whether ``text`` holds a C0 control character or DEL (never part of a ref or URL)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_rev(rev: str, what: str = "revision") -> str:
    """``rev`` unchanged, or a UsageError when git could read it as an option or is malformed."""
    if not rev or not rev.strip():
        raise UsageError(f"empty {what}")
    if rev.startswith("-"):
        raise UsageError(f"{rev!r}: a {what} cannot start with '-'")
    if has_control_chars(rev):
        raise UsageError(f"{rev!r}: a {what} cannot hold control characters")
    return rev


def resolve_commit(git: Git, root: Path, rev: str) -> str | None:
    """The full sha of commit ``rev`` in the local object store, or None when it is not there."""
    try:
        out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except GitError:
        return None
    return out.decode().strip() or None


def is_shallow(git: Git, root: Path) -> bool:
    """Whether the repository at ``root`` is a shallow clone."""
    return git(root, "rev-parse", "--is-shallow-repository").decode().strip() == "true"


def ensure_commit(git: Git, root: Path, rev: str, fetch: bool) -> str:
    """The sha of ``rev``; with ``fetch``, fetched from ``origin`` first when it is missing."""
    check_rev(rev)
    sha = resolve_commit(git, root, rev)
    if sha is not None:
        return sha
    shallow = is_shallow(git, root)
    if not fetch:
        hint = " (this is a shallow clone: `git fetch --unshallow`, or" if shallow else " ("
        raise GitError(
            f"{rev}: no such commit here{hint} pass --fetch to let ipscan fetch it from origin; "
            "ipscan never uses the network unless asked)"
        )
    if not _FETCHABLE.match(rev) or ".." in rev or rev.endswith((".", "/", ".lock")):
        raise UsageError(f"{rev!r}: --fetch takes a commit sha or a branch or tag name")
    depth = ("--depth=1",) if shallow else ()
    try:
        git(
            root,
            "fetch",
            "--quiet",
            "--no-tags",
            *depth,
            "--end-of-options",
            "origin",
            rev,
            network=True,
        )
    except GitError as exc:
        raise GitError(f"{rev}: no such commit here and `git fetch origin` failed: {exc}") from exc
    # A fetched branch name may have no local ref of that name: FETCH_HEAD holds what came.
    sha = resolve_commit(git, root, rev) or resolve_commit(git, root, "FETCH_HEAD")
    if sha is None:
        raise GitError(f"{rev}: fetched from origin, but it is not a commit")
    return sha

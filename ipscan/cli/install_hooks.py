"""Install ipscan's plain git hooks (POSIX sh scripts shipped in ``ipscan/data/hooks``).

The hooks folder is git's own answer (`git rev-parse --git-path hooks`), so ``core.hooksPath``,
linked worktrees and bare repositories are handled as git handles them. A hook that is already
there is replaced only when it carries ipscan's marker line, or with ``force``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from ipscan.errors import GitError
from ipscan.errors import UsageError

HOOKS = ("pre-commit", "pre-push")
MARKER = b"# ipscan-managed-hook"


def hook_script(name: str) -> bytes:
    """The shipped script of hook ``name``."""
    return resources.files("ipscan").joinpath("data", "hooks", name).read_bytes()


def hooks_dir(repo_path: Path) -> Path:
    """The folder git runs hooks from for the repository at ``repo_path``."""
    if not repo_path.is_dir():
        raise UsageError(f"{repo_path}: no such directory")
    cmd = [
        "git",
        "-C",
        str(repo_path),
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "hooks",
    ]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    if res.returncode != 0:
        raise UsageError(f"{repo_path}: not a git repository")
    return Path(res.stdout.strip())


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_bytes()
    except OSError:
        return False


def _write_executable(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a symlink there is replaced, not followed)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_hooks(repo_path: Path, hooks: Sequence[str] = HOOKS, force: bool = False) -> list[Path]:
    """Install ``hooks`` into the repository at ``repo_path``; return the paths written.

    Every target is checked before anything is written, so a refusal changes nothing.
    """
    unknown = [h for h in hooks if h not in HOOKS]
    if unknown:
        raise UsageError(f"unknown hook {unknown[0]!r} (choose from {', '.join(HOOKS)})")
    names = list(dict.fromkeys(hooks))
    folder = hooks_dir(Path(repo_path))
    for name in names:
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            raise UsageError(f"{target}: is a directory, not a hook")
        if not force and (target.exists() or target.is_symlink()) and not _is_ours(target):
            raise UsageError(
                f"{target}: a hook ipscan did not install is there (--force replaces it)"
            )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        target = folder / name
        _write_executable(target, hook_script(name))
        written.append(target)
    return written

"""Running the registries' own clients (pip, npm, apt-get), with one-line errors."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from ipscan.errors import SourceError

# A stalled download must not stall a build of thousands of packages.
TIMEOUT_S = 900
# The line of a client's output that says what went wrong, when there are several.
_ERROR_PREFIXES = ("E: ", "ERROR: ", "npm ERR! ", "npm error ")


def _last_error(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(_ERROR_PREFIXES)]
    line = (errors or lines or ["failed"])[-1]
    for prefix in _ERROR_PREFIXES:
        line = line.removeprefix(prefix)
    return line


def run_tool(cmd: Sequence[str], cwd: Path, what: str, timeout_s: float = TIMEOUT_S) -> str:
    """Run ``cmd`` (never through a shell) in ``cwd``; its stdout, or a SourceError naming
    ``what`` (``pip download``) with the client's own error line."""
    try:
        done = subprocess.run(
            list(cmd),
            cwd=cwd,
            check=True,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
        )
    except FileNotFoundError as exc:
        raise SourceError(f"`{cmd[0]}` is not installed; it is needed to fetch packages") from exc
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"`{what}` did not finish in {timeout_s:.0f} s") from exc
    except subprocess.CalledProcessError as exc:
        reason = _last_error(exc.stderr or exc.stdout or "")
        raise SourceError(f"`{what}` failed: {reason}") from exc
    return done.stdout

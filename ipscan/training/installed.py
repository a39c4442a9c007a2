"""Sources made from installed distributions: an sdist-shaped archive of their files.

Training and tests index real licensed code without downloading anything: the sources of
packages installed in this environment, with their metadata and license files.
"""

from __future__ import annotations

import importlib.metadata
import io
import tarfile
from pathlib import Path

from ipscan.errors import UsageError


def installed_file(dist: str, rel: str) -> Path:
    """A file of an installed distribution, by its path inside site-packages."""
    for f in importlib.metadata.distribution(dist).files or ():
        if str(f) == rel:
            return Path(str(f.locate()))
    raise FileNotFoundError(f"{dist}: {rel}")


def make_sdist(dest: Path, dist: str, modules: list[str]) -> Path:
    """An sdist-shaped .tar.gz of an installed distribution: PKG-INFO, license files, sources.

    ``modules`` are paths inside site-packages (e.g. ``click/utils.py``); they land under
    ``src/`` as in the project's own sdist.
    """
    d = importlib.metadata.distribution(dist)
    name, version = d.metadata["Name"], d.version
    top = f"{name}-{version}"
    out = dest / f"{top}.tar.gz"
    members: dict[str, bytes] = {"PKG-INFO": (d.read_text("METADATA") or "").encode()}
    for f in d.files or ():
        parts = Path(str(f)).parts
        if len(parts) >= 2 and parts[0].endswith(".dist-info") and parts[1] == "licenses":
            members["/".join(parts[2:])] = Path(str(f.locate())).read_bytes()
    for rel in modules:
        members[f"src/{rel}"] = installed_file(dist, rel).read_bytes()
    with tarfile.open(out, "w:gz") as tar:
        for rel, data in members.items():
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return out


def package_modules(dist: str) -> list[str]:
    """Python files of an installed distribution (paths inside site-packages), tests excluded."""
    try:
        files = importlib.metadata.distribution(dist).files or ()
    except importlib.metadata.PackageNotFoundError as exc:
        raise UsageError(
            f"{dist}: not installed (training reads the code of installed packages)"
        ) from exc
    out = []
    for f in files:
        s = str(f)
        if s.endswith(".py") and "/tests/" not in s and "/test_" not in s:
            out.append(s)
    return sorted(out)

"""Packages downloaded from their registries, each once, into a cache checked by sha256.

``pip download`` fetches PyPI sdists, ``npm pack`` npm tarballs, ``apt-get source`` Debian
source packages (``ipscan.sources.debian_source``) and ``apt-get download`` the Debian binary
packages that carry sources (``deb-bin``: ``librust-*-dev``, ``golang-*-dev``;
``ipscan.sources.debian_binary``). Names and versions are checked against strict patterns
before any client runs, and reach it after ``--``.

The cache, below ``cache_dir()/sources`` (``$IPSCAN_CACHE_DIR/sources``), keeps one folder per
package version: ``pypi/six/1.16.0/`` (PEP 503 name), ``npm/@scope/name/1.2.3/``,
``deb/hello/2.10-3/``, ``deb-bin/librust-cfg-if-dev/1.0.0-1/``, holding the archive and
``source.json``::

    {"source": "pypi:six==1.16.0", "archive": "six-1.16.0.tar.gz",
     "sha256": "<the archive's>", "download_sha256": "<what a list's sha256= pins>"}

``download_sha256`` is the archive's as the registry served it, for a Debian source package its
``.dsc`` (which pins the tarballs), for a Debian binary package its ``.deb``. A download lands
in a temporary folder beside the cache and is renamed into place whole, so a killed download
leaves no entry. A cached archive is reused without asking the registry again; one whose
digest no longer matches ``source.json`` (a damaged cache) is dropped and downloaded again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.commands import run_tool
from ipscan.sources.ecosystem_names import pypi_name

SIDECAR = "source.json"
REGISTRIES = ("pypi", "npm", "deb", "deb-bin")
# PEP 508 names; PEP 440 versions (exact pins: no ranges); npm's package.json name rules and
# exact semver; Debian policy's package names and versions (5.6.1, 5.6.7, 5.6.12).
_NAMES = {
    "pypi": re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?"),
    "npm": re.compile(r"(?:@[a-z0-9][a-z0-9._~-]{0,100}/)?[A-Za-z0-9][A-Za-z0-9._~-]{0,213}"),
    "deb": re.compile(r"[a-z0-9][a-z0-9+.-]{1,99}"),
    "deb-bin": re.compile(r"[a-z0-9][a-z0-9+.-]{1,99}"),
}
_VERSIONS = {
    "pypi": re.compile(r"[0-9][A-Za-z0-9.!+_-]{0,99}"),
    "npm": re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]{1,80})?(?:\+[0-9A-Za-z.-]{1,80})?"),
    "deb": re.compile(r"(?:[0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,99}"),
    "deb-bin": re.compile(r"(?:[0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,99}"),
}
SEPARATORS = {"pypi": "==", "npm": "@", "deb": "=", "deb-bin": "="}
_ARCHIVE_NAME = re.compile(r"[A-Za-z0-9@][A-Za-z0-9@._+~_-]{0,250}")

Say = Callable[[str], None]
# (ecosystem, name, version, empty folder) → (the archive in that folder, download_sha256)
Fetch = Callable[[str, str, str, Path], tuple[Path, str]]


def package_problem(ecosystem: str, name: str, version: str) -> str | None:
    """Why ``name`` and ``version`` cannot be fetched from ``ecosystem``, or None."""
    if ecosystem not in REGISTRIES:
        return f"{name}: unknown registry {ecosystem!r}"
    if not _NAMES[ecosystem].fullmatch(name):
        return f"{name!r} is not a valid {ecosystem} package name"
    if not _VERSIONS[ecosystem].fullmatch(version):
        return f"{version!r} is not an exact {ecosystem} version"
    return None


def package_label(ecosystem: str, name: str, version: str) -> str:
    """``pypi:six==1.16.0``, ``npm:left-pad@1.3.0``, ``deb:hello=2.10-3``,
    ``deb-bin:librust-cfg-if-dev=1.0.0-1``: the origin the index records
    (``ipscan.index.origins.ecosystem_of`` reads its prefix)."""
    if ecosystem == "pypi":
        name = pypi_name(name)
    return f"{ecosystem}:{name}{SEPARATORS[ecosystem]}{version}"


def check_sha256(path: Path, expected: str, pinned_by: str) -> str:
    """``path``'s sha256, or a SourceError when it is not ``expected``."""
    digest = file_sha256(path)
    check_digest(path.name, digest, expected, pinned_by)
    return digest


def check_digest(what: str, digest: str, expected: str, pinned_by: str) -> None:
    """A SourceError when ``digest`` is not ``expected`` (the sha256 ``pinned_by`` gives)."""
    if digest != expected.lower():
        raise SourceError(
            f"{what}: sha256 {digest[:16]}… differs from the {pinned_by} {expected[:16]}…"
        )


def download_archive(ecosystem: str, name: str, version: str, dest: Path) -> Path:
    """Download one PyPI sdist or npm tarball into the folder ``dest``; the new file."""
    problem = package_problem(ecosystem, name, version)
    if problem is not None or ecosystem in ("deb", "deb-bin"):
        raise SourceError(problem or f"{name}: Debian packages are fetched by apt-get")
    dest = dest.resolve()
    before = set(dest.iterdir())
    if ecosystem == "pypi":
        # Source distributions only: a wheel may be built from sources other than the sdist's.
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary"]
        cmd += [":all:", "--dest", str(dest), "--", f"{name}=={version}"]
        run_tool(cmd, dest, "pip download")
    else:
        cmd = ["npm", "pack", "--silent", "--ignore-scripts", "--", f"{name}@{version}"]
        run_tool(cmd, dest, "npm pack")
    new = sorted(set(dest.iterdir()) - before)
    if len(new) != 1 or not new[0].is_file():
        for path in new:  # nothing half-fetched stays behind
            _remove(path)
        raise SourceError(f"{name} {version}: expected one archive, got {len(new)}")
    return new[0]


def fetch_from_registry(ecosystem: str, name: str, version: str, dest: Path) -> tuple[Path, str]:
    """The default ``Fetch``: the registry's own client."""
    problem = package_problem(ecosystem, name, version)
    if problem is not None:
        raise SourceError(problem)
    if ecosystem == "deb":
        from ipscan.sources.debian_source import fetch_debian_source

        return fetch_debian_source(name, version, dest)
    if ecosystem == "deb-bin":
        from ipscan.sources.debian_binary import fetch_debian_binary

        return fetch_debian_binary(name, version, dest)
    archive = download_archive(ecosystem, name, version, dest)
    return archive, file_sha256(archive)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


class SourceCache:
    """Registry packages cached below ``root`` (default ``cache_dir()/sources``)."""

    def __init__(self, root: Path | None = None, fetch: Fetch | None = None) -> None:
        if root is None:
            from ipscan.encoder.cache import cache_dir

            root = cache_dir() / "sources"
        self.root = root
        self._fetch = fetch or fetch_from_registry

    def entry_dir(self, ecosystem: str, name: str, version: str) -> Path:
        """The folder of one package version (names and versions already checked)."""
        if ecosystem == "pypi":
            name = pypi_name(name)
        # ':' (a Debian epoch) is no file name character everywhere; '%' is in no version.
        return self.root.joinpath(ecosystem, *name.split("/"), version.replace(":", "%3A"))

    def archive(
        self,
        ecosystem: str,
        name: str,
        version: str,
        sha256: str | None = None,
        say: Say | None = None,
    ) -> Path:
        """The cached archive of ``name`` ``version``, downloaded first when it is not cached;
        a SourceError when it cannot be fetched or its ``download_sha256`` is not ``sha256``."""
        problem = package_problem(ecosystem, name, version)
        if problem is not None:
            raise SourceError(problem)
        label = package_label(ecosystem, name, version)
        folder = self.entry_dir(ecosystem, name, version)
        found = self._cached(folder)
        if found is None:
            if say is not None:
                say(f"fetching {label}")
            found = self._download(folder, label, (ecosystem, name, version), sha256)
        path, download_sha = found
        if sha256 is not None:
            check_digest(label, download_sha, sha256, "listed")
        return path

    def _cached(self, folder: Path) -> tuple[Path, str] | None:
        """The archive and download_sha256 of a sound entry; a damaged one is removed."""
        sidecar = folder / SIDECAR
        if not sidecar.is_file():
            return None
        try:
            doc = json.loads(sidecar.read_text(encoding="utf-8"))
            name, sha, download_sha = doc["archive"], doc["sha256"], doc["download_sha256"]
            if not (isinstance(name, str) and _ARCHIVE_NAME.fullmatch(name) and name != SIDECAR):
                raise ValueError(name)
            archive = folder / name
            if archive.is_file() and not archive.is_symlink() and file_sha256(archive) == sha:
                return archive, str(download_sha)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self._drop(folder)
        return None

    def _drop(self, folder: Path) -> None:
        # Renamed away first: another process never sees a half-removed entry.
        aside = Path(tempfile.mkdtemp(prefix=".drop-", dir=self.root))
        with contextlib.suppress(OSError):
            os.replace(folder, aside / "entry")
        shutil.rmtree(aside, ignore_errors=True)

    def _download(
        self, folder: Path, label: str, package: tuple[str, str, str], sha256: str | None
    ) -> tuple[Path, str]:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            archive, download_sha = self._fetch(*package, tmp)
            if archive.parent != tmp or not _ARCHIVE_NAME.fullmatch(archive.name):
                raise SourceError(f"{label}: unexpected archive name {archive.name!r}")
            if sha256 is not None:  # a download that fails its pin is not kept
                check_digest(label, download_sha, sha256, "listed")
            doc = {
                "source": label,
                "archive": archive.name,
                "sha256": file_sha256(archive),
                "download_sha256": download_sha,
            }
            (tmp / SIDECAR).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(tmp, folder)
            except OSError as exc:
                found = self._cached(folder)  # another process cached it first
                if found is None:
                    raise SourceError(f"{label}: cannot store it in {folder}: {exc}") from exc
                return found
            return folder / archive.name, download_sha
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

"""Debian source packages, fetched with ``apt-get source --download-only`` and packed into one
tarball that ipscan reads like any other.

``apt-get source`` runs with ipscan's own apt state (``ipscan.sources.apt_state``: the
system's mirrors as ``deb-src`` entries, no root needed), so apt checks every file against the
signed Sources index as usual, and ipscan checks each against the ``.dsc`` again.

The upstream tarball, each ``orig-COMPONENT`` tarball (in ``COMPONENT/``) and the ``debian/``
folder of a 3.0 (quilt) package become one ``NAME_VERSION.tar.gz`` (patches not applied),
written with fixed times and owners so its digest is stable. A 1.0 package's ``.diff.gz`` is not
applied: its upstream tarball alone is read.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import tarfile
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.apt_state import AptSources
from ipscan.sources.apt_state import download_with_apt
from ipscan.sources.archives import open_archive
from ipscan.sources.commands import run_tool
from ipscan.sources.downloads import check_sha256

_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_-]{0,250}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMPRESSED = r"\.tar(?:\.(?:gz|xz|bz2|lzma|zst))?$"
_ORIG = re.compile(r"\.orig" + _COMPRESSED)
_COMPONENT = re.compile(r"\.orig-([A-Za-z0-9][A-Za-z0-9-]*)" + _COMPRESSED)
_DEBIAN = re.compile(r"\.debian" + _COMPRESSED)
_TARBALL = re.compile(_COMPRESSED)


def _download_source(name: str, version: str) -> Callable[[AptSources, Path], None]:
    def download(apt: AptSources, folder: Path) -> None:
        cmd = ["apt-get", *apt.options(), "--download-only", "--only-source", "source"]
        run_tool([*cmd, "--", f"{name}={version}"], folder, "apt-get source")

    return download


def fetch_debian_source(name: str, version: str, dest: Path) -> tuple[Path, str]:
    """Download Debian source package ``name`` ``version`` and pack it in ``dest``: the tarball,
    and the ``.dsc``'s sha256 (what pins the package)."""
    download = dest / "download"
    try:
        download_with_apt("deb-src", _download_source(name, version), download)
        return pack_source(download, name, version, dest)
    finally:
        shutil.rmtree(download, ignore_errors=True)


def dsc_checksums(text: str) -> dict[str, str]:
    """The files a ``.dsc`` lists under ``Checksums-Sha256``, with their sha256."""
    out: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line.lower().startswith("checksums-sha256:"):
            inside = True
        elif inside and line[:1] in (" ", "\t") and line.strip():
            words = line.split()
            if len(words) != 3 or not _SHA256.fullmatch(words[0].lower()):
                raise SourceError(f"malformed Checksums-Sha256 line: {line.strip()[:80]!r}")
            if not _FILE_NAME.fullmatch(words[2]):
                raise SourceError(f"unsafe file name in a .dsc: {words[2][:80]!r}")
            out[words[2]] = words[0].lower()
        else:
            inside = False
    return out


def _folder_of(file_name: str) -> str | None:
    """Where a tarball of a source package goes in the packed tree, or None (not read)."""
    if _ORIG.search(file_name):
        return ""
    component = _COMPONENT.search(file_name)
    if component:
        return component.group(1) + "/"
    if _DEBIAN.search(file_name):
        return "debian/"
    return "" if _TARBALL.search(file_name) else None


def pack_source(download: Path, name: str, version: str, dest: Path) -> tuple[Path, str]:
    """The files ``apt-get source`` left in ``download``, checked against their ``.dsc`` and
    packed as ``dest/NAME_VERSION.tar.gz``; that tarball and the ``.dsc``'s sha256."""
    dscs = sorted(download.glob("*.dsc"))
    if len(dscs) != 1:
        raise SourceError(f"{name} {version}: expected one .dsc, got {len(dscs)}")
    dsc = dscs[0]
    listed = dsc_checksums(dsc.read_text(encoding="utf-8", errors="replace"))
    tarballs: list[tuple[str, Path]] = []
    for file_name, sha in sorted(listed.items()):
        path = download / file_name
        if not path.is_file() or path.is_symlink():
            raise SourceError(f"{dsc.name}: {file_name} was not downloaded")
        check_sha256(path, sha, f"{dsc.name}'s")
        folder = _folder_of(file_name)
        if folder is not None:
            tarballs.append((folder, path))
    if not any(folder == "" for folder, _ in tarballs):
        raise SourceError(f"{dsc.name}: lists no source tarball")
    tarballs.sort(key=lambda t: (t[0] != "", t[0]))  # upstream first, then components, debian/
    plain = version.split(":", 1)[-1]  # Debian's file names leave the epoch out
    upstream = plain.rsplit("-", 1)[0]
    out = dest / f"{name}_{plain}.tar.gz"
    write_tar(out, _members(tarballs, f"{name}-{upstream}/"))
    return out, file_sha256(dsc)


def _members(tarballs: list[tuple[str, Path]], top: str) -> Iterator[tuple[str, bytes]]:
    # As dpkg-source does for 3.0 (quilt), the debian tarball replaces any upstream debian/.
    replaced = any(folder == "debian/" for folder, _ in tarballs)
    seen: set[str] = set()
    for folder, path in tarballs:
        _, entries = open_archive(path, path.name)
        for entry in entries:
            rel = folder + entry.path
            if rel in seen or (replaced and folder != "debian/" and rel.startswith("debian/")):
                continue
            seen.add(rel)
            yield top + rel, entry.data


def write_tar(out: Path, members: Iterator[tuple[str, bytes]]) -> None:
    """A gzipped tar of ``members`` whose bytes depend on nothing else (times, owners)."""
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8") as tar,
    ):
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

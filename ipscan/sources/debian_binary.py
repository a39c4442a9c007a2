"""Debian binary packages that carry sources (``librust-*-dev``, ``golang-*-dev``, headers),
fetched with ``apt-get download`` and packed into one tarball that ipscan reads like any other.

Issue #17: the mirror ipscan reached answered 404 for the source files of most Rust and many Go
source packages, while the ``-dev`` binary packages of the same versions downloaded and hold
the same code. ``apt-get download`` runs with ipscan's own apt state (``apt_state``: the
system's mirrors as ``deb`` entries, no root needed), which checks the ``.deb`` against the
signed Packages index; the ``.deb``'s sha256 is what a list pins. ``Architecture: any``
packages (most ``librust-*-dev``) differ per architecture, and so does that pin.

The ``.deb`` is read in Python (an ``ar`` archive, then its ``data.tar.{xz,gz,bz2}``) and only
what is source is kept: the crates under ``usr/share/cargo/registry/``, the Go tree under
``usr/share/gocode/src/``, the headers under ``usr/include/`` and the package's DEP-5 file
``usr/share/doc/<package>/copyright``. Regular files only (links are never followed), at
normalized relative paths, in ``NAME_VERSION.tar.gz`` (``debian_source.write_tar``: fixed times
and owners, so its digest is stable).
"""

from __future__ import annotations

import io
import re
import shutil
import tarfile
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.apt_state import AptSources
from ipscan.sources.apt_state import download_with_apt
from ipscan.sources.archives import READ_ERRORS
from ipscan.sources.commands import run_tool
from ipscan.sources.debian_source import write_tar
from ipscan.sources.paths import DEBIAN_SOURCE_ROOTS
from ipscan.sources.paths import safe_path

_AR_MAGIC = b"!<arch>\n"
_AR_HEADER = 60
_DATA = re.compile(r"data\.tar(?:\.(gz|xz|bz2|lzma|zst))?")


def _ar_members(fh: BinaryIO, what: str) -> Iterator[tuple[str, int]]:
    """The members of an ``ar`` archive: (name, size), ``fh`` left at the start of each."""
    if fh.read(len(_AR_MAGIC)) != _AR_MAGIC:
        raise SourceError(f"{what}: not a Debian package (no ar archive)")
    while True:
        header = fh.read(_AR_HEADER)
        if not header:
            return
        if len(header) != _AR_HEADER or header[58:60] != b"`\n":
            raise SourceError(f"{what}: damaged ar archive")
        size_field = header[48:58].decode("ascii", "replace").strip()
        if not size_field.isdigit():  # a negative size would loop back over the archive
            raise SourceError(f"{what}: damaged ar archive")
        size = int(size_field)
        start = fh.tell()
        yield header[:16].decode("ascii", "replace").strip().rstrip("/"), size
        fh.seek(start + size + size % 2)  # members are padded to an even offset


def data_tar(deb: Path) -> bytes:
    """The ``data.tar`` member of the ``.deb`` at ``deb``, as stored (compressed or not)."""
    with deb.open("rb") as fh:
        for n, (name, size) in enumerate(_ar_members(fh, deb.name)):
            if n == 0 and (name != "debian-binary" or not fh.read(size).startswith(b"2.")):
                raise SourceError(f"{deb.name}: not a Debian package of format 2.x")
            found = _DATA.fullmatch(name)
            if found is None:
                continue
            if found.group(1) == "zst":
                raise SourceError(f"{deb.name}: {name} is zstd-compressed; ipscan reads no zstd")
            data = fh.read(size)
            if len(data) != size:
                raise SourceError(f"{deb.name}: truncated {name}")
            return data
    raise SourceError(f"{deb.name}: no data.tar member")


def source_members(deb: Path, package: str) -> Iterator[tuple[str, bytes]]:
    """The regular files of ``deb`` that are source (see the module's docstring), at safe
    relative paths, in the package's order."""
    data = data_tar(deb)
    copyright_path = f"usr/share/doc/{package}/copyright"
    seen: set[str] = set()
    try:
        # gzip, bzip2, xz and lzma (the xz reader takes both) are told apart by their bytes.
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                rel = safe_path(member.name)
                if not member.isreg() or rel is None or rel in seen:
                    continue  # links, folders, devices; absolute and ".." paths
                if not (rel.startswith(DEBIAN_SOURCE_ROOTS) or rel == copyright_path):
                    continue
                f = tar.extractfile(member)
                if f is not None:
                    seen.add(rel)
                    yield rel, f.read()
    except READ_ERRORS as exc:
        reason = " ".join(str(exc).split())  # tarfile's "r:*" error lists each method tried
        raise SourceError(f"{deb.name}: cannot read its data.tar: {reason}") from exc


def pack_binary(deb: Path, name: str, version: str, dest: Path) -> Path:
    """The source files of ``deb`` (package ``name`` ``version``) as ``dest/NAME_VERSION.tar.gz``
    below one top folder; a SourceError when it holds none."""
    plain = version.split(":", 1)[-1]  # Debian's file names leave the epoch out
    top = f"{name}_{plain}/"
    out = dest / f"{name}_{plain}.tar.gz"
    count = 0

    def members() -> Iterator[tuple[str, bytes]]:
        nonlocal count
        for rel, data in source_members(deb, name):
            count += rel.startswith(DEBIAN_SOURCE_ROOTS)  # not the copyright file alone
            yield top + rel, data

    try:
        write_tar(out, members())
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    if not count:
        out.unlink()
        roots = ", ".join(DEBIAN_SOURCE_ROOTS)
        raise SourceError(f"{name} {version}: the package holds no source (nothing in {roots})")
    return out


def _download_binary(name: str, version: str) -> Callable[[AptSources, Path], None]:
    def download(apt: AptSources, folder: Path) -> None:
        cmd = ["apt-get", *apt.options(), "download", "--", f"{name}={version}"]
        run_tool(cmd, folder, "apt-get download")

    return download


def fetch_debian_binary(name: str, version: str, dest: Path) -> tuple[Path, str]:
    """Download Debian binary package ``name`` ``version`` and pack its source in ``dest``: the
    tarball, and the ``.deb``'s sha256 (what pins the package)."""
    download = dest / "download"
    try:
        download_with_apt("deb", _download_binary(name, version), download)
        debs = sorted(download.glob("*.deb"))
        if len(debs) != 1 or not debs[0].is_file() or debs[0].is_symlink():
            raise SourceError(f"{name} {version}: expected one .deb, got {len(debs)}")
        return pack_binary(debs[0], name, version, dest), file_sha256(debs[0])
    finally:
        shutil.rmtree(download, ignore_errors=True)

"""Package archives as sources (sdist and npm tarballs, wheels, zips), read in memory."""

from __future__ import annotations

import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.metadata import source_info
from ipscan.sources.metadata import split_stem
from ipscan.sources.paths import LICENSE_NAME
from ipscan.sources.paths import META_NAMES
from ipscan.sources.paths import TAR_SUFFIXES
from ipscan.sources.paths import is_debian_meta
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.paths import safe_path
from ipscan.sources.paths import skipped_dir
from ipscan.sources.records import MAX_FILE_BYTES
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import Entries
from ipscan.sources.records import SourceEntry
from ipscan.sources.records import SourceInfo

# Everything a damaged archive makes the standard library raise (found by tests/fuzz): truncated
# compressed streams end in EOFError, bad deflate data in zlib.error, bad xz data in LZMAError,
# zip entries of unknown versions or methods in NotImplementedError.
READ_ERRORS = (
    tarfile.TarError,
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
)

# Random access, not stream mode ("r|*"): skipping a member whose header declares more bytes than
# the file holds (2**40, found by tests/fuzz) loops over empty reads for hours in stream mode;
# here the seek stops at the end of the data and tarfile reports the archive as truncated.
_TAR_MODE: Final = "r:*"


def _archive_kind(path: Path) -> str:
    low = path.name.lower()
    if low.endswith(".whl"):
        return "wheel"
    if low.endswith(".zip"):
        return "zip"
    if low.endswith(TAR_SUFFIXES):
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except READ_ERRORS:
        pass  # a truncated compressed stream is no archive we can read
    raise SourceError(f"{path}: unsupported source (not a folder, git repository or archive)")


def _wrapper(paths: list[str]) -> str:
    """The single top folder every file sits in (``pkg-1.0/``, ``package/``), or ""."""
    tops = {p.split("/", 1)[0] for p in paths}
    if len(tops) == 1 and all("/" in p for p in paths):
        return tops.pop() + "/"
    return ""


def open_archive(path: Path, spec: str) -> tuple[SourceInfo, Entries]:
    """A tarball, wheel or zip file: its info, and its files (below any wrapper folder)."""
    kind = _archive_kind(path)
    try:
        digest = file_sha256(path)
        if kind == "tar":
            return _open_tar(path, spec, digest)
        return _open_zip(path, spec, digest, kind)
    except READ_ERRORS as exc:
        raise SourceError(f"{spec}: cannot read archive: {exc}") from exc


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[str, tarfile.TarInfo]]:
    for m in tar:
        if not m.isreg():
            continue  # links, devices, folders
        rel = safe_path(m.name)
        if rel is None:
            continue
        yield rel, m


def _open_tar(path: Path, spec: str, digest: str) -> tuple[SourceInfo, Entries]:
    names: list[str] = []
    raw_meta: dict[str, bytes] = {}
    with tarfile.open(path, _TAR_MODE) as tar:
        for rel, m in _tar_members(tar):
            names.append(rel)
            # A Debian binary package's metadata lies deeper (usr/share/doc/PKG/copyright).
            deep = is_debian_meta(rel) or is_debian_meta(rel.split("/", 1)[-1])
            if (rel.count("/") <= 3 or deep) and m.size <= META_MAX_BYTES:
                base = rel.rsplit("/", 1)[-1]
                if base in META_NAMES or LICENSE_NAME.match(base):
                    f = tar.extractfile(m)
                    if f is not None:
                        raw_meta[rel] = f.read()
    wrap = _wrapper(names)
    files = {
        rel[len(wrap) :]: data
        for rel, data in raw_meta.items()
        if rel.startswith(wrap) and is_meta_candidate(rel[len(wrap) :])
    }
    kind = "npm" if wrap == "package/" and "package.json" in files else "sdist"
    stem = path.name
    if not split_stem(stem)[1] and wrap and wrap != "package/":
        stem = wrap.rstrip("/")
    paths = [rel[len(wrap) :] for rel in names if rel.startswith(wrap)]
    info = source_info(files, stem, str(path.resolve()), kind, digest, None, paths)

    def entries() -> Entries:
        try:
            with tarfile.open(path, _TAR_MODE) as tar:
                for rel, m in _tar_members(tar):
                    if not rel.startswith(wrap) or m.size > MAX_FILE_BYTES:
                        continue
                    sub = rel[len(wrap) :]
                    if skipped_dir(sub.split("/")[:-1]):
                        continue
                    f = tar.extractfile(m)
                    if f is not None:
                        yield SourceEntry(sub, f.read())
        except READ_ERRORS as exc:
            raise SourceError(f"{spec}: cannot read archive: {exc}") from exc

    return info, entries()


def _zip_members(zf: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    out = []
    for zi in zf.infolist():
        if zi.is_dir():
            continue
        mode = zi.external_attr >> 16
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            continue  # symlinks and other special files stored by unix zip
        rel = safe_path(zi.filename)
        if rel is None:
            continue
        out.append((rel, zi))
    return out


def _open_zip(path: Path, spec: str, digest: str, kind: str) -> tuple[SourceInfo, Entries]:
    with zipfile.ZipFile(path) as zf:
        members = _zip_members(zf)
        wrap = _wrapper([rel for rel, _ in members])
        files = {}
        for rel, zi in members:
            sub = rel[len(wrap) :]
            if is_meta_candidate(sub) and zi.file_size <= META_MAX_BYTES:
                files[sub] = zf.read(zi)
    stem = path.name
    if not split_stem(stem)[1] and wrap:
        stem = wrap.rstrip("/")
    info = source_info(files, stem, str(path.resolve()), kind, digest, None)

    def entries() -> Entries:
        try:
            with zipfile.ZipFile(path) as zf:
                for rel, zi in _zip_members(zf):
                    sub = rel[len(wrap) :]
                    if zi.file_size > MAX_FILE_BYTES or skipped_dir(sub.split("/")[:-1]):
                        continue
                    with zf.open(zi) as f:
                        data = f.read(MAX_FILE_BYTES + 1)
                    if len(data) <= MAX_FILE_BYTES:
                        yield SourceEntry(sub, data)
        except READ_ERRORS as exc:
            raise SourceError(f"{spec}: cannot read archive: {exc}") from exc

    return info, entries()

"""Fuzz the archive and folder readers with hostile members.

Real tarballs (plain, gzip, bzip2, xz), zips, wheels and npm tarballs are written in temporary
folders with members that try to escape or mislead: ``..`` and absolute paths, Windows drive
paths, symlinks and hard links pointing out, devices and fifos, duplicate names, names in other
encodings, declared sizes larger than the data, metadata files (PKG-INFO, package.json,
pyproject.toml, METADATA) with odd values; then some archives are truncated or have bytes
flipped. ``open_source`` must yield only safe relative paths of regular files, or raise
SourceError.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.errors import SourceError
from ipscan.sources import MAX_FILE_BYTES
from ipscan.sources import SKIP_DIRS
from ipscan.sources import SourceInfo
from ipscan.sources import open_source
from tests.fuzz.support import NASTY_CHARS
from tests.fuzz.support import hard_limit

_NAME_PARTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "/",
        "\\",
        "C:",
        "c:\\",
        "pkg-1.0",
        "package",
        "src",
        "a.py",
        "x.js",
        ".git",
        "node_modules",
        "PKG-INFO",
        "package.json",
        "pyproject.toml",
        "LICENSE",
        "COPYING.txt",
        "pkg-1.0.dist-info",
        "METADATA",
        "licenses",
        "etc",
        "passwd",
        " ",
        "...",
    ]
)
MEMBER_NAME = st.one_of(
    st.lists(st.one_of(_NAME_PARTS, st.text(max_size=4), NASTY_CHARS), min_size=1, max_size=6).map(
        "/".join
    ),
    st.sampled_from(
        [
            "../evil.py",
            "/etc/passwd",
            "pkg-1.0/../../evil.py",
            "C:/x.py",
            "pkg-1.0\\..\\..\\evil.py",
            "pkg-1.0//a.py",
            "./a.py",
        ]
    ),
)
_LICENSE = st.sampled_from(["MIT", "GPL-2.0+", "(MIT", "", "BSD", "Apache 2.0", "UNLICENSED"])


def _metadata_value(depth: int) -> st.SearchStrategy[object]:
    """JSON values nested at most ``depth`` deep (the deep case is a known crasher, below)."""
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        _LICENSE,
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=depth,
    )


def _package_json() -> st.SearchStrategy[bytes]:
    doc = st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(st.text(max_size=10), _metadata_value(5)),
            "version": st.one_of(st.text(max_size=10), _metadata_value(5)),
            "license": st.one_of(_LICENSE, _metadata_value(10)),
            "licenses": st.lists(st.one_of(_LICENSE, _metadata_value(5)), max_size=3),
        },
    )
    return st.one_of(doc, _metadata_value(20)).map(lambda d: json.dumps(d).encode())


def _pkg_info() -> st.SearchStrategy[bytes]:
    header = st.sampled_from(
        [
            "Name: ",
            "Version: ",
            "License: ",
            "License-Expression: ",
            "Classifier: License :: OSI Approved :: ",
            "Metadata-Version: 2.1",
            "\n",
            "        ",
            "\r\n",
        ]
    )
    return st.lists(st.one_of(header, _LICENSE, st.text(max_size=8)), max_size=20).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    )


def _pyproject() -> st.SearchStrategy[bytes]:
    parts = st.sampled_from(
        [
            "[project]\n",
            'name = "x"\n',
            "version = 1\n",
            "license = ",
            '{text = "MIT"}\n',
            '{file = "LICENSE"}\n',
            '"MIT"\n',
            "[tool.poetry]\n",
            "license = 3\n",
            "[[",
            "\n",
            '"',
            "= ",
        ]
    )
    return st.lists(st.one_of(parts, st.text(max_size=5)), max_size=15).map(
        lambda p: "".join(p).encode("utf-8", "surrogatepass")
    )


CONTENT = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"def f():\n    return 1\n", b"MIT License\n\nPermission is hereby granted"]),
    _package_json(),
    _pkg_info(),
    _pyproject(),
)
# kind, name, data, declared-size delta (tar: a header larger than the data; zip: ignored)
MEMBER = st.tuples(
    st.sampled_from(["file", "file", "file", "symlink", "hardlink", "chr", "blk", "fifo", "dir"]),
    MEMBER_NAME,
    CONTENT,
    st.sampled_from([0, 0, 0, 1, 1000, 2**33]),
    st.sampled_from(["../../etc/passwd", "/etc/passwd", "pkg-1.0/a.py", "a.py", ""]),
)
MEMBERS = st.lists(MEMBER, max_size=12)
WRAPPERS = st.sampled_from(["", "pkg-1.0/", "package/", "pkg-1.0.dist-info/", "../"])
# How the finished archive is damaged: not at all, truncated at a fraction, or bytes flipped.
DAMAGE = st.one_of(
    st.just(None),
    st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), min_size=1, max_size=8),
    ),
)
TAR_FORMATS = st.sampled_from(
    [
        ("pkg-1.0.tar", "w", tarfile.PAX_FORMAT),
        ("pkg-1.0.tar.gz", "w:gz", tarfile.GNU_FORMAT),
        ("pkg-1.0.tgz", "w:gz", tarfile.USTAR_FORMAT),
        ("pkg-1.0.tar.bz2", "w:bz2", tarfile.PAX_FORMAT),
        ("pkg-1.0.tar.xz", "w:xz", tarfile.GNU_FORMAT),
        ("package.tgz", "w:gz", tarfile.PAX_FORMAT),
        ("no-suffix", "w:gz", tarfile.PAX_FORMAT),
    ]
)
ZIP_NAMES = st.sampled_from(["proj-main.zip", "pkg-1.0-py3-none-any.whl", "sniffed.bin"])


def _write_tar(path: Path, mode: str, fmt: int, wrap: str, members: list) -> None:
    with tarfile.open(path, mode, format=fmt, encoding="utf-8", errors="surrogateescape") as tar:
        for kind, name, data, extra, target in members:
            info = tarfile.TarInfo(wrap + name)
            if kind == "file":
                info.size = len(data)
                # A header that declares more than the data: written raw, then padded short.
                if extra:
                    info.size = len(data) + extra
                    tar.fileobj.write(info.tobuf(tar.format, tar.encoding, tar.errors))
                    tar.fileobj.write(data)
                    tar.offset += len(info.tobuf(tar.format, tar.encoding, tar.errors)) + len(data)
                    continue
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "chr": tarfile.CHRTYPE,
                "blk": tarfile.BLKTYPE,
                "fifo": tarfile.FIFOTYPE,
                "dir": tarfile.DIRTYPE,
            }[kind]
            info.linkname = target
            tar.addfile(info)


def _write_zip(path: Path, wrap: str, members: list) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for kind, name, data, _extra, target in members:
            zi = zipfile.ZipInfo(wrap + name)
            if kind == "symlink":
                zi.external_attr = (stat.S_IFLNK | 0o777) << 16
                data = target.encode("utf-8", "surrogatepass")
            elif kind in ("chr", "blk", "fifo"):
                zi.external_attr = (stat.S_IFCHR | 0o666) << 16
            elif kind == "dir":
                zi.filename = zi.filename.rstrip("/") + "/"
            if kind == "hardlink":
                zi.flag_bits |= 0x800  # claims UTF-8; the name may not be
            zf.writestr(zi, data)


def _damage(path: Path, damage: tuple | None) -> None:
    if damage is None:
        return
    raw = bytearray(path.read_bytes())
    if not raw:
        return
    if damage[0] == "truncate":
        raw = raw[: int(len(raw) * damage[1])]
    else:
        for where, xor in damage[1]:
            raw[min(int(len(raw) * where), len(raw) - 1)] ^= xor
    path.write_bytes(bytes(raw))


def _check_source(path: Path, archive: bool = True) -> int:
    """Open and read ``path``; every entry is a safe relative path. The number of entries.

    In an archive a backslash is a Windows separator (``..\\`` could climb); in a POSIX
    folder it is an ordinary character of a real file's name.
    """
    n = 0
    with hard_limit():
        try:
            with open_source(str(path)) as (info, entries):
                assert isinstance(info, SourceInfo)
                assert all(isinstance(v, str) for v in (info.name, info.version, info.license))
                for entry in entries:
                    parts = entry.path.split("/")
                    assert entry.path and not entry.path.startswith("/"), entry.path
                    assert "" not in parts and "." not in parts and ".." not in parts, entry.path
                    assert not archive or "\\" not in entry.path, entry.path
                    assert not SKIP_DIRS & set(parts[:-1]) and "node_modules" not in parts[:-1]
                    entry.path.encode("utf-8")  # written to the index as UTF-8
                    assert isinstance(entry.data, bytes) and len(entry.data) <= MAX_FILE_BYTES
                    n += 1
        except SourceError as exc:
            assert str(exc)
    return n


@given(fmt=TAR_FORMATS, wrap=WRAPPERS, members=MEMBERS, damage=DAMAGE)
@example(
    fmt=("pkg-1.0.tar", "w", tarfile.PAX_FORMAT),
    wrap="pkg-1.0/",
    members=[("file", "\udcff.py", b"x", 0, "")],
    damage=None,
).via("a name that is not UTF-8 comes out of tarfile with surrogate escapes")
@example(
    fmt=("no-suffix", "w:gz", tarfile.PAX_FORMAT),
    wrap="",
    members=[("file", "a.py", b"x", 0, "")],
    damage=("truncate", 1 / 3),
).via("EOFError from tarfile.is_tarfile on a truncated gzip without a suffix")
@example(
    fmt=("pkg-1.0.tar.gz", "w:gz", tarfile.GNU_FORMAT),
    wrap="pkg-1.0/",
    members=[("file", "a.py", b"x", 2**40, ""), ("file", "b.py", b"y", 0, "")],
    damage=None,
).via("a header declaring 2**40 bytes: hours of empty reads in tarfile's stream mode")
def test_tarballs(
    scratch: Path, fmt: tuple[str, str, int], wrap: str, members: list, damage: tuple | None
) -> None:
    """sdist and npm tarballs, any compression, hostile members, damaged or not."""
    name, mode, tar_format = fmt
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = folder / name
        try:
            _write_tar(path, mode, tar_format, wrap, members)
        except (ValueError, UnicodeError, OverflowError):
            return  # tarfile refuses to write it (a name too long for ustar, ...)
        _damage(path, damage)
        _check_source(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(name=ZIP_NAMES, wrap=WRAPPERS, members=MEMBERS, damage=DAMAGE)
@example(
    name="proj-main.zip",
    wrap="pkg-1.0/",
    members=[("file", "..", b"\0" * 40, 0, ""), ("file", "../evil.py", b"\0" * 19, 0, "")],
    damage=("flip", [(0.53125, 64)]),
).via("NotImplementedError: zip file version 8.4")
def test_zips_and_wheels(
    scratch: Path, name: str, wrap: str, members: list, damage: tuple | None
) -> None:
    """Zips and wheels with hostile members, damaged or not."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = folder / name
        try:
            _write_zip(path, wrap, members)
        except (ValueError, UnicodeError, IndexError):
            return  # zipfile refuses to write it (an empty name, ...)
        _damage(path, damage)
        _check_source(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@given(members=MEMBERS)
def test_folders(scratch: Path, members: list) -> None:
    """A plain folder with links pointing out, fifos and odd names."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        root = folder / "src"
        root.mkdir()
        for kind, name, data, _extra, target in members:
            rel = name.replace("\x00", "_").replace("\ud800", "_").replace("\udfff", "_")
            path = root / rel
            try:
                # Never write through what an earlier member made: a symlink pointing out
                # (the test runs as whoever runs CI) or a fifo (opening it blocks).
                if os.path.lexists(path) or not path.resolve().is_relative_to(root.resolve()):
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                if kind == "symlink":
                    os.symlink(target or "/etc/passwd", path)
                elif kind == "fifo":
                    os.mkfifo(path)
                elif kind == "dir":
                    path.mkdir()
                else:
                    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                    fd = os.open(path, flags, 0o644)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
            except (OSError, ValueError):
                continue
        _check_source(root, archive=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# Crasher found and fixed (ipscan/sources/metadata.py): json.loads and tomllib recurse once per
# nesting level, so a package.json or pyproject.toml nested a few hundred levels deep raised
# RecursionError out of open_source; unparseable metadata now counts as absent.
@given(depth=st.integers(1000, 5000), which=st.sampled_from(["package.json", "pyproject.toml"]))
@example(depth=1000, which="package.json").via("RecursionError in json.loads")
@example(depth=1000, which="pyproject.toml").via("RecursionError in tomllib.loads")
def test_deeply_nested_metadata(scratch: Path, depth: int, which: str) -> None:
    """Deeply nested metadata in an npm tarball or an sdist: a SourceError or a default."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        if which == "package.json":
            data = b'{"license": ' + b"[" * depth + b"]" * depth + b"}"
            path, wrap = folder / "package.tgz", "package/"
        else:
            data = b"[project]\nlicense = " + b"[" * depth + b"]" * depth + b"\n"
            path, wrap = folder / "pkg-1.0.tar.gz", "pkg-1.0/"
        _write_tar(path, "w:gz", tarfile.PAX_FORMAT, wrap, [("file", which, data, 0, "")])
        _check_source(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

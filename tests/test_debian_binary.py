"""Debian binary packages that carry sources (``deb-bin:``): a real ``.deb`` written here (an
``ar`` archive of debian-binary, control.tar.xz and data.tar.xz) is read in Python, only its
sources are kept, safely, and it is named and licensed like the crate or Go module it holds."""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from ipscan.errors import SourceError
from ipscan.index.build import build_index
from ipscan.index.default import PinnedSource
from ipscan.index.default import fetch
from ipscan.index.reader import IndexReader
from ipscan.sources import debian_binary
from ipscan.sources import open_source
from ipscan.sources.apt_state import AptSources
from ipscan.sources.debian_binary import pack_binary
from ipscan.sources.downloads import SIDECAR
from ipscan.sources.downloads import SourceCache
from ipscan.sources.source_list import parse_line

PKG = "librust-demo-crate-dev"
CRATE = "usr/share/cargo/registry/demo-crate-0.1.0/"
DOC = f"usr/share/doc/{PKG}/"

CARGO_TOML = b"""[package]
name = "demo-crate"
version = "0.1.0"
license = "MIT/Apache-2.0"
"""

COPYRIGHT = b"""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo-crate

Files: *
Copyright: 2024 Jane Doe
License: Apache-2.0

Files: src/vendored/*
Copyright: 2020 Someone Else
License: BSD-3-Clause
"""

LIB_RS = b"""pub fn total(values: &[i64], limit: i64) -> i64 {
    let mut sum = 0;
    for v in values {
        if *v > limit {
            sum += v * 2;
        }
    }
    sum
}

pub fn largest(values: &[i64]) -> Option<i64> {
    let mut best: Option<i64> = None;
    for v in values {
        best = match best {
            Some(b) if b >= *v => Some(b),
            _ => Some(*v),
        };
    }
    best
}
"""


def _tar_xz(members: list[tarfile.TarInfo], data: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info in members:
            body = data.get(info.name)
            if body is not None:
                info.size = len(body)
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    return lzma.compress(raw.getvalue())


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _ar(members: list[tuple[str, bytes]]) -> bytes:
    """An ``ar`` archive as dpkg-deb writes it (names padded, bodies padded to even sizes)."""
    out = [b"!<arch>\n"]
    for name, body in members:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n"
        out += [header.encode("ascii"), body, b"\n" if len(body) % 2 else b""]
    return b"".join(out)


def make_deb(path: Path, data: dict[str, bytes], *, data_name: str = "data.tar.xz") -> Path:
    """A ``.deb`` whose data.tar holds ``data`` and, around it, what must not be kept: links, an
    unsafe ``../x`` and an absolute path, a library, another package's copyright file."""
    dirs = sorted({p.rsplit("/", 1)[0] + "/" for p in data if "/" in p})
    members = [_dir("./"), *(_dir(f"./{d}") for d in dirs)]
    members += [_file(f"./{p}") for p in data]
    extra = {
        "./../x": b"escaped\n",
        "/etc/evil": b"absolute\n",
        "./usr/lib/x86_64-linux-gnu/libdemo.so.1": b"\x7fELF",
        "./usr/share/doc/other-package/copyright": b"not ours\n",
    }
    members += [_file(p) for p in extra]
    members += [
        _link(f"./{CRATE}src/passwd.rs", "/etc/passwd"),
        _link(f"./{CRATE}src/again.rs", f"./{CRATE}src/lib.rs", tarfile.LNKTYPE),
    ]
    bodies = {**{f"./{p}": d for p, d in data.items()}, **extra}
    control = _tar_xz([_file("./control")], {"./control": f"Package: {PKG}\n".encode()})
    body = _tar_xz(members, bodies)
    path.write_bytes(
        _ar([("debian-binary", b"2.0\n"), ("control.tar.xz", control), (data_name, body)])
    )
    return path


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


CRATE_DATA = {
    f"{CRATE}Cargo.toml": CARGO_TOML,
    f"{CRATE}src/lib.rs": LIB_RS,
    f"{CRATE}src/vendored/fast.rs": LIB_RS.replace(b"total", b"fast_total"),
    f"{DOC}copyright": COPYRIGHT,
    f"{DOC}changelog.Debian.gz": b"not source\n",
}


@pytest.fixture
def deb(tmp_path: Path) -> Path:
    return make_deb(tmp_path / f"{PKG}_0.1.0-2_amd64.deb", CRATE_DATA)


def _packed(deb: Path, out: Path, version: str = "0.1.0-2") -> Path:
    out.mkdir(exist_ok=True)
    return pack_binary(deb, PKG, version, out)


def test_only_the_sources_are_kept_at_safe_paths(tmp_path: Path, deb: Path) -> None:
    archive = _packed(deb, tmp_path / "out")
    assert archive.name == f"{PKG}_0.1.0-2.tar.gz"
    with tarfile.open(archive) as tar:
        assert tar.getnames() == [
            f"{PKG}_0.1.0-2/{CRATE}Cargo.toml",
            f"{PKG}_0.1.0-2/{CRATE}src/lib.rs",
            f"{PKG}_0.1.0-2/{CRATE}src/vendored/fast.rs",
            f"{PKG}_0.1.0-2/{DOC}copyright",
        ]
        assert all(m.isreg() and m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
    again = _packed(deb, tmp_path / "again")
    assert again.read_bytes() == archive.read_bytes()  # a pinned .deb packs to the same bytes


def test_a_crate_is_named_by_its_cargo_toml_and_licensed_by_debian(
    tmp_path: Path, deb: Path
) -> None:
    with open_source(str(_packed(deb, tmp_path / "out"))) as (info, entries):
        paths = [e.path for e in entries]
    assert (info.name, info.version) == ("demo-crate", "0.1.0")
    # Debian's copyright file comes first; its patterns apply below the crate's folder.
    assert info.license == "Apache-2.0"
    assert info.copyright == ("Copyright 2024 Jane Doe",)
    assert info.default_license_for(f"{CRATE}src/lib.rs") == "Apache-2.0"
    assert info.default_license_for(f"{CRATE}src/vendored/fast.rs") == "BSD-3-Clause"
    assert f"{CRATE}src/lib.rs" in paths


def test_without_a_debian_license_the_cargo_toml_one_counts(tmp_path: Path) -> None:
    data = {p: d for p, d in CRATE_DATA.items() if not p.startswith(DOC)}
    deb = make_deb(tmp_path / "x.deb", data)
    with open_source(str(_packed(deb, tmp_path / "out"))) as (info, _):
        pass
    assert (info.name, info.license) == ("demo-crate", "MIT OR Apache-2.0")


def test_a_go_tree_without_go_mod_is_named_by_its_import_path(tmp_path: Path) -> None:
    src = "usr/share/gocode/src/github.com/example/demo/"
    go = b"package demo\n\nfunc Twice(x int) int {\n\treturn 2 * x\n}\n"
    data = {
        f"{src}demo.go": go,
        f"{src}sub/sub.go": go,
        f"{DOC}copyright": COPYRIGHT.replace(b"Apache-2.0", b"Expat"),
    }
    deb = make_deb(tmp_path / "x.deb", data)
    archive = _packed(deb, tmp_path / "out", "1:0.9.4~ds1-1+b2")
    assert archive.name == f"{PKG}_0.9.4~ds1-1+b2.tar.gz"  # the epoch is left out
    with open_source(str(archive)) as (info, _):
        pass
    assert (info.name, info.version) == ("github.com/example/demo", "0.9.4~ds1-1+b2")
    assert info.license == "MIT"
    assert info.default_license_for(f"{src}demo.go") == "MIT"


def test_headers_are_sources_too(tmp_path: Path) -> None:
    deb = make_deb(tmp_path / "x.deb", {"usr/include/demo/demo.h": b"int demo(void);\n"})
    with tarfile.open(_packed(deb, tmp_path / "out")) as tar:
        assert tar.getnames() == [f"{PKG}_0.1.0-2/usr/include/demo/demo.h"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not an archive", "not a Debian package (no ar archive)"),
        (_ar([("control.tar.xz", b"")]), "not a Debian package of format 2.x"),
        (_ar([("debian-binary", b"2.0\n")]), "no data.tar member"),
        (_ar([("debian-binary", b"2.0\n"), ("data.tar.xz", b"xz?")]), "cannot read its data.tar"),
        (b"!<arch>\ndebian-binary   0", "damaged ar archive"),
        (_ar([("debian-binary", b"2.0\n")]).replace(b"4         `", b"-68       `"), "damaged ar"),
    ],
)
def test_a_damaged_package_is_one_clear_error(tmp_path: Path, content: bytes, problem: str) -> None:
    deb = tmp_path / "x.deb"
    deb.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(problem)) as err:
        _packed(deb, tmp_path / "out")
    assert "\n" not in str(err.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_zstd_package_is_refused_in_one_line(tmp_path: Path) -> None:
    deb = make_deb(tmp_path / "x.deb", CRATE_DATA, data_name="data.tar.zst")
    with pytest.raises(SourceError) as err:
        _packed(deb, tmp_path / "out")
    assert str(err.value) == "x.deb: data.tar.zst is zstd-compressed; ipscan reads no zstd"


def test_a_package_without_sources_is_refused(tmp_path: Path) -> None:
    deb = make_deb(tmp_path / "x.deb", {f"{DOC}copyright": COPYRIGHT})
    with pytest.raises(SourceError, match="the package holds no source"):
        _packed(deb, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def _fake_apt(deb: Path, calls: list[list[str]]) -> Any:
    """``download_with_apt`` as if apt-get had downloaded ``deb``."""

    def download_with_apt(kind: str, download: Any, folder: Path) -> None:
        assert kind == "deb"
        folder.mkdir()
        download(AptSources(folder.parent / "state", "deb"), folder)
        (folder / deb.name).write_bytes(deb.read_bytes())

    def run_tool(cmd: list[str], cwd: Path, what: str) -> str:
        calls.append(cmd)
        return ""

    return download_with_apt, run_tool


def test_build_default_fetches_and_pins_a_binary_package(
    tmp_path: Path, deb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    fake, run = _fake_apt(deb, calls)
    monkeypatch.setattr(debian_binary, "download_with_apt", fake)
    monkeypatch.setattr(debian_binary, "run_tool", run)
    sha = hashlib.sha256(deb.read_bytes()).hexdigest()
    dest = tmp_path / "downloads"
    dest.mkdir()
    archive = fetch(PinnedSource("deb-bin", PKG, "0.1.0-2", sha), dest)
    assert archive == dest / f"{PKG}_0.1.0-2.tar.gz"
    assert calls[0][0] == "apt-get" and calls[0][-2:] == ["--", f"{PKG}=0.1.0-2"]
    assert sorted(p.name for p in dest.iterdir()) == [archive.name]  # the .deb is not kept
    with pytest.raises(SourceError, match="differs from the pinned"):
        fetch(PinnedSource("deb-bin", PKG, "0.1.0-2", "0" * 64), dest)
    with pytest.raises(SourceError, match="not a valid deb-bin package name"):
        fetch(PinnedSource("deb-bin", "--option", "0.1.0-2", sha), dest)


def test_a_listed_binary_package_is_indexed_with_its_origin_and_licenses(
    tmp_path: Path, deb: Path, encoder: Any
) -> None:
    def apt(_ecosystem: str, name: str, version: str, dest: Path) -> tuple[Path, str]:
        return pack_binary(deb, name, version, dest), hashlib.sha256(deb.read_bytes()).hexdigest()

    cache = SourceCache(tmp_path / "cache", fetch=apt)
    sha = hashlib.sha256(deb.read_bytes()).hexdigest()
    item = parse_line(f"deb-bin:{PKG}=0.1.0-2 sha256={sha}", Path("/lists"))
    assert item is not None
    summary = build_index([item], tmp_path / "idx", encoder, encoder.encode, downloads=cache)
    assert len(summary.added) == 1 and summary.units_added > 0
    entry = tmp_path / "cache" / "deb-bin" / PKG / "0.1.0-2"
    assert (entry / SIDECAR).is_file()
    with IndexReader(tmp_path / "idx") as reader:
        (source,) = reader.sources
        assert source["origin"] == f"deb-bin:{PKG}=0.1.0-2"
        assert (source["name"], source["version"], source["license"]) == (
            "demo-crate",
            "0.1.0",
            "Apache-2.0",
        )
        licenses = {f["path"]: f["license"] for f in reader.files}
    assert licenses[f"{CRATE}src/lib.rs"] == "Apache-2.0"
    assert licenses[f"{CRATE}src/vendored/fast.rs"] == "BSD-3-Clause"

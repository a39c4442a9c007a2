"""Source lists (`ipscan index build --from-list`): the syntax, sources that fail and are skipped,
the download cache and its sha256 checks, Debian source packages, and (marked registry) real
downloads, Debian binary packages among them (their conversion: test_debian_binary.py). Builds
use the real encoder on small sources."""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import os
import platform
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipscan.errors import SourceError
from ipscan.errors import UsageError
from ipscan.index.build import build_index
from ipscan.index.generations import live_name
from ipscan.index.origins import ecosystem_of
from ipscan.index.reader import IndexReader
from ipscan.sources.apt_state import twin_lines
from ipscan.sources.apt_state import twin_stanzas
from ipscan.sources.debian_source import fetch_debian_source
from ipscan.sources.debian_source import pack_source
from ipscan.sources.downloads import SIDECAR
from ipscan.sources.downloads import SourceCache
from ipscan.sources.source_list import ListedSource
from ipscan.sources.source_list import SourceFailure
from ipscan.sources.source_list import parse_line
from ipscan.sources.source_list import read_list
from ipscan.sources.source_list import write_failures
from tests.conftest import debian_12_apt
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file

SHA = "ab" * 32
BASE = Path("/lists")

# --- the list syntax -----------------------------------------------------------------------------

GOOD_LINES = [
    ("pypi:six==1.16.0", ListedSource("pypi", "six", "1.16.0")),
    (
        f"pypi:Zope.Interface==5.0.post1  sha256={SHA.upper()}",
        ListedSource("pypi", "Zope.Interface", "5.0.post1", sha256=SHA),
    ),
    ("npm:left-pad@1.3.0", ListedSource("npm", "left-pad", "1.3.0")),
    (
        "npm:@types/node@20.1.0-beta.1  # scoped",
        ListedSource("npm", "@types/node", "20.1.0-beta.1"),
    ),
    ("deb:hello=2.10-3", ListedSource("deb", "hello", "2.10-3")),
    (
        f"deb:libfoo=2:1.0~rc1-1 sha256={SHA}",
        ListedSource("deb", "libfoo", "2:1.0~rc1-1", None, SHA),
    ),
    (
        f"deb-bin:librust-cfg-if-dev=1.0.0-1 sha256={SHA}",
        ListedSource("deb-bin", "librust-cfg-if-dev", "1.0.0-1", None, SHA),
    ),
    ("https://example.org/lib.git", ListedSource("git", "https://example.org/lib.git")),
    (
        "https://example.org/lib.git@v1.2",
        ListedSource("git", "https://example.org/lib.git", rev="v1.2"),
    ),
    ("https://me@example.org/lib", ListedSource("git", "https://me@example.org/lib")),
    (
        "git@example.org:owner/lib.git@release/1.0",
        ListedSource("git", "git@example.org:owner/lib.git", rev="release/1.0"),
    ),
    (
        "ssh://git@example.org/lib@0123abcd",
        ListedSource("git", "ssh://git@example.org/lib", "", "0123abcd"),
    ),
    (
        f"vendor/lib-1.0.tar.gz sha256={SHA}",
        ListedSource("path", "/lists/vendor/lib-1.0.tar.gz", sha256=SHA),
    ),
    ("/src/a folder with spaces", ListedSource("path", "/src/a folder with spaces")),
    ("./pip:not-a-type", ListedSource("path", "/lists/pip:not-a-type")),
    ("C:/src/lib", ListedSource("path", "/lists/C:/src/lib")),
]


@pytest.mark.parametrize(("line", "expected"), GOOD_LINES)
def test_a_good_line_names_one_source(line: str, expected: ListedSource) -> None:
    assert parse_line(line, BASE) == expected


@pytest.mark.parametrize("line", ["", "   ", "# a comment", "  # indented comment"])
def test_blank_and_comment_lines_name_nothing(line: str) -> None:
    assert parse_line(line, BASE) is None


BAD_LINES = [
    ("pypi:six", "pypi:NAME==VERSION"),
    ("pypi:six>=1.0", "pypi:NAME==VERSION"),
    ("pypi:-six==1.0", "not a valid pypi package name"),
    ("pypi:six==1.0 extra", "unexpected 'extra'"),
    ("pypi:six==latest", "not an exact pypi version"),
    ("npm:left-pad", "npm:NAME@VERSION"),
    ("npm:left-pad@^1.3.0", "not an exact npm version"),
    ("npm:@scope/name", "npm:NAME@VERSION"),
    ("deb:hello", "deb:NAME=VERSION"),
    ("deb:Hello=1.0-1", "not a valid deb package name"),
    ("deb:hello=2.10;id", "not an exact deb version"),
    ("deb-bin:librust-cfg-if-dev", "deb-bin:NAME=VERSION"),
    ("deb-bin:-o=1.0", "not a valid deb-bin package name"),
    ("deb-bin:golang-x-dev=latest", "not an exact deb-bin version"),
    ("pip:six==1.0", "unknown source type 'pip'"),
    ("ext::sh -c touch", "unknown source type 'ext'"),
    (f"https://example.org/lib.git sha256={SHA}", "pin a git URL with @REV"),
    ("https://example.org/lib.git@-evil", "not a branch, tag or commit name"),
    ("https://example.org/lib.git@a..b", "not a branch, tag or commit name"),
    ("https://example.org/lib.git extra", "unexpected 'extra'"),
    ("gopher://example.org/lib.git", "unsafe URL scheme"),
    ("lib.tar.gz sha256=1234", "64 hex digits"),
    ("lib.tar.gz md5=abcd", "unknown option 'md5=abcd'"),
    ("--upload-pack=evil", "starting with '-'"),
    (f"sha256={SHA}", "needs a source"),
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES)
def test_a_bad_line_is_a_usage_error_naming_the_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text(f"# header\npypi:six==1.16.0\n\n{line}\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        read_list(listing)
    assert str(err.value).startswith(f"{listing}:4: ")
    assert problem in str(err.value)


def test_read_list_resolves_paths_from_the_list_folder(tmp_path: Path) -> None:
    listing = tmp_path / "lists" / "all.txt"
    listing.parent.mkdir()
    listing.write_text("../vendor/lib\n# x\n/abs/lib\n", encoding="utf-8")
    assert read_list(listing) == [
        ListedSource(
            "path", str(tmp_path / "lists" / ".." / "vendor" / "lib"), where=f"{listing}:1"
        ),
        ListedSource("path", "/abs/lib", where=f"{listing}:3"),
    ]


def test_registry_packages_are_recorded_with_an_origin_the_sbom_reads() -> None:
    for line, ecosystem, origin in [
        ("pypi:Six==1.16.0", "pypi", "pypi:six==1.16.0"),
        ("npm:@types/node@20.1.0", "npm", "npm:@types/node@20.1.0"),
        ("deb:hello=2.10-3", "deb", "deb:hello=2.10-3"),
        # The crate or Go module a binary package carries is no Debian package: its purl type
        # is inferred from its name and files (cargo, golang), as for a folder.
        ("deb-bin:librust-cfg-if-dev=1.0.0-1", "", "deb-bin:librust-cfg-if-dev=1.0.0-1"),
    ]:
        item = parse_line(line, BASE)
        assert item is not None and item.origin == origin
        assert ecosystem_of(origin, "sdist") == ecosystem
    assert ListedSource("git", "https://example.org/x.git").origin is None


# --- builds from a list: local folders and git repositories, failures recorded and skipped -----


def _module(name: str) -> str:
    return installed_file("click", f"click/{name}.py").read_text(encoding="utf-8")


def _folder(path: Path, module: str) -> Path:
    path.mkdir(parents=True)
    (path / f"{module}.py").write_text(_module(module), encoding="utf-8")
    return path


def test_a_list_adds_folders_and_git_sources_and_skips_what_fails(
    tmp_path: Path,
    encoder: Any,
    source_archives: dict[str, Path],
) -> None:
    _folder(tmp_path / "vendor" / "fmt", "formatting")
    work = init_repo(tmp_path / "work", {"u.py": _module("termui")})
    first = git(work, "rev-parse", "HEAD").strip()
    (work / "u.py").write_text("x = 1\n")
    git(work, "commit", "-qam", "empty it")
    (tmp_path / "broken-1.0.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    shutil.copy(source_archives["packaging"], tmp_path / "pinned.tar.gz")
    listing = tmp_path / "sources.txt"
    listing.write_text(
        "# a list\n"
        "vendor/fmt\n"
        "vendor/missing\n"
        f"file://{work}@{first}\n"
        "broken-1.0.tar.gz\n"
        f"pinned.tar.gz sha256={'0' * 64}\n",
        encoding="utf-8",
    )
    items = read_list(listing)
    idx = tmp_path / "idx"
    summary = build_index(items, idx, encoder, encoder.encode, keep_going=True, jobs=1)
    assert len(summary.added) == 2 and summary.units_added > 20
    failed = {f.source.where.rsplit(":", 1)[1]: f.reason for f in summary.failed}
    assert set(failed) == {"3", "5", "6"}
    assert failed["3"] == "no such file or folder"
    assert failed["5"].startswith("cannot read archive")
    assert "differs from the listed 0000000000000000" in failed["6"]
    with IndexReader(idx) as reader:
        assert [s["kind"] for s in reader.sources] == ["dir", "git-url"]
        assert reader.sources[1]["digest"] == first  # the listed revision, not HEAD
        assert {f["path"] for f in reader.files} == {"formatting.py", "u.py"}
    # A rerun of the same list adds nothing, writes no generation, and fails the same three.
    live = live_name(idx)
    again = build_index(items, idx, encoder, encoder.encode, keep_going=True, jobs=1)
    assert again.added == [] and len(again.skipped) == 2 and len(again.failed) == 3
    assert live_name(idx) == live


def test_the_failures_file_retries_only_the_failed_sources(tmp_path: Path, encoder: Any) -> None:
    _folder(tmp_path / "a", "formatting")
    listing = tmp_path / "sources.txt"
    listing.write_text("a\nb\n", encoding="utf-8")
    idx = tmp_path / "idx"
    summary = build_index(read_list(listing), idx, encoder, encoder.encode, keep_going=True)
    (failure,) = summary.failed
    failures = tmp_path / "idx.failures.jsonl"
    write_failures(failures, summary.failed, None)
    (doc,) = [json.loads(line) for line in failures.read_text().splitlines()]
    assert doc == {
        "source": str(tmp_path / "b"),
        "entry": str(tmp_path / "b"),
        "where": f"{listing}:2",
        "reason": failure.reason,
    }
    _folder(tmp_path / "b", "termui")
    (retry,) = read_list(failures)
    assert retry.target == str(tmp_path / "b")
    second = build_index([retry], idx, encoder, encoder.encode, keep_going=True)
    assert len(second.added) == 1 and not second.failed
    with IndexReader(idx) as reader:
        assert len(reader.sources) == 2


def test_a_failure_keeps_a_command_line_source_and_its_revision(tmp_path: Path) -> None:
    failures = tmp_path / "f.jsonl"
    spec = ListedSource.of_spec("file:///nowhere/lib.git")
    write_failures(failures, [SourceFailure(spec, "cannot clone")], "v1")
    (back,) = read_list(failures)
    assert (back.kind, back.target, back.rev) == ("git", "file:///nowhere/lib.git", "v1")


def test_a_source_failing_half_way_leaves_no_trace(
    tmp_path: Path, encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ipscan.index.build as build

    real = build._read_source
    calls: list[int] = []

    def read_then_fail(source_id: int, *args: Any) -> list[bool]:
        stated = real(source_id, *args)  # its files and units are pending now
        calls.append(source_id)
        if len(calls) == 2:
            raise SourceError("cannot read archive: truncated")
        return stated

    monkeypatch.setattr(build, "_read_source", read_then_fail)
    specs = [str(_folder(tmp_path / n, m)) for n, m in [("a", "formatting"), ("b", "termui")]]
    specs.append(str(_folder(tmp_path / "c", "parser")))
    summary = build_index(specs, tmp_path / "idx", encoder, encoder.encode, keep_going=True)
    assert [f.reason for f in summary.failed] == ["cannot read archive: truncated"]
    with IndexReader(tmp_path / "idx") as reader:
        assert [s["name"] for s in reader.sources] == ["a", "c"]
        assert [(f["path"], f["source"]) for f in reader.files] == [
            ("formatting.py", 0),
            ("parser.py", 1),
        ]
        assert len(reader.units) == sum(s["units"] for s in reader.sources)


def test_without_keep_going_a_failing_source_stops_the_build(tmp_path: Path, encoder: Any) -> None:
    with pytest.raises(SourceError, match="no such file"):
        build_index([str(tmp_path / "missing")], tmp_path / "idx", encoder, encoder.encode)
    assert not (tmp_path / "idx" / "CURRENT").exists()


def test_a_build_where_every_source_failed_writes_no_index(tmp_path: Path, encoder: Any) -> None:
    item = ListedSource("path", str(tmp_path / "missing"))
    summary = build_index([item], tmp_path / "idx", encoder, encoder.encode, keep_going=True)
    assert len(summary.failed) == 1
    assert not (tmp_path / "idx" / "CURRENT").exists()


# --- the download cache --------------------------------------------------------------------------


class LocalRegistry:
    """A ``Fetch`` that serves local archives, counting what it is asked for."""

    def __init__(self, archives: dict[str, Path]) -> None:
        self.archives = archives
        self.calls: list[str] = []

    def __call__(self, ecosystem: str, name: str, version: str, dest: Path) -> tuple[Path, str]:
        self.calls.append(f"{ecosystem}:{name}")
        archive = self.archives.get(name.lower())
        if archive is None:
            raise SourceError(f"`pip download` failed: no {name}")
        out = dest / archive.name
        shutil.copy(archive, out)
        return out, hashlib.sha256(out.read_bytes()).hexdigest()


def _no_fetch(*_args: Any) -> tuple[Path, str]:
    raise AssertionError("the registry was asked")


def test_a_download_is_cached_with_its_sha256_and_never_fetched_twice(
    tmp_path: Path, encoder: Any, source_archives: dict[str, Path]
) -> None:
    archive = source_archives["click"]
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    registry = LocalRegistry({"click": archive})
    cache = SourceCache(tmp_path / "cache", fetch=registry)
    item = ListedSource("pypi", "Click", "8.1.7", sha256=sha)
    first = build_index([item], tmp_path / "one", encoder, encoder.encode, downloads=cache)
    assert len(first.added) == 1 and registry.calls == ["pypi:Click"]
    entry = tmp_path / "cache" / "pypi" / "click" / "8.1.7"
    assert sorted(p.name for p in entry.iterdir()) == sorted([archive.name, SIDECAR])
    assert json.loads((entry / SIDECAR).read_text()) == {
        "source": "pypi:click==8.1.7",
        "archive": archive.name,
        "sha256": sha,
        "download_sha256": sha,
    }
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["pypi"]  # no temporary left
    # Another index, the same package: the cached archive, with no registry asked.
    reused = SourceCache(tmp_path / "cache", fetch=_no_fetch)
    second = build_index([item], tmp_path / "two", encoder, encoder.encode, downloads=reused)
    assert len(second.added) == 1
    with IndexReader(tmp_path / "two") as reader:
        (source,) = reader.sources
        assert source["origin"] == "pypi:click==8.1.7" and source["digest"] == sha
        assert ecosystem_of(source["origin"], source["kind"]) == "pypi"
    # Already in the index by its origin: not even looked up in the cache.
    third = build_index([item], tmp_path / "two", encoder, encoder.encode, downloads=reused)
    assert third.skipped == ["pypi:click==8.1.7 (already indexed)"]


def test_a_cached_archive_put_in_place_is_used(
    tmp_path: Path, source_archives: dict[str, Path]
) -> None:
    archive = source_archives["packaging"]
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    entry = tmp_path / "cache" / "npm" / "@scope" / "pkg" / "1.0.0"
    entry.mkdir(parents=True)
    shutil.copy(archive, entry / "scope-pkg-1.0.0.tgz")
    doc = {"source": "npm:@scope/pkg@1.0.0", "archive": "scope-pkg-1.0.0.tgz"}
    (entry / SIDECAR).write_text(json.dumps({**doc, "sha256": sha, "download_sha256": sha}))
    cache = SourceCache(tmp_path / "cache", fetch=_no_fetch)
    assert cache.archive("npm", "@scope/pkg", "1.0.0", sha) == entry / "scope-pkg-1.0.0.tgz"
    with pytest.raises(SourceError, match="differs from the listed 0000000000000000"):
        cache.archive("npm", "@scope/pkg", "1.0.0", "0" * 64)
    assert (entry / SIDECAR).is_file()  # a wrong pin in a list does not drop a sound entry


def test_a_damaged_cache_entry_is_fetched_again(
    tmp_path: Path, source_archives: dict[str, Path]
) -> None:
    registry = LocalRegistry({"click": source_archives["click"]})
    cache = SourceCache(tmp_path / "cache", fetch=registry)
    path = cache.archive("pypi", "click", "1.0")
    good = path.read_bytes()
    path.write_bytes(good[:100])  # bit rot, a torn copy
    assert cache.archive("pypi", "click", "1.0").read_bytes() == good
    assert len(registry.calls) == 2
    (path.parent / SIDECAR).write_text("{not json")
    assert cache.archive("pypi", "click", "1.0").read_bytes() == good
    assert len(registry.calls) == 3


def test_a_download_failing_its_pin_or_its_fetch_leaves_nothing(
    tmp_path: Path, source_archives: dict[str, Path]
) -> None:
    cache = SourceCache(
        tmp_path / "cache", fetch=LocalRegistry({"click": source_archives["click"]})
    )
    with pytest.raises(SourceError, match="differs from the listed"):
        cache.archive("pypi", "click", "1.0", "0" * 64)
    with pytest.raises(SourceError, match="no nothere"):
        cache.archive("pypi", "nothere", "1.0")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []


@pytest.mark.parametrize(
    ("ecosystem", "name", "version", "problem"),
    [
        ("pypi", "../six", "1.0", "not a valid pypi package name"),
        ("npm", "@scope/../x", "1.0.0", "not a valid npm package name"),
        ("deb", "hello", "--config=x", "not an exact deb version"),
        ("cpan", "Moose", "2.0", "unknown registry 'cpan'"),
    ],
)
def test_the_cache_checks_names_before_any_client_runs(
    tmp_path: Path, ecosystem: str, name: str, version: str, problem: str
) -> None:
    cache = SourceCache(tmp_path / "cache", fetch=_no_fetch)
    with pytest.raises(SourceError, match=problem):
        cache.archive(ecosystem, name, version)


def test_pip_download_fills_the_cache_from_a_local_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source_archives: dict[str, Path]
) -> None:
    """The real ``pip download``, reading a local folder of archives instead of the registry."""
    links = tmp_path / "links"
    links.mkdir()
    top = "ipscan_list_demo-1.0"
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "ipscan-list-demo"\nversion = "1.0"\n',
        "PKG-INFO": "Metadata-Version: 2.1\nName: ipscan-list-demo\nVersion: 1.0\n",
        "ipscan_list_demo/__init__.py": "VALUE = 1\n",
    }
    sdist = links / f"{top}.tar.gz"
    _write_tar(sdist, {f"{top}/{k}": v.encode() for k, v in files.items()})
    for key, value in {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(links),
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }.items():
        monkeypatch.setenv(key, value)
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    got = SourceCache(tmp_path / "cache").archive("pypi", "ipscan_list_demo", "1.0", sha)
    assert got == tmp_path / "cache" / "pypi" / "ipscan-list-demo" / "1.0" / sdist.name
    sdist.unlink()  # gone from the "registry": the cache answers
    assert SourceCache(tmp_path / "cache").archive("pypi", "ipscan-list-demo", "1.0", sha) == got
    with pytest.raises(SourceError, match=r"`pip download` failed: "):
        SourceCache(tmp_path / "cache").archive("pypi", "ipscan-list-demo", "2.0")


# --- Debian source packages ----------------------------------------------------------------------


def test_the_systems_deb_entries_become_deb_src_entries() -> None:
    one_line = (
        "# the mirror\n"
        "deb [signed-by=/usr/share/keyrings/k.gpg] https://m.example.org/debian stable main\n"
        "deb-src https://m.example.org/debian stable main\n"
        "deb cdrom:[Disc 1]/ stable main # no\n"
    )
    assert twin_lines(one_line, "deb-src") == (
        "deb-src [signed-by=/usr/share/keyrings/k.gpg] https://m.example.org/debian stable main\n"
        "deb-src https://m.example.org/debian stable main\n"
        "deb-src cdrom:[Disc 1]/ stable main\n"
    )
    deb822 = (
        "Types: deb\n"
        "# a comment\n"
        "URIs: https://mirror.example.org/debian\n"
        "Suites: stable stable-updates\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/k.gpg\n"
        "\n"
        "Types: deb\nURIs: https://off.example.org/\nSuites: x\nComponents: main\nEnabled: no\n"
        "\n"
        "Types: deb-src deb\nURIs: https://two.example.org/\nSuites: y\n Components: main\n"
    )
    assert twin_stanzas(deb822, "deb-src") == (
        "Types: deb-src\n"
        "URIs: https://mirror.example.org/debian\n"
        "Suites: stable stable-updates\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/k.gpg\n\n"
        "Types: deb-src\nURIs: https://two.example.org/\nSuites: y\n Components: main\n\n"
    )
    # Binary packages (deb-bin) have a state of their own, listing the same mirrors as deb.
    assert twin_lines(one_line, "deb").splitlines()[1] == (
        "deb https://m.example.org/debian stable main"
    )
    assert twin_stanzas(deb822, "deb").startswith("Types: deb\nURIs: https://mirror.")


def _write_tar(out: Path, members: dict[str, bytes]) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = raw.getvalue()
    if out.name.endswith(".xz"):
        out.write_bytes(lzma.compress(data))
    else:
        import gzip

        out.write_bytes(gzip.compress(data))


COPYRIGHT = b"""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo

Files: *
Copyright: 2024 Example
License: MIT
"""


def _debian_download(folder: Path) -> Path:
    """What ``apt-get source --download-only demo=1:1.0-2`` leaves: a signed .dsc, the upstream
    tarball, a component tarball and the debian tarball."""
    folder.mkdir()
    fmt = _module("formatting").encode()
    _write_tar(
        folder / "demo_1.0.orig.tar.gz",
        {"demo-1.0/fmt.py": fmt, "demo-1.0/debian/stale": b"upstream's own debian/\n"},
    )
    _write_tar(
        folder / "demo_1.0.orig-extra.tar.xz", {"extra-1/parser.py": _module("parser").encode()}
    )
    _write_tar(
        folder / "demo_1.0-2.debian.tar.xz",
        {"debian/copyright": COPYRIGHT, "debian/source/format": b"3.0 (quilt)\n"},
    )
    (folder / "demo_1.0.orig.tar.gz.asc").write_text("signature\n")
    lines = [
        f" {hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_size} {p.name}"
        for p in sorted(folder.iterdir())
    ]
    dsc = "\n".join(
        [
            "-----BEGIN PGP SIGNED MESSAGE-----",
            "Hash: SHA512",
            "",
            "Format: 3.0 (quilt)",
            "Source: demo",
            "Version: 1:1.0-2",
            "Checksums-Sha256:",
            *lines,
            "",
            "-----BEGIN PGP SIGNATURE-----",
            "",
            "c2lnbmF0dXJl",
            "-----END PGP SIGNATURE-----",
            "",
        ]
    )
    (folder / "demo_1.0-2.dsc").write_text(dsc)
    return folder


def test_a_debian_source_package_is_checked_and_packed_into_one_tarball(tmp_path: Path) -> None:
    download = _debian_download(tmp_path / "download")
    out = tmp_path / "out"
    out.mkdir()
    archive, dsc_sha = pack_source(download, "demo", "1:1.0-2", out)
    assert archive == out / "demo_1.0-2.tar.gz"
    assert dsc_sha == hashlib.sha256((download / "demo_1.0-2.dsc").read_bytes()).hexdigest()
    with tarfile.open(archive) as tar:
        assert tar.getnames() == [
            "demo-1.0/fmt.py",
            "demo-1.0/debian/copyright",
            "demo-1.0/debian/source/format",
            "demo-1.0/extra/parser.py",
        ]
        assert {m.mtime for m in tar.getmembers()} == {0}
    again = tmp_path / "again"
    again.mkdir()
    assert pack_source(download, "demo", "1:1.0-2", again)[0].read_bytes() == archive.read_bytes()


def test_a_debian_file_that_differs_from_its_dsc_is_refused(tmp_path: Path) -> None:
    download = _debian_download(tmp_path / "download")
    (download / "demo_1.0-2.debian.tar.xz").write_bytes(b"tampered")
    with pytest.raises(SourceError, match=r"differs from the demo_1\.0-2\.dsc's"):
        pack_source(download, "demo", "1:1.0-2", tmp_path)
    dsc = download / "demo_1.0-2.dsc"
    dsc.write_text(dsc.read_text().replace("demo_1.0.orig.tar.gz\n", "../../etc/passwd\n"))
    with pytest.raises(SourceError, match="unsafe file name"):
        pack_source(download, "demo", "1:1.0-2", tmp_path)


def test_a_debian_package_from_a_list_is_indexed_with_its_deb_origin(
    tmp_path: Path, encoder: Any
) -> None:
    download = _debian_download(tmp_path / "download")

    def apt(_ecosystem: str, name: str, version: str, dest: Path) -> tuple[Path, str]:
        return pack_source(download, name, version, dest)

    cache = SourceCache(tmp_path / "cache", fetch=apt)
    dsc_sha = hashlib.sha256((download / "demo_1.0-2.dsc").read_bytes()).hexdigest()
    item = parse_line(f"deb:demo=1:1.0-2 sha256={dsc_sha}", BASE)
    assert item is not None
    summary = build_index([item], tmp_path / "idx", encoder, encoder.encode, downloads=cache)
    assert len(summary.added) == 1
    assert (tmp_path / "cache" / "deb" / "demo" / "1%3A1.0-2" / "demo_1.0-2.tar.gz").is_file()
    with IndexReader(tmp_path / "idx") as reader:
        (source,) = reader.sources
        assert source["origin"] == "deb:demo=1:1.0-2"
        assert ecosystem_of(source["origin"], source["kind"]) == "deb"
        assert {f["path"]: f["license"] for f in reader.files} == {
            "fmt.py": "MIT",
            "extra/parser.py": "MIT",
        }


def test_without_apt_a_debian_source_fails_alone(
    tmp_path: Path, encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(SourceError, match="`apt-config` is not installed"):
        fetch_debian_source("hello", "2.10-3", tmp_path)
    _folder(tmp_path / "lib", "formatting")
    items = [ListedSource("deb", "hello", "2.10-3"), ListedSource("path", str(tmp_path / "lib"))]
    cache = SourceCache(tmp_path / "cache")
    summary = build_index(
        items, tmp_path / "idx", encoder, encoder.encode, keep_going=True, downloads=cache
    )
    assert len(summary.added) == 1
    assert [(f.source.label, f.reason) for f in summary.failed] == [
        ("deb:hello=2.10-3", "`apt-config` is not installed; it is needed to fetch packages")
    ]


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, encoder: Any) -> Callable[..., Any]:
    """``ipscan ARGS`` in this process, with the session's encoder."""
    from ipscan.cli import main

    monkeypatch.setattr("ipscan.encoder.load_encoder", lambda *_a, **_k: encoder)
    monkeypatch.setattr("ipscan.index.progress.progress_embedder", lambda *_a: encoder.encode)
    return lambda *args: CliRunner().invoke(main, list(args))


def test_cli_lists_failures_exits_3_and_retries_from_the_failures_file(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    _folder(tmp_path / "a", "formatting")
    listing = tmp_path / "sources.txt"
    listing.write_text("a\nb\n", encoding="utf-8")
    idx = tmp_path / "idx"
    res = cli("index", "build", "--from-list", str(listing), "--index", str(idx))
    assert res.exit_code == 3, res.output
    assert f"failed {tmp_path / 'b'}: no such file or folder" in res.stdout
    assert res.stdout.startswith("added a ")
    failures = tmp_path / "idx.failures.jsonl"
    assert f"1 source failed, listed in {failures}" in res.stderr
    assert json.loads(failures.read_text())["entry"] == str(tmp_path / "b")
    _folder(tmp_path / "b", "termui")
    res = cli("index", "build", "--from-list", str(failures), "--index", str(idx))
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("added b ")
    assert not failures.exists()  # nothing failed: no stale list left behind


def test_cli_refuses_a_bad_list_before_building(tmp_path: Path, cli: Callable[..., Any]) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text("pypi:six==1.16.0\npypi:six\n", encoding="utf-8")
    res = cli("index", "build", "--from-list", str(listing), "--index", str(tmp_path / "idx"))
    assert res.exit_code == 2
    assert f"{listing}:2: " in res.stderr
    assert not (tmp_path / "idx").exists()
    res = cli("index", "build", "--index", str(tmp_path / "idx"))
    assert res.exit_code == 2 and "--from-list" in res.stderr


# --- real registries -----------------------------------------------------------------------------

SIX_SHA = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926"
LEFT_PAD_SHA = "870c0fe1096223a58d4f8832d08a7e651ea2fcadb8e6877b2fdc26b662d481dd"


@pytest.mark.registry
def test_pypi_and_npm_packages_are_downloaded_once(tmp_path: Path, encoder: Any) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text(
        f"pypi:six==1.16.0 sha256={SIX_SHA}\nnpm:left-pad@1.3.0 sha256={LEFT_PAD_SHA}\n"
    )
    items = read_list(listing)
    cache = SourceCache(tmp_path / "cache")
    summary = build_index(items, tmp_path / "one", encoder, encoder.encode, downloads=cache)
    assert len(summary.added) == 2 and not summary.failed
    with IndexReader(tmp_path / "one") as reader:
        assert [s["origin"] for s in reader.sources] == ["pypi:six==1.16.0", "npm:left-pad@1.3.0"]
        assert [s["digest"] for s in reader.sources] == [SIX_SHA, LEFT_PAD_SHA]
    offline = SourceCache(tmp_path / "cache", fetch=_no_fetch)
    again = build_index(items, tmp_path / "two", encoder, encoder.encode, downloads=offline)
    assert len(again.added) == 2


@pytest.mark.registry
@pytest.mark.skipif(not debian_12_apt(), reason="needs Debian 12's apt")
def test_a_debian_source_package_is_downloaded_without_root_or_deb_src(
    tmp_path: Path, encoder: Any
) -> None:
    item = ListedSource("deb", "hello", "2.10-3")
    cache = SourceCache(tmp_path / "cache")
    summary = build_index([item], tmp_path / "idx", encoder, encoder.encode, downloads=cache)
    assert len(summary.added) == 1 and summary.units_added > 50
    with IndexReader(tmp_path / "idx") as reader:
        assert reader.sources[0]["origin"] == "deb:hello=2.10-3"
        assert reader.sources[0]["license"].startswith("GPL-3.0")


# librust-cfg-if-dev 1.0.0-1 is "Architecture: amd64" in bookworm: its .deb differs per arch.
CFG_IF_DEB_SHA = "d14d3e514f6a497ad3bda68b6e810ddf5b821da7016ee388a45e97f94e15caa9"


@pytest.mark.registry
@pytest.mark.skipif(not debian_12_apt(), reason="needs Debian 12's apt")
def test_a_debian_binary_package_gives_its_crate_without_root(tmp_path: Path, encoder: Any) -> None:
    pin = f" sha256={CFG_IF_DEB_SHA}" if platform.machine() == "x86_64" else ""
    listing = tmp_path / "sources.txt"
    listing.write_text(f"deb-bin:librust-cfg-if-dev=1.0.0-1{pin}\n")
    cache = SourceCache(tmp_path / "cache")
    summary = build_index(
        read_list(listing), tmp_path / "idx", encoder, encoder.encode, downloads=cache
    )
    assert len(summary.added) == 1 and not summary.failed and summary.units_added > 0
    with IndexReader(tmp_path / "idx") as reader:
        (source,) = reader.sources
        assert source["origin"] == "deb-bin:librust-cfg-if-dev=1.0.0-1"
        assert (source["name"], source["version"]) == ("cfg-if", "1.0.0")
        assert source["license"] == "MIT OR Apache-2.0"
        paths = {f["path"] for f in reader.files}
    assert "usr/share/cargo/registry/cfg-if-1.0.0/src/lib.rs" in paths
    entry = tmp_path / "cache" / "deb-bin" / "librust-cfg-if-dev" / "1.0.0-1"
    sidecar = json.loads((entry / SIDECAR).read_text())
    assert sidecar["source"] == "deb-bin:librust-cfg-if-dev=1.0.0-1"
    assert not pin or sidecar["download_sha256"] == CFG_IF_DEB_SHA

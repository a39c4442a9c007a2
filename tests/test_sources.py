"""Sources: real archives built from installed packages, real git repositories, real folders."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from ipscan.errors import SourceError
from ipscan.sources import MAX_FILE_BYTES
from ipscan.sources import SourceEntry
from ipscan.sources import SourceInfo
from ipscan.sources import open_source
from ipscan.sources.license_files import is_component_license_file
from ipscan.sources.metadata import split_stem
from tests.conftest import CLICK_MODULES
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import make_sdist

CLICK = importlib.metadata.distribution("click")


def _read(spec: Path | str, rev: str | None = None) -> tuple[SourceInfo, dict[str, bytes]]:
    with open_source(str(spec), rev=rev) as (info, entries):
        files = {}
        for e in entries:
            assert isinstance(e, SourceEntry)
            files[e.path] = e.data
    return info, files


def _meta(spec: Path) -> tuple[str, str, str]:
    info = _read(spec)[0]
    return info.name, info.version, info.license


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tar.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                tar.addfile(info, io.BytesIO(m[1]))
    return path


_MIT = (
    "Copyright (c) 2024 Example\n\nPermission is hereby granted, free of charge, to any person "
    'obtaining a copy of this software and associated documentation files (the "Software"), to '
    "deal in the Software without restriction.\n\nThe above copyright notice and this "
    "permission notice shall be included in all copies or substantial portions of the "
    "Software.\n"
)


def _click_license() -> bytes:
    return installed_file(
        "click", f"click-{CLICK.version}.dist-info/licenses/LICENSE.txt"
    ).read_bytes()


# --- archives -----------------------------------------------------------------------------------


def test_sdist_from_installed_click(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, "click", CLICK_MODULES)
    info, files = _read(sdist)
    assert info.kind == "sdist"
    assert (info.name, info.version) == ("click", CLICK.version)
    assert info.license == "BSD-3-Clause"
    assert info.digest == _sha256(sdist)
    assert info.origin == str(sdist.resolve())
    # The "click-X.Y/" wrapper is stripped.
    assert "PKG-INFO" in files
    for rel in CLICK_MODULES:
        assert files[f"src/{rel}"] == installed_file("click", rel).read_bytes()
    assert not any(p.startswith(f"click-{CLICK.version}") for p in files)


def test_sdist_license_from_license_file_when_metadata_has_none(tmp_path: Path) -> None:
    utils = installed_file("click", "click/utils.py").read_bytes()
    sdist = _tar(
        tmp_path / "clicky-0.3.tar.gz",
        [("clicky-0.3/LICENSE.txt", _click_license()), ("clicky-0.3/clicky/utils.py", utils)],
    )
    info, files = _read(sdist)
    assert (info.name, info.version, info.license) == ("clicky", "0.3", "BSD-3-Clause")
    assert set(files) == {"LICENSE.txt", "clicky/utils.py"}


def test_wheel_from_installed_click(tmp_path: Path) -> None:
    wheel = tmp_path / f"click-{CLICK.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for f in CLICK.files or ():
            rel = str(f)
            if rel.startswith("click/") and rel.endswith(".py"):
                zf.writestr(rel, Path(str(f.locate())).read_bytes())
        di = f"click-{CLICK.version}.dist-info"
        zf.writestr(f"{di}/METADATA", CLICK.read_text("METADATA") or "")
        zf.writestr(f"{di}/licenses/LICENSE.txt", _click_license())
    info, files = _read(wheel)
    assert info.kind == "wheel"
    assert (info.name, info.version, info.license) == ("click", CLICK.version, "BSD-3-Clause")
    assert info.digest == _sha256(wheel)
    assert files["click/utils.py"] == installed_file("click", "click/utils.py").read_bytes()
    assert f"click-{CLICK.version}.dist-info/METADATA" in files


def test_wheel_license_from_dist_info_license_file(tmp_path: Path) -> None:
    wheel = tmp_path / "thing-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("thing/__init__.py", "x = 1\n")
        zf.writestr("thing-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: thing\n")
        zf.writestr("thing-1.0.dist-info/licenses/LICENSE", _click_license())
    info, _ = _read(wheel)
    assert (info.name, info.version, info.license) == ("thing", "1.0", "BSD-3-Clause")


def test_a_bundled_librarys_license_file_is_not_the_package_license(tmp_path: Path) -> None:
    # shapely ships LICENSE.txt and, for the GEOS library its wheels bundle, LICENSE_GEOS.
    root = tmp_path / "shapes-2.0"
    root.mkdir()
    (root / "LICENSE.txt").write_bytes(_click_license())
    (root / "LICENSE_GEOS").write_text(_MIT)
    (root / "m.py").write_text("x = 1\n")
    assert _read(root)[0].license == "BSD-3-Clause"
    # A file named for its license is the package's own.
    (root / "LICENSE_GEOS").rename(root / "LICENSE-MIT")
    assert _read(root)[0].license == "MIT AND BSD-3-Clause"


@pytest.mark.parametrize(
    ("name", "component"),
    [
        ("LICENSE_GEOS", True),
        ("LICENSE-THIRD-PARTY", True),
        ("LICENSES_bundled.txt", True),
        ("LICENSE", False),
        ("LICENSE.txt", False),
        ("LICENSE.html", False),
        ("LICENSE-MIT", False),
        ("LICENSE-GPL-2.0", False),
        ("LICENSE-LGPL-2.1.txt", False),
        ("LICENSE-BSD-3-Clause", False),
        ("LICENSE.AGPL", False),
        ("LICENSE-CC0-1.0", False),
        ("LICENSE.0BSD", False),
        ("COPYING.LGPLv3", False),
        ("COPYING.LESSER", False),
        ("dist-info/licenses/LICENSE.PSF", False),
    ],
)
def test_license_file_names_of_bundled_libraries(name: str, component: bool) -> None:
    assert is_component_license_file(name) is component


def test_npm_tarball(tmp_path: Path) -> None:
    pkg = {"name": "left-pad", "version": "1.3.0", "license": {"type": "WTFPL"}}
    tgz = _tar(
        tmp_path / "left-pad-1.3.0.tgz",
        [
            ("package/package.json", json.dumps(pkg).encode()),
            ("package/index.js", b"module.exports = function leftPad(s) { return s; };\n"),
            ("package/node_modules/dep/index.js", b"module.exports = 1;\n"),
        ],
    )
    info, files = _read(tgz)
    assert info.kind == "npm"
    assert (info.name, info.version, info.license) == ("left-pad", "1.3.0", "WTFPL")
    assert set(files) == {"package.json", "index.js"}


def test_tar_skips_links_devices_traversal_and_big_members(tmp_path: Path) -> None:
    link = tarfile.TarInfo("pkg-1.0/passwd.py")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("pkg-1.0/hard.py")
    hard.type, hard.linkname = tarfile.LNKTYPE, "pkg-1.0/ok.py"
    dev = tarfile.TarInfo("pkg-1.0/null")
    dev.type = tarfile.CHRTYPE
    tgz = _tar(
        tmp_path / "pkg-1.0.tar.gz",
        [
            ("pkg-1.0/ok.py", b"print('ok')\n"),
            ("pkg-1.0/../../evil.py", b"evil\n"),
            ("/abs/evil.py", b"evil\n"),
            ("pkg-1.0/big.py", b"#" * (MAX_FILE_BYTES + 1)),
            link,
            hard,
            dev,
        ],
    )
    info, files = _read(tgz)
    # The absolute and ".." members are not part of the tree, so "pkg-1.0/" stays a wrapper.
    assert files == {"ok.py": b"print('ok')\n"}
    assert (info.name, info.version, info.license) == ("pkg", "1.0", "NOASSERTION")


def test_zip_skips_symlinks_and_traversal(tmp_path: Path) -> None:
    archive = tmp_path / "proj-main.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("proj-main/a.py", "a = 1\n")
        zf.writestr("proj-main/../evil.py", "evil\n")
        sym = zipfile.ZipInfo("proj-main/link.py")
        sym.external_attr = (0o120777) << 16
        zf.writestr(sym, "/etc/passwd")
        zf.writestr("proj-main/LICENSE", _click_license())
    info, files = _read(archive)
    assert info.kind == "zip"
    assert set(files) == {"a.py", "LICENSE"}
    assert info.license == "BSD-3-Clause"


def test_archive_detected_by_content(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, "click", CLICK_MODULES[:1])
    renamed = tmp_path / "download"
    renamed.write_bytes(sdist.read_bytes())
    info, files = _read(renamed)
    assert info.kind == "sdist" and info.name == "click"
    assert f"src/{CLICK_MODULES[0]}" in files


DEEP = 100_000
HOSTILE_METADATA = {
    "json-nested-deep": ("package.json", b"[" * DEEP + b"]" * DEEP),
    "json-object-nested-deep": ("package.json", b'{"license": ' + b'{"a": ' * DEEP + b"1"),
    "json-huge-number": ("package.json", b'{"name": 1' + b"0" * 10_000 + b"}"),
    "json-not-an-object": ("package.json", b'["name", "evil"]'),
    "json-wrong-types": ("package.json", b'{"name": ["x"], "version": 3, "licenses": [1, null]}'),
    "json-invalid-utf8": ("package.json", b'{"name": "\xff\xfe", "license": "\xc3("}'),
    "toml-array-nested-deep": ("pyproject.toml", b"a = " + b"[" * DEEP + b"]" * DEEP),
    "toml-table-nested-deep": ("pyproject.toml", b"a = " + b"{b = " * DEEP + b"1" + b"}" * DEEP),
    "toml-huge-number": ("pyproject.toml", b"[project]\nname = 1" + b"0" * 10_000),
    "toml-wrong-types": ("pyproject.toml", b'project = "x"\ntool = [1]\n'),
    "toml-wrong-field-types": ("pyproject.toml", b"[project]\nname = 5\nlicense = {file = 3}\n"),
    "cargo-nested-deep": ("Cargo.toml", b"package = " + b"[" * DEEP + b"]" * DEEP),
    "cargo-package-not-a-table": ("Cargo.toml", b"package = [1, 2]\n"),
    "pkg-info-binary": ("PKG-INFO", bytes(range(256)) * 64),
}


@pytest.mark.parametrize("name,data", HOSTILE_METADATA.values(), ids=HOSTILE_METADATA.keys())
def test_unparseable_metadata_is_treated_as_absent(tmp_path: Path, name: str, data: bytes) -> None:
    """The source still reads, its license from its LICENSE file, its name from the file name."""
    sdist = _tar(
        tmp_path / "evil-1.0.tar.gz",
        [
            (f"evil-1.0/{name}", data),
            ("evil-1.0/LICENSE", _MIT.encode()),
            ("evil-1.0/evil/mod.py", b"def f():\n    return 1\n"),
        ],
    )
    info, files = _read(sdist)
    assert (info.name, info.version, info.license) == ("evil", "1.0", "MIT")
    assert "evil/mod.py" in files


def test_corrupt_and_unsupported_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken-1.0.tar.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(SourceError, match=r"broken-1\.0\.tar\.gz"):
        _read(bad)
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(SourceError, match=r"notes\.txt"):
        _read(text)


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    spec = str(tmp_path / "nope")
    with pytest.raises(SourceError) as err:
        _read(spec)
    assert spec in str(err.value)
    assert "\n" not in str(err.value)


# --- folders ------------------------------------------------------------------------------------


def test_dir_source(tmp_path: Path) -> None:
    root = tmp_path / "proj-2.0"
    (root / "src").mkdir(parents=True)
    (root / "src" / "m.py").write_text("def f():\n    return 1\n")
    (root / "LICENSE").write_bytes(_click_license())
    for vcs in (".hg", ".svn"):
        (root / vcs).mkdir()
        (root / vcs / "store.py").write_text("x = 1\n")
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "node_modules" / "dep" / "i.js").write_text("x\n")
    (root / "link.py").symlink_to(root / "src" / "m.py")
    os.mkfifo(root / "fifo")
    info, files = _read(root)
    assert info.kind == "dir"
    assert (info.name, info.version, info.license) == ("proj", "2.0", "BSD-3-Clause")
    assert set(files) == {"src/m.py", "LICENSE"}
    assert info.origin == str(root.resolve())
    digest = info.digest
    assert _read(root)[0].digest == digest
    (root / "src" / "m.py").write_text("def f():\n    return 2\n")
    assert _read(root)[0].digest != digest


def test_dir_metadata_from_pyproject_and_cargo(tmp_path: Path) -> None:
    py = tmp_path / "a"
    py.mkdir()
    (py / "pyproject.toml").write_text(
        '[project]\nname = "alpha"\nversion = "0.4"\nlicense = {text = "Apache 2.0"}\n'
    )
    assert _meta(py) == ("alpha", "0.4", "Apache-2.0")
    rs = tmp_path / "b"
    rs.mkdir()
    (rs / "Cargo.toml").write_text(
        '[package]\nname = "beta"\nversion = "1.2.3"\nlicense = "MIT/Apache-2.0"\n'
    )
    assert _meta(rs) == ("beta", "1.2.3", "MIT OR Apache-2.0")
    plain = tmp_path / "gamma"
    plain.mkdir()
    (plain / "x.py").write_text("x = 1\n")
    assert _meta(plain) == ("gamma", "unknown", "NOASSERTION")


# --- git ----------------------------------------------------------------------------------------


def _two_commit_repo(path: Path) -> tuple[Path, str, str]:
    repo = init_repo(path, {"pkg/a.py": "A = 1\n", "LICENSE": _click_license().decode()})
    first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "tag", "v1.0")
    (repo / "pkg" / "b.py").write_text("B = 2\n")
    (repo / "pkg" / "a.py").write_text("A = 11\n")
    os.symlink("a.py", repo / "pkg" / "link.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    second = git(repo, "rev-parse", "HEAD").strip()
    return repo, first, second


def test_git_repo_head_and_rev(tmp_path: Path) -> None:
    repo, first, second = _two_commit_repo(tmp_path / "myrepo")
    # Uncommitted work-tree changes are not read: blobs come from the commit.
    (repo / "pkg" / "a.py").write_text("A = 'dirty'\n")
    (repo / "untracked.py").write_text("u = 1\n")
    info, files = _read(repo)
    assert info.kind == "git"
    assert info.digest == second
    assert info.name == "myrepo"
    assert info.version.startswith("v1.0-1-g")
    assert info.license == "BSD-3-Clause"
    assert files["pkg/a.py"] == b"A = 11\n"
    assert set(files) == {"LICENSE", "pkg/a.py", "pkg/b.py"}  # the symlink is skipped
    info1, files1 = _read(repo, rev=first)
    assert info1.digest == first
    assert info1.version == "v1.0"
    assert set(files1) == {"LICENSE", "pkg/a.py"}
    assert files1["pkg/a.py"] == b"A = 1\n"


def test_git_bad_rev_and_empty_repo(tmp_path: Path) -> None:
    repo, _, _ = _two_commit_repo(tmp_path / "r")
    with pytest.raises(SourceError, match="no-such-rev"):
        _read(repo, rev="no-such-rev")
    empty = init_repo(tmp_path / "empty", {})
    with pytest.raises(SourceError, match="empty"):
        _read(empty)


def test_bare_repo_and_file_url_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, first, second = _two_commit_repo(tmp_path / "work")
    bare = tmp_path / "proj.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    info, files = _read(bare)
    assert (info.kind, info.name, info.digest) == ("git", "proj", second)
    assert set(files) == {"LICENSE", "pkg/a.py", "pkg/b.py"}

    clones = tmp_path / "tmp"
    clones.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(clones))
    url = bare.resolve().as_uri()
    info, files = _read(url)
    assert (info.kind, info.name, info.digest, info.origin) == ("git-url", "proj", second, url)
    assert files["pkg/a.py"] == b"A = 11\n"
    info, files = _read(url, rev=first)
    assert info.digest == first
    assert set(files) == {"LICENSE", "pkg/a.py"}
    assert list(clones.iterdir()) == []  # clones are removed on exit


def test_clone_failure_is_a_source_error(tmp_path: Path) -> None:
    url = (tmp_path / "missing.git").as_uri()
    with pytest.raises(SourceError) as err:
        _read(url)
    assert url in str(err.value)
    assert "\n" not in str(err.value)


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("click-8.1.7.tar.gz", ("click", "8.1.7")),
        ("left-pad-1.3.0.tgz", ("left-pad", "1.3.0")),
        ("click-8.1.7-py3-none-any.whl", ("click", "8.1.7")),
        ("proj-main.zip", ("proj-main", None)),
        ("tool_v2.0", ("tool", "2.0")),
        ("zlib_1.2.13.dfsg-1.tar.gz", ("zlib", "1.2.13.dfsg-1")),
        ("re2_20220601+dfsg-1", ("re2", "20220601+dfsg-1")),
        (
            "golang-github-spf13-pflag-dev_1.0.6~git20210604-d5e0c0615ace-1.tar.gz",
            ("golang-github-spf13-pflag-dev", "1.0.6~git20210604-d5e0c0615ace-1"),
        ),
        ("plain", ("plain", None)),
    ],
)
def test_split_stem(stem: str, expected: tuple[str, str | None]) -> None:
    assert split_stem(stem) == expected

"""The default index that ships with ipscan: its pinned sources, the download check, and the
shipped index itself, opened with the shipped encoder and finding a real copy (no network)."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import SourceError
from ipscan.extract.analyze import analyze_file
from ipscan.index.compat import check_encoder
from ipscan.index.default import PinnedSource
from ipscan.index.default import fetch
from ipscan.index.default import pinned_sources
from ipscan.index.manifest import verify_files
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.match.digest import digest64
from ipscan.records import SourceFile
from ipscan.sources.downloads import REGISTRIES
from ipscan.sources.downloads import package_problem
from tests.conftest import debian_12_apt
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

# The default index pins click 8.1.7; the environment may hold a newer click. get_app_dir has
# the same normalized tokens in both (names, literals and layout aside: checked below against
# the digest the shipped index holds), so copying the installed one copies the pinned one.
COPIED_FUNCTION = ("click", "click/utils.py", "get_app_dir")
PINNED_PATH = "src/click/utils.py"


@pytest.fixture(scope="module")
def shipped() -> IndexReader:
    return open_index(None)


def _unit_id(reader: IndexReader, package: str, path: str, name: str) -> int:
    source = next(i for i, s in enumerate(reader.sources) if s["name"] == package)
    files = {i for i, f in enumerate(reader.files) if f["source"] == source and f["path"] == path}
    (uid,) = [
        u
        for u, row in enumerate(reader.units)
        if int(row["file"]) in files and reader.unit_names[u] == name
    ]
    return uid


def _installed_function() -> tuple[str, str]:
    """The installed text of the copied function, and the file it sits in."""
    dist, rel, name = COPIED_FUNCTION
    text = installed_file(dist, rel).read_text(encoding="utf-8")
    node = next(
        n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name
    )
    assert node.end_lineno is not None
    lines = text.splitlines()[node.lineno - 1 : node.end_lineno]
    return "\n".join(lines) + "\n", text


# --- the pinned list -----------------------------------------------------------------------------


def test_every_pinned_source_names_a_registry_a_version_and_a_sha256() -> None:
    sources = pinned_sources()
    assert len(sources) >= 100
    for s in sources:
        assert s.registry in REGISTRIES, s
        assert re.fullmatch(r"[0-9a-f]{64}", s.sha256), s
        assert package_problem(s.registry, s.name, s.version) is None, s
        assert s.include, s  # a whole package would pull tests and docs in
    assert len({(s.registry, s.name) for s in sources}) == len(sources)
    # Python and JavaScript from PyPI and npm; C, C++, Java from Debian's source packages; Go
    # and Rust from Debian's binary packages that carry sources.
    assert {s.registry for s in sources} == set(REGISTRIES)


def test_pinned_sources_reads_include_and_exclude_with_defaults(tmp_path: Path) -> None:
    doc = {
        "sources": [
            {"registry": "npm", "name": "left-pad", "version": "1.3.0", "sha256": "ab" * 32},
            {
                "registry": "pypi",
                "name": "six",
                "version": "1.16.0",
                "sha256": "cd" * 32,
                "include": ["six.py"],
                "exclude": ["test_*"],
            },
        ]
    }
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert pinned_sources(path) == [
        PinnedSource("npm", "left-pad", "1.3.0", "ab" * 32),
        PinnedSource("pypi", "six", "1.16.0", "cd" * 32, ("six.py",), ("test_*",)),
    ]


# --- fetch: the sha256 check, with pip reading a local folder instead of PyPI --------------------


def _local_sdist(folder: Path) -> Path:
    """A tiny real sdist, built the way setuptools would lay it out."""
    top = "ipscan_fetch_demo-1.0"
    archive = folder / f"{top}.tar.gz"
    members = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
            '[project]\nname = "ipscan-fetch-demo"\nversion = "1.0"\n'
        ),
        "PKG-INFO": "Metadata-Version: 2.1\nName: ipscan-fetch-demo\nVersion: 1.0\n",
        "ipscan_fetch_demo/__init__.py": "VALUE = 1\n",
    }
    src = folder / "tree"
    for rel, text in members.items():
        (src / top / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / top / rel).write_text(text, encoding="utf-8")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / top, arcname=top)
    return archive


@pytest.fixture
def local_pypi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip configured, through its environment, to read only a local folder of archives."""
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")  # use the installed setuptools
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return links


def test_fetch_returns_the_archive_whose_sha256_is_pinned(local_pypi: Path, tmp_path: Path) -> None:
    archive = _local_sdist(local_pypi)
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    dest = tmp_path / "dest"
    dest.mkdir()
    got = fetch(PinnedSource("pypi", "ipscan-fetch-demo", "1.0", sha), dest)
    assert got.parent == dest
    assert got.read_bytes() == archive.read_bytes()


def test_fetch_refuses_an_archive_with_another_sha256(local_pypi: Path, tmp_path: Path) -> None:
    archive = _local_sdist(local_pypi)
    real = hashlib.sha256(archive.read_bytes()).hexdigest()
    dest = tmp_path / "dest"
    dest.mkdir()
    pinned = PinnedSource("pypi", "ipscan-fetch-demo", "1.0", "0" * 64)
    with pytest.raises(SourceError, match="differs from the pinned") as err:
        fetch(pinned, dest)
    assert real[:16] in str(err.value)
    assert archive.name in str(err.value)


def test_fetch_failures_are_one_line_errors(local_pypi: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SourceError, match="failed: "):
        fetch(PinnedSource("pypi", "ipscan-fetch-demo", "9.9", "0" * 64), dest)
    with pytest.raises(SourceError, match="unknown registry 'cpan'"):
        fetch(PinnedSource("cpan", "Moose", "2.0", "0" * 64), dest)
    assert list(dest.iterdir()) == []


HELLO_DSC_SHA = "75296f5ef618ae2f1849e22b142a2b5ab52c452ebefa4e7b0564c44617db3790"


@pytest.mark.registry
@pytest.mark.skipif(not debian_12_apt(), reason="needs Debian 12's apt")
def test_a_pinned_debian_source_package_is_checked_by_its_dsc(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    got = fetch(PinnedSource("deb", "hello", "2.10-3", HELLO_DSC_SHA), dest)
    assert got.parent == dest and got.name == "hello_2.10-3.tar.gz"
    with tarfile.open(got) as tar:
        assert "hello-2.10/debian/copyright" in tar.getnames()
    again = tmp_path / "again"
    again.mkdir()
    with pytest.raises(SourceError, match="differs from the pinned"):
        fetch(PinnedSource("deb", "hello", "2.10-3", "0" * 64), again)
    assert list(again.iterdir()) == []


# --- the shipped index ---------------------------------------------------------------------------


def test_the_shipped_index_holds_exactly_the_pinned_archives(shipped: IndexReader) -> None:
    built = shipped.sources
    pinned = pinned_sources()
    assert len(built) == len(pinned)
    by_digest = {s["digest"]: s for s in built}
    for p in pinned:
        if p.registry in ("pypi", "npm"):
            # The registry's archive itself: its sha256 is the pinned one.
            source = by_digest[p.sha256]
            assert source["version"] == p.version, p
            assert source["origin"].startswith(f"{p.registry}:"), p
        else:
            # Debian's files packed into one archive named NAME_VERSION (no epoch); its
            # sources are recorded by their ecosystem's name (crate, Go module).
            origin = f"{p.registry}:{p.name}_{p.version.split(':', 1)[-1]}.tar.gz"
            (source,) = [s for s in built if s["origin"] == origin]
        assert source["units"] > 0, p


def test_the_shipped_index_opens_with_the_shipped_encoder(shipped: IndexReader, encoder) -> None:  # type: ignore[no-untyped-def]
    verify_files(shipped.index_dir, shipped.gen_dir, shipped.manifest)
    check_encoder(shipped.encoder_info, encoder, shipped.index_dir)
    assert shipped.vector_store.ntotal == len(shipped.units) == len(shipped.unit_names)
    assert shipped.vector_store.d == encoder.dim
    # The stored vectors are this encoder's: a unit embedded now lands on its stored vector.
    _, text = _installed_function()
    name = COPIED_FUNCTION[2]
    (au,) = [
        u for u in analyze_file(SourceFile("u.py", text, "python")).units if u.unit.name == name
    ]
    uid = _unit_id(shipped, "click", PINNED_PATH, name)
    assert digest64(au.evidence) == int(shipped.units[uid]["digest"]), (
        f"installed click's {name} differs from the pinned one; copy another function"
    )
    fresh = encoder.encode([au.encoder_input(encoder.input_format)])[0]
    assert float(np.dot(fresh, shipped.vector_store.vector(uid))) > 0.98


def test_a_copy_of_a_pinned_package_is_found_by_the_default_index(
    tmp_path: Path, shipped: IndexReader
) -> None:
    function, _ = _installed_function()
    body = '"""Where the app keeps its settings."""\n\nimport os\nimport sys\n\n\n' + function
    repo = init_repo(tmp_path / "app", {"app/paths.py": body})
    res = run_cli("repo", str(repo), "--format", "json")  # no --index: the shipped one
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["index"]["units"] == len(shipped.units)
    uid = _unit_id(shipped, "click", PINNED_PATH, COPIED_FUNCTION[2])
    start, end = int(shipped.units[uid]["start_line"]), int(shipped.units[uid]["end_line"])
    click = next(s for s in pinned_sources() if s.name == "click")
    hits = [
        f
        for f in doc["findings"]
        if f["path"] == "app/paths.py"
        and f["source"]["package"] == "click"
        and f["source"]["version"] == click.version
        and f["source"]["path"] == PINNED_PATH
        and f["source"]["start_line"] <= end
        and start <= f["source"]["end_line"]
    ]
    assert hits, doc["findings"]
    assert hits[0]["verdict"] == "copied"
    assert hits[0]["source"]["license"] == "BSD-3-Clause"

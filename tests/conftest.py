"""Shared fixtures: sdists made from installed packages, a tiny real index, real git repos."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from ipscan.training.installed import installed_file
from ipscan.training.installed import make_sdist

__all__ = ["installed_file", "make_sdist"]

# Everything a test run writes to a cache goes below one temporary folder.
_CACHE_ENV = "IPSCAN_CACHE_DIR"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    old = os.environ.get(_CACHE_ENV)
    os.environ[_CACHE_ENV] = str(tmp_path_factory.mktemp("ipscan-cache"))
    yield
    if old is None:
        os.environ.pop(_CACHE_ENV, None)
    else:
        os.environ[_CACHE_ENV] = old


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``ipscan ARGS`` in a new process (in ``cwd``), as a user runs it."""
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "ipscan.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": pythonpath},
    )


def fresh_python(code: str) -> str:
    """What ``code`` prints in a new Python process (a start that has imported nothing yet)."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return res.stdout.strip()


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    res = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    )
    return res.stdout


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``root`` holding ``files`` (relative path -> text), folders made as needed."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def mit_index(folder: Path, files: dict[str, str], encoder) -> Path:  # type: ignore[no-untyped-def]
    """A real index (``folder``/idx) of ``files`` written to ``folder``/src under an MIT
    LICENSE: one small licensed upstream."""
    from ipscan.index.build import build_index

    license_text = "MIT License\n\nCopyright (c) 2020 Upstream Authors\n"
    src = write_files(folder / "src", {**files, "LICENSE": license_text})
    build_index([str(src)], folder / "idx", encoder, encoder.encode)
    return folder / "idx"


def decided_pair(
    query: int,
    unit: int,
    evidence: object,
    lines: tuple[int, int],
    verdict: object,
    similarity: float,
) -> object:
    """A pair of scanned unit ``query`` and indexed unit ``unit`` with the given evidence
    (``PairEvidence``) and verdict, matched on ``lines`` on both sides."""
    from ipscan.decide.verdict import Decision
    from ipscan.match.align import Region
    from ipscan.match.pairs import DecidedPair
    from ipscan.records import Matcher

    return DecidedPair(
        query,
        unit,
        (Matcher.WINNOW,),
        evidence,  # type: ignore[arg-type]
        Region(*lines, *lines),
        Decision(verdict, similarity, 0.9),  # type: ignore[arg-type]
    )


def init_repo(path: Path, files: dict[str, str], commit: bool = True) -> Path:
    """A real git repository holding ``files``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write_files(path, files)
    if files:
        git(path, "add", "-A")
        if commit:
            git(path, "commit", "-q", "-m", "add files")
    return path


CLICK_MODULES = ["click/formatting.py", "click/utils.py"]
PACKAGING_MODULES = ["packaging/specifiers.py"]


@pytest.fixture(scope="session")
def source_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real licensed sources: click (BSD-3-Clause), packaging (Apache-2.0 OR BSD-2-Clause)."""
    dest = tmp_path_factory.mktemp("sources")
    return {
        "click": make_sdist(dest, "click", CLICK_MODULES),
        "packaging": make_sdist(dest, "packaging", PACKAGING_MODULES),
    }


@pytest.fixture(scope="session")
def encoder():  # type: ignore[no-untyped-def]
    """The base encoder on the numpy CPU runtime."""
    from ipscan.encoder import load_encoder

    return load_encoder("cpu")


class CountingEmbed:
    """The real encoder, counting what it is asked to embed."""

    def __init__(self, encoder) -> None:  # type: ignore[no-untyped-def]
        self.encoder = encoder
        self.texts: list[str] = []

    def __call__(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.encoder.encode(texts)


@dataclass
class TinyIndexBuild:
    """How the session's tiny index was built: click first, then extended with packaging."""

    index_dir: Path
    first: object  # BuildSummary of the click-only build
    second: object  # BuildSummary of the extension
    first_texts: list[str]
    second_texts: list[str]
    first_vectors: object  # np.ndarray of the click-only index


@pytest.fixture(scope="session")
def tiny_index_build(
    tmp_path_factory: pytest.TempPathFactory, source_archives: dict[str, Path], encoder
) -> TinyIndexBuild:  # type: ignore[no-untyped-def]
    """A real index of the two source archives, built in two steps."""
    from ipscan.index.build import build_index
    from ipscan.index.reader import IndexReader

    index_dir = tmp_path_factory.mktemp("index") / "idx"
    first = CountingEmbed(encoder)
    s1 = build_index([str(source_archives["click"])], index_dir, encoder, first)
    vectors = IndexReader(index_dir).contents().vectors
    second = CountingEmbed(encoder)
    archives = [str(source_archives["click"]), str(source_archives["packaging"])]
    s2 = build_index(archives, index_dir, encoder, second)
    return TinyIndexBuild(index_dir, s1, s2, first.texts, second.texts, vectors)


@pytest.fixture(scope="session")
def tiny_index(tiny_index_build: TinyIndexBuild) -> Path:
    """The directory of the session's tiny real index."""
    return tiny_index_build.index_dir


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[ModuleType]:
    """One local Ray of two CPUs for the module (started here, shut down after)."""
    from ipscan.errors import UsageError
    from ipscan.index.distributed import import_ray
    from ipscan.index.distributed import loopback_works

    try:
        ray = import_ray(local=True)  # on 127.0.0.1 only, as `--ray` without an address
    except UsageError:
        pytest.skip("Ray is not installed (the distributed extra)")
    if not loopback_works():
        pytest.skip(
            "a local Ray needs the loopback network, which is down here (a network namespace "
            "without `lo` up, as CI's `unshare -n`)"
        )
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 1024 * 1024,
        logging_level=logging.WARNING,
    )
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
    yield ray
    ray.shutdown()


def debian_12_apt() -> bool:
    """Whether this machine is Debian 12 with apt-get (what the Debian source tests fetch with)."""
    try:
        release = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return False
    return "VERSION_CODENAME=bookworm" in release and shutil.which("apt-get") is not None

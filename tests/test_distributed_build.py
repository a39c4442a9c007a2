"""`ipscan index build --ray`: a distributed build on a real local Ray cluster equals the
single-machine build, resumes a stopped or failed job, skips failed sources, and commits under
the writer lock."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from ipscan.cli import main
from ipscan.errors import IpscanIndexError
from ipscan.index.build import build_index
from ipscan.index.dist_job import JOB_FILE
from ipscan.index.dist_job import JOBS
from ipscan.index.distributed import JobReport
from ipscan.index.distributed import RaySettings
from ipscan.index.distributed import build_distributed
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import writer_lock

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def archives(source_archives: dict[str, Path]) -> list[str]:
    return [str(source_archives["click"]), str(source_archives["packaging"])]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, archives: list[str], encoder: Any) -> Path:
    """The single-machine build of both archives."""
    index_dir = tmp_path_factory.mktemp("single") / "idx"
    build_index(archives, index_dir, encoder, encoder.encode, jobs=1)
    return index_dir


def _ray_build(specs: list[str], index_dir: Path, encoder: Any, **kwargs: Any) -> JobReport:
    settings = RaySettings(shard_size=1, commit_wait_s=kwargs.pop("wait", 0.0))
    return build_distributed(specs, index_dir, encoder, settings, **kwargs)


def _view(index_dir: Path) -> dict[str, Any]:
    """An index's contents, keyed so that the order of sources, files and units is moot."""
    with IndexReader(index_dir) as reader:
        c: IndexContents = reader.contents()
    sources = [s["name"] for s in c.sources]
    path = [str(f["path"]) for f in c.files]
    source_of_file = [sources[int(f["source"])] for f in c.files]
    keys = [
        (source_of_file[int(u["file"])], path[int(u["file"])], int(u["start_line"]), name)
        for u, name in zip(c.units, c.unit_names, strict=True)
    ]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    columns = ("end_line", "n_tokens", "n_fps", "digest")
    unit_rows = {keys[i]: tuple(int(c.units[i][col]) for col in columns) for i in order}
    postings = {
        (keys[int(p["unit"])], int(p["hash"]), int(p["tok"]), int(p["line0"]), int(p["line1"]))
        for p in c.postings
    }
    structure = {(keys[int(p["unit"])], int(p["hash"])) for p in c.structure_postings}
    file_key = [(source_of_file[i], path[i]) for i in range(len(path))]
    file_postings = {
        (file_key[int(p["file"])], int(p["hash"]), int(p["tok"]), int(p["line0"]), int(p["line1"]))
        for p in c.file_postings
    }
    file_keys = {
        file_key[int(k["file"])]: (int(k["n_tokens"]), int(k["text_digest"]), int(k["code_digest"]))
        for k in c.file_keys
    }
    return {
        "sources": sorted(json.dumps(s, sort_keys=True) for s in c.sources),
        "files": sorted(
            json.dumps(f | {"source": source_of_file[i]}, sort_keys=True)
            for i, f in enumerate(c.files)
        ),
        "units": unit_rows,
        "postings": postings,
        "structure": structure,
        "file_postings": file_postings,
        "file_keys": file_keys,
        "vectors": {keys[i]: c.vectors[i] for i in order},
        "encoder": c.encoder,
    }


def _assert_same(index_dir: Path, reference: Path) -> None:
    got, want = _view(index_dir), _view(reference)
    vectors, want_vectors = got.pop("vectors"), want.pop("vectors")
    for key in want:
        assert got[key] == want[key], key
    assert vectors.keys() == want_vectors.keys()
    for key, vector in want_vectors.items():
        # Float rounding of the two encoder runs may round an 8-bit code the other way.
        cosine = vectors[key] @ vector / np.linalg.norm(vectors[key]) / np.linalg.norm(vector)
        assert cosine >= 0.9999, key


@slow
def test_a_ray_build_is_the_single_machine_build(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], reference: Path, encoder: Any
) -> None:
    index_dir = tmp_path / "idx"
    report = _ray_build(archives, index_dir, encoder)
    assert (report.shards, report.ran, report.reused) == (2, 2, 0)
    assert len(report.summary.added) == 2 and not report.summary.failed
    with IndexReader(reference) as reader:
        assert report.summary.total_units == reader.n_units == report.summary.units_added
    _assert_same(index_dir, reference)
    assert not (index_dir / JOBS).exists()  # a committed job leaves nothing staged
    with IndexReader(index_dir) as reader:
        assert len(reader.segment_names) == 2  # one segment per shard
        live = reader.gen_dir.name
    # Again: both are in the index now, so nothing is added and no generation is written.
    again = _ray_build(archives, index_dir, encoder)
    assert again.summary.added == [] and len(again.summary.skipped) == 2
    with IndexReader(index_dir) as reader:
        assert reader.gen_dir.name == live


class Stop(Exception):
    """The driver stopped (killed) after a shard was recorded."""


@slow
def test_a_stopped_job_reruns_only_its_unfinished_shard(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], reference: Path, encoder: Any
) -> None:
    index_dir = tmp_path / "idx"

    def stop(_shard: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        _ray_build(archives, index_dir, encoder, on_shard_done=stop)
    assert not (index_dir / "CURRENT").exists()  # nothing committed
    (job_dir,) = (index_dir / JOBS).iterdir()
    doc = json.loads((job_dir / JOB_FILE).read_text(encoding="utf-8"))
    assert len(doc["shards"]) == 2 and len(doc["done"]) == 1
    (finished,) = doc["done"].values()
    assert all((job_dir / name).is_dir() for name in finished["segments"])

    report = _ray_build(archives, index_dir, encoder)
    assert (report.shards, report.ran, report.reused) == (2, 1, 1)
    assert len(report.summary.added) == 2
    _assert_same(index_dir, reference)
    assert not (index_dir / JOBS).exists()


@slow
def test_a_failed_shard_leaves_the_index_and_keeps_the_finished_ones(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], encoder: Any
) -> None:
    index_dir = tmp_path / "idx"
    unsafe = "ext::sh -c true"  # refused as a usage error, which stops a shard (and a build)
    with pytest.raises(IpscanIndexError, match=r"1 of 2 shards failed \(shard 2: .*unsafe"):
        _ray_build([archives[0], unsafe], index_dir, encoder)
    assert not (index_dir / "CURRENT").exists()
    (job_dir,) = (index_dir / JOBS).iterdir()
    done = json.loads((job_dir / JOB_FILE).read_text(encoding="utf-8"))["done"]
    assert list(done) == ["0"]
    ran: list[int] = []
    with pytest.raises(IpscanIndexError, match="1 of 2 shards failed"):
        _ray_build([archives[0], unsafe], index_dir, encoder, on_shard_done=ran.append)
    assert ran == []  # the finished shard was not run again


@slow
def test_a_source_that_fails_is_listed_and_skipped_as_on_one_machine(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], encoder: Any
) -> None:
    specs = [archives[0], str(tmp_path / "gone.tar.gz")]
    single = build_index(specs, tmp_path / "one", encoder, encoder.encode, keep_going=True)
    report = _ray_build(specs, tmp_path / "ray", encoder)
    assert [(f.source.target, f.reason) for f in report.summary.failed] == [
        (f.source.target, f.reason) for f in single.failed
    ]
    assert report.summary.added == single.added
    _assert_same(tmp_path / "ray", tmp_path / "one")


@slow
def test_a_commit_waits_for_the_writer_lock_or_fails_in_one_line(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], reference: Path, encoder: Any
) -> None:
    index_dir = tmp_path / "idx"
    build_index(archives[:1], index_dir, encoder, encoder.encode, jobs=1)
    with writer_lock(index_dir), pytest.raises(IpscanIndexError) as caught:
        _ray_build(archives, index_dir, encoder)
    message = str(caught.value)
    assert "another ipscan process is writing this index" in message
    assert "rerun the same command to commit them" in message and "\n" not in message
    assert not (index_dir / "segments").exists()  # the index is as it was

    released = threading.Event()

    def hold_a_while() -> None:
        with writer_lock(index_dir):
            released.wait(1.0)

    holder = threading.Thread(target=hold_a_while)
    holder.start()
    try:
        report = _ray_build(archives, index_dir, encoder, wait=30.0)
    finally:
        released.set()
        holder.join()
    assert (report.ran, report.reused) == (0, 2)  # every shard was staged by the first run
    _assert_same(index_dir, reference)


@slow
def test_the_command_line_builds_on_the_running_ray(
    ray_cluster: ModuleType, tmp_path: Path, archives: list[str], reference: Path
) -> None:
    index_dir = tmp_path / "idx"
    args = ["index", "build", "--index", str(index_dir), *archives, "--shard-size", "1", "--ray"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "added click" in res.stdout and "2 shards, 2 run now, 0 reused" in res.stderr
    _assert_same(index_dir, reference)


def test_without_ray_the_option_is_a_one_line_usage_error(
    tmp_path: Path, archives: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    res = CliRunner().invoke(
        main, ["index", "build", "--index", str(tmp_path / "i"), *archives, "--ray"]
    )
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "ipscan: error: --ray needs Ray: pip install 'ipscan-code[distributed]'"
    ]
    assert not (tmp_path / "i").exists()


def test_a_source_read_as_the_ray_address_is_refused(tmp_path: Path, archives: list[str]) -> None:
    res = CliRunner().invoke(
        main, ["index", "build", "--index", str(tmp_path / "i"), "--ray", *archives]
    )
    assert res.exit_code == 2 and "give auto, ray://HOST:PORT or HOST:PORT" in res.stderr
    assert not (tmp_path / "i").exists()


def test_shards_are_balanced_by_size_and_keep_the_list_order(tmp_path: Path) -> None:
    from ipscan.index.dist_plan import plan_shards
    from ipscan.index.dist_plan import portable

    sizes = [900, 100, 500, 500, 100, 900]
    paths = []
    for i, size in enumerate(sizes):
        (tmp_path / f"s{i}.tar.gz").write_bytes(b"x" * size)
        paths.append(str(tmp_path / f"s{i}.tar.gz"))
    items = [portable(p) for p in [*paths, "https://example.org/lib.git"]]
    shards = plan_shards(items, 3)
    assert sorted(i for s in shards for i in s) == list(range(7))
    assert all(len(s) <= 3 and s == sorted(s) for s in shards)
    assert [s[0] for s in shards] == sorted(s[0] for s in shards)
    loads = sorted(sum(sizes[i] if i < 6 else 500 for i in s) for s in shards)  # URL: typical
    assert loads == [1000, 1100, 1400]  # the two 900s apart, as even as 3 a shard allows


def test_a_source_listed_twice_is_built_once(tmp_path: Path) -> None:
    from ipscan.index.dist_plan import distinct_sources
    from ipscan.index.dist_plan import portable
    from ipscan.sources.source_list import ListedSource

    archive = tmp_path / "lib-1.0.tar.gz"
    archive.write_bytes(b"x")
    pinned = ListedSource("pypi", "six", "1.16.0", where="list.txt:1")
    items = [
        portable(str(archive)),
        pinned,
        portable(str(archive)),  # the same path again
        ListedSource("pypi", "six", "1.16.0", where="list.txt:7"),  # the same package again
        ListedSource("pypi", "six", "1.17.0"),  # another version: another source
    ]
    assert distinct_sources(items) == [items[0], pinned, items[4]]

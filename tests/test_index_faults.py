"""Faults around the index folder: kills, full disks, read-only folders, builds beside scans.

Whatever happens to a build, the index it started from still opens, checks out and holds the
same things, and the next build finishes and clears what the broken one left behind.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from ipscan.errors import IpscanIndexError
from ipscan.index import generations
from ipscan.index import layout
from ipscan.index.build import build_index
from ipscan.index.reader import IndexReader
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock
from ipscan.index.verify import verify_index
from tests.test_index_store import contents

ROOT = Path(__file__).resolve().parent.parent


def snapshot(index_dir: Path) -> dict[str, Any]:
    """Everything a scan reads from an index, after checking every file against the manifest."""
    verify_index(index_dir)
    with IndexReader(index_dir) as r:
        c = r.contents()
        return {
            "units": c.units.tobytes(),
            "postings": c.postings.tobytes(),
            "vectors": c.vectors.tobytes(),
            "names": c.unit_names,
            "files": c.files,
            "sources": c.sources,
        }


def leftovers(index_dir: Path) -> list[str]:
    """Entries beyond one live generation, the segments it names and the index's own files."""
    live = generations.live_name(index_dir)
    named = set(generations.listed_segments(index_dir / live) or ()) if live else set()
    keep = {layout.CURRENT, layout.GENERATIONS, layout.LOCK, live, *named}
    if any(n.startswith("s-") for n in named):
        keep.add(layout.SEGMENTS)
    out = sorted(p.name for p in index_dir.iterdir() if p.name not in keep)
    folder = index_dir / layout.SEGMENTS
    if layout.SEGMENTS in keep:
        out += sorted(f"segments/{p.name}" for p in folder.iterdir() if p.name not in named)
    return out


def live(index_dir: Path) -> str:
    name = generations.live_name(index_dir)
    assert name is not None
    return name


def child_env() -> dict[str, str]:
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": pythonpath}


def invoke(*args: str) -> Any:
    """``ipscan ARGS`` in this process (so a test can patch it), as click runs it."""
    from ipscan.cli import main

    return CliRunner().invoke(main, list(args))


class MemoEmbed:
    """The real encoder, each text embedded once per test session (builds here repeat a lot)."""

    def __init__(self, encoder) -> None:  # type: ignore[no-untyped-def]
        self.encoder = encoder
        self.seen: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.encoder.encode(new), strict=True))
        return np.stack([self.seen[t] for t in texts]).astype(np.float32)


@pytest.fixture(scope="module")
def embed(encoder) -> MemoEmbed:  # type: ignore[no-untyped-def]
    return MemoEmbed(encoder)


@pytest.fixture(scope="module")
def click_template(
    tmp_path_factory: pytest.TempPathFactory,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
    embed: MemoEmbed,
) -> Path:
    idx = tmp_path_factory.mktemp("template") / "idx"
    build_index([str(source_archives["click"])], idx, encoder, embed)
    return idx


@pytest.fixture
def click_index(tmp_path: Path, click_template: Path) -> Path:
    """A fresh copy of a real index of click's modules."""
    idx = tmp_path / "idx"
    shutil.copytree(click_template, idx)
    return idx


@pytest.fixture
def cli_encoder(
    monkeypatch: pytest.MonkeyPatch,
    encoder,  # type: ignore[no-untyped-def]
    embed: MemoEmbed,
) -> None:
    """In-process CLI builds use the session's encoder and this module's embeddings."""
    monkeypatch.setattr("ipscan.encoder.load_encoder", lambda *_a, **_k: encoder)
    monkeypatch.setattr("ipscan.index.progress.progress_embedder", lambda *_a: embed)


# --- 6: a reader keeps the generation it opened ---------------------------------------------


def test_a_reader_keeps_working_while_a_build_replaces_its_generation(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    idx = click_index
    packaging = str(source_archives["packaging"])
    reader = IndexReader(idx)  # a scan that has not touched FAISS or the names yet
    build_index([packaging], idx, encoder, embed)
    assert generations.live_name(idx) != reader.gen_dir.name
    assert reader.faiss_index.ntotal == len(reader.units) == len(reader.unit_names) > 20
    assert len(reader.contents().vectors) == len(reader.units)
    old = reader.gen_dir
    assert old.is_dir()
    reader.close()
    build_index([packaging], idx, encoder, embed)  # nothing new, but it collects
    # The old generation is the new one's first segment (a build never rewrites data): kept.
    assert old.is_dir() and old.name in (generations.listed_segments(idx / live(idx)) or ())
    assert leftovers(idx) == []
    with writer_lock(idx):  # compacted, it is one generation again and the old one goes
        write_index(idx, IndexReader(idx).contents())
    assert not old.exists() and leftovers(idx) == []


def test_a_reader_in_another_process_survives_a_build(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    idx = click_index
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from ipscan.index.reader import IndexReader
        r = IndexReader(Path({str(idx)!r}))
        print("ready", flush=True)
        sys.stdin.readline()
        print(r.faiss_index.ntotal, len(r.unit_names), len(r.contents().vectors), flush=True)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    build_index([str(source_archives["packaging"])], idx, encoder, embed)
    out, err = child.communicate("go\n", timeout=60)
    assert child.returncode == 0, err
    n = {int(x) for x in out.split()}
    assert len(n) == 1 and n.pop() > 20


def test_an_old_generation_without_a_lock_file_is_kept_while_read(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = write_index(idx, contents(4))
    (first / layout.READERS).unlink()  # as generations written before the lock file were
    reader = IndexReader(idx)
    write_index(idx, contents(5))
    assert first.is_dir() and len(reader.unit_names) == 4
    reader.close()
    third = write_index(idx, contents(6))
    assert not first.exists() and leftovers(idx) == [] and third.is_dir()


def test_a_reader_that_loses_the_race_opens_the_new_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx = tmp_path / "idx"
    gone = write_index(idx, contents(4))
    write_index(idx, contents(5))
    assert not gone.exists()
    real = generations.hold_shared
    seen: list[Path] = []

    def late(gen: Path) -> generations.ReaderLock | None:
        seen.append(gen)
        return real(gone if len(seen) == 1 else gen)  # the first look found a removed one

    monkeypatch.setattr(generations, "hold_shared", late)
    assert len(IndexReader(idx).units) == 5 and len(seen) == 2
    assert real(gone) is None


# --- 5: a build removes only what the index made ---------------------------------------------


def test_a_build_keeps_folders_it_did_not_make(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    idx = click_index
    mine = [
        "g-important-notes",
        ".g-notes",
        "g-20240101T000000-abcdef",
        ".g-20240101T000000-abcdef.tmp",
    ]
    for name in mine:
        (idx / name).mkdir()
        (idx / name / "keep.txt").write_text("mine\n")
    build_index([str(source_archives["packaging"])], idx, encoder, embed)
    assert all((idx / name / "keep.txt").read_text() == "mine\n" for name in mine)
    assert sorted(leftovers(idx)) == sorted(mine)


def test_build_refuses_a_folder_that_is_not_an_index(
    tmp_path: Path, source_archives: dict[str, Path]
) -> None:
    from tests.conftest import run_cli

    folder = tmp_path / "notes"
    (folder / "g-important-notes").mkdir(parents=True)
    (folder / "todo.txt").write_text("x\n")
    res = run_cli("index", "build", str(source_archives["click"]), "--index", str(folder))
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and "not an ipscan index and not empty" in res.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["g-important-notes", "todo.txt"]


# --- 8: Ctrl-C says what state the index is in ------------------------------------------------


def test_ctrl_c_after_the_switch_says_the_new_index_is_live(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
    cli_encoder: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idx = click_index

    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(generations, "collect", interrupted)  # Ctrl-C once it went live
    res = invoke("index", "build", str(source_archives["packaging"]), "--index", str(idx))
    assert res.exit_code == 130
    assert f"ipscan: interrupted; the new index is live ({idx})" in res.stderr
    assert "packaging" in {s["name"] for s in snapshot(idx)["sources"]}
    monkeypatch.undo()
    build_index([str(source_archives["packaging"])], idx, encoder, embed)
    assert leftovers(idx) == []


def test_ctrl_c_before_the_switch_says_the_index_is_unchanged(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
    cli_encoder: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idx = click_index
    before = snapshot(idx)

    def interrupted(*_args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("ipscan.index.store.write_vector_store", interrupted)
    res = invoke("index", "build", str(source_archives["packaging"]), "--index", str(idx))
    assert res.exit_code == 130
    assert f"ipscan: interrupted; the index is unchanged ({idx})" in res.stderr
    assert snapshot(idx) == before and leftovers(idx) == []


# --- 9: a bad index folder is a one-line error, exit 3 ----------------------------------------


def _manifest_field(key: str, value: object) -> Callable[[Path], None]:
    def corrupt(idx: Path) -> None:
        import json

        gen = idx / str(generations.live_name(idx))
        manifest = json.loads((gen / layout.MANIFEST).read_text())
        manifest[key] = value
        (gen / layout.MANIFEST).write_text(json.dumps(manifest))

    return corrupt


def _encoder_field(key: str, value: object) -> Callable[[Path], None]:
    def corrupt(idx: Path) -> None:
        import json

        gen = idx / str(generations.live_name(idx))
        manifest = json.loads((gen / layout.MANIFEST).read_text())
        manifest["encoder"][key] = value
        (gen / layout.MANIFEST).write_text(json.dumps(manifest))

    return corrupt


def _current(data: bytes) -> Callable[[Path], None]:
    return lambda idx: (idx / layout.CURRENT).write_bytes(data)


BAD_FOLDERS = {
    "format-version-string": (_manifest_field("format_version", "1"), r'format_version is "1"'),
    "format-version-bool": (_manifest_field("format_version", True), "format_version is true"),
    "current-not-utf8": (_current(b"g-\xff\xfe\n"), "invalid UTF-8"),
    "current-dotdot": (_current(b"..\n"), "'..', not a generation name"),
    "current-absolute": (_current(b"/etc\n"), "'/etc', not a generation name"),
    "current-escapes": (_current(b"g-x/../../etc\n"), "not a generation name"),
    "files-a-list": (_manifest_field("files", []), r"manifest files is \[\] \(a list\)"),
    "files-values": (_manifest_field("files", {"units.npy": 3}), "manifest files is"),
    "files-missing": (_manifest_field("files", None), "manifest files is missing"),
    "encoder-a-string": (_manifest_field("encoder", "x"), "manifest encoder is"),
    "encoder-dim": (_encoder_field("dim", "384"), "manifest encoder dim is"),
    "counts-a-list": (_manifest_field("counts", [1]), "manifest counts is"),
    "counts-values": (_manifest_field("counts", {"units": "4"}), "manifest counts is"),
}


@pytest.mark.parametrize("case", BAD_FOLDERS)
def test_a_bad_index_folder_is_a_one_line_error(tmp_path: Path, case: str) -> None:
    corrupt, message = BAD_FOLDERS[case]
    idx = tmp_path / "idx"
    write_index(idx, contents())
    corrupt(idx)
    with pytest.raises(IpscanIndexError, match=message):
        IndexReader(idx)
    res = invoke("index", "info", str(idx))
    assert res.exit_code == 3
    assert res.stderr.startswith("ipscan: error: ") and res.stderr.count("\n") == 1


def test_a_bad_index_folder_from_the_command_line(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    idx = tmp_path / "idx"
    write_index(idx, contents())
    _manifest_field("format_version", "1")(idx)
    res = run_cli("index", "info", str(idx))
    assert res.returncode == 3 and res.stderr.count("\n") == 1
    assert "internal error" not in res.stderr and "format 1 but" not in res.stderr


# --- write failures ---------------------------------------------------------------------------


def _no_space(*_args: Any, **_kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["ipscan.index.store.write_vector_store", "numpy.save"])
def test_a_full_disk_leaves_the_previous_index(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    idx = click_index
    before = snapshot(idx)
    record = generations.recorded(idx)
    monkeypatch.setattr(where, _no_space)
    with pytest.raises(IpscanIndexError, match="no space left on device; the index is unchanged"):
        build_index([str(source_archives["packaging"])], idx, encoder, embed)
    monkeypatch.undo()
    assert snapshot(idx) == before
    assert leftovers(idx) == [] and generations.recorded(idx) == record


def _read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``folder`` read-only; as root (who may write anyway) refuse writes below it."""
    for p in [folder, *folder.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    if os.geteuid() != 0:
        return

    def inside(path: Any) -> bool:
        return isinstance(path, (str, os.PathLike)) and Path(path).resolve().is_relative_to(
            folder.resolve()
        )

    def deny(path: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    real_open, real_io_open, real_mkdir, real_replace = os.open, io.open, os.mkdir, os.replace
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writes and inside(path):
            deny(path)
        return real_open(path, flags, *args, **kwargs)

    def io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if set(mode) & set("wax+") and inside(file):
            deny(file)
        return real_io_open(file, mode, *args, **kwargs)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if inside(path):
            deny(path)
        real_mkdir(path, *args, **kwargs)

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if inside(src) or inside(dst):
            deny(dst)
        real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("lock_exists", [True, False])
def test_a_read_only_index_folder_is_a_one_line_error(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
    cli_encoder: None,
    monkeypatch: pytest.MonkeyPatch,
    lock_exists: bool,
) -> None:
    idx = click_index
    if not lock_exists:
        (idx / layout.LOCK).unlink()
    before = snapshot(idx)
    _read_only(idx, monkeypatch)
    try:
        with pytest.raises(IpscanIndexError, match="the folder is not writable"):
            build_index([str(source_archives["packaging"])], idx, encoder, embed)
        res = invoke("index", "build", str(source_archives["packaging"]), "--index", str(idx))
    finally:
        monkeypatch.undo()
        for p in [idx, *idx.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert res.exit_code == 3, res.output
    assert res.stderr.count("\n") == 1 and "the folder is not writable" in res.stderr
    assert snapshot(idx) == before and leftovers(idx) == []


# --- kills --------------------------------------------------------------------------------------

# A child that writes a generation and kills itself with SIGKILL just before the n-th call of
# one of the operations a write is made of (or finishes and prints how many calls there were).
_KILL_AT_STEP = """
import os, shutil, signal, sys
from pathlib import Path
import numpy as np
from ipscan.index import store
from ipscan.index.store import write_index
from tests.test_index_store import contents

idx, n = Path(sys.argv[1]), int(sys.argv[2])
calls = [0]

def step(fn):
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapped

os.replace = step(os.replace)
os.fsync = step(os.fsync)
os.mkdir = step(os.mkdir)
np.save = step(np.save)
shutil.rmtree = step(shutil.rmtree)
store.write_vector_store = step(store.write_vector_store)
write_index(idx, contents(7))
print(calls[0])
"""


def _write_in_child(idx: Path, n: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _KILL_AT_STEP, str(idx), str(n)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        check=False,
    )


@pytest.mark.slow
def test_a_write_killed_at_any_step_leaves_the_old_index_or_the_new_one(tmp_path: Path) -> None:
    base = tmp_path / "base"
    write_index(base, contents(4))
    write_index(base, contents(5))
    before = snapshot(base)
    full = _write_in_child(tmp_path / "probe", 0)  # no kill: how many steps a write takes
    assert full.returncode == 0, full.stderr
    steps = int(full.stdout)
    assert steps > 10
    states = set()
    for n in range(1, steps + 1):
        idx = tmp_path / f"k{n}"
        shutil.copytree(base, idx)
        res = _write_in_child(idx, n)
        assert res.returncode == -signal.SIGKILL, (n, res.stderr)
        after = snapshot(idx)  # opens, every file checks out
        live = len(after["names"])
        assert live in (5, 7), n
        if live == 5:
            assert after == before, n
        states.add(live)
        with writer_lock(idx):  # the rerun finishes and clears what the killed one left
            write_index(idx, contents(8))
        assert len(snapshot(idx)["names"]) == 8
        assert leftovers(idx) == [], n
    assert states == {5, 7}


def _cli_build(source: Path, idx: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ipscan.cli", "index", "build", str(source), "--index", str(idx)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], limit: float = 60) -> None:
    end = time.monotonic() + limit
    while not ready() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


@pytest.mark.slow
def test_a_killed_build_leaves_the_old_index_and_a_rerun_finishes(
    click_index: Path,
    embed: MemoEmbed,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    idx = click_index
    before = snapshot(idx)
    packaging = source_archives["packaging"]
    old_name = generations.live_name(idx)
    started = time.monotonic()

    def writing() -> bool:
        folders = [idx, idx / layout.SEGMENTS]
        return any(
            p.name.endswith(".tmp") and p.is_dir()
            for f in folders
            if f.is_dir()
            for p in f.iterdir()
        )

    kill_points: list[Callable[[], bool]] = [
        lambda: time.monotonic() - started > 1.0,  # starting up, loading the encoder
        writing,  # a new generation is half written
        lambda: generations.live_name(idx) != old_name,  # just went live: removing the old
    ]
    for ready in kill_points:
        started = time.monotonic()
        _kill_when(_cli_build(packaging, idx), ready)
        after = snapshot(idx)  # opens, every file checks out, and is the old or the new one
        assert after == before or "packaging" in {s["name"] for s in after["sources"]}
    rerun = _cli_build(packaging, idx)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    names = {s["name"] for s in snapshot(idx)["sources"]}
    assert names == {"click", "packaging"}
    assert leftovers(idx) == []
    assert not np.isnan(np.frombuffer(snapshot(idx)["vectors"], np.float32)).any()


def test_a_folder_of_another_program_with_a_current_file_is_not_an_index(tmp_path: Path) -> None:
    """A LevelDB/RocksDB folder keeps a CURRENT file too: a build must not take it for an
    index and overwrite it; a first build killed while writing its record is ours to redo."""
    from ipscan.index.generations import is_index_folder

    leveldb = tmp_path / "db"
    leveldb.mkdir()
    (leveldb / "CURRENT").write_text("MANIFEST-000004\n")
    (leveldb / "MANIFEST-000004").write_bytes(b"\0" * 16)
    assert not is_index_folder(leveldb)
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / ".lock").touch()
    (killed / ".GENERATIONS.tmp").write_text("g-20260101T000000-abcdef\n")
    assert is_index_folder(killed)

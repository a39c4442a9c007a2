"""Hardening of everything that takes a revision, a URL or a path from the user (issue #15).

Each test pins one reproduction from the security review: revisions that git would read as
options, network use nobody asked for, paths that leave the scanned root, misdirected paths,
submodules, extensionless scripts and staged renames.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ipscan.errors import GitError
from ipscan.errors import UsageError
from ipscan.extract.changes import parse_range
from ipscan.extract.changes import range_changes
from ipscan.extract.changes import staged_changes
from ipscan.sources import open_source
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

COPY = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
HOST = "def tally(rows):\n    total = 0\n    for r in rows:\n        total += r\n    return total\n"


def _clone_with_origin(tmp_path: Path, shallow: bool = False) -> tuple[Path, Path]:
    """A repository ``up`` and a clone of it whose ``origin`` is ``up`` (a local path)."""
    up = init_repo(tmp_path / "up", {"a.py": HOST})
    (up / "b.py").write_text(HOST.replace("tally", "count"))
    git(up, "add", "-A")
    git(up, "commit", "-qm", "second")
    clone = tmp_path / "clone"
    depth = ["--depth", "1"] if shallow else []
    git(tmp_path, "clone", "-q", *depth, f"file://{up}", str(clone))
    return up, clone


@pytest.mark.parametrize(
    "args",
    [
        ("--base", "--upload-pack=touch {pwned}"),
        ("--base", "HEAD", "--head", "--upload-pack=touch {pwned}"),
        ("--", "--upload-pack=touch {pwned}..HEAD"),
        ("--", "HEAD..--upload-pack=touch {pwned}"),
        ("--fetch", "--base", "--upload-pack=touch {pwned}"),
    ],
)
def test_a_revision_that_looks_like_an_option_runs_nothing(
    tmp_path: Path, tiny_index: Path, args: tuple[str, ...]
) -> None:
    _, clone = _clone_with_origin(tmp_path)
    pwned = tmp_path / "pwned"
    argv = [a.format(pwned=pwned) for a in args]
    # Options before the `--` that some cases need, so the range stays a positional argument.
    if "--" in argv:
        at = argv.index("--")
        argv = [*argv[:at], "-C", str(clone), "--index", str(tiny_index), *argv[at:]]
    else:
        argv = [*argv, "-C", str(clone), "--index", str(tiny_index)]
    res = run_cli("diff", *argv)
    assert not pwned.exists()
    assert res.returncode == 2, res.stderr
    assert "cannot start with '-'" in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("rev", ["-x", "--all", "a\nb", ""])
def test_parse_range_refuses_option_like_revisions(rev: str) -> None:
    with pytest.raises(UsageError):
        parse_range(None, rev or " ", None)
    with pytest.raises(UsageError):
        parse_range(f"{rev or ' '}..HEAD", None, None)


def test_a_missing_revision_is_an_error_naming_fetch_and_touches_nothing(tmp_path: Path) -> None:
    up, clone = _clone_with_origin(tmp_path)
    (up / "c.py").write_text(HOST.replace("tally", "third"))
    git(up, "add", "-A")
    git(up, "commit", "-qm", "third")
    missing = git(up, "rev-parse", "HEAD").strip()
    refs_before = git(clone, "for-each-ref")
    with pytest.raises(GitError, match="--fetch"):
        range_changes(clone, missing, "HEAD")
    assert not (clone / ".git" / "shallow").exists()
    assert git(clone, "for-each-ref") == refs_before
    assert not (clone / ".git" / "FETCH_HEAD").exists()


def test_fetch_never_makes_a_full_clone_shallow(tmp_path: Path) -> None:
    up, clone = _clone_with_origin(tmp_path)
    base = git(clone, "rev-parse", "HEAD").strip()
    (up / "c.py").write_text(HOST.replace("tally", "third"))
    git(up, "add", "-A")
    git(up, "commit", "-qm", "third")
    head = git(up, "rev-parse", "HEAD").strip()
    changes = range_changes(clone, base, head, fetch=True)
    assert [f.path for f in changes.files] == ["c.py"]
    assert not (clone / ".git" / "shallow").exists()
    git(clone, "merge-base", base, head)  # still answers: history is whole


def test_fetch_in_a_shallow_clone_gets_the_missing_base(tmp_path: Path) -> None:
    up, clone = _clone_with_origin(tmp_path, shallow=True)
    base = git(up, "rev-parse", "HEAD~1").strip()
    with pytest.raises(GitError, match=r"shallow clone.*--fetch"):
        range_changes(clone, base, "HEAD")
    assert [f.path for f in range_changes(clone, base, "HEAD", fetch=True).files] == ["b.py"]


def test_fetch_takes_no_refspec(tmp_path: Path) -> None:
    _, clone = _clone_with_origin(tmp_path)
    with pytest.raises(UsageError, match="--fetch takes"):
        range_changes(clone, "main:refs/heads/evil", "HEAD", fetch=True)
    assert "evil" not in git(clone, "for-each-ref")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_diff_and_repo_make_no_network_connection(tmp_path: Path, tiny_index: Path) -> None:
    """Both commands complete inside a network namespace with no network at all."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here")
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "fmt.py").write_text(COPY)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "vendor")
    git(repo, "remote", "add", "origin", "https://example.invalid/repo.git")
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    cli = ["unshare", "-n", sys.executable, "-m", "ipscan.cli"]
    idx = ["--index", str(tiny_index)]
    for args in (["diff", f"{base}..HEAD", "-C", str(repo)], ["repo", str(repo)]):
        res = subprocess.run(
            [*cli, *args, *idx], capture_output=True, text=True, env=env, check=False
        )
        assert res.returncode == 1, res.stderr
        assert "copied from click" in res.stdout
    res = subprocess.run(
        [*cli, "diff", "--base", "f" * 40, "-C", str(repo), *idx],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 3 and "--fetch" in res.stderr


def test_a_tracked_folder_replaced_by_a_link_outside_is_not_read(
    tmp_path: Path, tiny_index: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "core.py").write_text(COPY)
    repo = init_repo(tmp_path / "r", {"mine.py": HOST, "sub/core.py": HOST})
    shutil.rmtree(repo / "sub")
    (repo / "sub").symlink_to(outside, target_is_directory=True)
    res = run_cli("repo", str(repo), "--index", str(tiny_index), "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["findings"] == []
    assert {"path": "sub/core.py", "reason": "symlink"} in doc["skipped"]


@pytest.mark.parametrize(
    "url",
    ["ext::sh -c touch% {pwned}", "fd::17", "ext::sh -c touch% {pwned} x.git", "-u.git"],
)
def test_unsafe_source_urls_are_a_usage_error(tmp_path: Path, url: str) -> None:
    pwned = tmp_path / "pwned"
    spec = url.format(pwned=pwned)
    with pytest.raises(UsageError), open_source(spec):
        pass
    res = run_cli("index", "build", "--index", str(tmp_path / "idx"), "--", spec)
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "internal error" not in res.stderr
    assert not pwned.exists()


def test_an_option_like_rev_for_a_git_source_is_refused(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": HOST})
    with pytest.raises(UsageError), open_source(str(repo), rev="--output=/tmp/x"):
        pass


def test_scanning_the_git_folder_is_a_usage_error(tmp_path: Path, tiny_index: Path) -> None:
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    for target in (repo / ".git", repo / ".git" / "objects"):
        res = run_cli("repo", str(target), "--index", str(tiny_index))
        assert res.returncode == 2, res.stderr
        assert "git's own folder" in res.stderr and str(repo) in res.stderr


def test_a_submodule_is_listed_as_skipped(tmp_path: Path, tiny_index: Path) -> None:
    lib = init_repo(tmp_path / "lib", {"fmt.py": COPY})
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "vendor/lib")
    git(repo, "commit", "-qm", "submodule")
    res = run_cli("repo", str(repo), "--index", str(tiny_index), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert {"path": "vendor/lib", "reason": "submodule"} in json.loads(res.stdout)["skipped"]
    # Staged: the submodule is listed, not scanned, and not reported as missing.
    (repo / "mine.py").write_text(HOST + "\n")
    git(repo, "add", "mine.py")
    changes = staged_changes(repo, ["mine.py", "vendor/lib"])
    assert changes.submodules == ("vendor/lib",) and changes.not_staged == ()


def test_an_extensionless_script_is_scanned_by_its_shebang(
    tmp_path: Path, tiny_index: Path
) -> None:
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    (repo / "bin").mkdir()
    (repo / "bin" / "fmt").write_text("#!/usr/bin/env python3\n" + COPY)
    (repo / "bin" / "run").write_text("#!/bin/sh\necho hi\n")
    git(repo, "add", "-A")
    res = run_cli("check", "--index", str(tiny_index), "bin/fmt", "bin/run", cwd=repo)
    assert res.returncode == 1, res.stderr
    assert res.stdout.startswith("bin/fmt:") and "copied from click" in res.stdout
    res = run_cli("repo", str(repo), "--index", str(tiny_index), "--format", "json")
    assert {f["path"] for f in json.loads(res.stdout)["findings"]} == {"bin/fmt"}


def test_check_follows_a_staged_rename_like_diff(tmp_path: Path, tiny_index: Path) -> None:
    repo = init_repo(tmp_path / "r", {"fmt.py": COPY})
    git(repo, "mv", "fmt.py", "formatting.py")
    changes = staged_changes(repo, ["formatting.py"])
    assert [(f.path, f.added) for f in changes.files] == [("formatting.py", ())]
    res = run_cli("check", "--index", str(tiny_index), "formatting.py", cwd=repo)
    assert res.returncode == 0 and res.stdout == "", res.stdout
    git(repo, "commit", "-qm", "rename")
    res = run_cli("diff", "HEAD~1..HEAD", "-C", str(repo), "--index", str(tiny_index))
    assert res.returncode == 0 and res.stdout == ""


def test_the_scanned_repositorys_config_runs_no_command(tmp_path: Path, tiny_index: Path) -> None:
    """core.fsmonitor and diff drivers of an untrusted repository's .git/config never run."""
    repo = init_repo(tmp_path / "r", {"mine.py": HOST, ".gitattributes": "*.py diff=evil\n"})
    marks = {name: tmp_path / f"{name}-ran" for name in ("fsmonitor", "textconv", "external")}
    git(repo, "config", "core.fsmonitor", f"touch {marks['fsmonitor']}; false")
    git(repo, "config", "diff.evil.textconv", f"touch {marks['textconv']}; cat")
    git(repo, "config", "diff.external", f"touch {marks['external']}")
    (repo / "mine.py").write_text(HOST + "\nextra = 1\n")
    git(repo, "add", "mine.py")
    for marker in marks.values():
        marker.unlink(missing_ok=True)  # the set-up's own git calls may have run them
    idx = ("--index", str(tiny_index), "--no-embeddings")
    assert run_cli("repo", str(repo), *idx).returncode == 0
    assert run_cli("check", "mine.py", *idx, cwd=repo).returncode == 0
    git(repo, "commit", "-qm", "more")
    for marker in marks.values():
        marker.unlink(missing_ok=True)
    assert run_cli("diff", "HEAD~1..HEAD", "-C", str(repo), *idx).returncode == 0
    assert run_cli("index", "build", str(repo), "--index", str(tmp_path / "idx")).returncode == 0
    assert [m.name for m in marks.values() if m.exists()] == []


@pytest.mark.parametrize("name", [":/evil.py", ":(exclude)*.py", "[ab].py"])
def test_file_names_are_never_read_as_pathspec_patterns(tmp_path: Path, name: str) -> None:
    """Paths from git's own output go back to it literally: a new file named like a pathspec
    pattern is neither dropped nor mixed up with another file."""
    repo = init_repo(tmp_path / "r", {"a.py": HOST, "evil.py": HOST})
    base = git(repo, "rev-parse", "HEAD").strip()
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(COPY)
    git(repo, "add", "--", f":(literal){name}")
    staged = staged_changes(repo, [name])
    assert [(f.path, f.added) for f in staged.files] == [(name, ((1, len(COPY.splitlines())),))]
    git(repo, "commit", "-qm", "odd name")
    ranged = range_changes(repo, base, "HEAD")
    assert [(f.path, f.added) for f in ranged.files] == [(name, ((1, len(COPY.splitlines())),))]


def test_a_partial_clone_never_fetches_missing_blobs_without_fetch(tmp_path: Path) -> None:
    """A blob missing from a partial clone is not fetched from the remote the repository's own
    config names (which could be any transport, ext:: included)."""
    up, _ = _clone_with_origin(tmp_path)
    git(up, "config", "uploadpack.allowFilter", "true")
    (up / "c.py").write_text(COPY)
    git(up, "add", "-A")
    git(up, "commit", "-qm", "third")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--no-checkout", "--filter=blob:none", f"file://{up}", str(clone))
    pwned = tmp_path / "pwned"
    git(clone, "config", "remote.origin.url", f"ext::sh -c touch% {pwned}")
    git(clone, "config", "protocol.ext.allow", "always")
    with pytest.raises(GitError):
        range_changes(clone, "HEAD~1", "HEAD")
    assert not pwned.exists()

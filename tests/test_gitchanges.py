"""What a commit or a range changes, read from real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ipscan.errors import GitError
from ipscan.errors import UsageError
from ipscan.extract.changes import added_lines
from ipscan.extract.changes import parse_range
from ipscan.extract.changes import range_changes
from ipscan.extract.changes import staged_changes
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

BASE_TEXT = "".join(f"line {i}\n" for i in range(1, 21))


def test_added_lines_from_hunks() -> None:
    diff = b"@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10 +12 @@\n-x\n+y\n@@ -15,3 +16,0 @@\n-gone\n"
    assert added_lines(diff) == ((4, 5), (12, 12))


def test_partially_staged_file_gives_the_staged_content_only(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": BASE_TEXT})
    staged = BASE_TEXT.replace("line 5\n", "line 5\nstaged = 1\n")
    (repo / "a.py").write_text(staged)
    git(repo, "add", "a.py")
    (repo / "a.py").write_text(staged + "not_staged = 2\n")
    changes = staged_changes(repo, ["a.py"])
    (f,) = changes.files
    assert f.data.decode() == staged
    assert f.added == ((6, 6),)


def test_empty_repository_stages_every_line(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "empty", {})
    (repo / "dir with space").mkdir()
    (repo / "dir with space" / "ünï.py").write_text("x = 1\ny = 2\n")
    git(repo, "add", "-A")
    (f,) = staged_changes(repo, ["dir with space/ünï.py"]).files
    assert f.path == "dir with space/ünï.py"
    assert f.added == ((1, 2),)


def test_paths_are_taken_relative_to_the_current_folder(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"src/a.py": "x = 1\n"})
    (repo / "src" / "a.py").write_text("x = 1\ny = 2\n")
    git(repo, "add", "-A")
    (f,) = staged_changes(repo / "src", ["a.py"]).files
    assert f.path == "src/a.py" and f.added == ((2, 2),)
    with pytest.raises(UsageError, match="outside the repository"):
        staged_changes(repo, ["../elsewhere.py"])


def _range_repo(tmp_path: Path) -> tuple[Path, str]:
    repo = init_repo(
        tmp_path / "r",
        {"keep.py": BASE_TEXT, "old name.py": BASE_TEXT + "tail\n", "gone.py": "x = 1\n"},
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "keep.py").write_text(BASE_TEXT.replace("line 3\n", "line 3\nchanged\n"))
    git(repo, "mv", "old name.py", "new näme.py")
    (repo / "new näme.py").write_text(BASE_TEXT + "tail\nmore\n")
    git(repo, "rm", "-q", "gone.py")
    (repo / "added.py").write_text("a = 1\nb = 2\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    return repo, base


def test_range_with_added_changed_renamed_and_deleted_files(tmp_path: Path) -> None:
    repo, base = _range_repo(tmp_path)
    changes = range_changes(repo, base, "HEAD")
    by_path = {f.path: f for f in changes.files}
    assert set(by_path) == {"keep.py", "new näme.py", "added.py"}
    assert by_path["keep.py"].added == ((4, 4),)
    assert by_path["new näme.py"].added == ((22, 22),)  # only the line the rename changed
    assert by_path["added.py"].added == ((1, 2),)


def test_detached_head_and_three_dot_range(tmp_path: Path) -> None:
    repo, base = _range_repo(tmp_path)
    git(repo, "checkout", "-q", "--detach", "HEAD")
    assert {f.path for f in range_changes(repo, base, "HEAD", merge_base=True).files} == {
        "keep.py",
        "new näme.py",
        "added.py",
    }


def test_shallow_clone_fetches_a_missing_base_when_asked(tmp_path: Path) -> None:
    repo, base = _range_repo(tmp_path)
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    with pytest.raises(subprocess.CalledProcessError):  # the base is not in the shallow clone
        git(clone, "cat-file", "-e", f"{base}^{{commit}}")
    with pytest.raises(GitError, match="--fetch"):
        range_changes(clone, base, "HEAD")
    assert {f.path for f in range_changes(clone, base, "HEAD", fetch=True).files} == {
        "keep.py",
        "new näme.py",
        "added.py",
    }


def test_unknown_base_is_a_one_line_error(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(GitError, match="no such commit"):
        range_changes(repo, "0" * 40, "HEAD")


@pytest.mark.parametrize(
    ("spec", "base", "head", "expected"),
    [
        ("main..topic", None, None, ("main", "topic", False)),
        ("main...topic", None, None, ("main", "topic", True)),
        ("main..", None, None, ("main", "HEAD", False)),
        (None, "abc", None, ("abc", "HEAD", False)),
    ],
)
def test_parse_range(spec: str | None, base: str | None, head: str | None, expected: tuple) -> None:  # type: ignore[type-arg]
    assert parse_range(spec, base, head) == expected


@pytest.mark.parametrize(("spec", "base"), [(None, None), ("main", None), ("a..b", "c")])
def test_bad_ranges(spec: str | None, base: str | None) -> None:
    with pytest.raises(UsageError):
        parse_range(spec, base, None)


COPY = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
HOST = "def tally(rows):\n    total = 0\n    for r in rows:\n        total += r\n    return total\n"


def test_check_reports_only_what_the_staged_change_touches(
    tmp_path: Path, tiny_index: Path
) -> None:
    # The copy is already committed; staging an unrelated edit must not re-report it.
    repo = init_repo(tmp_path / "r", {"vendored.py": COPY, "mine.py": HOST})
    (repo / "mine.py").write_text(HOST + "\n\ndef more(x):\n    return x * 2\n")
    git(repo, "add", "mine.py")
    idx = ("--index", str(tiny_index), "--format", "json")
    res = run_cli("check", *idx, "mine.py", "vendored.py", cwd=repo)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["findings"] == [] and doc["summary"]["files_scanned"] == 2
    res = run_cli("check", "--all-units", *idx, str(repo / "vendored.py"), cwd=repo)
    assert res.returncode == 1
    assert {f["source"]["package"] for f in json.loads(res.stdout)["findings"]} == {"click"}
    res = run_cli("check", *idx, "untracked.py", cwd=repo)
    assert json.loads(res.stdout)["skipped"] == [{"path": "untracked.py", "reason": "not-staged"}]


def test_check_blocks_a_staged_copy(tmp_path: Path, tiny_index: Path) -> None:
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    (repo / "src").mkdir()
    (repo / "src" / "fmt.py").write_text(HOST + "\n\n" + COPY)
    git(repo, "add", "-A")
    res = run_cli("check", "--index", str(tiny_index), "fmt.py", cwd=repo / "src")
    assert res.returncode == 1, res.stderr
    assert res.stdout.startswith("src/fmt.py:") and "copied from click" in res.stdout


def test_diff_finds_a_copy_added_in_the_range(tmp_path: Path, tiny_index: Path) -> None:
    repo = init_repo(tmp_path / "r", {"mine.py": HOST})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "third party" / "fmt.py").parent.mkdir()
    (repo / "third party" / "fmt.py").write_text(COPY)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "vendor")
    res = run_cli("diff", f"{base}..HEAD", "-C", str(repo), "--index", str(tiny_index))
    assert res.returncode == 1, res.stderr
    assert "third party/fmt.py:" in res.stdout and "copied from click" in res.stdout
    clean = run_cli("diff", "--base", "HEAD", "-C", str(repo), "--index", str(tiny_index))
    assert clean.returncode == 0 and clean.stdout == ""


def test_a_copy_added_to_a_long_file_is_not_a_whole_file_copy(
    tmp_path: Path, tiny_index: Path
) -> None:
    own = "".join(
        f"def own_{i}(a, b):\n    c = a * {i} + b\n    return c - {i} * b\n\n" for i in range(60)
    )
    repo = init_repo(tmp_path / "r", {"big.py": own})
    fmt = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    wrap = fmt[fmt.index("def wrap_text(") : fmt.index("\nclass HelpFormatter")]
    (repo / "big.py").write_text(own + wrap)
    git(repo, "add", "big.py")
    res = run_cli("check", "--index", str(tiny_index), "--format", "json", "big.py", cwd=repo)
    assert res.returncode == 1, res.stderr
    findings = json.loads(res.stdout)["findings"]
    assert findings and {f["scope"] for f in findings} == {"unit"}

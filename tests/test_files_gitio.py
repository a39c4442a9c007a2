"""The I/O edge: which files a scan sees, and the gate every file passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ipscan.errors import UsageError
from ipscan.extract.gate import MAX_FILE_BYTES
from ipscan.extract.gate import gate
from ipscan.extract.listing import list_scan_files
from ipscan.extract.listing import read_listed_file
from ipscan.records import SkippedFile
from ipscan.records import SourceFile
from tests.conftest import git
from tests.conftest import init_repo


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x7fELF\x00\x00binary", "binary"),
        (b"x = 1\n" * (MAX_FILE_BYTES // 6 + 10), "too-large"),
        (b"var a=1;" * 600, "minified"),
    ],
)
def test_gate_skips_with_a_reason(data: bytes, reason: str) -> None:
    out = gate("f.js", data, "javascript")
    assert isinstance(out, SkippedFile) and out.reason == reason


def test_invalid_utf8_and_bom_keep_every_line() -> None:
    out = gate("f.py", b"\xef\xbb\xbfa = 1\nb = '\xff\xfe'\nc = 3\n", "python")
    assert isinstance(out, SourceFile)
    assert out.text.splitlines() == ["a = 1", "b = '\ufffd\ufffd'", "c = 3"]


def test_git_listing_has_tracked_files_only(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n", "dir with space/ü.py": "y = 2\n"})
    (repo / "untracked.py").write_text("z = 3\n")
    listing = list_scan_files(repo)
    assert listing.from_git
    assert listing.paths == ("a.py", "dir with space/ü.py")


def test_empty_repository_lists_nothing_and_staged_files_count(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "empty", {})
    assert list_scan_files(repo).paths == ()
    (repo / "new.py").write_text("x = 1\n")
    git(repo, "add", "new.py")
    assert list_scan_files(repo).paths == ("new.py",)


def test_subfolder_of_a_repository_lists_relative_to_it(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"src/a.py": "x = 1\n", "b.py": "y = 1\n"})
    assert list_scan_files(repo / "src").paths == ("a.py",)


def test_detached_head_and_shallow_clone(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    (repo / "b.py").write_text("y = 2\n")
    git(repo, "add", "b.py")
    git(repo, "commit", "-q", "-m", "second")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert list_scan_files(repo).paths == ("a.py",)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    assert list_scan_files(shallow).paths == ("a.py",)


def test_plain_folder_walks_every_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.py").write_text("x = 1\n")
    (tmp_path / ".git_not").write_text("")
    listing = list_scan_files(tmp_path)
    assert not listing.from_git
    assert "d/a.py" in listing.paths


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", tmp_path / "link.py")
    listing = list_scan_files(tmp_path)
    assert read_listed_file(listing, "link.py") == "symlink"
    assert read_listed_file(listing, "real.py") == b"x = 1\n"


def test_bad_roots_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such directory"):
        list_scan_files(tmp_path / "missing")
    (tmp_path / "f").write_text("")
    with pytest.raises(UsageError, match="not a directory"):
        list_scan_files(tmp_path / "f")
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    with pytest.raises(UsageError, match="bare"):
        list_scan_files(bare)


def test_one_long_line_does_not_make_a_file_minified() -> None:
    text = "x = 1\n" * 2000 + "DATA = '" + "a" * 5000 + "'\n"
    assert isinstance(gate("f.py", text.encode(), "python"), SourceFile)


def test_a_plain_folder_is_listed_without_importing_gitpython(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code = (
        "import sys; from pathlib import Path; "
        "from ipscan.extract.listing import list_scan_files; "
        f"print(list_scan_files(Path({str(tmp_path)!r})).paths, 'git' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["('a.py',)", "False"]

"""Terminal output: grouped and coloured for people, plain when piped; --quiet and --verbose."""

from __future__ import annotations

from pathlib import Path

import click

from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report.render import render
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli


def finding(path: str, line: int, verdict: Verdict, scope: Scope = Scope.UNIT) -> Finding:
    source = SourceRef("pkg", "1.0", "src/pkg/mod.py", 10, 20, "MIT")
    return Finding(path, line, line + 9, 0.93, verdict, source, scope)


REPORT = Report(
    root="/r",
    findings=(
        finding("a.py", 1, Verdict.COPIED, Scope.FILE),
        finding("a.py", 3, Verdict.COPIED),
        finding("b.py", 7, Verdict.MODIFIED_COPY),
    ),
    files_scanned=2,
    units_scanned=3,
    skipped=(),
    index_summary={},
    elapsed_s=0.1,
)


def test_terminal_output_groups_by_file_and_colours_verdicts() -> None:
    out = render(REPORT, "text", terminal=True)
    plain = click.unstyle(out).splitlines()
    assert plain[0] == "a.py"
    assert plain[1].split() == [
        "whole",
        "file",
        "copied",
        "pkg",
        "1.0",
        "src/pkg/mod.py:10-20",
        "MIT",
        "0.93",
    ]
    assert plain[3] == "b.py" and "modified-copy" in plain[4]
    assert "\x1b[31m" in out  # copied in red


def test_piped_output_is_one_plain_line_per_finding() -> None:
    out = render(REPORT, "text").splitlines()
    assert len(out) == 3 and "\x1b[" not in "".join(out)
    assert out[2] == "b.py:7-16: modified-copy from pkg 1.0 src/pkg/mod.py:10-20 (MIT, 0.93)"


def test_quiet_drops_the_summary_and_verbose_lists_skipped_files(
    tmp_path: Path, tiny_index: Path
) -> None:
    copy = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    repo = init_repo(tmp_path / "r", {"fmt.py": copy})
    (repo / "blob.py").write_bytes(b"\x00\x01binary")
    git(repo, "add", "blob.py")
    args = ("repo", str(repo), "--index", str(tiny_index))
    quiet = run_cli("-q", *args)
    assert quiet.returncode == 1 and quiet.stderr == "" and "copied from click" in quiet.stdout
    verbose = run_cli("-v", *args)
    assert "ipscan: skipped blob.py (binary)" in verbose.stderr
    assert verbose.stderr.rstrip().splitlines()[-1].startswith("ipscan: ")  # the summary


def test_terminal_output_escapes_control_characters_in_names() -> None:
    """A file name cannot add rows or send its own escape sequences to the terminal."""
    hostile = Finding(
        "evil\nname\r\x1b[2J\u202e.py",
        3,
        12,
        0.93,
        Verdict.COPIED,
        SourceRef("pkg\x1b]0;owned\x07", "1.0", "src/x\ny.py", 10, 20, "MIT\x1b[0m"),
        notice="Copyright (c) X\x1b[2J\nsecond",
    )
    benign = Finding(
        "evil_name.py",
        3,
        12,
        0.93,
        Verdict.COPIED,
        SourceRef("pkg", "1.0", "src/x_y.py", 10, 20, "MIT"),
        notice="Copyright (c) X\nsecond",
    )
    out = render(Report(**{**REPORT.__dict__, "findings": (hostile,)}), "text", terminal=True)
    same = render(Report(**{**REPORT.__dict__, "findings": (benign,)}), "text", terminal=True)
    # Every escape sequence in the output is one of ipscan's own styles.
    assert out.count("\x1b") == same.count("\x1b")
    assert not any(ch in out for ch in "\r\x07\u202e")
    plain = click.unstyle(out).splitlines()
    assert len(plain) == len(click.unstyle(same).splitlines()) == 4
    assert plain[0] == "evil\\nname\\r\\x1b[2J\\u202e.py"
    assert "pkg\\x1b]0;owned\\x07 1.0 src/x\\ny.py:10-20  MIT\\x1b[0m" in plain[1]
    assert plain[2].strip() == "add notice: Copyright (c) X\\x1b[2J"

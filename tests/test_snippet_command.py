"""``ipscan snippet``: a pasted piece of code is checked against the index and judged by the
project it is meant for, through the command line as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import init_repo
from tests.test_license_e2e import GPL_CODE
from tests.test_license_e2e import GPL_HEADER
from tests.test_license_e2e import _license_file
from tests.test_license_e2e import _source

# The function of the indexed intervals.py (after its header and a blank line), as pasted.
SNIPPET = GPL_CODE.strip("\n") + "\n"
GPL_START = GPL_HEADER.count("\n") + 2
GPL_END = GPL_START + SNIPPET.count("\n") - 1

UNRELATED = '''\
def count_vowels(text):
    """How many vowels the text has, ignoring case."""
    vowels = set("aeiou")
    total = 0
    for char in text.lower():
        if char in vowels:
            total += 1
    return total
'''


@pytest.fixture(scope="module")
def gpl_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index of one GPL-3.0 source, gplkit, whose intervals.py holds GPL_CODE."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("snippet-sources")
    files = {"intervals.py": GPL_HEADER + GPL_CODE}
    source = _source(root, "gplkit", "GPL-3.0", "Jane Hacker", files)
    index_dir = root / "index"
    build_index([str(source)], index_dir, encoder, encoder.encode)
    return index_dir


def snippet(
    index: Path, *args: str, stdin: str | bytes = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``ipscan snippet --index INDEX ARGS`` in a new process, ``stdin`` piped in."""
    root = str(Path(__file__).resolve().parent.parent)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "ipscan.cli", "snippet", "--index", str(index), *args],
        input=data,
        capture_output=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": root},
    )


def _json(run: subprocess.CompletedProcess[bytes]) -> dict:  # type: ignore[type-arg]
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def _mit_project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    readme = {"README.md": "our tool\n"}
    license_text = {"LICENSE": _license_file("MIT", "Our Team")}
    return init_repo(tmp_path / "mit project", {**license_text, **readme, **(files or {})})


def test_a_gpl_snippet_in_an_mit_project_is_a_copyleft_conflict(
    tmp_path: Path, gpl_index: Path
) -> None:
    repo = _mit_project(tmp_path)
    run = snippet(gpl_index, "--format", "json", stdin=SNIPPET, cwd=repo)
    report = _json(run)
    assert run.returncode == 1
    assert report["project_license"] == "MIT"
    [finding] = report["findings"]
    assert finding["path"] == "<snippet>.py"
    assert finding["verdict"] == "copied"
    assert finding["source"]["package"] == "gplkit"
    assert finding["source"]["path"] == "intervals.py"
    assert (finding["source"]["start_line"], finding["source"]["end_line"]) == (
        GPL_START,
        GPL_END,
    )
    assert finding["source"]["license"] == "GPL-3.0-or-later"
    assert finding["license_verdict"] == "copyleft-conflict"
    assert finding["fails"] is True


def test_the_text_report_names_source_lines_and_license(tmp_path: Path, gpl_index: Path) -> None:
    repo = _mit_project(tmp_path)
    run = snippet(gpl_index, stdin=SNIPPET, cwd=repo)
    assert run.returncode == 1
    first = run.stdout.decode().splitlines()[0]
    assert first.startswith(
        f"<snippet>.py:1-{GPL_END - GPL_START + 1}: copied from gplkit 1.0 "
        f"intervals.py:{GPL_START}-{GPL_END} (GPL-3.0-or-later, "
    )
    assert first.endswith("license: copyleft-conflict")
    assert "1 failing the policy" in run.stderr.decode()


def test_a_policy_that_allows_gpl_passes(tmp_path: Path, gpl_index: Path) -> None:
    policy = {".ipscan.toml": 'allowed-licenses = ["GPL-3.0-*"]\n'}
    repo = _mit_project(tmp_path, policy)
    # With its copyright and license header kept: nothing is missing.
    run = snippet(gpl_index, "--format", "json", stdin=GPL_HEADER + GPL_CODE, cwd=repo)
    [finding] = _json(run)["findings"]
    assert finding["license_verdict"] == "ok"
    assert run.returncode == 0


def test_project_chosen_or_left_out(tmp_path: Path, gpl_index: Path) -> None:
    repo = _mit_project(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    chosen = _json(snippet(gpl_index, "--project", str(repo), "--format", "json", stdin=SNIPPET))
    assert chosen["project_license"] == "MIT"
    assert chosen["findings"][0]["license_verdict"] == "copyleft-conflict"
    # Inside the project, --no-project judges by the defaults: no project license known.
    run = snippet(gpl_index, "--no-project", "--format", "json", stdin=SNIPPET, cwd=repo)
    assert _json(run)["project_license"] is None
    # A folder that is not a work tree and has no license or policy is no project.
    run = snippet(gpl_index, "--format", "json", stdin=SNIPPET, cwd=outside)
    assert _json(run)["project_license"] is None


def test_file_gives_the_path_and_the_language(tmp_path: Path, gpl_index: Path) -> None:
    repo = _mit_project(tmp_path)
    (repo / "paste.py").write_text(SNIPPET, encoding="utf-8")
    run = snippet(gpl_index, "--file", "paste.py", "--format", "json", cwd=repo)
    [finding] = _json(run)["findings"]
    assert finding["path"] == "paste.py"
    assert finding["license_verdict"] == "copyleft-conflict"
    named = snippet(gpl_index, "--file", "-", "--name", "app/util.py", stdin=SNIPPET, cwd=repo)
    assert named.stdout.decode().startswith("app/util.py:1-")
    # An extension that names no language: the language is guessed.
    (repo / "paste.txt").write_text(SNIPPET, encoding="utf-8")
    guessed = _json(snippet(gpl_index, "--file", "paste.txt", "--format", "json", cwd=repo))
    assert [f["path"] for f in guessed["findings"]] == ["paste.txt"]


def test_json_report_shape(tmp_path: Path, gpl_index: Path) -> None:
    report = _json(snippet(gpl_index, "--format", "json", stdin=SNIPPET, cwd=tmp_path))
    assert report["schema"] == "ipscan.report/1"
    assert report["root"] == "<snippet>"
    assert report["summary"]["files_scanned"] == 1
    assert report["summary"]["units_scanned"] == 1
    assert report["summary"]["findings"] == len(report["findings"]) == 1
    finding = report["findings"][0]
    assert finding["scope"] == "unit"
    assert {"path", "start_line", "end_line", "similarity", "verdict", "matchers"} <= set(finding)
    assert {"package", "version", "path", "start_line", "end_line", "license"} <= set(
        finding["source"]
    )
    assert {"license_verdict", "license_reason", "fails"} <= set(finding)


def test_unrelated_code_is_clean(tmp_path: Path, gpl_index: Path) -> None:
    repo = _mit_project(tmp_path)
    run = snippet(gpl_index, "--format", "json", stdin=UNRELATED, cwd=repo)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["findings"] == []


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        ((), "", 2, "the snippet is empty"),
        ((), " \n\t\n", 2, "the snippet is empty"),
        ((), b"\x7fELF\x00\x01\x02", 3, "<snippet>: cannot check this code (binary)"),
        (
            ("--language", "cobol"),
            UNRELATED,
            2,
            "--language 'cobol': unknown language (known: c, cpp, go, java, javascript, "
            "python, rust, tsx, typescript)",
        ),
        (("--file", "missing.py"), "", 2, "missing.py: no such file"),
        (("--file", "."), "", 2, ".: is a directory, not a file"),
        (
            ("--no-project", "--project", "."),
            UNRELATED,
            2,
            "--no-project cannot be combined with --project or --config",
        ),
    ],
)
def test_bad_input_is_a_one_line_error(
    tmp_path: Path,
    gpl_index: Path,
    args: tuple[str, ...],
    stdin: str | bytes,
    code: int,
    message: str,
) -> None:
    run = snippet(gpl_index, *args, stdin=stdin, cwd=tmp_path)
    assert run.returncode == code
    assert run.stderr.decode().splitlines() == [f"ipscan: error: {message}"]
    assert run.stdout == b""


def test_a_language_given_by_extension(tmp_path: Path, gpl_index: Path) -> None:
    run = snippet(gpl_index, "--language", "PY", "--format", "json", stdin=SNIPPET, cwd=tmp_path)
    assert _json(run)["findings"][0]["path"] == "<snippet>.py"

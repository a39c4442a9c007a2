"""Command-line conventions: -q/-v/--color anywhere, NO_COLOR and friends, the repository root's
policy for a sub-folder scan, and progress in every long phase."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import click
import pytest
from click.testing import CliRunner

from ipscan.cli import main
from ipscan.cli.conventions import use_color
from ipscan.index.progress import step_size
from ipscan.progress import Advance
from ipscan.progress import counter
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report.json_report import render_json
from tests.conftest import fresh_python
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli
from tests.test_license_verdicts import MIT_TEXT

COLOUR_ENV = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM")
ESC = "\x1b["


def _finding(path: str, verdict: Verdict, scope: Scope = Scope.UNIT) -> Finding:
    source = SourceRef("pkg", "1.0", "src/pkg/mod.py", 10, 20, "MIT")
    return Finding(path, 3, 12, 0.93, verdict, source, scope, license_verdict="ok")


REPORT = Report(
    root="/r",
    findings=(
        _finding("a.py", Verdict.COPIED, Scope.FILE),
        _finding("a.py", Verdict.COPIED),
        _finding("b.py", Verdict.MODIFIED_COPY),
    ),
    files_scanned=2,
    units_scanned=3,
    skipped=(),
    index_summary={},
    elapsed_s=0.1,
)


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    """A JSON report with findings: `ipscan render` writes it out as a scan would."""
    path = tmp_path / "report.json"
    path.write_text(render_json(REPORT), encoding="utf-8")
    return path


def _env(**values: str) -> dict[str, str]:
    """The environment of a test run: the colour variables only as given."""
    env = {k: v for k, v in os.environ.items() if k not in COLOUR_ENV}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return {**env, **values}


def _read_all(fd: int) -> bytes:
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            return out
        if not chunk:
            return out
        out += chunk


def on_terminal(
    *args: str, stream: str = "stdout", cwd: Path | None = None, **env: str
) -> tuple[str, str]:
    """``ipscan ARGS`` with ``stream`` (stdout or stderr) on a pseudo-terminal: what the terminal
    showed, and what the other stream carried."""
    master, slave = pty.openpty()
    other = subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipscan.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stream == "stdout" else other,
        stderr=slave if stream == "stderr" else other,
        cwd=cwd,
        env=_env(**env),
    )
    os.close(slave)
    try:
        seen = _read_all(master)
    finally:
        os.close(master)
    piped = proc.communicate(timeout=300)[0 if stream == "stderr" else 1]
    # The terminal turns each newline into CR LF.
    return seen.decode().replace("\r\n", "\n"), piped.decode()


# --- -q and -v after the subcommand ------------------------------------------------------------


@pytest.fixture
def copied_repo(tmp_path: Path) -> Path:
    copy = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    repo = init_repo(tmp_path / "r", {"fmt.py": copy})
    (repo / "blob.py").write_bytes(b"\x00\x01binary")
    git(repo, "add", "blob.py")
    return repo


def test_quiet_after_the_subcommand(copied_repo: Path, tiny_index: Path) -> None:
    res = run_cli("repo", ".", "--index", str(tiny_index), "--no-embeddings", "-q", cwd=copied_repo)
    assert res.returncode == 1
    assert res.stderr == ""  # no summary
    assert "copied from click" in res.stdout


def test_verbose_after_the_subcommand_lists_skipped_files(
    copied_repo: Path, tiny_index: Path
) -> None:
    res = run_cli("repo", str(copied_repo), "--index", str(tiny_index), "--no-embeddings", "-v")
    assert "ipscan: skipped blob.py (binary)" in res.stderr
    assert res.stderr.rstrip().splitlines()[-1].startswith("ipscan: ")  # the summary


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from _commands(sub)


def test_every_command_takes_the_global_options() -> None:
    commands = list(_commands(main))
    assert {"index", "build", "info", "model", "eval", "repo", "render"} <= {
        c.name for c in commands
    }
    for command in commands:
        opts = {o for p in command.params for o in p.opts}
        assert {"-q", "--quiet", "-v", "--verbose", "--color"} <= opts, command.name


def test_global_options_after_index_and_model_subcommands(tiny_index: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["index", "info", str(tiny_index), "-q", "-v", "--color", "never"])
    assert res.exit_code == 0, res.output
    assert "units" in res.output
    res = runner.invoke(main, ["index", "-q", "info", str(tiny_index), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)
    res = runner.invoke(main, ["model", "-v", "eval", "--help"])
    assert res.exit_code == 0 and "--color" in res.output


# --- colour ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "env", "terminal", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # set but empty: not set (no-color.org)
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("auto", {"FORCE_COLOR": ""}, False, False),
        ("auto", {"CLICOLOR_FORCE": "1"}, False, True),
        ("auto", {"CLICOLOR_FORCE": "0"}, True, True),  # "0" forces nothing; a terminal still is
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"TERM": "dumb", "FORCE_COLOR": "1"}, True, True),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("always", {"TERM": "dumb"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_decision(choice: str, env: dict[str, str], terminal: bool, expected: bool) -> None:
    assert use_color(choice, env, terminal) is expected


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, False),
        ((), {"NO_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "0"}, False),
        ((), {"CLICOLOR_FORCE": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ((), {"TERM": "dumb"}, False),
        (("--color", "always"), {}, True),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        (("--color", "auto"), {"FORCE_COLOR": "1"}, True),
        (("--color", "never", "--color", "always"), {}, True),  # the last one given
    ],
)
def test_colour_of_piped_text(
    report_file: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool
) -> None:
    runner = CliRunner()
    clean = dict.fromkeys(COLOUR_ENV)
    res = runner.invoke(main, ["render", str(report_file), *args], env={**clean, **env})
    assert res.exit_code == 0, res.output
    assert (ESC in res.stdout) is coloured
    # Piped: one line per finding whatever the colour.
    assert len(click.unstyle(res.stdout).splitlines()) == 3
    assert click.unstyle(res.stdout).startswith("a.py:3-12: copied (whole file) from pkg")


def test_color_before_the_subcommand(report_file: Path) -> None:
    res = CliRunner().invoke(main, ["--color", "always", "render", str(report_file)])
    assert ESC in res.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "html", "spdx", "cyclonedx"])
def test_structured_formats_never_get_escape_codes(report_file: Path, fmt: str) -> None:
    res = CliRunner().invoke(
        main,
        ["render", str(report_file), "--format", fmt, "--color", "always"],
        env={"FORCE_COLOR": "1"},
    )
    assert "\x1b" not in res.stdout


def test_a_report_file_is_never_coloured(report_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    res = CliRunner().invoke(
        main, ["render", str(report_file), "-o", str(out), "--color", "always"]
    )
    assert res.exit_code == 0
    assert "\x1b" not in out.read_text(encoding="utf-8")


def test_no_color_on_a_terminal_keeps_the_grouped_layout(report_file: Path) -> None:
    coloured, _ = on_terminal("render", str(report_file))
    plain, _ = on_terminal("render", str(report_file), NO_COLOR="1")
    dumb, _ = on_terminal("render", str(report_file), TERM="dumb")
    assert ESC in coloured
    for out in (plain, dumb):
        assert "\x1b" not in out
        assert out == click.unstyle(coloured)
        lines = out.splitlines()
        assert lines[0] == "a.py" and lines[3] == "b.py"  # grouped under each file


# --- the repository root's policy --------------------------------------------------------------

POLICY = """\
project-license = "GPL-3.0-only"
ignore = ["sub/ignored/**"]

[[components]]
name = "click"
license = "BSD-3-Clause"
paths = ["sub/vendored/**"]
"""


@pytest.fixture
def policy_repo(tmp_path: Path) -> Path:
    """A repository whose policy (at the root) ignores, declares and names the license of
    files in sub/; a pyproject.toml without [tool.ipscan] in sub/ does not hide it."""
    copy = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    # A policy above the work tree: never read.
    (tmp_path / ".ipscan.toml").write_text('project-license = "MIT"\n', encoding="utf-8")
    return init_repo(
        tmp_path / "r",
        {
            ".ipscan.toml": POLICY,
            "sub/pyproject.toml": '[project]\nname = "sub"\n',
            "sub/fmt.py": copy,
            "sub/vendored/fmt.py": copy,
            "sub/ignored/fmt.py": copy,
        },
    )


class Verdicts(NamedTuple):
    """What a JSON report says about the policy's effect, paths relative to the sub-folder."""

    license: str | None
    policy: str | None
    findings: list[tuple[str, int, str]]  # path, first line, license verdict
    ignored: list[str]


def _verdicts(res: subprocess.CompletedProcess[str], prefix: str = "") -> Verdicts:
    doc = json.loads(res.stdout)
    return Verdicts(
        license=doc["project_license"],
        policy=doc["policy"]["file"],
        findings=sorted(
            (f["path"].removeprefix(prefix), f["start_line"], f["license_verdict"])
            for f in doc["findings"]
        ),
        ignored=sorted(
            s["path"].removeprefix(prefix) for s in doc["skipped"] if s["reason"] == "ignored"
        ),
    )


def test_a_sub_folder_scan_uses_the_repository_policy(policy_repo: Path, tiny_index: Path) -> None:
    args = ("--index", str(tiny_index), "--no-embeddings", "--format", "json")
    from_root = run_cli("repo", ".", *args, cwd=policy_repo)
    assert from_root.returncode == 1, from_root.stderr
    expected = _verdicts(from_root, "sub/")
    assert expected.license == "GPL-3.0-only"
    assert expected.policy == str(policy_repo.resolve() / ".ipscan.toml")
    assert expected.ignored == ["ignored/fmt.py"]
    by_path = {path: verdict for path, _, verdict in expected.findings}
    assert by_path["vendored/fmt.py"] == "ok"  # the declared component
    assert by_path["fmt.py"] == "attribution-required"
    on_sub = run_cli("repo", "sub", *args, cwd=policy_repo)
    in_sub = run_cli("repo", ".", *args, cwd=policy_repo / "sub")
    for res in (on_sub, in_sub):
        assert res.returncode == 1, res.stderr
        assert _verdicts(res) == expected
        # The report's paths stay relative to the scanned folder.
        assert all(not f["path"].startswith("sub/") for f in json.loads(res.stdout)["findings"])


def test_the_nearest_policy_and_license_win(policy_repo: Path, tiny_index: Path) -> None:
    """A sub-folder with its own policy and license is its own project: nothing is merged."""
    sub = policy_repo / "sub"
    (sub / ".ipscan.toml").write_text('ignore = ["vendored/**"]\n', encoding="utf-8")
    (sub / "pyproject.toml").write_text(
        '[project]\nname = "sub"\nlicense = "Apache-2.0"\n', encoding="utf-8"
    )
    res = run_cli(
        "repo",
        "sub",
        "--index",
        str(tiny_index),
        "--no-embeddings",
        "--format",
        "json",
        cwd=policy_repo,
    )
    got = _verdicts(res)
    assert got.policy == str(sub.resolve() / ".ipscan.toml")
    assert got.ignored == ["vendored/fmt.py"]  # relative to sub/, where the policy is
    assert got.license == "Apache-2.0"


def test_the_license_file_at_the_repository_root(tmp_path: Path) -> None:
    from ipscan.extract.project_root import project_folders
    from ipscan.licensing.project import project_license

    repo = init_repo(tmp_path / "r", {"LICENSE": MIT_TEXT, "a/b/x.py": "x = 1\n"})
    here, *above = project_folders(repo / "a" / "b")
    assert [here, *above] == [(repo / p).resolve() for p in ("a/b", "a", ".")]
    assert project_license(here) is None
    assert project_license(here, above=above) == "MIT"
    (repo / "a" / "package.json").write_text('{"name": "a", "license": "Apache-2.0"}')
    assert project_license(here, above=above) == "Apache-2.0"  # the nearest
    assert project_folders(tmp_path) == (tmp_path.resolve(),)  # not a work tree


def test_config_paths_are_relative_to_its_folder(policy_repo: Path, tiny_index: Path) -> None:
    res = run_cli(
        "repo",
        "sub",
        "--index",
        str(tiny_index),
        "--no-embeddings",
        "--format",
        "json",
        "--config",
        ".ipscan.toml",
        cwd=policy_repo,
    )
    assert _verdicts(res).ignored == ["ignored/fmt.py"]


def test_a_plain_folder_is_its_own_project(tmp_path: Path, tiny_index: Path) -> None:
    """Outside git nothing above the scanned folder is read."""
    copy = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    (tmp_path / ".ipscan.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "fmt.py").write_text(copy, encoding="utf-8")
    res = run_cli(
        "repo",
        "sub",
        "--index",
        str(tiny_index),
        "--no-embeddings",
        "--format",
        "json",
        cwd=tmp_path,
    )
    got = _verdicts(res)
    assert got.policy is None and got.license is None


def test_the_hook_uses_the_repository_policy_from_a_sub_folder(
    policy_repo: Path, tiny_index: Path
) -> None:
    sub = policy_repo / "sub"
    (sub / "new.py").write_text((sub / "fmt.py").read_text(encoding="utf-8"), encoding="utf-8")
    git(policy_repo, "add", "sub/new.py")
    res = run_cli(
        "check",
        "new.py",
        "--all-units",
        "--index",
        str(tiny_index),
        "--no-embeddings",
        "--format",
        "json",
        cwd=sub,
    )
    got = _verdicts(res)
    assert got.license == "GPL-3.0-only"
    assert {path for path, _, _ in got.findings} == {"sub/new.py"}


# --- progress ----------------------------------------------------------------------------------


def test_embedding_steps_are_small() -> None:
    assert step_size(740, 32) == 32  # the 0→69→100% jumps of 512-text steps are gone
    assert step_size(10_000, 32) == 128
    assert step_size(1_000_000, 32) == 512
    assert step_size(10, 4096) == 4096  # never less than one encoder batch


def test_index_build_counts_the_files_it_parses(
    tmp_path: Path,
    source_archives: dict[str, Path],
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    from ipscan.index.build import build_index

    counts: dict[str, int] = {}

    @contextmanager
    def meter(label: str) -> Iterator[Advance]:
        counts[label] = 0

        def advance(n: int) -> None:
            counts[label] += n

        yield advance

    build_index(
        [str(source_archives["click"])],
        tmp_path / "idx",
        encoder,
        encoder.encode,
        meter=meter,
    )
    (label, files), *_ = counts.items()
    assert label.startswith("parsing click ")
    assert files >= 2  # every entry of the archive, code or not


def test_counter_draws_on_one_line_and_clears_it(capsys: pytest.CaptureFixture[str]) -> None:
    with counter("parsing pkg 1.0") as advance:
        for _ in range(3):
            advance(1)
    err = capsys.readouterr().err
    assert err.startswith("\rparsing pkg 1.0: 0 files")
    assert "\n" not in err and err.endswith("\r")
    with counter("parsing pkg 1.0", enabled=False) as advance:
        advance(5)
    assert capsys.readouterr().err == ""


def test_index_build_shows_parse_progress_on_a_terminal(
    tmp_path: Path, source_archives: dict[str, Path], tiny_index: Path
) -> None:
    del tiny_index  # built first: its embeddings are in this session's cache
    args = ("index", "build", str(source_archives["click"]), "--device", "cpu")
    seen, out = on_terminal(*args, "--index", str(tmp_path / "a"), stream="stderr")
    assert "parsing click " in seen and " files" in seen
    assert "embedding units" in seen
    assert "units" in out
    quiet = run_cli(*args, "--index", str(tmp_path / "b"), "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "units" in quiet.stdout  # the report stays


def test_a_check_imports_no_other_command_module() -> None:
    code = (
        "import sys\n"
        "from ipscan.cli.main import main\n"
        "lazy = ('model', 'dataset', 'index', 'serve', 'snippet')\n"
        "print(sorted(m for m in lazy if 'ipscan.cli.' + m in sys.modules))\n"
    )
    assert fresh_python(code) == "[]"

"""Hostile inputs through the real command line: a one-line error with the right exit code, or a
scan that goes on, never an internal error (exit 3) or a broken report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

DEEP = 100_000
CODE = "def area(width, height):\n    return width * height\n"


def _scan(repo: Path, index: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("repo", str(repo), "--index", str(index), "--device", "cpu", *args)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("a = " + "[" * DEEP + "]" * DEEP, "not valid TOML (nested too deeply)"),
        ("a = " + "{b = " * DEEP + "1" + "}" * DEEP, "not valid TOML (nested too deeply)"),
        (
            'project-license = "NOT A LICENSE((("',
            "'project-license' is 'NOT A LICENSE(((': not an SPDX license expression",
        ),
        (
            '[[components]]\nname = "x"\nlicense = "NOT A LICENSE((("\npaths = ["v/**"]',
            "components[0]: 'license' is 'NOT A LICENSE(((': not an SPDX license expression",
        ),
        ("ignore = [" + '"vendor/**/*.js",' * 70_000 + "]", "policy file larger than 1024 KiB"),
        ("ignore = [" + '"*a",' * 10_001 + "]", "'ignore' has 10001 entries, more than 10000"),
    ],
    ids=["deep-array", "deep-table", "project-license", "component-license", "big", "globs"],
)
def test_a_bad_policy_is_a_usage_error_naming_the_file(
    tmp_path: Path, tiny_index: Path, policy: str, message: str
) -> None:
    repo = init_repo(tmp_path / "repo", {"app/area.py": CODE, ".ipscan.toml": policy + "\n"})
    res = _scan(repo, tiny_index)
    assert res.returncode == 2, res.stderr
    assert res.stderr == f"ipscan: error: {repo / '.ipscan.toml'}: {message}\n"


def test_a_project_license_that_is_no_spdx_expression_is_a_usage_error(
    tmp_path: Path, tiny_index: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"app/area.py": CODE})
    res = _scan(repo, tiny_index, "--project-license", "NOT A LICENSE(((")
    assert res.returncode == 2, res.stderr
    assert res.stderr == (
        "ipscan: error: --project-license 'NOT A LICENSE(((': not an SPDX license expression\n"
    )
    assert _scan(repo, tiny_index, "--project-license", "MIT OR Apache-2.0").returncode == 0


def test_unparseable_project_metadata_is_ignored(tmp_path: Path, tiny_index: Path) -> None:
    files = {
        "app/area.py": CODE,
        "package.json": "[" * DEEP + "]" * DEEP,
        "Cargo.toml": "package = " + "[" * DEEP,
    }
    res = _scan(init_repo(tmp_path / "repo", files), tiny_index)
    assert res.returncode == 0, res.stderr
    assert "project license: none found" in res.stderr


@pytest.mark.slow
def test_a_file_name_with_control_characters_stays_on_one_line(
    tmp_path: Path, tiny_index: Path
) -> None:
    formatting = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    name = "evil\nname\r\x1b[2J.py"
    repo = init_repo(tmp_path / "repo", {name: formatting, "plain.py": formatting})
    res = _scan(repo, tiny_index)
    assert res.returncode == 1, res.stderr
    assert "\x1b" not in res.stdout and "\r" not in res.stdout
    lines = res.stdout.splitlines()
    ours = [ln for ln in lines if ln.startswith("evil\\nname\\r\\x1b[2J.py:")]
    theirs = [ln for ln in lines if ln.startswith("plain.py:")]
    assert ours and len(ours) == len(theirs)
    assert all(ln.startswith(("evil\\nname", "plain.py:", "  ")) for ln in lines), lines


def test_a_deeply_nested_report_or_manifest_is_a_one_line_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    res = run_cli("render", str(deep))
    assert res.returncode == 2 and "nested too deeply" in res.stderr, res.stderr
    index = tmp_path / "idx"
    (index / "g-1").mkdir(parents=True)
    (index / "CURRENT").write_text("g-1\n", encoding="utf-8")
    (index / "g-1" / "manifest.json").write_text("[" * 100_000, encoding="utf-8")
    res = run_cli("index", "info", str(index))
    assert res.returncode == 3 and "internal error" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1

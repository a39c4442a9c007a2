"""The command line: instant help, one-line errors, and the exit-code contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ipscan import cli
from tests.conftest import fresh_python
from tests.conftest import run_cli


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from ipscan.cli import main\n"
        "heavy = [m for m in ('torch', 'transformers', 'numpy', 'faiss') if m in sys.modules]\n"
        "print(heavy)"
    )
    assert fresh_python(code) == "[]"
    assert "repo" in run_cli("--help").stdout


def test_missing_path_is_a_usage_error() -> None:
    res = run_cli("repo", "/no/such/dir")
    assert res.returncode == 2
    assert res.stderr.strip() == "ipscan: error: /no/such/dir: no such directory"


def test_missing_index_cannot_scan(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    res = run_cli("repo", str(tmp_path), "--index", str(tmp_path / "nope"))
    assert res.returncode == 3
    assert len(res.stderr.strip().splitlines()) == 1
    assert "not an ipscan index" in res.stderr


def test_bad_option_exits_2() -> None:
    res = run_cli("repo", "--format", "yaml")
    assert res.returncode == 2


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ipscan.scan

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ipscan.scan, "scan_repo", interrupted)
    with pytest.raises(SystemExit) as exc:
        cli.main(["repo", str(tmp_path)])
    assert exc.value.code == 130


def test_internal_error_is_one_line_with_a_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import ipscan.scan

    def broken(*_a: object, **_k: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(ipscan.scan, "scan_repo", broken)
    monkeypatch.setattr(sys, "argv", ["ipscan", "repo", str(tmp_path)])
    with pytest.raises(SystemExit) as exc:
        cli.main(["repo", str(tmp_path)])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("ipscan: internal error: ValueError: boom")
    assert "Traceback" not in err


def test_verbose_shows_the_traceback_of_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-v is read from the parsed options (not sys.argv): given to main() directly, it still
    shows the traceback."""
    import ipscan.scan

    def broken(*_a: object, **_k: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(ipscan.scan, "scan_repo", broken)
    monkeypatch.setattr(sys, "argv", ["python"])
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["-v", "repo", str(tmp_path)])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: boom" in err
    assert (tmp_path / "cache" / "last-error.log").is_file()

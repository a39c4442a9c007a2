"""The GitHub Action's script, run locally in a simulated Actions environment on real repos."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ipscan import __version__
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file

ROOT = Path(__file__).resolve().parent.parent
RUN_SH = ROOT / "action" / "run.sh"
SHARED_DATA = ROOT.parent / "shared" / "data"

ORIGINAL = '''\
"""Shelf labels for a small library (written for this test)."""


def shelf_label(title, author, year, copies=1):
    words = [w for w in title.split() if w.lower() not in {"a", "an", "the"}]
    short = " ".join(words[:3]) or title
    label = f"{author.split()[-1].upper()[:4]}-{year % 100:02d} {short}"
    if copies > 1:
        label += f" (x{copies})"
    return label
'''


@dataclass
class Run:
    """One run of action/run.sh: exit code, output, and what it wrote for GitHub."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A real repository: a clean first commit, then a commit that adds a copy of click code."""
    path = init_repo(tmp_path_factory.mktemp("ws") / "my repo", {"app/labels.py": ORIGINAL})
    base = git(path, "rev-parse", "HEAD").strip()
    copied = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    (path / "vendored").mkdir()
    (path / "vendored" / "formatting copy.py").write_text(copied, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "vendor a copy")
    head = git(path, "rev-parse", "HEAD").strip()
    # A branch from the first commit that adds only original code.
    git(path, "checkout", "-q", "-b", "clean", base)
    (path / "app" / "shelves.py").write_text(ORIGINAL.replace("shelf_label", "tag"), "utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "more original code")
    clean = git(path, "rev-parse", "HEAD").strip()
    git(path, "checkout", "-q", "main")
    return {"path": path, "base": base, "head": head, "clean": clean}


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH folder where ``ipscan`` and ``python`` are this test run's interpreter."""
    d = tmp_path_factory.mktemp("bin")
    wrapper = d / "ipscan"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(ROOT))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m ipscan.cli "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    (d / "python").symlink_to(sys.executable)
    return d


def run_action(
    tmp_path: Path,
    bin_dir: Path,
    workspace: Path,
    event_name: str,
    event: dict[str, object],
    **inputs: str,
) -> Run:
    """``bash action/run.sh scan`` with the environment a GitHub runner would give it."""
    runner_temp = tmp_path / "runner temp"
    runner_temp.mkdir()
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    output_file = tmp_path / "github_output"
    summary_file = tmp_path / "step_summary.md"
    output_file.touch()
    summary_file.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.pop("BASE_SHA", None)
    env.pop("HEAD_SHA", None)
    env.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(ROOT),
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_OS": "Linux",
        }
    )
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    res = subprocess.run(
        ["bash", str(RUN_SH), "scan"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    outputs = {}
    for line in output_file.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        outputs[key] = value
    return Run(res.returncode, res.stdout, res.stderr, outputs, summary_file.read_text("utf-8"))


def assert_valid_sarif(path: Path) -> dict:  # type: ignore[type-arg]
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: the SARIF 2.1.0 schema lives there")
    import jsonschema

    schema = json.loads((SHARED_DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(doc)
    return doc


# The CLI's summary line (ipscan.report.text.summary_line), which the scan prints on stderr.
SUMMARY_LINE = re.compile(r"^ipscan: \d+ findings? .* \d+ failing the policy$")


def assert_one_summary_line(run: Run) -> None:
    """The scan prints its summary line; the renders after it must not print it again."""
    lines = (run.stdout + run.stderr).splitlines()
    found = [ln for ln in lines if SUMMARY_LINE.match(ln)]
    assert len(found) == 1, run.stdout + run.stderr


def push_event(sha: str) -> dict[str, object]:
    return {"ref": "refs/heads/main", "after": sha, "repository": {"full_name": "o/r"}}


def pr_event(base: str, head: str) -> dict[str, object]:
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}},
    }


def test_push_scans_the_repository_and_fails_on_findings(
    tmp_path: Path, bin_dir: Path, repo: dict[str, object], tiny_index: Path
) -> None:
    ws = repo["path"]
    assert isinstance(ws, Path)
    run = run_action(
        tmp_path, bin_dir, ws, "push", push_event(str(repo["head"])), index=str(tiny_index)
    )
    assert run.code == 1, run.stdout + run.stderr
    assert run.outputs["exit-code"] == "1"
    report = Path(run.outputs["report"])
    sarif = Path(run.outputs["sarif"])
    assert report.parent == sarif.parent == tmp_path / "runner temp"
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert int(run.outputs["findings"]) == len(doc["findings"]) > 0
    assert {f["path"] for f in doc["findings"]} == {"vendored/formatting copy.py"}
    sarif_doc = assert_valid_sarif(sarif)
    results = sarif_doc["runs"][0]["results"]
    assert len(results) == len(doc["findings"])
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "vendored/formatting%20copy.py"
    annotations = [ln for ln in run.stdout.splitlines() if ln.startswith("::")]
    assert len(annotations) == len(doc["findings"])
    assert all(
        ln.startswith("::error file=vendored/formatting copy.py,line=") for ln in annotations
    )
    assert "from click" in annotations[0]
    # No LICENSE in the repository: click's BSD-3-Clause code needs its notice, which is missing.
    failing = [f for f in doc["findings"] if f["fails"]]
    assert run.outputs["failing"] == str(doc["summary"]["failing"]) == str(len(failing))
    assert len(failing) == len(doc["findings"])
    for f, line, res in zip(doc["findings"], annotations, results, strict=True):
        assert f["license_verdict"] == "attribution-required"
        assert (
            f"; license: attribution-required — add the notice: {f['notice'].splitlines()[0]}"
            in line
        )
        assert res["level"] == "error"
        assert res["properties"]["licenseVerdict"] == f["license_verdict"]
        assert res["properties"]["notice"] == f["notice"]
        assert "license: attribution-required — add the notice: " in res["message"]["text"]
    props = sarif_doc["runs"][0]["properties"]["ipscan"]
    assert props["projectLicense"] == doc["project_license"]
    assert props["resultsOmitted"] == 0
    assert run.summary.startswith(f"## ipscan: {len(doc['findings'])} finding")
    assert f"{len(failing)} failing the policy" in run.summary.splitlines()[0]
    assert "| vendored/formatting copy.py:" in run.summary
    assert "| attribution-required | yes | add the notice: " in run.summary
    assert_one_summary_line(run)
    assert f"ipscan: {len(failing)} of {len(doc['findings'])} finding(s) fail the policy" in (
        run.stderr
    )


def test_pull_request_scans_only_what_it_adds_and_fail_on_never_passes(
    tmp_path: Path, bin_dir: Path, repo: dict[str, object], tiny_index: Path
) -> None:
    ws = repo["path"]
    assert isinstance(ws, Path)
    # Base and head come from the event payload (the action also passes them in BASE_SHA/HEAD_SHA).
    event = pr_event(str(repo["base"]), str(repo["head"]))
    run = run_action(
        tmp_path, bin_dir, ws, "pull_request", event, index=str(tiny_index), fail_on="never"
    )
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["exit-code"] == "1"
    assert int(run.outputs["findings"]) > 0
    doc = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert {f["path"] for f in doc["findings"]} == {"vendored/formatting copy.py"}
    assert doc["summary"]["files_scanned"] == 1  # only the file the PR adds
    assert_valid_sarif(Path(run.outputs["sarif"]))
    assert any(ln.startswith("::error file=vendored/") for ln in run.stdout.splitlines())
    assert "## ipscan:" in run.summary
    assert_one_summary_line(run)


def test_clean_pull_request_passes_with_fail_on_findings(
    tmp_path: Path, bin_dir: Path, repo: dict[str, object], tiny_index: Path
) -> None:
    ws = repo["path"]
    assert isinstance(ws, Path)
    event = pr_event(str(repo["base"]), str(repo["clean"]))
    run = run_action(tmp_path, bin_dir, ws, "pull_request", event, index=str(tiny_index))
    assert run.code == 0, run.stdout + run.stderr
    doc = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert doc["summary"]["files_scanned"] == 1
    assert run.outputs["findings"] == "0"
    assert run.outputs["exit-code"] == "0"
    assert not [ln for ln in run.stdout.splitlines() if ln.startswith("::")]
    assert run.summary.startswith("## ipscan: no findings")
    sarif = assert_valid_sarif(Path(run.outputs["sarif"]))
    assert sarif["runs"][0]["results"] == []
    assert run.outputs["failing"] == "0"
    assert_one_summary_line(run)


def test_scan_error_fails_at_once(tmp_path: Path, bin_dir: Path, repo: dict[str, object]) -> None:
    ws = repo["path"]
    assert isinstance(ws, Path)
    run = run_action(
        tmp_path, bin_dir, ws, "push", push_event("x"), index=str(tmp_path / "no index")
    )
    assert run.code == 3, run.stdout + run.stderr
    assert run.outputs == {"exit-code": "3"}
    assert "::error title=ipscan::the scan failed (exit code 3)" in run.stdout


def test_bad_fail_on_is_rejected_before_scanning(
    tmp_path: Path, bin_dir: Path, repo: dict[str, object]
) -> None:
    ws = repo["path"]
    assert isinstance(ws, Path)
    run = run_action(tmp_path, bin_dir, ws, "push", push_event("x"), fail_on="sometimes")
    assert run.code == 2
    assert "fail-on must be 'findings' or 'never', not 'sometimes'" in run.stdout
    assert run.outputs == {}


def test_action_yml_passes_every_value_through_env() -> None:
    yaml = pytest.importorskip(
        "yaml", reason="PyYAML (a dependency of pre-commit) reads action.yml"
    )
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"path", "index", "fail-on", "python-version", "ipscan-version"}
    assert action["inputs"]["fail-on"]["default"] == "findings"
    assert {"findings", "failing", "report", "sarif", "exit-code"} <= set(action["outputs"])
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["run"]
            assert step["run"].startswith('bash "$GITHUB_ACTION_PATH/action/run.sh"')
    cached = [
        s["with"]["path"]
        for s in action["runs"]["steps"]
        if str(s.get("uses", "")).startswith("actions/cache@")
    ]
    assert "~/.cache/pip" in cached  # pip's downloads, so a run does not fetch every wheel again
    scan = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    assert scan["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert scan["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"


@pytest.mark.parametrize(
    ("version", "spec"),
    [("", f"{ROOT}[cpu]"), ("0.1.0", "ipscan-code[cpu]==0.1.0"), ("ipscan @ ./x", "ipscan @ ./x")],
)
def test_install_step_installs_the_spec_and_writes_a_cache_key(
    tmp_path: Path, version: str, spec: str
) -> None:
    # A python that records `-m pip ...` instead of installing, and runs anything else for real.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "pip.log"
    stub = bin_dir / "python"
    stub.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-m" ]; then printf "%s\\n" "$@" > {shlex.quote(str(log))}; exit 0; fi\n'
        f'PYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} "$@"\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    output_file = tmp_path / "github_output"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ACTION_PATH": str(ROOT),
            "RUNNER_OS": "Linux",
            "INPUT_IPSCAN_VERSION": version,
        }
    )
    res = subprocess.run(
        ["bash", str(RUN_SH), "install"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert log.read_text(encoding="utf-8").splitlines()[-1] == spec
    with zipfile.ZipFile(ROOT / "ipscan" / "data" / "default_index.ipack") as zf:
        digest = json.loads(zf.read("pack.json"))["id"][:16]
    assert (
        output_file.read_text(encoding="utf-8")
        == f"cache-key=ipscan-Linux-{__version__}-{digest}\n"
    )

"""The project's own package: a maintainer scanning their repository against an index that holds
their release is not shown their own code as copied (ipscan.decide.own_package)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipscan.licensing.project import own_package_names
from ipscan.licensing.project import project_license
from ipscan.report.github import render_step_summary
from ipscan.report.html import render_html
from ipscan.report.json_report import render_json
from ipscan.report.json_report import report_from_dict
from ipscan.report.sarif import render_sarif
from ipscan.report.text import summary_line
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli
from tests.conftest import write_files

PYPROJECT = '[project]\nname = "{name}"\nversion = "9.0.0"\nlicense = "BSD-3-Clause"\n'


def _repo(base: Path, name: str) -> Path:
    """A git repository declaring package ``name`` that holds click's utils.py and formatting.py
    (the tiny index holds click)."""
    files = {
        "pyproject.toml": PYPROJECT.format(name=name),
        "src/pkg/utils.py": installed_file("click", "click/utils.py").read_text(),
        "src/pkg/formatting.py": installed_file("click", "click/formatting.py").read_text(),
    }
    return init_repo(base / name.replace("/", "_"), files)


def test_metadata_names_the_project(tmp_path: Path) -> None:
    cases = {
        "py": ("pyproject.toml", '[project]\nname = "Foo.Bar_baz"\n', "foo-bar-baz"),
        "js": ("package.json", '{"name": "@scope/widget", "version": "1.0.0"}', "@scope/widget"),
        "rs": ("Cargo.toml", '[package]\nname = "fast-thing"\nversion = "0.1.0"\n', "fast-thing"),
        "go": ("go.mod", "module example.com/tools/cut\n\ngo 1.21\n", "example.com/tools/cut"),
    }
    for folder, (file_name, text, want) in cases.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / file_name).write_text(text)
        assert own_package_names([tmp_path / folder]) == (want,)
    # A folder's own name is no claim to be a package.
    bare = tmp_path / "click"
    bare.mkdir()
    assert own_package_names([bare]) == ()
    # The repository root's name is the project's, not a vendored sub-folder's.
    assert own_package_names([tmp_path / "rs", tmp_path / "py"]) == ("foo-bar-baz",)
    assert own_package_names([tmp_path / "rs", bare]) == ()


def test_workspace_members_are_own_packages(tmp_path: Path) -> None:
    """A monorepo's root names its members: each member's package is the project's own."""
    npm = write_files(
        tmp_path / "npm",
        {
            "package.json": '{"name": "gutenberg", "workspaces": ["packages/*"]}',
            "packages/compose/package.json": '{"name": "@wordpress/compose"}',
            "packages/data/package.json": '{"name": "@wordpress/data"}',
            "packages/notes/README.md": "no package here\n",
        },
    )
    assert own_package_names([npm]) == ("gutenberg", "@wordpress/compose", "@wordpress/data")
    yarn = write_files(
        tmp_path / "yarn",
        {
            "package.json": '{"private": true, "workspaces": {"packages": ["lib"]}}',
            "lib/package.json": '{"name": "query-core"}',
        },
    )
    assert own_package_names([yarn]) == ("query-core",)
    cargo = write_files(
        tmp_path / "cargo",
        {
            "Cargo.toml": '[workspace]\nmembers = ["serde", "serde_derive", "../escape", "/abs"]\n',
            "serde/Cargo.toml": '[package]\nname = "serde"\n',
            "serde_derive/Cargo.toml": '[package]\nname = "serde_derive"\n',
            "../escape/Cargo.toml": '[package]\nname = "outside"\n',
        },
    )
    # Members outside the root are never read.
    assert own_package_names([cargo]) == ("serde", "serde_derive")


def test_setuptools_files_name_the_project(tmp_path: Path) -> None:
    """setup.cfg's ``[metadata]`` and setup.py's literal ``setup(name=...)`` name a project (click
    8.1's and six 1.16's own files, cut down), read without running setup.py."""
    cfg = write_files(
        tmp_path / "cfg",
        {
            "setup.cfg": "[metadata]\nname = click\nversion = attr: click.__version__\n"
            "url = https://palletsprojects.com/p/click/\nlicense = BSD-3-Clause\n"
            "license_files = LICENSE.rst\n\n[options]\npackages = find:\n",
        },
    )
    assert own_package_names([cfg]) == ("click",)
    ran = tmp_path / "ran"
    six = write_files(
        tmp_path / "six",
        {
            "setup.py": "from __future__ import with_statement\n\n"
            "try:\n    from setuptools import setup\nexcept ImportError:\n"
            "    from distutils.core import setup\n\nimport six\n\n"
            f"open({str(ran)!r}, 'w').close()\n\n"
            'setup(name="six",\n      version=six.__version__,\n'
            '      license="MIT",\n      py_modules=["six"])\n',
        },
    )
    assert own_package_names([six]) == ("six",)
    assert not ran.exists()  # read, never run
    # A project's metadata gives its license too.
    assert project_license(cfg) == "BSD-3-Clause"
    assert project_license(six) == "MIT"
    # A name computed at run time, a malformed setup.cfg, a setup.py too deep to parse: none.
    odd = write_files(
        tmp_path / "odd",
        {
            "setup.cfg": "name = no section header\n[metadata\n",
            "setup.py": "import json\nsetup(name=json.load(open('meta.json'))['name'])\n",
        },
    )
    assert own_package_names([odd]) == ()
    deep = write_files(
        tmp_path / "deep", {"setup.py": "setup(name=" + "(" * 5000 + "'x'" + ")" * 5000}
    )
    assert own_package_names([deep]) == ()


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory, tiny_index: Path) -> dict[str, object]:
    base = tmp_path_factory.mktemp("own")
    options = ScanOptions(index_dir=tiny_index, device="cpu")
    own = _repo(base, "Click")  # PEP 503: Click is click
    other = _repo(base, "not-click")
    return {
        "own": scan_repo(own, options),
        "own_included": scan_repo(
            own, ScanOptions(index_dir=tiny_index, device="cpu", include_own_package=True)
        ),
        "other": scan_repo(other, options),
        "own_repo": own,
    }


def test_own_package_findings_are_left_out_and_counted(scans: dict[str, object]) -> None:
    own, included, other = scans["own"], scans["own_included"], scans["other"]
    assert other.findings and {f.source.package for f in other.findings} == {"click"}
    assert other.own_package is None and other.own_package_findings == 0
    # The same code in a project that declares itself click: its own code, left out, counted.
    assert own.findings == ()
    assert own.own_package == "click"
    assert own.own_package_findings == len(included.findings) == len(other.findings)
    assert "of the project's own package click left out" in summary_line(own)
    assert "left out" not in summary_line(other)
    # The JSON report carries the count and reads back the same.
    doc = json.loads(render_json(own))
    assert doc["summary"]["own_package"] == "click"
    assert doc["summary"]["own_package_findings"] == own.own_package_findings
    back = report_from_dict(doc)
    assert (back.own_package, back.own_package_findings) == ("click", own.own_package_findings)
    # The other formats say it too.
    run = json.loads(render_sarif(own))["runs"][0]["properties"]["ipscan"]
    assert (run["ownPackage"], run["ownPackageFindings"]) == ("click", own.own_package_findings)
    n = own.own_package_findings
    assert f"{n} findings of the project's own package click left out" in render_step_summary(own)
    assert f"click: {n} findings left out" in render_html(own)


def test_cli_include_own_package(scans: dict[str, object], tiny_index: Path) -> None:
    repo = scans["own_repo"]
    args = ("repo", str(repo), "--index", str(tiny_index), "--device", "cpu")
    left_out = run_cli(*args)
    assert left_out.returncode == 0, left_out.stderr
    assert "own package click left out" in left_out.stderr + left_out.stdout
    shown = run_cli(*args, "--include-own-package", "--format", "json")
    doc = json.loads(shown.stdout)
    assert doc["summary"]["findings"] == len(scans["own_included"].findings) > 0
    assert doc["summary"]["own_package_findings"] == 0


def test_policy_names_own_packages(tmp_path: Path, tiny_index: Path) -> None:
    """A setup.py that computes its name declares none a file gives; the policy's own-packages
    does."""
    files = {
        "setup.py": "from setuptools import setup\n\n"
        "settings = {'name': 'click'}\nsetup(**settings)\n",
        "src/pkg/utils.py": installed_file("click", "click/utils.py").read_text(),
    }
    options = ScanOptions(index_dir=tiny_index, device="cpu")
    plain = scan_repo(init_repo(tmp_path / "plain", files), options)
    assert plain.findings and plain.own_package_findings == 0
    files[".ipscan.toml"] = 'own-packages = ["Click"]\n'
    declared = scan_repo(init_repo(tmp_path / "declared", files), options)
    assert declared.findings == ()
    assert declared.own_package == "click"
    assert declared.own_package_findings == len(plain.findings)


def test_policy_own_packages_must_be_names(tmp_path: Path) -> None:
    (tmp_path / ".ipscan.toml").write_text("own-packages = 'click'\n")
    res = run_cli("repo", str(tmp_path))
    assert res.returncode == 2
    assert "'own-packages' must be a list of non-empty strings" in res.stderr


def test_vendored_subfolder_is_not_the_project(tmp_path: Path, tiny_index: Path) -> None:
    """click vendored with its pyproject.toml into myapp: scanning that folder directly still
    reports it, since the repository root names the project."""
    files = {
        "pyproject.toml": PYPROJECT.format(name="myapp"),
        "third_party/click/pyproject.toml": PYPROJECT.format(name="click"),
        "third_party/click/utils.py": installed_file("click", "click/utils.py").read_text(),
    }
    repo = init_repo(tmp_path / "myapp", files)
    report = scan_repo(
        repo / "third_party" / "click", ScanOptions(index_dir=tiny_index, device="cpu")
    )
    assert report.findings and report.own_package_findings == 0
    assert {f.source.package for f in report.findings} == {"click"}

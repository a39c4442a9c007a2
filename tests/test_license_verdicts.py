"""License verdicts on real scans: the source's license against the project's own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ipscan.index.build import build_index
from ipscan.licensing.project import project_license
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli

GPL3 = Path("/usr/share/common-licenses/GPL-3")
MIT_TEXT = (
    "MIT License\n\nCopyright (c) 2026 Example\n\nPermission is hereby granted, free of charge, "
    "to any person obtaining a copy of this software and associated documentation files (the "
    '"Software"), to deal in the Software without restriction, including without limitation the '
    "rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of "
    "the Software, and to permit persons to whom the Software is furnished to do so, subject to "
    "the following conditions:\n\nThe above copyright notice and this permission notice shall be "
    "included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "
    '"AS IS", WITHOUT WARRANTY OF ANY KIND.\n'
)
CODE = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def gpl_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    if not GPL3.is_file():
        pytest.skip(f"{GPL3} (Debian's GPL-3 text) is absent")
    src = tmp_path_factory.mktemp("gpl") / "gpl-lib"
    src.mkdir()
    shutil.copy(GPL3, src / "COPYING")
    (src / "fmt.py").write_text(CODE, encoding="utf-8")
    idx = tmp_path_factory.mktemp("gpl-index") / "idx"
    build_index([str(src)], idx, encoder, encoder.encode)
    return idx


def test_project_license_from_license_file_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "LICENSE").write_text(MIT_TEXT)
    assert project_license(tmp_path / "a") == "MIT"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "package.json").write_text('{"name": "b", "license": "Apache-2.0"}')
    assert project_license(tmp_path / "b") == "Apache-2.0"
    assert project_license(tmp_path / "b", override="GPL-2.0-only") == "GPL-2.0-only"
    assert project_license(tmp_path) is None


def test_gpl_code_in_an_mit_project_is_a_copyleft_conflict(tmp_path: Path, gpl_index: Path) -> None:
    repo = init_repo(tmp_path / "app", {"LICENSE": MIT_TEXT, "vendor/fmt.py": CODE})
    res = run_cli("repo", str(repo), "--index", str(gpl_index), "--format", "json")
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["project_license"] == "MIT"
    assert doc["findings"]
    assert {f["source"]["license"] for f in doc["findings"]} == {"GPL-3.0-only"}
    assert {f["license_verdict"] for f in doc["findings"]} == {"copyleft-conflict"}


def test_bsd_code_needs_attribution_and_gpl_project_may_take_gpl_code(
    tmp_path: Path, gpl_index: Path, tiny_index: Path
) -> None:
    repo = init_repo(tmp_path / "app", {"LICENSE": MIT_TEXT, "vendor/fmt.py": CODE})
    res = run_cli("repo", str(repo), "--index", str(tiny_index), "--format", "json")
    verdicts = {f["license_verdict"] for f in json.loads(res.stdout)["findings"]}
    assert verdicts == {"attribution-required"}  # click is BSD-3-Clause
    res = run_cli(
        "repo", str(repo), "--index", str(gpl_index), "--project-license", "GPL-3.0-or-later"
    )
    assert "license: copyleft-conflict" not in res.stdout
    assert "license: " in res.stdout

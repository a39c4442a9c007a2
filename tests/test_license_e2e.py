"""License verdicts end to end: real license texts, a real index, real git repos, the CLI.

The license texts are the SPDX texts that the installed `identify` package carries (a dev
dependency, through pre-commit); the indexed sources and the scanned projects are written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import init_repo
from tests.conftest import run_cli

licenses = pytest.importorskip("identify.vendor.licenses")
TEXTS = dict(licenses.LICENSES)

GPL_HEADER = """\
# Copyright (C) 2019 Jane Hacker
#
# This program is free software: you can redistribute it and/or modify it under the terms of
# the GNU General Public License as published by the Free Software Foundation, either version 3
# of the License, or (at your option) any later version.
"""

GPL_CODE = '''
def merge_interval_lists(first, second, tolerance=0):
    """Merge two sorted lists of (start, end) intervals, joining those that touch."""
    merged = []
    i = j = 0
    while i < len(first) or j < len(second):
        if j >= len(second) or (i < len(first) and first[i][0] <= second[j][0]):
            start, end = first[i]
            i += 1
        else:
            start, end = second[j]
            j += 1
        if merged and start <= merged[-1][1] + tolerance:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
'''

MIT_CODE = '''
def parse_duration_text(text, default_unit="s"):
    """Parse '1h 30m 5s' style durations into seconds."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
    total = 0.0
    number = ""
    for token in text.replace(",", " ").split():
        digits = token.rstrip("dhms")
        suffix = token[len(digits):] or default_unit
        if suffix not in units:
            raise ValueError(f"unknown unit {suffix!r} in {text!r}")
        number = float(digits)
        total += number * units[suffix]
    return total
'''

APACHE_CODE = '''
def rolling_checksum_blocks(data, block_size=64, modulus=65521):
    """Adler-style rolling checksums of every block of data."""
    if block_size <= 0:
        raise ValueError("block_size must be positive")
    sums = []
    a = b = 0
    for index, byte in enumerate(data):
        a = (a + byte) % modulus
        b = (b + a) % modulus
        if index >= block_size:
            old = data[index - block_size]
            a = (a - old) % modulus
            b = (b - block_size * old - 1) % modulus
        sums.append((b << 16) | a)
    return sums
'''

MIT_NOTICE = "# Copyright (c) 2016 Ada Example\n# Licensed under the MIT License.\n"


def _license_file(spdx: str, holder: str) -> str:
    return TEXTS[spdx].replace("[year]", "2016").replace("[fullname]", holder)


def _source(root: Path, name: str, spdx: str, holder: str, files: dict[str, str]) -> Path:
    folder = root / f"{name}-1.0"
    folder.mkdir()
    (folder / "LICENSE").write_text(_license_file(spdx, holder), encoding="utf-8")
    for rel, text in files.items():
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def license_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index of three sources: GPL-3.0, MIT and Apache-2.0 code."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("license-sources")
    sources = [
        _source(root, "gplkit", "GPL-3.0", "Jane Hacker", {"intervals.py": GPL_HEADER + GPL_CODE}),
        _source(root, "mitkit", "MIT", "Ada Example", {"durations.py": MIT_CODE}),
        _source(root, "apachekit", "Apache-2.0", "Ada Example", {"checksums.py": APACHE_CODE}),
    ]
    index_dir = root / "index"
    build_index([str(s) for s in sources], index_dir, encoder, encoder.encode)
    return index_dir


def _project(tmp_path: Path, license_spdx: str, files: dict[str, str]) -> Path:
    holder = "Our Team"
    return init_repo(
        tmp_path / "my project", {"LICENSE": _license_file(license_spdx, holder), **files}
    )


def _scan(repo: Path, index: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    run = run_cli("repo", ".", "--index", str(index), "--format", "json", *extra, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


def _only(report: dict, package: str) -> dict:  # type: ignore[type-arg]
    found = [f for f in report["findings"] if f["source"]["package"] == package]
    assert found, report["findings"]
    return found[0]


def test_the_index_knows_licenses_and_copyright_holders(license_index: Path) -> None:
    sources = json.loads(
        (
            license_index / (license_index / "CURRENT").read_text().strip() / "sources.json"
        ).read_text(encoding="utf-8")
    )
    by_name = {s["name"]: s for s in sources}
    assert by_name["gplkit"]["license"] == "GPL-3.0-only"
    assert by_name["mitkit"]["license"] == "MIT"
    assert by_name["apachekit"]["license"] == "Apache-2.0"
    assert by_name["mitkit"]["copyright"] == ["Copyright (c) 2016 Ada Example"]
    # The FSF's copyright on the GPL text is not the project's.
    assert by_name["gplkit"]["copyright"] == []


def test_gpl_code_copied_into_an_mit_project_is_a_copyleft_conflict(
    tmp_path: Path, license_index: Path
) -> None:
    repo = _project(tmp_path, "MIT", {"app/util.py": GPL_CODE})
    code, report = _scan(repo, license_index)
    finding = _only(report, "gplkit")
    assert report["project_license"] == "MIT"
    assert finding["license_verdict"] == "copyleft-conflict"
    assert finding["fails"] is True
    assert code == 1
    assert finding["source"]["copyright"] == ["Copyright (C) 2019 Jane Hacker"]
    # The file's own header grants "version 3 ... or any later version": it beats the package's.
    assert finding["source"]["license"] == "GPL-3.0-or-later"


def test_mit_code_with_its_notice_kept_is_ok(tmp_path: Path, license_index: Path) -> None:
    repo = _project(tmp_path, "Apache-2.0", {"app/durations.py": MIT_NOTICE + MIT_CODE})
    code, report = _scan(repo, license_index)
    finding = _only(report, "mitkit")
    assert finding["license_verdict"] == "ok"
    assert "notice is kept" in finding["license_reason"]
    assert finding["notice"] == ""
    assert code == 0


def test_mit_code_without_its_notice_needs_attribution(tmp_path: Path, license_index: Path) -> None:
    repo = _project(tmp_path, "Apache-2.0", {"app/durations.py": MIT_CODE})
    code, report = _scan(repo, license_index)
    finding = _only(report, "mitkit")
    assert finding["license_verdict"] == "attribution-required"
    assert finding["notice"].splitlines()[:2] == [
        "Copyright (c) 2016 Ada Example",
        "SPDX-License-Identifier: MIT",
    ]
    assert code == 1
    text = run_cli("repo", ".", "--index", str(license_index), cwd=repo)
    assert "add notice: Copyright (c) 2016 Ada Example | SPDX-License-Identifier: MIT" in (
        text.stdout
    )


def test_a_project_notice_file_counts_as_attribution(tmp_path: Path, license_index: Path) -> None:
    notice = "This product includes durations.py from mitkit.\n" + _license_file(
        "MIT", "Ada Example"
    )
    repo = _project(tmp_path, "MIT", {"app/durations.py": MIT_CODE, "THIRD_PARTY_NOTICES": notice})
    code, report = _scan(repo, license_index)
    assert _only(report, "mitkit")["license_verdict"] == "ok"
    assert code == 0


def test_apache_code_into_a_gpl2_only_project_is_incompatible(
    tmp_path: Path, license_index: Path
) -> None:
    repo = _project(tmp_path, "GPL-2.0", {"lib/sums.py": APACHE_CODE})
    code, report = _scan(repo, license_index)
    assert report["project_license"] == "GPL-2.0-only"
    assert _only(report, "apachekit")["license_verdict"] == "incompatible"
    assert code == 1


def test_a_policy_that_allows_the_license_passes(tmp_path: Path, license_index: Path) -> None:
    policy = '[tool.ipscan]\nallowed-licenses = ["GPL-3.0-*"]\n'
    files = {"app/util.py": GPL_HEADER + GPL_CODE, "pyproject.toml": policy}
    repo = _project(tmp_path, "MIT", files)
    code, report = _scan(repo, license_index)
    finding = _only(report, "gplkit")
    assert finding["license_verdict"] == "ok"
    assert finding["license_reason"].startswith("policy allows GPL-3.0-or-later")
    assert report["policy"]["file"].endswith("pyproject.toml")
    assert code == 0


def test_denied_flagged_and_fail_on_from_the_policy_file(
    tmp_path: Path, license_index: Path
) -> None:
    policy = 'denied-licenses = ["MIT"]\nflagged-licenses = ["Apache-2.0"]\nfail-on = ["denied"]\n'
    files = {
        "a.py": MIT_NOTICE + MIT_CODE,
        "b.py": APACHE_CODE,
        "c.py": GPL_CODE,
        ".ipscan.toml": policy,
    }
    repo = _project(tmp_path, "Apache-2.0", files)
    code, report = _scan(repo, license_index)
    assert _only(report, "mitkit")["license_verdict"] == "denied"
    assert _only(report, "apachekit")["license_verdict"] == "flagged"
    assert _only(report, "gplkit")["license_verdict"] == "copyleft-conflict"
    assert _only(report, "gplkit")["fails"] is False  # fail-on names only `denied`
    assert report["policy"]["fail_on"] == ["denied"]
    assert code == 1
    (repo / ".ipscan.toml").write_text('fail-on = []\nignore = ["c.py"]\n', encoding="utf-8")
    code, report = _scan(repo, license_index)
    assert code == 0
    assert {"path": "c.py", "reason": "ignored"} in report["skipped"]


def test_a_declared_component_is_ok(tmp_path: Path, license_index: Path) -> None:
    policy = '[[components]]\nname = "mitkit"\nlicense = "MIT"\npaths = ["vendor/mitkit/**"]\n'
    files = {"vendor/mitkit/durations.py": MIT_CODE, ".ipscan.toml": policy}
    repo = _project(tmp_path, "Apache-2.0", files)
    code, report = _scan(repo, license_index)
    finding = _only(report, "mitkit")
    assert finding["license_verdict"] == "ok"
    assert finding["license_reason"] == "declared component mitkit (MIT)"
    assert code == 0


def test_a_wrong_policy_key_is_a_one_line_error(tmp_path: Path, license_index: Path) -> None:
    files = {"a.py": MIT_CODE, ".ipscan.toml": 'alowed-licenses = ["MIT"]\n'}
    repo = _project(tmp_path, "MIT", files)
    run = run_cli("repo", ".", "--index", str(license_index), cwd=repo)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"ipscan: error: {repo / '.ipscan.toml'}: unknown key 'alowed-licenses' "
        "(did you mean 'allowed-licenses'?)"
    ]

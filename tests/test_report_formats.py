"""SARIF, GitHub annotations, the job summary, and reading a JSON report back."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from dataclasses import replace
from email.message import Message
from importlib import metadata
from pathlib import Path

import pytest

from ipscan.errors import UsageError
from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SkippedFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report import fails
from ipscan.report import github
from ipscan.report import sarif_limits
from ipscan.report.github import finding_message
from ipscan.report.github import render_github
from ipscan.report.github import render_step_summary
from ipscan.report.json_report import load_report
from ipscan.report.json_report import render_json
from ipscan.report.json_report import report_dict
from ipscan.report.json_report import report_from_dict
from ipscan.report.sarif import render_sarif
from ipscan.report.text import finding_line
from ipscan.report.text import render_text
from ipscan.report.text import summary_line

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SARIF_SCHEMA = SHARED_DATA / "sarif-schema-2.1.0.json"

CLICK = SourceRef("click", "8.1.7", "src/click/utils.py", 30, 66, "BSD-3-Clause", "echo")
PACKAGING = SourceRef(
    "packaging", "24.1", "src/packaging/specifiers.py", 100, 140, "Apache-2.0 OR BSD-2-Clause"
)

COPIED = Finding(
    path="app/util.py",
    start_line=12,
    end_line=48,
    similarity=0.97,
    verdict=Verdict.COPIED,
    source=CLICK,
    unit_name="echo_all",
    matchers=(Matcher.HASH, Matcher.WINNOW, Matcher.EMBED),
    evidence={"cosine": 0.98, "matched_tokens": 240, "query_coverage": 1.0},
    license_verdict="attribution-required",
    license_reason="BSD-3-Clause (permissive) into MIT; the copyright and license notice is gone",
    obligations=("keep the copyright and license notice",),
    notice="Copyright 2014 Pallets\nSPDX-License-Identifier: BSD-3-Clause",
)
COPIED_MESSAGE = (
    "copied from click 8.1.7 src/click/utils.py:30-66 (BSD-3-Clause, 0.97); license: "
    "attribution-required — add the notice: Copyright 2014 Pallets | "
    "SPDX-License-Identifier: BSD-3-Clause"
)
SPACED = Finding(
    path="vendored/formatting copy.py",
    start_line=1,
    end_line=120,
    similarity=0.9312,
    verdict=Verdict.COPIED,
    source=SourceRef("click", "8.1.7", "src/click/formatting.py", 1, 118, "BSD-3-Clause"),
    scope=Scope.FILE,
    license_verdict="ok",
    license_reason="BSD-3-Clause (permissive) into MIT; the notice is kept",
    obligations=("keep the copyright and license notice",),
)
UNICODE = Finding(
    path="données/texte,1:2%.py",
    start_line=40,
    end_line=55,
    similarity=0.81,
    verdict=Verdict.MODIFIED_COPY,
    source=PACKAGING,
    unit_name="filtre",
    matchers=(Matcher.WINNOW,),
    evidence={"matched_tokens": 90},
    license_verdict="flagged",
    license_reason="policy flags Apache-2.0 OR BSD-2-Clause for review",
)
SIMILAR = Finding(
    path="app/pipes|and_under_scores.py",
    start_line=3,
    end_line=9,
    similarity=0.5,
    verdict=Verdict.SIMILAR,
    source=SourceRef("six", "1.16.0", "six.py", 610, 626, "MIT", "__exit__"),
    matchers=(Matcher.EMBED,),
    evidence={"cosine": 0.91},
)


def make_report(*findings: Finding, root: str = "/work/my project") -> Report:
    return Report(
        root=root,
        findings=findings,
        files_scanned=41,
        units_scanned=512,
        skipped=(SkippedFile("assets/app.min.js", "minified"),),
        index_summary={"path": "/idx", "sources": 2, "units": 300, "encoder": "all-MiniLM-L6-v2"},
        elapsed_s=1.25,
        project_license="MIT",
        policy_file=".ipscan.toml",
    )


FULL = make_report(COPIED, SPACED, UNICODE, SIMILAR)
EMPTY = make_report()


@pytest.fixture(autouse=True)
def _no_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.fixture(scope="module")
def sarif_validator():  # type: ignore[no-untyped-def]
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: the SARIF 2.1.0 schema lives there")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def validate_sarif(validator, text: str) -> dict:  # type: ignore[no-untyped-def]
    doc = json.loads(text)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return doc


# --- SARIF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("report", [FULL, EMPTY], ids=["findings", "none"])
def test_sarif_validates_against_the_2_1_0_schema(sarif_validator, report: Report) -> None:
    doc = validate_sarif(sarif_validator, render_sarif(report))
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    assert len(doc["runs"][0]["results"]) == len(report.findings)


def test_sarif_rules_one_per_verdict_with_levels() -> None:
    driver = json.loads(render_sarif(EMPTY))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ipscan"
    assert driver["version"] == driver["semanticVersion"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert levels == {"copied": "error", "modified-copy": "warning", "similar": "note"}
    assert all(r["shortDescription"]["text"] for r in driver["rules"])


def test_every_sarif_rule_has_help_in_text_and_markdown() -> None:
    rules = json.loads(render_sarif(FULL))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["copied", "modified-copy", "similar"]
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        text, markdown = r["help"]["text"], r["help"]["markdown"]
        assert "What to do" in text and "policy" in text
        assert markdown.startswith("## ") and "**What to do:**" in markdown
        assert "| `attribution-required` |" in markdown  # the license verdicts, explained
        assert len(r["properties"]["tags"]) <= 20  # code scanning's limit per rule


def test_sarif_log_names_its_schema_and_the_policy() -> None:
    doc = json.loads(render_sarif(FULL))
    if SARIF_SCHEMA.is_file():
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        assert doc["$schema"] == schema["id"]
    assert doc["$schema"].startswith("https://") and doc["$schema"].endswith("2.1.0.json")
    run = doc["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True}]
    props = run["properties"]["ipscan"]
    assert props["projectLicense"] == "MIT"
    assert props["policyFile"] == ".ipscan.toml"
    assert props["failOn"] == list(DEFAULT_FAIL_ON)
    assert (props["findings"], props["failing"], props["resultsOmitted"]) == (4, 1, 0)


def test_sarif_maps_one_finding_exactly() -> None:
    run = json.loads(render_sarif(FULL))["runs"][0]
    res = run["results"][0]
    assert res["ruleId"] == "copied"
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "copied"
    assert res["level"] == "error"  # attribution-required fails the default policy
    assert res["message"]["text"] == COPIED_MESSAGE
    # The same words as the text renderer's line, after its "path:lines: " prefix.
    assert finding_line(COPIED).startswith(f"app/util.py:12-48: {finding_message(COPIED)} ")
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "app/util.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 12, "endLine": 48}
    related = res["relatedLocations"][0]
    assert "click 8.1.7 src/click/utils.py:30-66" in related["message"]["text"]
    assert related["properties"]["license"] == "BSD-3-Clause"
    props = res["properties"]
    assert props["similarity"] == 0.97
    assert props["scope"] == "unit"
    assert props["license"] == "BSD-3-Clause"
    assert props["matchers"] == ["1-hash", "2-winnow", "3-embed"]
    assert props["evidence"]["matched_tokens"] == 240
    assert props["licenseVerdict"] == "attribution-required"
    assert props["licenseReason"] == COPIED.license_reason
    assert props["obligations"] == ["keep the copyright and license notice"]
    assert props["notice"] == COPIED.notice  # the notice as it is, lines and all
    assert props["fails"] is True
    assert props["source"] == {"package": "click", "version": "8.1.7", "license": "BSD-3-Clause"}
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == "file:///work/my%20project/"


def test_sarif_percent_encodes_spaces_unicode_and_reserved_characters() -> None:
    results = json.loads(render_sarif(FULL))["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris[1] == "vendored/formatting%20copy.py"
    assert uris[2] == "donn%C3%A9es/texte%2C1%3A2%25.py"
    assert uris[3] == "app/pipes%7Cand_under_scores.py"
    assert all(u.isascii() and " " not in u for u in uris)


def test_sarif_file_level_and_similar_findings() -> None:
    results = json.loads(render_sarif(FULL))["runs"][0]["results"]
    whole = results[1]
    assert whole["properties"]["scope"] == "file"
    assert whole["message"]["text"].startswith("copied (whole file) from click 8.1.7")
    assert whole["message"]["text"].endswith(
        "; license: ok — keep the copyright and license notice"
    )
    assert whole["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "endLine": 120}
    # An allowed copy is a note, a flagged one (not in fail-on) a warning.
    assert (whole["ruleId"], whole["level"], whole["properties"]["fails"]) == (
        "copied",
        "note",
        False,
    )
    assert (results[2]["ruleId"], results[2]["level"]) == ("modified-copy", "warning")
    assert results[2]["message"]["text"].endswith(
        "; license: flagged — have the copy reviewed (the policy flags this license)"
    )
    assert (results[3]["ruleId"], results[3]["level"]) == ("similar", "note")
    assert "license:" not in results[3]["message"]["text"]  # not judged: nothing to say


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    def prints(report: Report) -> list[str]:
        results = json.loads(render_sarif(report))["runs"][0]["results"]
        return [r["partialFingerprints"]["ipscanFinding/v1"] for r in results]

    first = prints(FULL)
    assert first == prints(FULL)
    assert len(set(first)) == 4
    # Moving the copied code within its file keeps the alert; another verdict is another alert.
    moved = Finding(**{**COPIED.__dict__, "start_line": 112, "end_line": 148})
    assert prints(make_report(moved))[0] == first[0]
    edited = Finding(**{**COPIED.__dict__, "verdict": Verdict.MODIFIED_COPY})
    assert prints(make_report(edited))[0] != first[0]


def test_sarif_paths_are_made_relative_to_the_github_workspace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    report = make_report(COPIED, root=str(tmp_path / "sub dir"))
    run = json.loads(render_sarif(report))["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc["uri"] == "sub%20dir/app/util.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    assert "file=sub dir/app/util.py," in render_github(report)


def with_fail_on(report: Report, fail_on: tuple[str, ...]) -> Report:
    return replace(report, fail_on=fail_on)


def judged(base: Finding, license_verdict: str, **more: object) -> Finding:
    return replace(base, license_verdict=license_verdict, **more)  # type: ignore[arg-type]


WITHOUT_ATTRIBUTION = tuple(v for v in DEFAULT_FAIL_ON if v != "attribution-required")
WITH_RESTRICTED = (*DEFAULT_FAIL_ON, "restricted")


@pytest.mark.parametrize(
    ("finding", "fail_on", "level"),
    [
        (judged(COPIED, "attribution-required"), DEFAULT_FAIL_ON, "error"),
        (judged(COPIED, "attribution-required"), WITHOUT_ATTRIBUTION, "warning"),
        (judged(COPIED, "ok", notice=""), DEFAULT_FAIL_ON, "note"),
        (judged(UNICODE, "restricted"), WITH_RESTRICTED, "error"),
        (judged(UNICODE, "flagged"), DEFAULT_FAIL_ON, "warning"),
        (judged(COPIED, "denied"), DEFAULT_FAIL_ON, "error"),
        (judged(COPIED, "", notice=""), DEFAULT_FAIL_ON, "note"),
        (judged(COPIED, "ok", notice=""), ("copied",), "error"),
        (judged(SIMILAR, "no-license"), DEFAULT_FAIL_ON, "note"),
        (judged(SIMILAR, "ok"), ("similar",), "error"),
    ],
    ids=[
        "attribution-required, default fail-on",
        "attribution-required, fail-on without it",
        "ok",
        "restricted",
        "flagged",
        "denied",
        "not judged",
        "fail-on lists copied",
        "similar with a license issue",
        "fail-on lists similar",
    ],
)
def test_level_follows_the_policy(finding: Finding, fail_on: tuple[str, ...], level: str) -> None:
    report = with_fail_on(make_report(finding), fail_on)
    (res,) = json.loads(render_sarif(report))["runs"][0]["results"]
    assert res["level"] == level
    assert res["properties"]["fails"] is (level == "error")
    command = {"error": "::error ", "warning": "::warning ", "note": "::notice "}[level]
    assert render_github(report).startswith(command)


LICENSE_VERDICTS: tuple[str, ...] = (
    "",
    "ok",
    "attribution-required",
    "unknown-license",
    "no-license",
)
LICENSE_VERDICTS += ("copyleft-conflict", "incompatible", "flagged", "restricted", "denied")
LICENSE_VERDICTS += ("some-verdict-added-later",)
FAIL_ONS: tuple[tuple[str, ...], ...] = (
    DEFAULT_FAIL_ON,
    WITHOUT_ATTRIBUTION,
    WITH_RESTRICTED,
    (),
    ("copied",),
)
FAIL_ONS += (("similar", "modified-copy"), LICENSE_VERDICTS[1:])


def test_a_copy_that_passes_is_never_an_error_and_a_failing_one_always_is() -> None:
    bases = (COPIED, SPACED, UNICODE, SIMILAR)
    for fail_on in FAIL_ONS:
        findings = tuple(judged(b, v) for b, v in itertools.product(bases, LICENSE_VERDICTS))
        report = with_fail_on(make_report(*findings), fail_on)
        results = json.loads(render_sarif(report))["runs"][0]["results"]
        commands = [ln.split(" ", 1)[0] for ln in render_github(report).splitlines()]
        assert len(results) == len(commands) == len(findings)
        for f, res, command in zip(findings, results, commands, strict=True):
            failing = fails(f, fail_on)
            assert (res["level"] == "error") is failing, (f.verdict, f.license_verdict, fail_on)
            assert (command == "::error") is failing
            issue = f.verdict is not Verdict.SIMILAR and f.license_verdict not in ("", "ok")
            want = "error" if failing else "warning" if issue else "note"
            assert res["level"] == want
            assert command == {"error": "::error", "warning": "::warning", "note": "::notice"}[want]


def fake_metadata(**fields: list[str]):  # type: ignore[no-untyped-def]
    msg = Message()
    for key, values in fields.items():
        for value in values:
            msg[key.replace("_", "-")] = value
    return lambda name: msg


def test_information_uri_comes_from_metadata_or_the_action_never_made_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def driver() -> dict:  # type: ignore[type-arg]
        return json.loads(render_sarif(EMPTY))["runs"][0]["tool"]["driver"]  # type: ignore[no-any-return]

    for key in ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_ACTION_REPOSITORY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(metadata, "metadata", fake_metadata())
    assert "informationUri" not in driver()
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://git.example.test")
    monkeypatch.setenv("GITHUB_ACTION_REPOSITORY", "owner/ipscan-action")
    assert "informationUri" not in driver()  # not in GitHub Actions
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert driver()["informationUri"] == "https://git.example.test/owner/ipscan-action"
    urls = ["Source, https://code.example.test/ipscan", "Homepage, https://ipscan.example.test"]
    monkeypatch.setattr(metadata, "metadata", fake_metadata(Project_URL=urls))
    assert driver()["informationUri"] == "https://ipscan.example.test"
    monkeypatch.setattr(metadata, "metadata", fake_metadata(Home_page=["UNKNOWN"]))
    assert driver()["informationUri"] == "https://git.example.test/owner/ipscan-action"

    def missing(name: str) -> None:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "metadata", missing)
    monkeypatch.delenv("GITHUB_ACTION_REPOSITORY")
    assert "informationUri" not in driver()


def many(n: int, failing: set[int]) -> Report:
    """``n`` findings in distinct files: those in ``failing`` fail, every 7th warns, the rest
    are allowed copies."""
    findings = []
    for i in range(n):
        verdict = "denied" if i in failing else "flagged" if i % 7 == 0 else "ok"
        findings.append(replace(SPACED, path=f"pkg/m{i}.py", license_verdict=verdict))
    return make_report(*findings)


def omitted(run: dict) -> int:  # type: ignore[type-arg]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert note["descriptor"]["id"] == "ipscan/results-omitted"
    count = int(note["message"]["text"].split(" ", 1)[0])
    assert count == run["properties"]["ipscan"]["resultsOmitted"]
    return count


def test_sarif_keeps_at_most_25000_results_failing_ones_first() -> None:
    n = sarif_limits.MAX_RESULTS + 10
    # Failing findings at the very end: they must survive the cut.
    failing = set(range(n - 12, n))
    report = many(n, failing)
    text = render_sarif(report)
    run = json.loads(text)["runs"][0]
    results = run["results"]
    assert len(results) == 25_000
    assert omitted(run) == 10
    assert run["properties"]["ipscan"]["findings"] == n
    assert sum(r["level"] == "error" for r in results) == 12
    assert all(r["properties"]["fails"] for r in results if r["level"] == "error")
    # Every warning is kept too; only notes go, the last ones; what stays is in report order.
    warnings = sum(1 for i in range(n) if i % 7 == 0 and i not in failing)
    assert sum(r["level"] == "warning" for r in results) == warnings
    paths = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    indices = [int(re.sub(r"\D", "", p)) for p in paths]
    assert indices == sorted(indices)
    assert gzip.compress(text.encode("utf-8")).__len__() < sarif_limits.MAX_GZIP_BYTES


def test_sarif_trims_further_to_fit_the_gzipped_size(
    monkeypatch: pytest.MonkeyPatch, sarif_validator
) -> None:
    report = many(60, failing={5, 59})
    full = render_sarif(report)
    assert len(json.loads(full)["runs"][0]["results"]) == 60
    limit = sarif_limits.gzipped_size(full) // 2
    monkeypatch.setattr(sarif_limits, "MAX_GZIP_BYTES", limit)
    text = render_sarif(report)
    assert sarif_limits.gzipped_size(text) <= limit
    doc = validate_sarif(sarif_validator, text)
    run = doc["runs"][0]
    kept = len(run["results"])
    assert 2 <= kept < 60
    assert omitted(run) == 60 - kept
    assert [r["level"] for r in run["results"]].count("error") == 2


def test_a_capped_sarif_log_still_validates(
    monkeypatch: pytest.MonkeyPatch, sarif_validator
) -> None:
    monkeypatch.setattr(sarif_limits, "MAX_RESULTS", 2)
    doc = validate_sarif(sarif_validator, render_sarif(FULL))
    run = doc["runs"][0]
    # COPIED fails, UNICODE is a license warning: the two notes go.
    assert [r["ruleId"] for r in run["results"]] == ["copied", "modified-copy"]
    assert [r["level"] for r in run["results"]] == ["error", "warning"]
    assert omitted(run) == 2
    assert (
        "at most 2 results per run"
        in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


# --- GitHub workflow commands -------------------------------------------------------------


def test_github_annotation_for_one_finding() -> None:
    line = render_github(make_report(COPIED))
    assert line == (
        "::error file=app/util.py,line=12,endLine=48,"
        "title=ipscan%3A copied from click (BSD-3-Clause) — attribution-required"
        f"::{COPIED_MESSAGE}\n"
    )
    # Not judged (a report from before license verdicts): no license words, and it is a notice.
    bare = replace(COPIED, license_verdict="", notice="", obligations=())
    assert render_github(make_report(bare)) == (
        "::notice file=app/util.py,line=12,endLine=48,"
        "title=ipscan%3A copied from click (BSD-3-Clause)"
        "::copied from click 8.1.7 src/click/utils.py:30-66 (BSD-3-Clause, 0.97)\n"
    )


def test_github_annotation_carries_the_license_verdict_and_the_notice_escaped() -> None:
    notice = "Copyright (c) 2010-2020 Benjamin Peterson 100%\n\nSPDX-License-Identifier: MIT\r\n"
    six = judged(SIMILAR, "attribution-required", verdict=Verdict.COPIED, notice=notice)
    line = render_github(make_report(six))
    assert line.count("\n") == 1 and "\r" not in line
    assert line.startswith("::error file=app/pipes|and_under_scores.py,line=3,endLine=9,")
    assert "title=ipscan%3A copied from six (MIT) — attribution-required::" in line
    assert line.endswith(
        "::copied from six 1.16.0 six.py:610-626 (MIT, 0.50); license: attribution-required — "
        "add the notice: Copyright (c) 2010-2020 Benjamin Peterson 100%25 | "
        "SPDX-License-Identifier: MIT\n"
    )
    # Without a notice the fix is the obligations, else a word per verdict, else the reason.
    plain = judged(COPIED, "copyleft-conflict", notice="", obligations=("relicense under GPL",))
    assert "; license: copyleft-conflict — relicense under GPL\n" in render_github(
        make_report(plain)
    )
    odd = judged(COPIED, "quarantined", notice="", obligations=(), license_reason="ask legal")
    assert render_github(make_report(odd)).endswith("; license: quarantined — ask legal\n")
    assert render_github(make_report(odd)).startswith("::warning ")


def test_github_commands_per_verdict_and_escaping() -> None:
    lines = render_github(FULL).splitlines()
    assert len(lines) == 4
    assert [ln.split(" ", 1)[0] for ln in lines] == ["::error", "::notice", "::warning", "::notice"]
    assert lines[1].startswith("::notice file=vendored/formatting copy.py,line=1,endLine=120,")
    assert "::copied (whole file) from click 8.1.7 src/click/formatting.py:1-118" in lines[1]
    assert lines[1].endswith("; license: ok — keep the copyright and license notice")
    # Properties escape % : , (and CR/LF); the message escapes only % CR LF.
    assert lines[2].startswith("::warning file=données/texte%2C1%3A2%25.py,line=40,endLine=55,")
    title = "title=ipscan%3A modified-copy from packaging (Apache-2.0 OR BSD-2-Clause) — flagged::"
    assert title in lines[2]
    assert "(Apache-2.0 OR BSD-2-Clause, 0.81); license: flagged — " in lines[2]


def test_github_escapes_newlines_and_percent_in_data() -> None:
    odd = Finding(
        **{
            **COPIED.__dict__,
            "path": "a\nb.py",
            "source": SourceRef("p", "1", "x\r\ny.py", 1, 2, "MIT 100%"),
        }
    )
    line = render_github(make_report(odd))
    assert line.count("\n") == 1 and "\r" not in line
    assert "file=a%0Ab.py," in line  # the runner decodes it back: the annotation lands on a\nb.py
    assert "x\\r\\ny.py:1-2 (MIT 100%25, 0.97); license: " in line  # shown, on one line


# A file name and index fields that try to add lines, rewrite the terminal and reorder text.
HOSTILE = Finding(
    **{
        **COPIED.__dict__,
        "path": "evil\nname\r\x1b[31mred\x1b[0m\u202e.py",
        "source": SourceRef(
            "pkg\x1b]0;owned\x07", "1\u2028", "src/a\\b\x00.py", 1, 2, "MIT\n", "f"
        ),
        "license_verdict": "ok",
        "notice": "Copyright (c) X\x1b[2J\nsecond line\x85",
    }
)
HOSTILE_TEXT = (
    "evil\\nname\\r\\x1b[31mred\\x1b[0m\\u202e.py:12-48: copied from pkg\\x1b]0;owned\\x07 "
    "1\\u2028 src/a\\\\b\\x00.py:1-2 (MIT\\n, 0.97) license: ok"
)


def test_text_output_escapes_control_characters_so_a_finding_stays_one_line() -> None:
    out = render_text(make_report(HOSTILE, COPIED))
    lines = out.splitlines()
    assert lines == [
        HOSTILE_TEXT,
        "  add notice: Copyright (c) X\\x1b[2J | second line",
        *finding_line(COPIED).splitlines(),
    ]
    assert not any(ch in out for ch in "\r\x1b\x00\x07\u2028\u202e")
    report = Report(**{**make_report().__dict__, "project_license": "MIT\n\x1b[2J"})
    assert "project license: MIT\\n\\x1b[2J;" in summary_line(report)


def test_github_output_escapes_control_characters() -> None:
    out = render_github(make_report(HOSTILE))
    assert out.count("\n") == 1
    assert not any(ch in out for ch in "\r\x1b\x00\x07\u2028\u202e\x85")
    assert out.startswith("::notice file=evil%0Aname%0D\\x1b[31mred\\x1b[0m\\u202e.py,line=12,")
    assert "title=ipscan%3A copied from pkg\\x1b]0;owned\\x07 (MIT\\n) — ok::" in out
    assert out.endswith(
        "::copied from pkg\\x1b]0;owned\\x07 1\\u2028 src/a\\\\b\\x00.py:1-2 (MIT\\n, 0.97); "
        "license: ok — add the notice: Copyright (c) X\\x1b[2J | second line\n"
    )
    md = render_step_summary(make_report(HOSTILE))
    assert not any(ch in md for ch in "\r\x1b\x00\x07\u2028\u202e")
    (row,) = [ln for ln in md.splitlines() if ln.startswith("| evil")]
    assert row.startswith("| evil\\\\nname\\\\r\\\\x1b\\[31mred")


def test_github_no_findings_prints_nothing() -> None:
    assert render_github(EMPTY) == ""


# --- Step summary -------------------------------------------------------------------------


def test_step_summary_table() -> None:
    md = render_step_summary(FULL)
    lines = md.splitlines()
    assert lines[0] == "## ipscan: 4 findings, 1 failing the policy"
    assert lines[2] == (
        "41 files, 512 units scanned. Project license: MIT; policy: .ipscan.toml; fails on: "
        + ", ".join(DEFAULT_FAIL_ON)
        + "."
    )
    assert "| copied | 2 |" in lines
    assert "| modified-copy | 1 |" in lines
    assert "| similar | 1 |" in lines
    header = next(ln for ln in lines if ln.startswith("| Where"))
    assert header.endswith("| Similarity | License verdict | Fails | What to do |")
    row = "| app/util.py:12-48 | copied | click 8.1.7 src/click/utils.py:30-66 | BSD-3-Clause |"
    row += " 0.97 | attribution-required | yes | add the notice: Copyright 2014 Pallets \\| "
    assert any(ln.startswith(row) for ln in lines)
    assert "| vendored/formatting copy.py:1-120 | copied (whole file) |" in md
    assert "| 0.93 | ok | no | keep the copyright and license notice |" in md
    # A pipe in a path must not open a new cell; underscores must not turn into emphasis.
    row = next(ln for ln in lines if "pipes" in ln)
    assert "app/pipes\\|and\\_under\\_scores.py:3-9" in row
    assert row.replace("\\|", "").count("|") == 9
    assert "six.py:610-626 | MIT | 0.50 | - | no | - |" in row
    assert "not listed" not in md


def test_step_summary_lists_the_most_important_rows_when_there_are_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(github, "SUMMARY_ROWS", 3)
    md = render_step_summary(many(30, failing={4, 29}))
    rows = [ln for ln in md.splitlines() if ln.startswith("| pkg/")]
    # Both failing ones, then the first warning (m0: every 7th warns); in report order.
    assert [r.split(":", 1)[0] for r in rows] == ["| pkg/m0.py", "| pkg/m4.py", "| pkg/m29.py"]
    assert md.rstrip().endswith(
        "27 more findings are not listed here (a job summary has a size limit); "
        "the JSON report lists them all."
    )
    monkeypatch.setattr(github, "SUMMARY_ROWS", 1000)
    monkeypatch.setattr(github, "SUMMARY_BYTES", 2000)
    md = render_step_summary(many(30, failing={4, 29}))
    assert len(md.encode("utf-8")) < 2000 + 300
    assert "| pkg/m29.py" in md and "more findings are not listed" in md


def test_step_summary_without_findings() -> None:
    md = render_step_summary(EMPTY)
    assert md.startswith("## ipscan: no findings\n")
    assert "41 files, 512 units scanned" in md
    assert "|" not in md


# --- Reading a JSON report back -----------------------------------------------------------


@pytest.mark.parametrize("report", [FULL, EMPTY], ids=["findings", "none"])
def test_json_round_trip(report: Report) -> None:
    assert report_from_dict(report_dict(report)) == report
    assert report_from_dict(json.loads(render_json(report))) == report


def test_the_other_files_a_finding_is_also_in_round_trip_and_are_shown() -> None:
    also = (replace(CLICK, package="click-fork", version="1.0", license="GPL-3.0-only"),)
    report = make_report(replace(COPIED, also_in=also))
    doc = report_dict(report)
    assert doc["findings"][0]["also_in"][0]["license"] == "GPL-3.0-only"
    assert report_from_dict(json.loads(render_json(report))) == report
    text = render_text(report)
    assert "\n  also in: click-fork src/click/utils.py:30-66 (GPL-3.0-only)" in text
    assert "also in" not in render_text(FULL)


def test_load_report_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(render_json(FULL), encoding="utf-8")
    assert load_report(path) == FULL


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"schema": "ipscan.report/2"}, "schema 'ipscan.report/2'"),
        ({"version": "2.1.0", "runs": []}, "schema None"),
        ([1, 2], "a list"),
    ],
)
def test_other_documents_are_usage_errors(doc: object, words: str) -> None:
    with pytest.raises(UsageError) as exc:
        report_from_dict(doc)  # type: ignore[arg-type]
    assert words in str(exc.value)
    assert "\n" not in str(exc.value)


def test_malformed_report_is_a_one_line_usage_error(tmp_path: Path) -> None:
    doc = report_dict(FULL)
    del doc["findings"][0]["source"]["license"]
    with pytest.raises(UsageError, match="missing field 'license'"):
        report_from_dict(doc)
    doc = report_dict(FULL)
    doc["findings"][0]["verdict"] = "stolen"
    with pytest.raises(UsageError, match="stolen"):
        report_from_dict(doc)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="not JSON") as exc:
        load_report(bad)
    assert str(exc.value).startswith(str(bad))
    with pytest.raises(UsageError, match="cannot read"):
        load_report(tmp_path / "missing.json")

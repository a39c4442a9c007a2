"""SARIF, GitHub annotations, the job summary, and reading a JSON report back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipscan.errors import UsageError
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SkippedFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
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
)
SPACED = Finding(
    path="vendored/formatting copy.py",
    start_line=1,
    end_line=120,
    similarity=0.9312,
    verdict=Verdict.COPIED,
    source=SourceRef("click", "8.1.7", "src/click/formatting.py", 1, 118, "BSD-3-Clause"),
    scope=Scope.FILE,
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
    assert driver["version"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert levels == {"copied": "error", "modified-copy": "warning", "similar": "note"}
    assert all(r["shortDescription"]["text"] for r in driver["rules"])


def test_sarif_maps_one_finding_exactly() -> None:
    run = json.loads(render_sarif(FULL))["runs"][0]
    res = run["results"][0]
    assert res["ruleId"] == "copied"
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "copied"
    assert res["level"] == "error"
    assert res["message"]["text"] == (
        "copied from click 8.1.7 src/click/utils.py:30-66 (BSD-3-Clause, 0.97)"
    )
    # The same words as the text renderer's line, after its "path:lines: " prefix.
    assert finding_line(COPIED) == f"app/util.py:12-48: {res['message']['text']}"
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
    assert whole["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "endLine": 120}
    assert (results[2]["ruleId"], results[2]["level"]) == ("modified-copy", "warning")
    assert (results[3]["ruleId"], results[3]["level"]) == ("similar", "note")


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


# --- GitHub workflow commands -------------------------------------------------------------


def test_github_annotation_for_one_finding() -> None:
    line = render_github(make_report(COPIED))
    assert line == (
        "::error file=app/util.py,line=12,endLine=48,"
        "title=ipscan%3A copied from click (BSD-3-Clause)"
        "::copied from click 8.1.7 src/click/utils.py:30-66 (BSD-3-Clause, 0.97)\n"
    )


def test_github_commands_per_verdict_and_escaping() -> None:
    lines = render_github(FULL).splitlines()
    assert len(lines) == 4
    assert [ln.split(" ", 1)[0] for ln in lines] == ["::error", "::error", "::warning", "::notice"]
    assert lines[1].startswith("::error file=vendored/formatting copy.py,line=1,endLine=120,")
    assert "::copied (whole file) from click 8.1.7 src/click/formatting.py:1-118" in lines[1]
    # Properties escape % : , (and CR/LF); the message escapes only % CR LF.
    assert lines[2].startswith("::warning file=données/texte%2C1%3A2%25.py,line=40,endLine=55,")
    assert "title=ipscan%3A modified-copy from packaging (Apache-2.0 OR BSD-2-Clause)::" in lines[2]
    assert lines[2].endswith("(Apache-2.0 OR BSD-2-Clause, 0.81)")


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
    assert "x\\r\\ny.py:1-2 (MIT 100%25, 0.97)" in line  # the message shows it, one line


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
        finding_line(COPIED),
    ]
    assert not any(ch in out for ch in "\r\x1b\x00\x07\u2028\u202e")
    report = Report(**{**make_report().__dict__, "project_license": "MIT\n\x1b[2J"})
    assert "project license: MIT\\n\\x1b[2J;" in summary_line(report)


def test_github_output_escapes_control_characters() -> None:
    out = render_github(make_report(HOSTILE))
    assert out.count("\n") == 1
    assert not any(ch in out for ch in "\r\x1b\x00\x07\u2028\u202e\x85")
    assert out.startswith("::error file=evil%0Aname%0D\\x1b[31mred\\x1b[0m\\u202e.py,line=12,")
    assert "title=ipscan%3A copied from pkg\\x1b]0;owned\\x07 (MIT\\n)::" in out
    assert out.endswith(
        "::copied from pkg\\x1b]0;owned\\x07 1\\u2028 src/a\\\\b\\x00.py:1-2 (MIT\\n, 0.97)\n"
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
    assert lines[0] == "## ipscan: 4 findings"
    assert "| copied | 2 |" in lines
    assert "| modified-copy | 1 |" in lines
    assert "| similar | 1 |" in lines
    row = "| app/util.py:12-48 | copied | click 8.1.7 src/click/utils.py:30-66 | BSD-3-Clause |"
    assert row + " 0.97 |" in lines
    assert "| vendored/formatting copy.py:1-120 | copied (whole file) |" in md
    # A pipe in a path must not open a new cell; underscores must not turn into emphasis.
    row = next(ln for ln in lines if "pipes" in ln)
    assert "app/pipes\\|and\\_under\\_scores.py:3-9" in row
    assert row.replace("\\|", "").count("|") == 6
    assert "six.py:610-626 | MIT | 0.50 |" in row


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

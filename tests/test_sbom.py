"""SPDX 2.3 and CycloneDX 1.6 output: valid by their libraries' validators, and what maps where."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ipscan.errors import UsageError
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report.cyclonedx import purl_parts
from ipscan.report.cyclonedx import render_cyclonedx
from ipscan.report.json_report import render_json
from ipscan.report.json_report import report_from_dict
from ipscan.report.spdx import byte_range
from ipscan.report.spdx import combined_license
from ipscan.report.spdx import render_spdx

PY_TEXT = "import os\n\n\ndef helper(x):\n    y = x + 1\n    return y * 2\n\nprint(helper(3))\n"
JS_TEXT = "function pad(s, n) {\n  while (s.length < n) s = ' ' + s;\n  return s;\n}\n"

CLICK = SourceRef("click", "8.1.7", "src/click/utils.py", 30, 32, "BSD-3-Clause", "helper")
LEFT_PAD = SourceRef("left-pad", "1.3.0", "index.js", 1, 4, "Apache-2.0 OR BSD-2-Clause")
LEFT_PAD_LIB = SourceRef("left-pad", "1.3.0", "lib/pad.js", 2, 3, "NOASSERTION")


def make_report(root: str = "/work/demo-project", texts: bool = True) -> Report:
    findings = (
        Finding(
            "src/my module.py",
            4,
            6,
            0.9712,
            Verdict.COPIED,
            CLICK,
            unit_name="helper",
            matchers=(Matcher.HASH, Matcher.WINNOW),
        ),
        Finding("web/pad.js", 1, 4, 0.91, Verdict.MODIFIED_COPY, LEFT_PAD, scope=Scope.FILE),
        Finding(
            "web/pad.js",
            2,
            3,
            0.83,
            Verdict.SIMILAR,
            LEFT_PAD_LIB,
            unit_name="pad",
            matchers=(Matcher.EMBED,),
        ),
    )
    return Report(
        root=root,
        findings=findings,
        files_scanned=3,
        units_scanned=7,
        skipped=(),
        index_summary={"sources": 2},
        elapsed_s=0.5,
        texts={"src/my module.py": PY_TEXT, "web/pad.js": JS_TEXT} if texts else {},
    )


def empty_report() -> Report:
    return Report("/work/clean", (), 4, 9, (), {}, 0.1)


def spdx_document(text: str) -> Any:
    """Parse the written JSON back with spdx-tools and validate it in full."""
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    document = JsonLikeDictParser().parse(json.loads(text))
    assert validate_full_spdx_document(document) == []
    return document


def cyclonedx_errors(text: str) -> list[str]:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    return [str(e) for e in errors or ()]


@pytest.mark.parametrize("report", [make_report(), empty_report()], ids=["findings", "clean"])
def test_spdx_is_valid(report: Report) -> None:
    text = render_spdx(report)
    assert text.endswith("\n")
    document = spdx_document(text)
    assert document.creation_info.spdx_version == "SPDX-2.3"
    assert [str(c) for c in document.creation_info.creators] == ["Tool: ipscan-0.1.0"]
    assert document.creation_info.document_namespace.startswith("https://spdx.org/spdxdocs/ipscan-")
    assert len(document.snippets) == (2 if report.findings else 0)


@pytest.mark.parametrize("report", [make_report(), empty_report()], ids=["findings", "clean"])
def test_cyclonedx_is_valid(report: Report) -> None:
    text = render_cyclonedx(report)
    assert text.endswith("\n")
    assert cyclonedx_errors(text) == []
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["component"]["name"] == Path(report.root).name
    assert doc["metadata"]["tools"]["components"][0]["name"] == "ipscan"
    assert len(doc.get("components", [])) == (2 if report.findings else 0)


def test_spdx_maps_a_unit_finding_to_a_snippet() -> None:
    from spdx_tools.spdx.model import ChecksumAlgorithm
    from spdx_tools.spdx.model import RelationshipType
    from spdx_tools.spdx.model import SpdxNoAssertion

    doc = spdx_document(render_spdx(make_report()))
    assert doc.creation_info.name == "ipscan report of demo-project"
    project, click, left_pad = doc.packages
    assert (project.name, project.files_analyzed) == ("demo-project", True)
    assert project.verification_code is not None
    assert (click.name, click.version, click.files_analyzed) == ("click", "8.1.7", False)
    assert str(click.license_declared) == "BSD-3-Clause"
    # NOASSERTION from one file does not hide the other file's license.
    assert str(left_pad.license_declared) == "Apache-2.0 OR BSD-2-Clause"

    file = next(f for f in doc.files if f.name == "./src/my module.py")
    sums = {c.algorithm: c.value for c in file.checksums}
    assert sums[ChecksumAlgorithm.SHA1] == hashlib.sha1(PY_TEXT.encode()).hexdigest()
    assert sums[ChecksumAlgorithm.SHA256] == hashlib.sha256(PY_TEXT.encode()).hexdigest()

    snippet = next(s for s in doc.snippets if s.file_spdx_id == file.spdx_id)
    assert snippet.line_range == (4, 6)  # SPDX ranges are inclusive, like ipscan's lines
    start, end = snippet.byte_range
    assert (
        PY_TEXT.encode()[start - 1 : end].decode()
        == "def helper(x):\n    y = x + 1\n    return y * 2"
    )
    assert str(snippet.license_concluded) == "BSD-3-Clause"
    assert snippet.name == "helper"
    assert snippet.comment == (
        "copied from click 8.1.7 src/click/utils.py:30-32 (copied, similarity 0.97)"
    )

    similar = next(s for s in doc.snippets if s.file_spdx_id != file.spdx_id)
    assert similar.license_concluded == SpdxNoAssertion()
    assert similar.line_range == (2, 3)

    rel = {(r.spdx_element_id, r.related_spdx_element_id): r for r in doc.relationships}
    assert (
        rel[("SPDXRef-DOCUMENT", project.spdx_id)].relationship_type == RelationshipType.DESCRIBES
    )
    assert rel[(project.spdx_id, file.spdx_id)].relationship_type == RelationshipType.CONTAINS
    assert rel[(snippet.spdx_id, click.spdx_id)].relationship_type == RelationshipType.COPY_OF
    assert rel[(similar.spdx_id, left_pad.spdx_id)].relationship_type == RelationshipType.OTHER
    # The file-level finding is the File itself, an edited copy of the package.
    js = next(f for f in doc.files if f.name == "./web/pad.js")
    assert rel[(js.spdx_id, left_pad.spdx_id)].relationship_type == RelationshipType.VARIANT_OF


def test_cyclonedx_maps_a_finding_to_component_evidence() -> None:
    doc = json.loads(render_cyclonedx(make_report()))
    click = next(c for c in doc["components"] if c["name"] == "click")
    assert click["type"] == "library"
    assert click["version"] == "8.1.7"
    assert click["purl"] == "pkg:pypi/click@8.1.7"
    assert click["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    [occurrence] = click["evidence"]["occurrences"]
    assert occurrence["location"] == "src/my module.py"
    assert occurrence["line"] == 4
    assert occurrence["symbol"] == "helper"
    assert "src/click/utils.py:30-32" in occurrence["additionalContext"]
    props = {(p["name"], p["value"]) for p in click["properties"]}
    assert ("ipscan:verdict", "copied") in props
    assert ("ipscan:similarity", "0.9712") in props
    assert ("ipscan:source-path", "src/click/utils.py:30-32") in props

    left_pad = next(c for c in doc["components"] if c["name"] == "left-pad")
    assert left_pad["purl"] == "pkg:npm/left-pad@1.3.0"
    assert left_pad["licenses"] == [{"expression": "Apache-2.0 OR BSD-2-Clause"}]
    assert len(left_pad["evidence"]["occurrences"]) == 2
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert sorted(deps["ipscan-scanned-project"]) == sorted(c["bom-ref"] for c in doc["components"])


def test_noassertion_only_package_has_no_license() -> None:
    only = Finding(
        "a.c", 1, 2, 0.9, Verdict.COPIED, SourceRef("zlib", "1.3", "x.c", 1, 2, "NOASSERTION")
    )
    report = Report("/w/p", (only,), 1, 1, (), {}, 0.1, texts={"a.c": "int a;\nint b;\n"})
    text = render_cyclonedx(report)
    assert cyclonedx_errors(text) == []
    [component] = json.loads(text)["components"]
    assert "licenses" not in component
    assert "purl" not in component  # a .c source says nothing about the ecosystem
    spdx_document(render_spdx(report))


def test_spdx_reads_files_under_root_when_the_report_has_no_texts(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "my module.py").write_text(PY_TEXT, encoding="utf-8")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "pad.js").write_bytes(b"\xef\xbb\xbf" + JS_TEXT.encode())
    loaded = report_from_dict(json.loads(render_json(make_report(str(tmp_path)))))
    assert loaded.texts == {}
    assert spdx_document(render_spdx(loaded)).snippets
    (tmp_path / "web" / "pad.js").unlink()
    with pytest.raises(UsageError, match=r"web/pad\.js"):
        render_spdx(loaded)


def test_byte_range_is_one_based_inclusive_without_the_line_end() -> None:
    data = b"ab\r\ncd\r\nef"
    assert byte_range(data, 2, 2) == (5, 6)
    assert byte_range(data, 1, 3) == (1, 10)
    assert byte_range(data, 3, 9) == (9, 10)  # lines past the end are clamped


def test_combined_license() -> None:
    assert combined_license(["NOASSERTION"]) == "NOASSERTION"
    assert combined_license(["MIT", "NOASSERTION", "MIT"]) == "MIT"
    assert combined_license(["MIT", "Apache-2.0 OR BSD-2-Clause"]) == (
        "MIT AND (Apache-2.0 OR BSD-2-Clause)"
    )


def test_purl_is_guessed_from_the_source_file_suffix() -> None:
    assert purl_parts("click", "8", "src/click/utils.py") == ("pypi", None, "click")
    assert purl_parts("@babel/core", "7", "lib/index.mjs") == ("npm", "@babel", "core")
    assert purl_parts("zlib", "1.3", "deflate.c") is None


@pytest.mark.parametrize(
    ("render", "module", "fmt"),
    [
        (render_spdx, "spdx_tools.spdx.model", "spdx"),
        (render_cyclonedx, "cyclonedx.model.bom", "cyclonedx"),
    ],
)
def test_missing_extra_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, render: object, module: str, fmt: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(UsageError, match=rf"--format {fmt} needs the sbom extra") as err:
        render(make_report())  # type: ignore[operator]
    assert "\n" not in str(err.value)


def test_importing_the_renderers_does_not_import_the_libraries() -> None:
    code = (
        "import sys, ipscan.report.spdx, ipscan.report.cyclonedx\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('spdx_tools', 'cyclonedx', 'license_expression', 'packageurl')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.parametrize("license_", ["MIT/X11", "Apache 2.0", "LicenseRef-scancode-foo", "NONE"])
def test_non_spdx_licenses_still_validate(license_: str) -> None:
    source = SourceRef("pkg", "", "x.ts", 1, 1, license_)
    report = Report(".", (Finding("ü/a.c", 1, 1, 1.0, Verdict.COPIED, source),), 1, 1, (), {}, 0.1)
    report.texts["ü/a.c"] = "x"
    doc = spdx_document(render_spdx(report))
    assert license_ in (doc.snippets[0].license_comment or "") or license_ == "NONE"
    assert cyclonedx_errors(render_cyclonedx(report)) == []

"""SPDX 2.3 and CycloneDX 1.6 output: valid by their libraries' validators, and what maps where."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ipscan.errors import UsageError
from ipscan.index.origins import ecosystem_of
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report.cyclonedx import render_cyclonedx
from ipscan.report.json_report import render_json
from ipscan.report.json_report import report_from_dict
from ipscan.report.purl import infer_ecosystem
from ipscan.report.purl import source_purl
from ipscan.report.spdx import byte_range
from ipscan.report.spdx import combined_license
from ipscan.report.spdx import render_spdx
from ipscan.report.spdx import spdx_expression

PY_TEXT = "import os\n\n\ndef helper(x):\n    y = x + 1\n    return y * 2\n\nprint(helper(3))\n"
JS_TEXT = "function pad(s, n) {\n  while (s.length < n) s = ' ' + s;\n  return s;\n}\n"

CLICK_COPYRIGHT = "Copyright 2014 Pallets"
CLICK = SourceRef(
    "click",
    "8.1.7",
    "src/click/utils.py",
    30,
    32,
    "BSD-3-Clause",
    "helper",
    copyright=(CLICK_COPYRIGHT,),
)
LEFT_PAD = SourceRef("left-pad", "1.3.0", "index.js", 1, 4, "Apache-2.0 OR BSD-2-Clause")
LEFT_PAD_LIB = SourceRef("left-pad", "1.3.0", "lib/pad.js", 2, 3, "NOASSERTION")


# A purl as the purl spec writes one: pkg:type/namespace/name@version?qualifiers#subpath.
PURL = re.compile(
    r"pkg:[a-z][a-z0-9.+-]*(?:/[^/@?#\s]+)*/[^/@?#\s]+(?:@[^?#\s]+)?(?:\?[^#\s]+)?(?:#\S+)?"
)


def check_purl(text: str) -> None:
    """Well-formed per the spec, parses back unchanged, and canonical per its type."""
    from packageurl import PackageURL

    assert PURL.fullmatch(text), text
    assert PackageURL.from_string(text).to_string() == text
    assert [m.message for m in PackageURL.validate_string(text, strict=True)] == []


def make_report(
    root: str = "/work/demo-project", texts: bool = True, project_license: str | None = "MIT"
) -> Report:
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
        project_license=project_license,
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
    assert click["licenses"] == [{"license": {"id": "BSD-3-Clause", "acknowledgement": "declared"}}]
    assert click["copyright"] == CLICK_COPYRIGHT
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
    assert left_pad["licenses"] == [
        {"expression": "Apache-2.0 OR BSD-2-Clause", "acknowledgement": "declared"}
    ]
    assert "copyright" not in left_pad
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
    assert "copyright" not in component
    # A .c source says nothing about the ecosystem.
    assert component["purl"] == "pkg:generic/zlib@1.3"
    doc = spdx_document(render_spdx(report))
    assert doc.packages[1].license_declared == doc.packages[1].copyright_text


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


def test_purl_type_is_inferred_from_the_name_then_the_suffix() -> None:
    assert infer_ecosystem("click", "src/click/utils.py") == ("pypi", "suffix")
    assert infer_ecosystem("@babel/core", "lib/index.c") == ("npm", "name")
    assert infer_ecosystem("golang.org/x/net", "http2/frame.go") == ("golang", "name")
    assert infer_ecosystem("serde", "src/de/mod.rs") == ("cargo", "suffix")
    assert infer_ecosystem("zlib", "deflate.c") == ("generic", "")
    assert infer_ecosystem("net", "http2/frame.go") == ("generic", "")  # no module path
    assert infer_ecosystem("my lib", "a.py") == ("generic", "")  # no PyPI name
    assert infer_ecosystem("click", "py.typed/LICENSE") == ("generic", "")


@pytest.mark.parametrize(
    ("package", "version", "path", "ecosystem", "expected"),
    [
        ("click", "8.1.7", "src/click/utils.py", None, "pkg:pypi/click@8.1.7"),
        # The purl spec: PyPI names lowercased, "_" as "-".
        ("Foo_Bar", "1.0", "foo_bar/x.py", None, "pkg:pypi/foo-bar@1.0"),
        ("@Babel/Core", "7.24.0", "lib/index.js", None, "pkg:npm/%40babel/core@7.24.0"),
        ("left-pad", "1.3.0", "index.js", None, "pkg:npm/left-pad@1.3.0"),
        ("serde", "1.0.200", "src/lib.rs", None, "pkg:cargo/serde@1.0.200"),
        (
            "golang.org/x/net",
            "v0.24.0",
            "http2/frame.go",
            None,
            "pkg:golang/golang.org/x/net@v0.24.0",
        ),
        ("zlib", "1.3", "deflate.c", None, "pkg:generic/zlib@1.3"),
        ("My Lib", "1 beta", "a.py", None, "pkg:generic/my%20lib@1%20beta"),
        ("six", "unknown", "six.py", None, "pkg:pypi/six"),  # the index's "no version"
        ("zlib", "1:1.3.dfsg-3", "deflate.c", "deb", "pkg:deb/debian/zlib@1:1.3.dfsg-3"),
        (
            "pallets/click",
            "8.1.7",
            "src/click/utils.py",
            "github",
            "pkg:github/pallets/click@8.1.7",
        ),
        ("requests", "2.32.3", "src/requests/api.py", "pypi", "pkg:pypi/requests@2.32.3"),
        # A recorded ecosystem whose names the package's does not fit: generic.
        ("click", "8.1.7", "a.py", "golang", "pkg:generic/click@8.1.7"),
    ],
)
def test_purls_are_well_formed(
    package: str, version: str, path: str, ecosystem: str | None, expected: str
) -> None:
    purl = source_purl(SourceRef(package, version, path, 1, 1, "MIT"), ecosystem)
    assert purl is not None
    assert str(purl) == expected
    check_purl(str(purl))
    assert (purl.note is None) == (ecosystem is not None and purl.url.type == ecosystem)
    if ecosystem is not None and purl.note:
        assert "does not fit" in purl.note


@pytest.mark.parametrize(
    ("origin", "kind", "ecosystem"),
    [
        ("pypi:six-1.16.0.tar.gz", "sdist", "pypi"),
        ("npm:wordpress-compose-7.10.0.tgz", "npm", "npm"),
        ("/tmp/left-pad-1.3.0.tgz", "npm", "npm"),
        ("/tmp/six-1.16.0-py2.py3-none-any.whl", "wheel", "pypi"),
        ("/tmp/zlib-1.3.tar.gz", "sdist", ""),  # a bare tarball says nothing
        ("https://example.org/x.git", "git-url", ""),
        ("C:\\src\\lib", "folder", ""),
    ],
)
def test_the_index_records_the_ecosystem_of_registry_wheel_and_npm_sources(
    origin: str, kind: str, ecosystem: str
) -> None:
    assert ecosystem_of(origin, kind) == ecosystem


def test_a_recorded_ecosystem_reaches_the_purl_through_the_json_report() -> None:
    src = SourceRef("left-pad", "1.3.0", "pad.py", 1, 4, "MIT", ecosystem="npm")
    finding = Finding("a.py", 1, 4, 0.99, Verdict.COPIED, src)
    report = Report("/p", (finding,), 1, 1, (), {}, 0.1)
    back = report_from_dict(json.loads(render_json(report))).findings[0].source
    assert back.ecosystem == "npm"
    doc = json.loads(render_cyclonedx(report))
    assert [c["purl"] for c in doc["components"]] == ["pkg:npm/left-pad@1.3.0"]


def test_a_source_without_a_name_has_no_purl() -> None:
    assert source_purl(SourceRef("", "1", "a.py", 1, 1, "MIT")) is None


def test_spdx_packages_have_purls_and_copyright() -> None:
    from spdx_tools.spdx.model import ExternalPackageRefCategory
    from spdx_tools.spdx.model import SpdxNoAssertion

    doc = spdx_document(render_spdx(make_report()))
    project, click, left_pad = doc.packages
    assert project.external_references == []
    for package, expected in (
        (click, "pkg:pypi/click@8.1.7"),
        (left_pad, "pkg:npm/left-pad@1.3.0"),
    ):
        [ref] = package.external_references
        assert ref.category == ExternalPackageRefCategory.PACKAGE_MANAGER
        assert (ref.reference_type, ref.locator) == ("purl", expected)
        assert "inferred" in (ref.comment or "")
        check_purl(ref.locator)
    assert click.copyright_text == CLICK_COPYRIGHT
    assert left_pad.copyright_text == SpdxNoAssertion()
    click_snippet = next(s for s in doc.snippets if s.name == "helper")
    assert click_snippet.copyright_text == CLICK_COPYRIGHT
    other = next(s for s in doc.snippets if s.name == "pad")
    assert other.copyright_text is None


def test_copyright_statements_of_a_package_are_joined_once_each() -> None:
    a = SourceRef("lib", "1", "a.py", 1, 2, "MIT", copyright=("Copyright 2020 A", "(c) B"))
    b = SourceRef("lib", "1", "b.py", 1, 2, "MIT", copyright=("Copyright 2020 A", " (c) C "))
    findings = tuple(Finding(f"{s.path}", 1, 2, 0.9, Verdict.COPIED, s) for s in (a, b))
    texts = {"a.py": "x\ny\n", "b.py": "x\ny\n"}
    report = Report("/w/p", findings, 2, 2, (), {}, 0.1, texts=texts)
    joined = "Copyright 2020 A\n(c) B\n(c) C"
    assert spdx_document(render_spdx(report)).packages[1].copyright_text == joined
    text = render_cyclonedx(report)
    assert cyclonedx_errors(text) == []
    assert json.loads(text)["components"][0]["copyright"] == joined


def test_the_project_declares_the_license_ipscan_found() -> None:
    from spdx_tools.spdx.model import SpdxNoAssertion

    doc = spdx_document(render_spdx(make_report(project_license="Apache-2.0 OR MIT")))
    project = doc.packages[0]
    assert str(project.license_declared) == "Apache-2.0 OR MIT"
    assert project.license_concluded == SpdxNoAssertion()
    cdx = json.loads(render_cyclonedx(make_report(project_license="mit")))
    assert cdx["metadata"]["component"]["licenses"] == [
        {"license": {"id": "MIT", "acknowledgement": "declared"}}
    ]


@pytest.mark.parametrize("project_license", [None, "MIT/X11"])
def test_a_project_without_an_spdx_license_declares_noassertion(
    project_license: str | None,
) -> None:
    from spdx_tools.spdx.model import SpdxNoAssertion

    report = make_report(project_license=project_license)
    project = spdx_document(render_spdx(report)).packages[0]
    assert project.license_declared == SpdxNoAssertion()
    assert (project.license_comment is None) == (project_license is None)
    text = render_cyclonedx(report)
    assert cyclonedx_errors(text) == []
    licenses = json.loads(text)["metadata"]["component"].get("licenses")
    if project_license is None:
        assert licenses is None
    else:
        assert licenses == [{"license": {"name": "MIT/X11", "acknowledgement": "declared"}}]


def test_license_refs_are_kept_with_their_extracted_licensing_info() -> None:
    refs = (
        "MIT OR LicenseRef-BSD-unknown-variant",
        "LicenseRef-Debian-Perl-like",
        "LicenseRef-scancode-foo",
        "LicenseRef-BSD-unknown-variant",
    )
    findings = tuple(
        Finding(f"f{n}.c", 1, 1, 0.9, Verdict.COPIED, SourceRef(f"p{n}", "1", "x.c", 1, 1, lic))
        for n, lic in enumerate(refs)
    )
    texts = {f.path: "int a;\n" for f in findings}
    report = Report("/w/p", findings, 4, 4, (), {}, 0.1, "LicenseRef-public-domain", texts=texts)
    doc = spdx_document(render_spdx(report))
    project, *sources = doc.packages
    assert str(project.license_declared) == "LicenseRef-public-domain"
    assert [str(p.license_declared) for p in sources] == list(refs)
    assert [str(s.license_concluded) for s in doc.snippets] == list(refs)
    extracted = {e.license_id: e for e in doc.extracted_licensing_info}
    assert list(extracted) == [
        "LicenseRef-BSD-unknown-variant",
        "LicenseRef-Debian-Perl-like",
        "LicenseRef-scancode-foo",
        "LicenseRef-public-domain",
    ]
    assert extracted["LicenseRef-BSD-unknown-variant"].extracted_text == (
        "A BSD license whose variant the package does not state."
    )
    assert "Debian copyright file" in extracted["LicenseRef-Debian-Perl-like"].extracted_text
    assert "public domain" in extracted["LicenseRef-public-domain"].extracted_text
    assert all(e.extracted_text and e.license_name for e in extracted.values())

    text = render_cyclonedx(report)
    assert cyclonedx_errors(text) == []
    cdx = json.loads(text)
    declared = [c["licenses"][0] for c in cdx["components"]]
    assert [d.get("expression") for d in declared] == list(refs)
    assert cdx["metadata"]["component"]["licenses"] == [
        {"expression": "LicenseRef-public-domain", "acknowledgement": "declared"}
    ]


def test_spdx_expression() -> None:
    assert spdx_expression("mit") == ("MIT", ())
    assert spdx_expression("GPL-2.0+") == ("GPL-2.0-or-later", ())
    assert spdx_expression("MIT AND LicenseRef-a.b") == (
        "MIT AND LicenseRef-a.b",
        ("LicenseRef-a.b",),
    )
    malformed = ("()", "( AND :", "MIT OR", "MIT WITH LicenseRef-x")
    for not_spdx in ("NOASSERTION", "", "MIT/X11", "Apache 2.0", "MIT WITH Apache-2.0", *malformed):
        assert spdx_expression(not_spdx) is None, not_spdx
    # An id SPDX would not accept in hasExtractedLicensingInfos.
    assert spdx_expression("LicenseRef-a_b") is None
    assert spdx_expression("licenseref-a") is None


@pytest.mark.parametrize(
    ("render", "module", "fmt"),
    [
        (render_spdx, "spdx_tools.spdx.model", "spdx"),
        (render_spdx, "packageurl", "spdx"),
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


@pytest.mark.parametrize("license_", ["MIT/X11", "Apache 2.0", "LicenseRef-scancode_foo", "NONE"])
def test_non_spdx_licenses_still_validate(license_: str) -> None:
    source = SourceRef("pkg", "", "x.ts", 1, 1, license_)
    report = Report(".", (Finding("ü/a.c", 1, 1, 1.0, Verdict.COPIED, source),), 1, 1, (), {}, 0.1)
    report.texts["ü/a.c"] = "x"
    doc = spdx_document(render_spdx(report))
    assert license_ in (doc.snippets[0].license_comment or "") or license_ == "NONE"
    assert doc.extracted_licensing_info == []
    assert cyclonedx_errors(render_cyclonedx(report)) == []

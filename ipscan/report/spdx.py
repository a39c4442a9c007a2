"""SPDX 2.3 JSON output (``--format spdx``), built with spdx-tools' model and JSON writer.

The document describes one package, the scanned project. It contains a File for each scanned
file with findings; a unit-level finding is a Snippet of its file, a file-level finding is the
File itself. Each matched open-source package is a Package of its own (not analyzed), with its
purl, declared license and copyright statements, and the copied region points at it: ``COPY_OF``
for copies, ``VARIANT_OF`` for edited copies, ``OTHER`` for similar code, always with a comment
that names the source lines, verdict and similarity. The project's declared license is the one
ipscan found (or was given). A ``LicenseRef-`` id is kept, with an extracted-licensing-info entry
that says where it came from (SPDX needs one for each id a document uses).

spdx-tools is an optional dependency (the ``sbom`` extra): it is imported when rendering only.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import uuid
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from ipscan import __version__
from ipscan.errors import UsageError
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.report.github import source_text
from ipscan.report.purl import source_purl

if TYPE_CHECKING:  # spdx-tools is imported when rendering only
    from spdx_tools.spdx.model import CreationInfo
    from spdx_tools.spdx.model import ExtractedLicensingInfo
    from spdx_tools.spdx.model import File
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import Relationship
    from spdx_tools.spdx.model import Snippet

PROJECT_ID = "SPDXRef-Package-Project"
# A unique URI that need not resolve, as SPDX 2.3 allows.
NAMESPACE_BASE = "https://spdx.org/spdxdocs/ipscan-"
MISSING_EXTRA = "--format {fmt} needs the sbom extra: pip install 'ipscan-code[sbom]'"
NOT_A_LICENSE = ("", "NOASSERTION", "NONE")
LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")
DEBIAN_REF = "LicenseRef-Debian-"  # ipscan.licensing.debian_names: a DEP-5 name it cannot map
# What ipscan's own LicenseRef ids stand for: (license name, extracted text).
KNOWN_REFS = {
    "LicenseRef-BSD-unknown-variant": (
        "BSD (variant not stated)",
        "A BSD license whose variant the package does not state.",
    ),
    "LicenseRef-public-domain": (
        "Public domain",
        "The file's header places it in the public domain; no license text applies.",
    ),
}


def project_name(root: str) -> str:
    """The scanned project's name: the basename of the scanned root."""
    return Path(root).resolve().name if root else "project"


def source_key(f: Finding) -> tuple[str, str]:
    """What identifies a matched source package: (name, version)."""
    return f.source.package, f.source.version


def combined_license(licenses: list[str]) -> str:
    """One expression for a package whose matched files have these licenses (NOASSERTION: none)."""
    known = list(
        dict.fromkeys(x.strip() for x in licenses if x.strip().upper() not in NOT_A_LICENSE)
    )
    if len(known) <= 1:
        return known[0] if known else "NOASSERTION"
    return " AND ".join(f"({x})" if " " in x else x for x in known)


def copyright_text(statements: Iterable[str]) -> str | None:
    """The distinct copyright statements, one a line; None when there are none."""
    kept = dict.fromkeys(s.strip() for s in statements if s.strip())
    return "\n".join(kept) or None


@functools.cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def spdx_expression(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``text`` as a canonical SPDX expression, with the ``LicenseRef-`` ids it uses; None when
    it is NOASSERTION, NONE or no SPDX expression."""
    from license_expression import ExpressionError

    if text.strip().upper() in NOT_A_LICENSE:
        return None
    licensing = _licensing()
    try:
        parsed = licensing.parse(text, strict=True)
        unknown = [] if parsed is None else licensing.unknown_license_keys(parsed, unique=True)
    # license-expression fails oddly on some malformed input: "()", "( AND :", "MIT OR".
    except (ExpressionError, AttributeError, AssertionError, IndexError):
        return None
    if parsed is None or not all(LICENSE_REF.fullmatch(str(k)) for k in unknown):
        return None
    return str(parsed), tuple(str(k) for k in unknown)


def extracted_license(license_id: str) -> tuple[str, str]:
    """(name, text) of the extracted-licensing-info entry for a ``LicenseRef-`` id."""
    if license_id in KNOWN_REFS:
        return KNOWN_REFS[license_id]
    if license_id.startswith(DEBIAN_REF) and len(license_id) > len(DEBIAN_REF):
        short = license_id.removeprefix(DEBIAN_REF)
        return short, (
            f"A license that the package's Debian copyright file names {short!r} with no text "
            "ipscan recognizes."
        )
    return license_id.removeprefix("LicenseRef-"), (
        f"A license recorded as {license_id} for the matched open source; ipscan holds no text "
        "of it."
    )


class DocumentLicenses:
    """License expressions for the model, and the ``LicenseRef-`` ids one document uses."""

    def __init__(self) -> None:
        self.refs: dict[str, None] = {}

    def parse(self, expression: str) -> tuple[Any, str | None]:
        """(license, comment): NOASSERTION, or a valid SPDX expression, else a comment."""
        from spdx_tools.common.spdx_licensing import spdx_licensing
        from spdx_tools.spdx.model import SpdxNoAssertion

        if expression.strip().upper() in NOT_A_LICENSE:
            return SpdxNoAssertion(), None
        checked = spdx_expression(expression)
        if checked is None:
            return SpdxNoAssertion(), f"ipscan recorded the license as {expression!r} (not SPDX)"
        canonical, refs = checked
        self.refs.update(dict.fromkeys(refs))
        return spdx_licensing.parse(canonical), None

    def extracted(self) -> list[ExtractedLicensingInfo]:
        """An extracted-licensing-info entry for each ``LicenseRef-`` id parsed, in order."""
        from spdx_tools.spdx.model import ExtractedLicensingInfo

        out = []
        for license_id in self.refs:
            name, text = extracted_license(license_id)
            out.append(
                ExtractedLicensingInfo(
                    license_id=license_id,
                    extracted_text=text,
                    license_name=name,
                    comment="Written by ipscan, which found no license text for this id.",
                )
            )
        return out


def finding_comment(f: Finding) -> str:
    """``copied from click 8.1.7 src/click/utils.py:30-66 (copied, similarity 0.97)``."""
    how = "similar to" if f.verdict is Verdict.SIMILAR else "copied from"
    return f"{how} {source_text(f)} ({f.verdict.value}, similarity {f.similarity:.2f})"


def byte_range(data: bytes, start_line: int, end_line: int) -> tuple[int, int]:
    """SPDX byte offsets (1-based, inclusive) of 1-based inclusive lines, without the last EOL."""
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
    n = len(starts)
    first = starts[min(max(start_line, 1), n) - 1]
    last_line = min(max(end_line, start_line, 1), n)
    end = starts[last_line] if last_line < n else len(data)
    while end > first and data[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    return first + 1, max(end, first + 1)


def file_bytes(report: Report, path: str) -> bytes:
    """The scanned text of ``path`` as UTF-8: from the report, else from the file under root."""
    text = report.texts.get(path)
    if text is None:
        from ipscan.extract.gate import decode_text

        try:
            text = decode_text((Path(report.root) / path).read_bytes())
        except OSError as exc:
            raise UsageError(
                f"--format spdx needs the text of {path}: it is not in the report and cannot be "
                f"read under {report.root} ({exc.strerror or type(exc).__name__})"
            ) from exc
    return text.encode("utf-8")


def relationship_type(verdict: Verdict) -> Any:
    """How a copied region relates to its source package."""
    from spdx_tools.spdx.model import RelationshipType

    if verdict is Verdict.COPIED:
        return RelationshipType.COPY_OF
    if verdict is Verdict.MODIFIED_COPY:
        return RelationshipType.VARIANT_OF
    return RelationshipType.OTHER


def render_spdx(report: Report) -> str:
    """The report as an SPDX 2.3 JSON document (ends with a newline)."""
    try:
        import packageurl  # noqa: F401  (ipscan.report.purl builds the purls with it)
        from spdx_tools.spdx.model import Document
        from spdx_tools.spdx.model import Relationship
        from spdx_tools.spdx.model import RelationshipType
        from spdx_tools.spdx.spdx_element_utils import calculate_package_verification_code
        from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream
    except ImportError as exc:
        raise UsageError(MISSING_EXTRA.format(fmt="spdx")) from exc

    name = project_name(report.root)
    info = _creation_info(report, name)
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, PROJECT_ID)]
    licenses = DocumentLicenses()
    sources = _source_packages(report, licenses)
    files, snippets, copied = _copied_elements(report, sources, licenses)
    relationships += copied
    project = _project_package(report, name, bool(files), licenses)
    if files:
        # Files have SHA1 checksums, so no file is read from disk here.
        project.verification_code = calculate_package_verification_code(list(files.values()))
    document = Document(
        creation_info=info,
        packages=[project, *sources.values()],
        files=list(files.values()),
        snippets=snippets,
        relationships=relationships,
        extracted_licensing_info=licenses.extracted(),
    )
    out = io.StringIO()
    write_document_to_stream(document, out, validate=False)
    return out.getvalue() + "\n"


def _creation_info(report: Report, name: str) -> CreationInfo:
    """The document's creation info: created now, in a namespace unique to the root and time."""
    from spdx_tools.spdx.model import Actor
    from spdx_tools.spdx.model import ActorType
    from spdx_tools.spdx.model import CreationInfo

    created = datetime.now(UTC).replace(microsecond=0)
    seed = f"{report.root}\0{created.isoformat()}"
    return CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"ipscan report of {name}",
        document_namespace=f"{NAMESPACE_BASE}{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
        creators=[Actor(ActorType.TOOL, f"ipscan-{__version__}")],
        created=created,
        creator_comment="Findings of code copied from licensed open source, by ipscan.",
    )


def _source_packages(report: Report, licenses: DocumentLicenses) -> dict[tuple[str, str], Package]:
    """A Package (not analyzed) for each matched source package, in order of first finding,
    with its purl, under the licenses and copyright statements of all its matched files."""
    from spdx_tools.spdx.model import ExternalPackageRef
    from spdx_tools.spdx.model import ExternalPackageRefCategory
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import SpdxNoAssertion

    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(source_key(f), []).append(f)
    sources: dict[tuple[str, str], Package] = {}
    for key, findings in groups.items():
        first = findings[0].source
        lic, lic_comment = licenses.parse(combined_license([f.source.license for f in findings]))
        purl = source_purl(first, first.ecosystem or None)
        refs = []
        if purl is not None:
            refs.append(
                ExternalPackageRef(
                    ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", str(purl), purl.note
                )
            )
        statements = copyright_text(c for f in findings for c in f.source.copyright)
        sources[key] = Package(
            spdx_id=f"SPDXRef-Package-Source-{len(sources) + 1}",
            name=first.package,
            version=first.version or None,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            license_concluded=lic,
            license_declared=lic,
            license_comment=lic_comment,
            copyright_text=statements or SpdxNoAssertion(),
            external_references=refs,
            comment="Open-source package that code in the scanned project was matched to.",
        )
    return sources


def _copied_elements(
    report: Report, sources: dict[tuple[str, str], Package], licenses: DocumentLicenses
) -> tuple[dict[str, File], list[Snippet], list[Relationship]]:
    """The File of each file with findings, a Snippet for each unit-level finding, and the
    relationships: the project CONTAINS each file, each copied region points at its source."""
    from spdx_tools.spdx.model import Relationship
    from spdx_tools.spdx.model import RelationshipType

    files: dict[str, File] = {}
    snippets: list[Snippet] = []
    relationships: list[Relationship] = []
    for f in report.findings:
        data: bytes | None = None
        if f.path not in files:
            data = file_bytes(report, f.path)
            files[f.path] = _file_element(f.path, data, len(files) + 1)
            relationships.append(
                Relationship(PROJECT_ID, RelationshipType.CONTAINS, files[f.path].spdx_id)
            )
        file_id = files[f.path].spdx_id
        source = sources[source_key(f)]
        if f.scope is Scope.FILE:
            element_id = file_id
        else:
            data = data if data is not None else file_bytes(report, f.path)
            element_id = f"SPDXRef-Snippet-{len(snippets) + 1}"
            snippets.append(_snippet(f, data, element_id, file_id, licenses))
        relationships.append(
            Relationship(
                element_id, relationship_type(f.verdict), source.spdx_id, finding_comment(f)
            )
        )
    return files, snippets, relationships


def _file_element(path: str, data: bytes, number: int) -> File:
    """The SPDX File of a scanned source file, with its SHA1 and SHA256 checksums."""
    from spdx_tools.spdx.model import Checksum
    from spdx_tools.spdx.model import ChecksumAlgorithm
    from spdx_tools.spdx.model import File
    from spdx_tools.spdx.model import FileType

    return File(
        name=f"./{path}",
        spdx_id=f"SPDXRef-File-{number}",
        checksums=[
            Checksum(ChecksumAlgorithm.SHA1, hashlib.sha1(data).hexdigest()),
            Checksum(ChecksumAlgorithm.SHA256, hashlib.sha256(data).hexdigest()),
        ],
        file_types=[FileType.SOURCE],
    )


def _snippet(
    f: Finding, data: bytes, element_id: str, file_id: str, licenses: DocumentLicenses
) -> Snippet:
    """The Snippet of a unit-level finding: its byte and line ranges in its file's ``data``,
    under its source's license and copyright."""
    from spdx_tools.spdx.model import Snippet

    lic, lic_comment = licenses.parse(f.source.license)
    return Snippet(
        spdx_id=element_id,
        file_spdx_id=file_id,
        byte_range=byte_range(data, f.start_line, f.end_line),
        line_range=(max(f.start_line, 1), max(f.end_line, f.start_line, 1)),
        license_concluded=lic,
        license_comment=lic_comment,
        copyright_text=copyright_text(f.source.copyright),
        comment=finding_comment(f),
        name=f.unit_name or None,
        attribution_texts=[f"{source_text(f)} ({f.source.license})"],
    )


def _project_package(
    report: Report, name: str, files_analyzed: bool, licenses: DocumentLicenses
) -> Package:
    """The Package of the scanned project: the license it declares (what ipscan found or was
    given), none concluded, and what was scanned in its comment."""
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import SpdxNoAssertion

    declared, declared_comment = licenses.parse(report.project_license or "")
    return Package(
        spdx_id=PROJECT_ID,
        name=name,
        download_location=SpdxNoAssertion(),
        files_analyzed=files_analyzed,
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=declared_comment,
        copyright_text=SpdxNoAssertion(),
        comment=(
            f"Scanned by ipscan {__version__}: {report.files_scanned} files, "
            f"{report.units_scanned} units, {len(report.findings)} findings. Only files with "
            "findings are listed."
        ),
    )

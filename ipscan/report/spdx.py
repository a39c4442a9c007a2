"""SPDX 2.3 JSON output (``--format spdx``), built with spdx-tools' model and JSON writer.

The document describes one package, the scanned project. It contains a File for each scanned
file with findings; a unit-level finding is a Snippet of its file, a file-level finding is the
File itself. Each matched open-source package is a Package of its own (not analyzed), and the
copied region points at it: ``COPY_OF`` for copies, ``VARIANT_OF`` for edited copies, ``OTHER``
for similar code, always with a comment that names the source lines, verdict and similarity.

spdx-tools is an optional dependency (the ``sbom`` extra): it is imported when rendering only.
"""

from __future__ import annotations

import hashlib
import io
import uuid
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

if TYPE_CHECKING:  # spdx-tools is imported when rendering only
    from spdx_tools.spdx.model import CreationInfo
    from spdx_tools.spdx.model import File
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import Relationship
    from spdx_tools.spdx.model import Snippet

PROJECT_ID = "SPDXRef-Package-Project"
# A unique URI that need not resolve, as SPDX 2.3 allows.
NAMESPACE_BASE = "https://spdx.org/spdxdocs/ipscan-"
MISSING_EXTRA = "--format {fmt} needs the sbom extra: pip install 'ipscan-code[sbom]'"
NOT_A_LICENSE = ("", "NOASSERTION", "NONE")


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


def parse_license(expression: str) -> tuple[Any, str | None]:
    """(license for the model, comment): NOASSERTION, or a valid SPDX expression, else a comment."""
    from license_expression import ExpressionError
    from spdx_tools.common.spdx_licensing import spdx_licensing
    from spdx_tools.spdx.model import SpdxNoAssertion

    if expression.strip().upper() in NOT_A_LICENSE:
        return SpdxNoAssertion(), None
    try:
        checked = spdx_licensing.validate(expression)
        if not checked.errors and not checked.invalid_symbols:
            return spdx_licensing.parse(expression, validate=True, strict=True), None
    except (ExpressionError, AttributeError):  # license-expression can fail oddly on bad keys
        pass
    return SpdxNoAssertion(), f"ipscan recorded the license as {expression!r} (not SPDX)"


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
    sources = _source_packages(report)
    files, snippets, copied = _copied_elements(report, sources)
    relationships += copied
    project = _project_package(report, name, bool(files))
    if files:
        # Files have SHA1 checksums, so no file is read from disk here.
        project.verification_code = calculate_package_verification_code(list(files.values()))
    document = Document(
        creation_info=info,
        packages=[project, *sources.values()],
        files=list(files.values()),
        snippets=snippets,
        relationships=relationships,
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


def _source_packages(report: Report) -> dict[tuple[str, str], Package]:
    """A Package (not analyzed) for each matched source package, in order of first finding,
    under the licenses of all its matched files."""
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import SpdxNoAssertion

    licenses: dict[tuple[str, str], list[str]] = {}
    for f in report.findings:
        licenses.setdefault(source_key(f), []).append(f.source.license)
    sources: dict[tuple[str, str], Package] = {}
    for f in report.findings:
        key = source_key(f)
        if key in sources:
            continue
        lic, lic_comment = parse_license(combined_license(licenses[key]))
        sources[key] = Package(
            spdx_id=f"SPDXRef-Package-Source-{len(sources) + 1}",
            name=f.source.package,
            version=f.source.version or None,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            license_concluded=lic,
            license_declared=lic,
            license_comment=lic_comment,
            comment="Open-source package that code in the scanned project was matched to.",
        )
    return sources


def _copied_elements(
    report: Report, sources: dict[tuple[str, str], Package]
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
            snippets.append(_snippet(f, data, element_id, file_id))
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


def _snippet(f: Finding, data: bytes, element_id: str, file_id: str) -> Snippet:
    """The Snippet of a unit-level finding: its byte and line ranges in its file's ``data``."""
    from spdx_tools.spdx.model import Snippet

    lic, lic_comment = parse_license(f.source.license)
    return Snippet(
        spdx_id=element_id,
        file_spdx_id=file_id,
        byte_range=byte_range(data, f.start_line, f.end_line),
        line_range=(max(f.start_line, 1), max(f.end_line, f.start_line, 1)),
        license_concluded=lic,
        license_comment=lic_comment,
        comment=finding_comment(f),
        name=f.unit_name or None,
        attribution_texts=[f"{source_text(f)} ({f.source.license})"],
    )


def _project_package(report: Report, name: str, files_analyzed: bool) -> Package:
    """The Package of the scanned project, with what was scanned in its comment."""
    from spdx_tools.spdx.model import Package
    from spdx_tools.spdx.model import SpdxNoAssertion

    return Package(
        spdx_id=PROJECT_ID,
        name=name,
        download_location=SpdxNoAssertion(),
        files_analyzed=files_analyzed,
        license_concluded=SpdxNoAssertion(),
        license_declared=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        comment=(
            f"Scanned by ipscan {__version__}: {report.files_scanned} files, "
            f"{report.units_scanned} units, {len(report.findings)} findings. Only files with "
            "findings are listed."
        ),
    )

"""CycloneDX 1.6 JSON output (``--format cyclonedx``), built with cyclonedx-python-lib.

The BOM's subject (``metadata.component``) is the scanned project, under the license ipscan
found (or was given). Each matched open-source package is a library component it depends on,
with its purl, declared license, copyright statements and, as evidence, one occurrence per
finding: the scanned file, the first scanned line, the unit name, and a sentence with the
verdict, similarity and source lines. Properties summarize the findings per component and say
what an inferred purl type rests on.

cyclonedx-python-lib is an optional dependency (the ``sbom`` extra): imported when rendering.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ipscan import __version__
from ipscan.errors import UsageError
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.report.purl import source_purl
from ipscan.report.spdx import MISSING_EXTRA
from ipscan.report.spdx import NOT_A_LICENSE
from ipscan.report.spdx import combined_license
from ipscan.report.spdx import copyright_text
from ipscan.report.spdx import project_name
from ipscan.report.spdx import source_key
from ipscan.report.spdx import spdx_expression

PROJECT_REF = "ipscan-scanned-project"


def occurrence_context(f: Finding) -> str:
    """``copied, similarity 0.97, lines 10-20 from src/click/utils.py:30-66``."""
    s = f.source
    where = "whole file" if f.scope is Scope.FILE else f"lines {f.start_line}-{f.end_line}"
    return (
        f"{f.verdict.value}, similarity {f.similarity:.2f}, {where} from "
        f"{s.path}:{s.start_line}-{s.end_line} ({s.license})"
    )


def confidence(similarity: float) -> Decimal:
    """A similarity as a CycloneDX confidence (0 to 1, four decimals)."""
    return Decimal(str(round(min(max(float(similarity), 0.0), 1.0), 4)))


def license_list(expression: str) -> list[Any]:
    """The declared license as CycloneDX: an SPDX id, else an SPDX expression (``LicenseRef-``
    ids included), else a license name; none for NOASSERTION."""
    from cyclonedx.model.license import DisjunctiveLicense
    from cyclonedx.model.license import LicenseAcknowledgement
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.spdx import fixup_id

    text = expression.strip()
    declared = LicenseAcknowledgement.DECLARED
    if text.upper() in NOT_A_LICENSE:
        return []
    checked = spdx_expression(text)
    if checked is None:
        return [DisjunctiveLicense(name=text, acknowledgement=declared)]
    canonical = checked[0]
    known = fixup_id(canonical)  # an id in the CycloneDX schema's SPDX list
    if known:
        return [DisjunctiveLicense(id=known, acknowledgement=declared)]
    return [LicenseExpression(canonical, acknowledgement=declared)]


def component(findings: list[Finding], ref: str) -> Any:
    """One library component for the findings of one source package (name, version)."""
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.component_evidence import AnalysisTechnique
    from cyclonedx.model.component_evidence import ComponentEvidence
    from cyclonedx.model.component_evidence import Identity
    from cyclonedx.model.component_evidence import IdentityField
    from cyclonedx.model.component_evidence import Method
    from cyclonedx.model.component_evidence import Occurrence

    techniques = {
        Matcher.FILE: AnalysisTechnique.HASH_COMPARISON,
        Matcher.HASH: AnalysisTechnique.HASH_COMPARISON,
        Matcher.WINNOW: AnalysisTechnique.SOURCE_CODE_ANALYSIS,
        Matcher.VERBATIM: AnalysisTechnique.SOURCE_CODE_ANALYSIS,
        Matcher.STRUCTURE: AnalysisTechnique.SOURCE_CODE_ANALYSIS,
        Matcher.EMBED: AnalysisTechnique.OTHER,
    }
    first = findings[0]
    best = max(confidence(f.similarity) for f in findings)
    purl = source_purl(first.source, first.source.ecosystem or None)
    used = {m for f in findings for m in f.matchers}
    methods = [
        Method(technique=techniques[m], confidence=best, value=m.value)
        for m in Matcher
        if m in used
    ]
    occurrences = [
        Occurrence(
            location=f.path,
            line=max(f.start_line, 1),
            symbol=f.unit_name or None,
            additional_context=occurrence_context(f),
        )
        for f in findings
    ]
    properties = [Property(name="ipscan:verdict", value=f.verdict.value) for f in findings]
    properties.append(Property(name="ipscan:similarity", value=str(best)))
    properties += [
        Property(
            name="ipscan:source-path",
            value=f"{f.source.path}:{f.source.start_line}-{f.source.end_line}",
        )
        for f in findings
    ]
    if purl is not None and purl.note:
        properties.append(Property(name="ipscan:purl-basis", value=purl.note))
    declared = combined_license([f.source.license for f in findings])
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=ref,
        name=first.source.package,
        version=first.source.version or None,
        purl=purl.url if purl is not None else None,
        licenses=license_list(declared),
        copyright=copyright_text(c for f in findings for c in f.source.copyright),
        properties=properties,
        evidence=ComponentEvidence(
            identity=[
                Identity(
                    field=IdentityField.NAME,
                    confidence=best,
                    concluded_value=first.source.package,
                    methods=methods,
                )
            ],
            occurrences=occurrences,
        ),
    )


def render_cyclonedx(report: Report) -> str:
    """The report as a CycloneDX 1.6 JSON BOM (ends with a newline)."""
    try:
        from cyclonedx.model.bom import Bom
        from cyclonedx.model.bom import BomMetaData
        from cyclonedx.model.component import Component
        from cyclonedx.model.component import ComponentType
        from cyclonedx.model.tool import ToolRepository
        from cyclonedx.output.json import JsonV1Dot6
    except ImportError as exc:
        raise UsageError(MISSING_EXTRA.format(fmt="cyclonedx")) from exc

    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(source_key(f), []).append(f)
    tool = Component(type=ComponentType.APPLICATION, name="ipscan", version=__version__)
    project = Component(
        type=ComponentType.APPLICATION,
        bom_ref=PROJECT_REF,
        name=project_name(report.root),
        licenses=license_list(report.project_license or ""),
    )
    bom = Bom(
        metadata=BomMetaData(
            tools=ToolRepository(components=[tool]),
            component=project,
        )
    )
    for n, findings in enumerate(groups.values(), start=1):
        bom.components.add(component(findings, f"ipscan-source-{n}"))
    bom.register_dependency(project, list(bom.components))
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"

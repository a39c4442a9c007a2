"""The output schema of the ``check_code`` tool, as pydantic models (which the MCP SDK publishes
as the tool's ``outputSchema`` and checks each result against).

A finding is the JSON report's finding object (``ipscan.report.json_report.finding_dict``,
schema ``ipscan.report/1``) unchanged, so a client that reads ``--format json`` reads this too.
Fields may be added within a schema version.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic import Field

SCHEMA = "ipscan.check-code/1"


class SourceModel(BaseModel):
    """Where the matched code lives in the indexed open source."""

    package: str = Field(description="The package the code comes from (its registry name).")
    version: str = Field(description="The indexed version of that package.")
    path: str = Field(description="The file, relative to the package's root.")
    start_line: int = Field(description="First matched line of that file.")
    end_line: int = Field(description="Last matched line of that file.")
    license: str = Field(description="The file's license, an SPDX expression (NOASSERTION: none).")
    unit_name: str = Field(default="", description="The matched function, when it is one.")
    copyright: list[str] = Field(default_factory=list, description="Copyright statements.")
    ecosystem: str = Field(default="", description="pypi, npm, cargo, go, ... when known.")


class FindingModel(BaseModel):
    """One region of the checked code that matches indexed open source."""

    path: str = Field(description="The snippet's name (<snippet>.py, or the file_name given).")
    start_line: int = Field(description="First line of the snippet that matches (1-based).")
    end_line: int = Field(description="Last line of the snippet that matches.")
    similarity: float = Field(description="0-1: the share of matched tokens.")
    verdict: str = Field(description="copied | modified-copy | similar.")
    scope: str = Field(description="unit (a function or code window) | file (most of it).")
    unit_name: str = Field(default="", description="The snippet's function that matches.")
    matchers: list[str] = Field(description="Matchers that fired: 0-file, 1-hash, 2-winnow, ...")
    source: SourceModel
    evidence: dict[str, Any] = Field(description="The classifier's features and its p_copy.")
    reasons: list[str] = Field(description="The evidence that fired, as stable strings.")
    license_verdict: str = Field(
        description="May the source's license be copied into this project as it stands: ok | "
        "attribution-required | flagged | unknown-license | no-license | copyleft-conflict | "
        "restricted | incompatible | denied."
    )
    license_reason: str = Field(description="The rule or policy entry that decided it.")
    obligations: list[str] = Field(description="What the license asks of a copy.")
    notice: str = Field(description="The attribution to add next to the code ('' when none).")
    fails: bool = Field(description="Whether the finding fails the project's policy (fail-on).")


class CheckCodeResult(BaseModel):
    """The structured result of ``check_code``."""

    schema_: str = Field(alias="schema", description=f"Always {SCHEMA!r} in this version.")
    name: str = Field(description="The name findings give the snippet.")
    language: str = Field(description="The language the snippet was read as.")
    findings: list[FindingModel] = Field(description="Empty when nothing matches.")
    failing: int = Field(description="How many findings fail the project's policy.")
    units_checked: int = Field(description="Functions and code windows the snippet holds.")
    project_license: str | None = Field(description="The license judged against (null: none).")
    index: dict[str, Any] = Field(description="The index used: path, sources, units, encoder.")
    elapsed_s: float = Field(description="Seconds the check took in the server.")

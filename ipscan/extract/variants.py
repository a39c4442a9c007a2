"""Scanned units asked about a second time in another form: their control flow written the plain
way (``ipscan.extract.plain_flow``), so a copy whose loops and branches were rewritten meets
its source's fingerprints (issue #16).

A variant keeps its unit's record (path, name, lines): what it finds is reported on the unit as
written. Only the index's side stays as it was built; the variant is a second question, and the
stronger answer of the two stands (``ipscan.match.pairs.best_per_pair``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

import numpy as np

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.fingerprint import units_evidence
from ipscan.extract.parse import parse_source
from ipscan.extract.plain_flow import plain_flow
from ipscan.records import SourceFile
from ipscan.tuning import MIN_UNIT_TOKENS

# What a unit's canonical text shows when its plain form may differ (``_may_change``): parsing
# every unit again cost 0.3 ms a unit, and three units in four have none of these. A pattern
# stops at the next colon, so a long unit costs linear time.
_NEGATIONS = frozenset({"not", "!=", ">=", "<=", "is"})
_SAME_NAME_BOTH_BRANCHES = re.compile(r": (v\d+(?: \. v\d+)*) = [^:]* else : \1 = ")
_EMPTY_COLLECTION = re.compile(r"= (?:\[ \]|\{ \}|v\d+ \( \)) ")
_NESTED_IF = re.compile(r"\bif [^:]*: if ")


@dataclass(frozen=True)
class Variant:
    """The scan's unit at position ``of``, asked about in another form."""

    of: int
    unit: AnalyzedUnit


def plain_variants(analyzed: Sequence[AnalyzedFile]) -> list[Variant]:
    """A variant for every Python unit whose control flow reads differently written plainly
    (found when the files were analyzed, else now), positions counted over every file's units."""
    out: list[Variant] = []
    position = 0
    for af in analyzed:
        found = af.plain if af.plain is not None else plain_units(af)
        out += [Variant(position + i, unit) for i, unit in found]
        position += len(af.units)
    return out


def with_plain_units(af: AnalyzedFile) -> AnalyzedFile:
    """``af`` with its ``plain`` units looked for (in the worker that analyzed it)."""
    return replace(af, plain=plain_units(af))


def plain_units(af: AnalyzedFile) -> tuple[tuple[int, AnalyzedUnit], ...]:
    """(position, plain form) of each of ``af``'s units whose plain form differs."""
    if af.file.language != "python":
        return ()
    out = []
    lines: list[str] | None = None
    for i, au in enumerate(af.units):
        if not _may_change(au.canonical):
            continue
        if lines is None:
            lines = af.file.text.splitlines()
        span = au.unit.span
        plain = plain_flow("\n".join(lines[span.start_line - 1 : span.end_line]))
        made = _analyzed(au, plain) if plain is not None else None
        if made is not None:
            out.append((i, made))
    return tuple(out)


def _may_change(canonical: str) -> bool:
    words = set(canonical.split(" "))
    if "while" in words:
        return True
    if "else" in words and (
        not _NEGATIONS.isdisjoint(words) or _SAME_NAME_BOTH_BRANCHES.search(canonical)
    ):
        return True
    if "for" in words and _EMPTY_COLLECTION.search(canonical):
        return True
    return _NESTED_IF.search(canonical) is not None


def _analyzed(au: AnalyzedUnit, plain: str) -> AnalyzedUnit | None:
    """``au`` with the evidence of ``plain``; its lines point into ``au``'s own span."""
    parsed = parse_source(SourceFile(au.unit.path, plain, "python"))
    n = len(parsed.columns)
    if n < MIN_UNIT_TOKENS or parsed.has_errors:
        return None
    evidence = units_evidence(parsed.columns, [(0, n)])[0]
    span = au.unit.span
    evidence = replace(
        evidence,
        start_lines=np.clip(evidence.start_lines + (span.start_line - 1), None, span.end_line),
        end_lines=np.clip(evidence.end_lines + (span.start_line - 1), None, span.end_line),
    )
    # The encoder reads the unit as written (a variant takes its unit's vector).
    return AnalyzedUnit(au.unit, evidence, au.canonical)

"""From a file's bytes or a SourceFile to the units worth matching, each with its evidence.

``gate_bytes`` and ``analyze_bytes`` are the one way every reader (a scan, an index build, the
training corpora) turns a path and its bytes into code: the language by extension or shebang
line, the gate, then parsing and fingerprinting.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

from ipscan.extract.canonical import CANONICAL
from ipscan.extract.canonical import canonical_of
from ipscan.extract.fingerprint import MIN_UNIT_TOKENS
from ipscan.extract.fingerprint import UnitEvidence
from ipscan.extract.fingerprint import units_evidence
from ipscan.extract.gate import gate
from ipscan.extract.languages import language_for_file
from ipscan.extract.parse import parse_source
from ipscan.extract.raw_fingerprint import EMPTY
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.extract.raw_fingerprint import file_evidence
from ipscan.extract.signature import body_line
from ipscan.records import SkippedFile
from ipscan.records import SourceFile
from ipscan.records import Unit


@dataclass(frozen=True)
class AnalyzedUnit:
    """A unit with enough tokens to be evidence, and its digest and fingerprints."""

    unit: Unit
    evidence: UnitEvidence
    canonical: str = ""  # what a canonical-input encoder reads (ipscan.extract.canonical)
    # The line of the body's first token (0: none found); the lines above are the signature.
    body_line: int = 0

    def encoder_input(self, input_format: str) -> str:
        """The text an encoder with ``input_format`` embeds for this unit."""
        return self.canonical if input_format == CANONICAL else self.unit.text


@dataclass(frozen=True)
class AnalyzedFile:
    """The evidence-bearing units of one file, and the whole file's raw-token evidence."""

    file: SourceFile
    units: tuple[AnalyzedUnit, ...]
    has_errors: bool
    # Lines of every unit the parser found, evidence or not: what "most of the file" is out of.
    code_spans: tuple[tuple[int, int], ...] = ()
    raw: FileEvidence = EMPTY
    # The line ranges a scan asks about (the lines a change added); None: the whole file.
    scan_lines: tuple[tuple[int, int], ...] | None = None
    # (position in ``units``, the unit with its control flow written plainly) of each unit
    # that reads differently so (``ipscan.extract.variants``); None: not looked for yet.
    plain: tuple[tuple[int, AnalyzedUnit], ...] | None = None


def analyze_file(
    file: SourceFile,
    lines: Sequence[tuple[int, int]] | None = None,
    raw_scheme: int = RAW_SCHEME,
) -> AnalyzedFile:
    """Parse ``file`` and fingerprint every unit that has at least MIN_UNIT_TOKENS tokens.

    ``lines``: only the units overlapping one of these line ranges are fingerprinted and kept
    (the pre-commit hook's few changed functions in whole files), and the
    file records them as the lines the scan asks about; every unit still counts in
    ``code_spans``. ``raw_scheme``: how the whole file's raw-token evidence is made (a scan
    makes it as the index it asks was made).
    """
    parsed = parse_source(file)
    starts = parsed.columns.starts
    data = file.text.encode("utf-8", "surrogatepass")
    kept: list[tuple[Unit, int, int]] = []
    for unit in parsed.units:
        if lines is not None and not _overlaps(unit.span.start_line, unit.span.end_line, lines):
            continue
        lo = bisect.bisect_left(starts, unit.span.start_byte)
        hi = bisect.bisect_left(starts, unit.span.end_byte, lo)
        if hi - lo >= MIN_UNIT_TOKENS:
            kept.append((unit, lo, hi))
    evidence = units_evidence(parsed.columns, [(lo, hi) for _, lo, hi in kept])
    units = [
        AnalyzedUnit(
            unit,
            ev,
            canonical_of(parsed.columns, lo, hi, data),
            body_line(parsed.columns, lo, hi, file.language),
        )
        for (unit, lo, hi), ev in zip(kept, evidence, strict=True)
    ]
    spans = tuple((u.span.start_line, u.span.end_line) for u in parsed.units)
    raw = file_evidence(parsed.columns, data, file.text, raw_scheme, file.path)
    scan_lines = None if lines is None else tuple(lines)
    return AnalyzedFile(file, tuple(units), parsed.has_errors, spans, raw, scan_lines)


def with_raw_scheme(af: AnalyzedFile, scheme: int) -> AnalyzedFile:
    """``af`` with its raw-token evidence made with ``scheme`` (parsed again where it differs:
    callers that know the index's scheme before analysing pass it to ``analyze_file``)."""
    if af.raw.scheme == scheme:
        return af
    parsed = parse_source(af.file)
    data = af.file.text.encode("utf-8", "surrogatepass")
    return replace(af, raw=file_evidence(parsed.columns, data, af.file.text, scheme, af.file.path))


def _overlaps(start: int, end: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(a <= end and b >= start for a, b in ranges)


def gate_bytes(path: str, data: bytes) -> SourceFile | SkippedFile | None:
    """The file as code: a SourceFile in its language (by extension, or by shebang line for a
    file without one), a SkippedFile saying why the gate passed it over, or None when it is not
    in a language ipscan parses."""
    spec = language_for_file(path, data)
    if spec is None:
        return None
    return gate(path, data, spec.name)


def analyze_bytes(path: str, data: bytes) -> AnalyzedFile | SkippedFile | None:
    """``gate_bytes``, then ``analyze_file`` for a file that passes the gate.

    A scan gates first and parses later, behind a progress bar (``ipscan.extract.collect``);
    index builds and training corpora call this.
    """
    gated = gate_bytes(path, data)
    if not isinstance(gated, SourceFile):
        return gated
    return analyze_file(gated)

"""Base code: code every submission was given (starter files, a course's template), never
evidence of copying.

A class's submissions all hold the starter code, so any two of them share it. Found in 10 or
more indexed units it counts as common anyway (``PEER_COMMON_FANOUT``), but a class of eight,
or last year's few solutions, is below that. Peers take the given code as an input (MOSS
``-b``, JPlag ``--bc``, copydetect's ``boilerplate_dirs``); so does a scan (``--base-code``).
Each scanned file loses, before any matching, what it shares with the base files: its units
whose normalized form is a base unit's, the fingerprints of both channels and the structure
fingerprints that base code has, the lines of a small file's sketch that a base file has, and
its file digests when it is a base file. What is left is the student's own code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.arrays import distinct
from ipscan.errors import UsageError
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.collect import collect_sources
from ipscan.extract.fingerprint import UnitEvidence
from ipscan.extract.line_sketch import CODE_BIT
from ipscan.extract.line_sketch import base_name
from ipscan.extract.line_sketch import sketch_hash
from ipscan.extract.line_sketch import sketch_lines
from ipscan.extract.listing import FileListing
from ipscan.extract.listing import list_scan_files
from ipscan.extract.parallel import analyze_files
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.records import SourceFile

_EMPTY = np.zeros(0, dtype=np.uint64)
# The parallel arrays of a unit's or a file's fingerprints.
_FINGERPRINT_COLUMNS = ("hashes", "token_pos", "start_lines", "end_lines")


@dataclass(frozen=True)
class BaseCode:
    """What the base files hold, in the forms a scan matches."""

    digests: frozenset[bytes]  # normalized digests of the base units
    unit_fps: np.ndarray  # sorted distinct winnowing fingerprints
    structure: np.ndarray  # sorted distinct structure fingerprints
    raw: np.ndarray  # sorted distinct raw-token fingerprints
    file_digests: frozenset[int]  # text and code digests of the base files
    lines: frozenset[str]  # the base files' sketch lines, blanks removed

    @property
    def empty(self) -> bool:
        return not self.digests and not len(self.raw) and not self.lines


def load_base_code(paths: Sequence[Path], raw_scheme: int, jobs: int | None = None) -> BaseCode:
    """The base code in ``paths`` (files, or folders of them: a git work tree's tracked files),
    analyzed as scanned files are."""
    files: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            files += collect_sources(list_scan_files(path)).files
        elif path.is_file():
            listing = FileListing(path.resolve().parent, (path.name,), False)
            files += collect_sources(listing).files
        else:
            raise UsageError(f"{path}: no such base code file or directory")
    analyzed = list(analyze_files(files, jobs, raw_scheme=raw_scheme))
    units = [au.evidence for af in analyzed for au in af.units]
    units += [plain.evidence for af in analyzed for _, plain in af.plain or ()]
    return BaseCode(
        digests=frozenset(u.digest for u in units),
        unit_fps=_distinct([u.hashes for u in units]),
        structure=_distinct([u.structure for u in units]),
        raw=_distinct([af.raw.hashes for af in analyzed]),
        file_digests=frozenset(
            d for af in analyzed for d in (af.raw.text_digest, af.raw.code_digest)
        ),
        lines=frozenset(line for f in files for line in sketch_lines(f.text, limit=None)),
    )


def without_base(analyzed: Sequence[AnalyzedFile], base: BaseCode) -> list[AnalyzedFile]:
    """``analyzed`` with what each file shares with ``base`` taken out."""
    if base.empty:
        return list(analyzed)
    given: dict[str, np.ndarray] = {}  # file name -> the base lines' sketch hashes under it
    return [_without_base(af, base, given) for af in analyzed]


def _without_base(af: AnalyzedFile, base: BaseCode, given: dict[str, np.ndarray]) -> AnalyzedFile:
    kept = [i for i, au in enumerate(af.units) if au.evidence.digest not in base.digests]
    position = {old: new for new, old in enumerate(kept)}
    plain = None
    if af.plain is not None:
        plain = tuple(
            (position[i], _unit_without(unit, base)) for i, unit in af.plain if i in position
        )
    return replace(
        af,
        units=tuple(_unit_without(af.units[i], base) for i in kept),
        plain=plain,
        raw=_raw_without(af.raw, af.file.path, base, given),
    )


def _unit_without(au: AnalyzedUnit, base: BaseCode) -> AnalyzedUnit:
    ev = au.evidence
    keep = ~_held(base.unit_fps, ev.hashes)
    structure = ev.structure[~_held(base.structure, ev.structure)]
    if keep.all() and len(structure) == len(ev.structure):
        return au
    return replace(au, evidence=replace(ev, structure=structure, **_kept(ev, keep)))


def _raw_without(
    raw: FileEvidence, path: str, base: BaseCode, given: dict[str, np.ndarray]
) -> FileEvidence:
    if raw.text_digest in base.file_digests or raw.code_digest in base.file_digests:
        # The base file itself (a submission of the untouched starter): nothing of it is
        # evidence, not even its size.
        nothing = np.zeros(len(raw.hashes), dtype=bool)
        return replace(raw, n_tokens=0, n_chars=0, lines=_EMPTY, **_kept(raw, nothing))
    keep = ~_held(base.raw, raw.hashes)
    lines = raw.lines
    if len(lines) and base.lines:
        name = base_name(path)
        if name not in given:
            hashes = np.array([sketch_hash(name, x) for x in base.lines], dtype=np.uint64)
            given[name] = distinct(hashes)
        lines = lines[~_held(given[name], lines & ~CODE_BIT)]
    return replace(raw, lines=lines, **_kept(raw, keep))


def _kept(evidence: UnitEvidence | FileEvidence, keep: np.ndarray) -> dict[str, Any]:
    """The fingerprint columns of ``evidence`` (a hash and where its k-gram lies) at ``keep``."""
    return {name: getattr(evidence, name)[keep] for name in _FINGERPRINT_COLUMNS}


def _held(ordered: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in the sorted array ``ordered``."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.asarray(ordered[at] == values, dtype=bool)


def _distinct(arrays: Sequence[np.ndarray]) -> np.ndarray:
    if not arrays:
        return _EMPTY
    return distinct(np.concatenate([np.asarray(a, dtype=np.uint64) for a in arrays]))

"""Matcher 0-file, patched: a small scanned file that is an indexed file of its name, a line or
two changed (a bumped copyright year or version number, one more ``#include``).

Both files' line sketches (``ipscan.extract.line_sketch``) are looked up by hash, so only
indexed files of the scanned file's base name are ever counted. A pair counts when the two
share ``NEAR_FILE_SHARE`` of the larger sketch's lines and ``NEAR_FILE_CODE_SHARE`` of its code
lines (at least ``NEAR_FILE_MIN_LINES`` and ``NEAR_FILE_MIN_CODE``); a scanned file that many
indexed files pass (``MAX_FILE_FANOUT``) is boilerplate. Of the indexed files a scanned file
passes, the closest comes first, then the likeliest source (``source_likelihood``). Beside
copies from the indexed file's folder, the bar is lower (``BESIDE_COPIES``: half the lines, two
of them), the folder deciding (``ipscan.decide.verbatim_findings.beside_copies``).
"""

from __future__ import annotations

from collections.abc import Container
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

import numpy as np

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.line_sketch import CODE_BIT
from ipscan.extract.line_sketch import code_count
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index.reader import IndexReader
from ipscan.sources.paths import source_likelihood
from ipscan.tuning import MAX_FILE_FANOUT
from ipscan.tuning import NEAR_BESIDE_FLOOR
from ipscan.tuning import NEAR_BESIDE_MIN_LINES
from ipscan.tuning import NEAR_BESIDE_SHARE
from ipscan.tuning import NEAR_FILE_CODE_SHARE
from ipscan.tuning import NEAR_FILE_MIN_CODE
from ipscan.tuning import NEAR_FILE_MIN_LINES
from ipscan.tuning import NEAR_FILE_SHARE


@dataclass(frozen=True)
class NearRule:
    """What a scanned file and an indexed file of its name must share to be a patched copy."""

    min_lines: int
    min_code: int
    share: float  # of the larger sketch's lines
    code_share: float  # of the larger sketch's code lines
    # Or, when above 0, this share of the scanned sketch's own lines and code lines (a copy
    # that lost what upstream added since), with NEAR_FILE_MIN_LINES and NEAR_FILE_MIN_CODE
    # shared and ``floor`` of the larger sketch's lines.
    contained: float = 0.0
    floor: float = 0.0


# A small file on its own; and beside copies from the indexed file's folder, where the folder
# already says where the file came from (``ipscan.decide.verbatim_findings.beside_copies``).
ALONE = NearRule(NEAR_FILE_MIN_LINES, NEAR_FILE_MIN_CODE, NEAR_FILE_SHARE, NEAR_FILE_CODE_SHARE)
BESIDE_COPIES = NearRule(
    NEAR_BESIDE_MIN_LINES,
    1,
    NEAR_BESIDE_SHARE,
    NEAR_BESIDE_SHARE,
    contained=NEAR_BESIDE_SHARE,
    floor=NEAR_BESIDE_FLOOR,
)


@dataclass(frozen=True)
class NearFile:
    """A scanned file whose lines are mostly one indexed file's of the same name."""

    query: int  # position of the scanned file in the queries
    file_id: int  # the indexed file (in its segment)
    shared: int  # lines the two sketches share
    share: float  # ``shared`` out of the larger sketch's lines
    source_lines: int = 1  # the indexed file's lines
    # The other indexed files of the same segment it passes with (file id, lines), closest first.
    others: tuple[tuple[int, int], ...] = ()


def near_files(
    queries: Sequence[FileEvidence],
    rows: np.ndarray,
    skip: Container[int] = (),
    rule: NearRule = ALONE,
) -> list[NearFile]:
    """Every (scanned file, indexed file) pair of one segment that passes ``rule``, ``rows``
    being its line sketches sorted by hash; scanned files at positions in ``skip`` are not
    looked up."""
    out: list[NearFile] = []
    if not len(rows):
        return out
    hashes = rows["hash"]
    for qi, ev in enumerate(queries):
        if qi in skip or len(ev.lines) < rule.min_lines:
            continue
        lo = np.searchsorted(hashes, ev.lines, side="left")
        hi = np.searchsorted(hashes, ev.lines, side="right")
        if not int((hi - lo).sum()):
            continue
        found = rows[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])]
        files, first, inverse = np.unique(found["file"], return_index=True, return_inverse=True)
        shared = np.bincount(inverse, minlength=len(files))
        is_code = (found["hash"] & CODE_BIT) != 0
        shared_code = np.bincount(inverse, weights=is_code, minlength=len(files))
        larger = np.maximum(found["n_lines"][first].astype(np.int64), len(ev.lines))
        larger_code = np.maximum(found["n_code"][first].astype(np.int64), code_count(ev.lines))
        passed = (
            (shared >= rule.min_lines)
            & (shared_code >= rule.min_code)
            & (shared >= rule.share * larger)
            & (shared_code >= rule.code_share * larger_code)
        )
        if rule.contained > 0:
            passed |= (
                (shared >= NEAR_FILE_MIN_LINES)
                & (shared_code >= NEAR_FILE_MIN_CODE)
                & (shared >= rule.contained * len(ev.lines))
                & (shared_code >= rule.contained * code_count(ev.lines))
                & (shared >= rule.floor * larger)
            )
        for i in np.nonzero(passed)[0]:
            out.append(NearFile(qi, int(files[i]), int(shared[i]), float(shared[i] / larger[i])))
    return out


def near_by_segment(
    analyzed: Sequence[AnalyzedFile],
    reader: IndexReader,
    skip: Container[int],
    rule: NearRule = ALONE,
) -> list[list[NearFile]]:
    """Per segment, the scanned files (but those at positions in ``skip``) that are one of its
    indexed files patched (by ``rule``): each scanned file once, in the segment of its closest
    match; none for a scanned file that more than ``MAX_FILE_FANOUT`` indexed files pass."""
    raws = [af.raw for af in analyzed]
    found: dict[int, list[tuple[int, NearFile]]] = {}
    for position, seg in enumerate(reader.segments):
        for near in near_files(raws, seg.file_lines, skip, rule):
            found.setdefault(near.query, []).append((position, near))
    out: list[list[NearFile]] = [[] for _ in reader.segments]
    for query, passed in found.items():
        if len(passed) > MAX_FILE_FANOUT:
            continue
        scanned = analyzed[query].file.path

        def closeness(item: tuple[int, NearFile], scanned: str = scanned) -> tuple[object, ...]:
            position, near = item
            path = str(reader.segments[position].files[near.file_id]["path"])
            return (near.share, near.shared, source_likelihood(scanned, path))

        ranked = sorted(passed, key=closeness, reverse=True)
        position, best = ranked[0]
        keys = reader.segments[position].file_keys
        others = tuple(
            (n.file_id, _file_lines(keys, n.file_id)) for p, n in ranked[1:] if p == position
        )
        lines = _file_lines(keys, best.file_id)
        out[position].append(replace(best, source_lines=lines, others=others))
    return out


def _file_lines(keys: np.ndarray, file_id: int) -> int:
    """The lines of indexed file ``file_id`` by its file key (keys are in file order)."""
    row = int(np.searchsorted(keys["file"], file_id))
    found = row < len(keys) and int(keys["file"][row]) == file_id
    return max(int(keys["n_lines"][row]), 1) if found else 1

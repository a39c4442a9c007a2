"""Boilerplate counted over the whole index, however many segments hold it (issue #17).

Each matcher drops a fingerprint or digest posted in too many indexed units or files (what
MOSS calls boilerplate). Counted inside one segment, that cut would depend on how the index was
cut up: a build adds a segment every 50,000 units, where the cut for a fingerprint is 100
postings instead of the 1,000 of a merged 1M-unit index, and a fingerprint spread thin over
many segments would pass every segment's cut. ``index_totals`` counts each query's postings in
every segment once, so a scan finds the same with many segments as with one merged index.
An index of one segment needs nothing counted: its own counts are the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.extract.fingerprint import UnitEvidence
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index import layout
from ipscan.index.reader import IndexReader
from ipscan.index.segment import Segment
from ipscan.match.bounds import Bounds
from ipscan.match.bounds import hash_bounds
from ipscan.match.digest import query_digests
from ipscan.match.idiom_census import IdiomCensus
from ipscan.match.structure import structure_hashes
from ipscan.match.verbatim import same_file_rows
from ipscan.match.winnow import query_hashes


@dataclass(frozen=True)
class SegmentBounds:
    """Where the queries' hashes lie in one segment's sorted columns (looked up once)."""

    unit_fps: Bounds  # winnowing fingerprints in the postings
    structure: Bounds  # structure fingerprints in the structure postings
    digests: Bounds  # unit digests in the digest index
    file_fps: tuple[Bounds, ...]  # per scanned file, its raw fingerprints in the file postings


@dataclass(frozen=True)
class IndexTotals:
    """Postings of the queries' hashes over every segment (None: one segment, count there)."""

    n_units: int
    unit_fps: np.ndarray | None = None  # per winnowing fingerprint of the query units
    structure: np.ndarray | None = None  # per structure fingerprint of the query units
    digests: np.ndarray | None = None  # per query unit's digest
    file_fps: tuple[np.ndarray, ...] | None = None  # per scanned file, per raw fingerprint
    files: tuple[int, ...] | None = None  # per scanned file: indexed files it is
    bounds: tuple[SegmentBounds, ...] | None = None  # per segment, what the counting found

    def segment_bounds(self, position: int) -> SegmentBounds | None:
        """The row ranges found in the ``position``-th segment, if counted."""
        return None if self.bounds is None else self.bounds[position]


def index_totals(
    units: Sequence[UnitEvidence],
    files: Sequence[FileEvidence],
    reader: IndexReader,
    census: IdiomCensus | None = None,
) -> IndexTotals:
    """The queries' posting counts summed over ``reader``'s segments, and where each segment
    holds them; every segment's pages are given back once counted (``IndexReader.done_with``).
    ``census``: the ecosystem idioms' postings in the default index are added to the counts of
    winnowing fingerprints, unit digests and raw fingerprints (``ipscan.match.idiom_census``)."""
    if len(reader.segments) <= 1 and census is None:
        return IndexTotals(reader.n_units)
    fps, structure, digests = query_hashes(units), structure_hashes(units), query_digests(units)
    unit_fps = np.zeros(len(fps), dtype=np.int64)
    struct = np.zeros(len(structure), dtype=np.int64)
    digest = np.zeros(len(digests), dtype=np.int64)
    file_fps = [np.zeros(len(ev.hashes), dtype=np.int64) for ev in files]
    same_files = [0] * len(files)
    found: list[SegmentBounds] = []
    for seg in reader.segments:
        raw = _hashes(seg, layout.FILE_POSTINGS, seg.file_postings)
        bounds = SegmentBounds(
            unit_fps=hash_bounds(_hashes(seg, layout.POSTINGS, seg.postings), fps),
            structure=hash_bounds(
                _hashes(seg, layout.STRUCTURE_POSTINGS, seg.structure_postings), structure
            ),
            digests=hash_bounds(seg.digest_index["digest"], digests),
            file_fps=tuple(hash_bounds(raw, ev.hashes) for ev in files),
        )
        found.append(bounds)
        unit_fps += _count(bounds.unit_fps)
        struct += _count(bounds.structure)
        digest += _count(bounds.digests)
        keys = seg.file_keys
        for qi, ev in enumerate(files):
            file_fps[qi] += _count(bounds.file_fps[qi])
            if len(keys):
                same_files[qi] += len(same_file_rows(ev, keys)[0])
        reader.done_with(seg)
    if census is not None:
        unit_fps += census.unit_fps(fps)
        digest += census.digests(digests)
        for qi, ev in enumerate(files):
            file_fps[qi] += census.file_fps(ev.hashes)
    return IndexTotals(
        reader.n_units,
        unit_fps,
        struct,
        digest,
        tuple(file_fps),
        tuple(same_files),
        tuple(found),
    )


def digest_counts(
    units: Sequence[UnitEvidence],
    positions: Sequence[int],
    totals: IndexTotals,
    reader: IndexReader,
) -> np.ndarray:
    """How many indexed units share the normalized form of each query unit at ``positions``:
    ``totals``' sums where it has them, else counted in the index's one segment."""
    if totals.digests is not None:
        return totals.digests[list(positions)]
    digests = query_digests([units[i] for i in positions])
    counts = np.zeros(len(digests), dtype=np.int64)
    for seg in reader.segments:
        counts += _count(hash_bounds(seg.digest_index["digest"], digests))
    return counts


def _hashes(seg: Segment, name: str, rows: np.ndarray) -> np.ndarray:
    """The sorted hash column of postings file ``name`` of ``seg``."""
    column = seg.hash_column(name)
    return rows["hash"] if column is None else column


def _count(bounds: Bounds) -> np.ndarray:
    """How many rows each looked-up hash has."""
    lo, hi = bounds
    return (hi - lo).astype(np.int64)

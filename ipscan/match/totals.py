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
from ipscan.match.structure import structure_hashes
from ipscan.match.verbatim import same_file_rows
from ipscan.match.winnow import max_posting_fanout
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
    units: Sequence[UnitEvidence], files: Sequence[FileEvidence], reader: IndexReader
) -> IndexTotals:
    """The queries' posting counts summed over ``reader``'s segments, and where each segment
    holds them; every segment's pages are given back once counted (``IndexReader.done_with``)."""
    if len(reader.segments) <= 1:
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
    return IndexTotals(
        reader.n_units,
        unit_fps,
        struct,
        digest,
        tuple(file_fps),
        tuple(same_files),
        tuple(found),
    )


def _hashes(seg: Segment, name: str, rows: np.ndarray) -> np.ndarray:
    """The sorted hash column of postings file ``name`` of ``seg``."""
    column = seg.hash_column(name)
    return rows["hash"] if column is None else column


def _count(bounds: Bounds) -> np.ndarray:
    """How many rows each looked-up hash has."""
    lo, hi = bounds
    return (hi - lo).astype(np.int64)


@dataclass(frozen=True)
class SharedWithIndex:
    """Per query unit: what it shares with the index that a pair's evidence is made of."""

    fingerprints: np.ndarray  # distinct winnowing fingerprints posted, under the boilerplate cut
    structure: np.ndarray  # distinct structure fingerprints posted, under that cut
    digest: np.ndarray  # bool: its digest is an indexed unit's


def shared_with_index(
    units: Sequence[UnitEvidence], reader: IndexReader, totals: IndexTotals
) -> SharedWithIndex:
    """What each query unit shares with the whole index, counted as ``find_hits`` and
    ``structure_shared`` count (boilerplate cut by ``max_posting_fanout``): no pair of the unit
    shares more than that."""
    n = len(units)
    fps, structure, digests = query_hashes(units), structure_hashes(units), query_digests(units)
    if not n or not reader.segments:
        return SharedWithIndex(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, bool))
    if totals.unit_fps is None or totals.structure is None or totals.digests is None:
        seg = reader.segments[0]  # one segment: its counts are the totals
        fp_counts = _count(hash_bounds(_hashes(seg, layout.POSTINGS, seg.postings), fps))
        structure_postings = _hashes(seg, layout.STRUCTURE_POSTINGS, seg.structure_postings)
        st_counts = _count(hash_bounds(structure_postings, structure))
        digest_counts = _count(hash_bounds(seg.digest_index["digest"], digests))
        reader.done_with(seg)
    else:
        fp_counts, st_counts, digest_counts = totals.unit_fps, totals.structure, totals.digests
    cut = max_posting_fanout(totals.n_units)
    return SharedWithIndex(
        _distinct_per_unit(
            [len(u.hashes) for u in units], fps, (fp_counts > 0) & (fp_counts <= cut)
        ),
        _distinct_per_unit(
            [len(u.structure) for u in units], structure, (st_counts > 0) & (st_counts <= cut)
        ),
        np.asarray(digest_counts > 0, dtype=bool),
    )


def _distinct_per_unit(sizes: Sequence[int], hashes: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """How many distinct ``hashes`` each unit (``sizes``: its hashes, in order) has ``kept``."""
    owners = np.repeat(np.arange(len(sizes)), sizes)[kept]
    pairs = np.unique(np.stack([owners.astype(np.uint64), hashes[kept]]), axis=1)
    return np.bincount(pairs[0].astype(np.int64), minlength=len(sizes)).astype(np.int64)

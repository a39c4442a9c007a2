"""Vectors a scan need not compute: the units of a scanned file that is an indexed file.

A scanned file whose code digest is an indexed file's (the same tokens, names and literals;
comments aside: ``identical_files``) parses into the same units with the same canonical text,
so the encoder would give each the vector the index stored for its twin, up to the index's
8-bit rows and the runtime's rounding (cosine ≥ 0.998 on click's utils.py). Reading those
vectors instead of embedding them saves the encoder's time on vendored files (issue #18: 390
of 2,109 units of boost-histogram's tree, 151 of 786 of joblib's).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ipscan.extract.analyze import AnalyzedFile
from ipscan.index.reader import IndexReader
from ipscan.match.digest import query_digests
from ipscan.match.totals import IndexTotals
from ipscan.match.verbatim import IdenticalFile
from ipscan.match.verbatim import identical_files
from ipscan.sources.paths import source_likelihood

# Indexed units with one digest looked through for the twin in the matched file: a digest
# held by more units is a stock unit, embedded as usual.
MAX_TWINS = 256


def identical_by_segment(
    analyzed: Sequence[AnalyzedFile], reader: IndexReader, totals: IndexTotals
) -> list[list[IdenticalFile]]:
    """The scanned files that are indexed files, segment by segment; of several indexed files
    that a scanned file is, the likeliest source (``source_likelihood``)."""
    raws = [af.raw for af in analyzed]
    paths = [af.file.path for af in analyzed]
    out = []
    for seg in reader.segments:
        rank = functools.partial(_rank, paths, seg.files)
        out.append(identical_files(raws, seg.file_keys, totals.files, rank))
        reader.done_with(seg)
    return out


def _rank(
    paths: Sequence[str], files: Sequence[dict[str, Any]], query: int, file_id: int
) -> tuple[object, ...]:
    return source_likelihood(paths[query], str(files[file_id]["path"]))


def stored_vectors(
    analyzed: Sequence[AnalyzedFile],
    reader: IndexReader,
    identical: Sequence[Sequence[IdenticalFile]],
) -> dict[int, np.ndarray]:
    """Query unit position (over every file's units, in order) → the stored vector of the
    indexed unit it is, for the units of files in ``identical`` (``identical_by_segment``)."""
    starts = np.cumsum([0, *(len(af.units) for af in analyzed)])
    out: dict[int, np.ndarray] = {}
    for seg, same in zip(reader.segments, identical, strict=True):
        if not same or not len(seg.units):
            continue
        index = seg.digest_index
        store = seg.exact_store  # rows only: no FAISS needed to read them
        for match in same:
            units = analyzed[match.query].units
            digests = query_digests([au.evidence for au in units])
            lo = np.searchsorted(index["digest"], digests, side="left")
            hi = np.searchsorted(index["digest"], digests, side="right")
            for k, (a, b) in enumerate(zip(lo, hi, strict=True)):
                position = int(starts[match.query]) + k
                if position in out or not 0 < b - a <= MAX_TWINS:
                    continue
                uids = index["unit"][a:b]
                twins = uids[seg.units["file"][uids] == match.file_id]
                if len(twins):
                    vector = store.vector(int(twins[0]))
                    out[position] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        reader.done_with(seg)
    return out

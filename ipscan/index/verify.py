"""`ipscan index verify`: the whole check that a scan's open leaves out (issue #17).

A scan checks sizes and file heads only, so that opening costs the same at any index size. This
reads everything: every file's sha256 against the manifest, every row of the metadata, the
vectors, and that the ids the arrays hold point inside the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.ann import verify_vector_store
from ipscan.index.reader import IndexReader
from ipscan.index.segment import Segment
from ipscan.index.store import digest_index


@dataclass(frozen=True)
class Verified:
    """What a verified index holds."""

    generation: str
    sources: int
    files: int
    units: int
    bytes: int
    segments: int


def verify_index(index_dir: Path) -> Verified:
    """Check the live generation of ``index_dir`` whole, every segment of it; an
    IpscanIndexError says what is wrong."""
    with IndexReader(index_dir, verify=True) as reader:
        for seg in reader.segments:
            _verify_segment(index_dir, seg)
        counts = reader.counts
        folders = {seg.gen_dir for seg in reader.segments} | {reader.gen_dir}
        size = sum(p.stat().st_size for f in folders for p in f.iterdir() if p.is_file())
        return Verified(
            reader.gen_dir.name,
            counts.get("sources", 0),
            counts.get("files", 0),
            reader.n_units,
            size,
            len(reader.segments),
        )


def _verify_segment(index_dir: Path, seg: Segment) -> None:
    n_units, n_files, n_sources = len(seg.units), len(seg.files), len(seg.sources)
    _ids_inside(index_dir, "postings", seg.postings["unit"], n_units)
    _ids_inside(index_dir, "structure postings", seg.structure_postings["unit"], n_units)
    _ids_inside(index_dir, "units", seg.units["file"], n_files)
    _ids_inside(index_dir, "file keys", seg.file_keys["file"], n_files)
    _ids_inside(index_dir, "file postings", seg.file_postings["file"], n_files)
    _ids_inside(index_dir, "file lines", seg.file_lines["file"], n_files)
    for row in seg.files:  # every row parsed and checked
        source = row.get("source")
        if not isinstance(source, int) or not 0 <= source < n_sources:
            raise IpscanIndexError(f"{index_dir}: a file names source {source!r}; rebuild it")
    if len(seg.unit_names) != n_units or len(list(seg.unit_names)) != n_units:
        raise IpscanIndexError(f"{index_dir}: unit names do not match the units; rebuild it")
    if not np.array_equal(seg.digest_index, digest_index(seg.units)):
        raise IpscanIndexError(f"{index_dir}: the digest index is out of date; rebuild it")
    for name, rows in (
        (layout.POSTINGS, seg.postings),
        (layout.FILE_POSTINGS, seg.file_postings),
        (layout.STRUCTURE_POSTINGS, seg.structure_postings),
    ):
        column = seg.hash_column(name)
        if column is not None and not np.array_equal(column, rows["hash"]):
            raise IpscanIndexError(f"{index_dir}: the hashes of {name} are out of date; rebuild")
    desc, dim = seg.manifest.get("vectors"), seg.encoder_info.get("dim")
    if isinstance(desc, dict) and isinstance(dim, int):
        verify_vector_store(seg.gen_dir, desc, n_units, dim)
    if seg.vector_store.ntotal != n_units:
        raise IpscanIndexError(f"{index_dir}: vectors do not match the units; rebuild it")


def _ids_inside(index_dir: Path, what: str, ids: np.ndarray, bound: int) -> None:
    if len(ids) and int(ids.max()) >= bound:
        raise IpscanIndexError(f"{index_dir}: {what} name ids past the index's end; rebuild it")

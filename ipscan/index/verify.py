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
from ipscan.index.reader import IndexReader
from ipscan.index.store import digest_index


@dataclass(frozen=True)
class Verified:
    """What a verified index holds."""

    generation: str
    sources: int
    files: int
    units: int
    bytes: int


def verify_index(index_dir: Path) -> Verified:
    """Check the live generation of ``index_dir`` whole; an IpscanIndexError says what is wrong."""
    with IndexReader(index_dir, verify=True) as reader:
        n_units, n_files, n_sources = len(reader.units), len(reader.files), len(reader.sources)
        _ids_inside(index_dir, "postings", reader.postings["unit"], n_units)
        _ids_inside(index_dir, "structure postings", reader.structure_postings["unit"], n_units)
        _ids_inside(index_dir, "units", reader.units["file"], n_files)
        _ids_inside(index_dir, "file keys", reader.file_keys["file"], n_files)
        _ids_inside(index_dir, "file postings", reader.file_postings["file"], n_files)
        for row in reader.files:  # every row parsed and checked
            source = row.get("source")
            if not isinstance(source, int) or not 0 <= source < n_sources:
                raise IpscanIndexError(f"{index_dir}: a file names source {source!r}; rebuild it")
        if len(reader.unit_names) != n_units or len(list(reader.unit_names)) != n_units:
            raise IpscanIndexError(f"{index_dir}: unit names do not match the units; rebuild it")
        if not np.array_equal(reader.digest_index, digest_index(reader.units)):
            raise IpscanIndexError(f"{index_dir}: the digest index is out of date; rebuild it")
        if reader.faiss_index.ntotal != n_units:
            raise IpscanIndexError(f"{index_dir}: vectors do not match the units; rebuild it")
        size = sum(p.stat().st_size for p in reader.gen_dir.iterdir() if p.is_file())
        return Verified(reader.gen_dir.name, n_sources, n_files, n_units, size)


def _ids_inside(index_dir: Path, what: str, ids: np.ndarray, bound: int) -> None:
    if len(ids) and int(ids.max()) >= bound:
        raise IpscanIndexError(f"{index_dir}: {what} name ids past the index's end; rebuild it")

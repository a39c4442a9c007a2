"""One segment of an index: a folder of arrays and metadata with ids of its own (issue #17)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.ann import KINDS
from ipscan.index.ann import VectorStore
from ipscan.index.ann import exact_store
from ipscan.index.ann import open_v1_store
from ipscan.index.ann import open_vector_store
from ipscan.index.ann import read_all_rows
from ipscan.index.ann_i8 import ScaledRows
from ipscan.index.ann_store import ExactStore
from ipscan.index.ann_store import IvfStore
from ipscan.index.manifest import has_file_channel
from ipscan.index.manifest import has_line_channel
from ipscan.index.manifest import has_structure_channel
from ipscan.index.manifest import has_tiny_files
from ipscan.index.manifest import quick_check
from ipscan.index.manifest import raw_scheme
from ipscan.index.manifest import read_manifest
from ipscan.index.manifest import verify_files
from ipscan.index.pages import release
from ipscan.index.rows import JsonRows
from ipscan.index.rows import Lines
from ipscan.index.store import IndexContents
from ipscan.index.store import digest_index
from ipscan.index.vectors import read_vectors


class Segment:
    """One folder of index data: arrays memory-mapped, metadata read row by row when needed.

    Its unit, file and source ids are its own (row numbers); ``IndexReader`` places the
    segments of a generation one after another.
    """

    def __init__(self, index_dir: Path, folder: Path, verify: bool = False) -> None:
        """Open ``folder`` (of the index at ``index_dir``, named in errors): its manifest and
        array headers, checked cheaply (sizes and file heads); ``verify`` also checks every
        file's sha256 (builds do, scans do not)."""
        self.index_dir = index_dir
        self.gen_dir = folder
        self._hash_columns: dict[str, np.ndarray] = {}
        self._load(verify)

    def _load(self, verify: bool) -> None:
        index_dir = self.index_dir
        self.manifest: dict[str, Any] = read_manifest(self.gen_dir)
        if verify:
            verify_files(index_dir, self.gen_dir, self.manifest)
        else:
            quick_check(index_dir, self.gen_dir, self.manifest)
        try:
            self.units: np.ndarray = _array(self.gen_dir / layout.UNITS)
            self.postings: np.ndarray = _array(self.gen_dir / layout.POSTINGS)
            self.file_keys, self.file_postings = self._file_channel()
            self.structure_postings = self._structure_channel()
            self.file_lines = self._line_channel()
        except (OSError, ValueError, EOFError) as exc:
            raise IpscanIndexError(
                f"{index_dir}: cannot read the index ({exc}); rebuild it"
            ) from exc
        if (
            self.units.dtype != layout.UNIT_DTYPE
            or self.postings.dtype != layout.POSTING_DTYPE
            or self.file_keys.dtype != layout.FILE_KEY_DTYPE
            or self.file_postings.dtype != layout.FILE_POSTING_DTYPE
            or self.structure_postings.dtype != layout.STRUCTURE_POSTING_DTYPE
            or self.file_lines.dtype != layout.FILE_LINE_DTYPE
        ):
            raise IpscanIndexError(f"{index_dir}: unexpected array layout; rebuild the index")
        arrays = (
            self.units,
            self.postings,
            self.file_keys,
            self.file_postings,
            self.structure_postings,
            self.file_lines,
        )
        if any(a.ndim != 1 for a in arrays):
            raise IpscanIndexError(f"{index_dir}: unexpected array shape; rebuild the index")

    @cached_property
    def sources(self) -> list[dict[str, Any]]:
        """The indexed sources (package, version, license, origin, ...), read when first used."""
        try:
            rows = json.loads((self.gen_dir / layout.SOURCES).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise IpscanIndexError(
                f"{self.index_dir}: cannot read the index ({exc}); rebuild it"
            ) from exc
        if not isinstance(rows, list) or not all(isinstance(x, dict) for x in rows):
            raise IpscanIndexError(f"{self.index_dir}: sources are not records; rebuild it")
        return rows

    @cached_property
    def files(self) -> Sequence[dict[str, Any]]:
        """The indexed files (row = file id), each parsed when first read."""
        return JsonRows(self._lines(layout.FILES, layout.FILES_OFFSETS, "files"))

    def _lines(self, name: str, offsets: str, counted: str | None) -> Lines:
        have = offsets in self.manifest["files"]
        count = self.manifest["counts"].get(counted) if counted else None
        return Lines(self.gen_dir / name, self.gen_dir / offsets if have else None, count)

    def _file_channel(self) -> tuple[np.ndarray, np.ndarray]:
        """The verbatim channel's arrays; empty for an index built before the channel."""
        if not has_file_channel(self.manifest):
            return (
                np.zeros(0, layout.FILE_KEY_DTYPE),
                np.zeros(0, layout.FILE_POSTING_DTYPE),
            )
        return _array(self.gen_dir / layout.FILE_KEYS), _array(self.gen_dir / layout.FILE_POSTINGS)

    def _structure_channel(self) -> np.ndarray:
        """The structure-insensitive postings; empty for an index built before the channel."""
        if not has_structure_channel(self.manifest):
            return np.zeros(0, layout.STRUCTURE_POSTING_DTYPE)
        return _array(self.gen_dir / layout.STRUCTURE_POSTINGS)

    def _line_channel(self) -> np.ndarray:
        """The small files' line sketches; empty for an index built before them."""
        if not has_line_channel(self.manifest):
            return np.zeros(0, layout.FILE_LINE_DTYPE)
        return _array(self.gen_dir / layout.FILE_LINES)

    @property
    def encoder_info(self) -> dict[str, Any]:
        """The encoder the vectors were made with (id, weights_sha256, dim, max_length)."""
        return dict(self.manifest.get("encoder", {}))

    @property
    def raw_scheme(self) -> int:
        """The raw-token scheme of the verbatim channel: how a scan makes its raw evidence."""
        return raw_scheme(self.manifest)

    @cached_property
    def vector_store(self) -> VectorStore:
        """The unit vectors (row number = unit id): memory-mapped fp16 rows, searched exactly or
        through IVF (``ipscan.index.ann``); an index built before the store: its FAISS file."""
        n, dim, desc = len(self.units), self._dim, self.manifest.get("vectors")
        if isinstance(desc, dict):
            if dim is None:
                raise IpscanIndexError(f"{self.index_dir}: the manifest has no vector size")
            store: VectorStore = open_vector_store(self.gen_dir, desc, n, dim)
        else:
            store = open_v1_store(self.gen_dir / layout.VECTORS, n, dim)
        if store.ntotal != n:
            raise IpscanIndexError(
                f"{self.index_dir}: vector count differs from unit count; rebuild it"
            )
        return store

    @cached_property
    def exact_store(self) -> VectorStore:
        """The unit vectors searched exactly over their memory-mapped rows, without FAISS or
        the IVF file (for a few queries on a small index: ``ipscan.scan``); an index built
        before the store: its FAISS file."""
        desc = self.manifest.get("vectors")
        if not isinstance(desc, dict) or self._dim is None:
            return self.vector_store
        if not KINDS.get(str(desc.get("kind")), ("", False))[1]:  # no ANN file: exact already
            return self.vector_store
        return exact_store(self.gen_dir, desc, len(self.units), self._dim)

    @property
    def faiss_index(self) -> VectorStore:
        """The vector store (its older name: search, ntotal, d, vector)."""
        return self.vector_store

    def all_vectors(self) -> np.ndarray:
        """Every unit vector as float32 (n, dim), for compacting."""
        desc = self.manifest.get("vectors")
        if isinstance(desc, dict) and self._dim is not None:
            return read_all_rows(self.gen_dir, desc, len(self.units), self._dim)
        return read_vectors(self.gen_dir / layout.VECTORS, len(self.units), self._dim)

    @property
    def _dim(self) -> int | None:
        dim = self.encoder_info.get("dim")
        return dim if isinstance(dim, int) and not isinstance(dim, bool) else None

    def hash_column(self, name: str) -> np.ndarray | None:
        """The hash column of postings file ``name`` as a contiguous array (memory-mapped), or
        None for an index built before those were written (the matchers then use the column
        of the postings themselves)."""
        column = layout.HASH_COLUMNS[name]
        rows = {
            layout.POSTINGS: self.postings,
            layout.FILE_POSTINGS: self.file_postings,
            layout.STRUCTURE_POSTINGS: self.structure_postings,
        }[name]
        if column not in self.manifest["files"] or not len(rows):  # not written, or no channel
            return None
        if column not in self._hash_columns:
            try:
                found = _array(self.gen_dir / column)
            except (OSError, ValueError, EOFError) as exc:
                raise IpscanIndexError(
                    f"{self.index_dir}: cannot read the index ({exc}); rebuild it"
                ) from exc
            if found.dtype != np.dtype("<u8") or found.shape != rows.shape:
                raise IpscanIndexError(f"{self.index_dir}: {column} does not match; rebuild it")
            self._hash_columns[column] = found
        return self._hash_columns[column]

    @cached_property
    def unit_names(self) -> Sequence[str]:
        """Unit names by unit id, each read when first used."""
        return self._lines(layout.UNIT_NAMES, layout.UNIT_NAMES_OFFSETS, "units")

    @cached_property
    def digest_index(self) -> np.ndarray:
        """(digest, unit) of every unit sorted by digest, for exact-digest lookups; computed for
        an index built before the build wrote it."""
        if layout.DIGEST_INDEX in self.manifest["files"]:
            try:
                found = _array(self.gen_dir / layout.DIGEST_INDEX)
            except (OSError, ValueError, EOFError) as exc:
                raise IpscanIndexError(
                    f"{self.index_dir}: cannot read the index ({exc}); rebuild it"
                ) from exc
            if found.dtype != layout.DIGEST_INDEX_DTYPE or found.shape != self.units.shape:
                raise IpscanIndexError(
                    f"{self.index_dir}: {layout.DIGEST_INDEX} does not match; rebuild it"
                )
            return found
        return digest_index(self.units)

    def release_pages(self) -> None:
        """Give back the resident pages of every mapped array (``ipscan.index.pages``) and
        close the ANN file's map; all stay usable and are mapped again when next read."""
        arrays = [
            self.units,
            self.postings,
            self.file_keys,
            self.file_postings,
            self.structure_postings,
            self.file_lines,
            *self._hash_columns.values(),
        ]
        if "digest_index" in self.__dict__:
            arrays.append(self.digest_index)
        for name in ("vector_store", "exact_store"):
            store = self.__dict__.get(name)
            if isinstance(store, IvfStore):
                del self.__dict__[name]  # FAISS unmaps its file when the index goes
            elif isinstance(store, ExactStore):
                rows = store.rows.records if isinstance(store.rows, ScaledRows) else store.rows
                if isinstance(rows, np.ndarray):
                    arrays.append(rows)
        release(arrays)

    def contents(self) -> IndexContents:
        """Everything in memory, vectors decoded (for compacting segments into one)."""
        return IndexContents(
            encoder=self.encoder_info,
            raw_scheme=self.raw_scheme,
            sources=list(self.sources),
            files=list(self.files),
            units=np.array(self.units),
            unit_names=list(self.unit_names),
            postings=np.array(self.postings),
            file_keys=np.array(self.file_keys),
            file_postings=np.array(self.file_postings),
            structure_postings=np.array(self.structure_postings),
            file_lines=np.array(self.file_lines),
            line_sketches=has_line_channel(self.manifest),
            tiny_files=has_tiny_files(self.manifest),
            vectors=self.all_vectors(),
        )


def _array(path: Path) -> np.ndarray:
    """A .npy array memory-mapped (read-only; an empty one is read, as it cannot be mapped)."""
    if path.stat().st_size <= _NPY_HEADER_MAX:
        loaded: np.ndarray = np.load(path, allow_pickle=False)
        return loaded
    mapped: np.ndarray = np.load(path, allow_pickle=False, mmap_mode="r")
    return mapped


_NPY_HEADER_MAX = 4096  # a .npy file this small holds no rows worth mapping

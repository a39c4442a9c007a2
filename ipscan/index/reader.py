"""Open a built index for scanning or extending: checked on load, FAISS loaded only when needed."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IndexError_
from ipscan.index import layout
from ipscan.index.store import IndexContents
from ipscan.index.store import live_generation
from ipscan.index.store import read_manifest
from ipscan.index.store import verify_files
from ipscan.index.vectors import load_faiss
from ipscan.index.vectors import read_vectors


class IndexReader:
    """A read-only view of the live generation of an index directory."""

    def __init__(self, index_dir: Path, verify: bool = True) -> None:
        self.index_dir = index_dir
        self.gen_dir = live_generation(index_dir)
        self.manifest: dict[str, Any] = read_manifest(self.gen_dir)
        if verify:
            verify_files(index_dir, self.gen_dir, self.manifest)
        try:
            self.units: np.ndarray = np.load(self.gen_dir / layout.UNITS, allow_pickle=False)
            self.postings: np.ndarray = np.load(
                self.gen_dir / layout.POSTINGS, allow_pickle=False, mmap_mode="r"
            )
            self.sources: list[dict[str, Any]] = json.loads(
                (self.gen_dir / layout.SOURCES).read_text(encoding="utf-8")
            )
            self.files: list[dict[str, Any]] = [
                json.loads(line)
                for line in (self.gen_dir / layout.FILES).read_text(encoding="utf-8").splitlines()
            ]
        except (OSError, ValueError) as exc:
            raise IndexError_(f"{index_dir}: cannot read the index ({exc}); rebuild it") from exc
        if self.units.dtype != layout.UNIT_DTYPE or self.postings.dtype != layout.POSTING_DTYPE:
            raise IndexError_(f"{index_dir}: unexpected array layout; rebuild the index")

    @property
    def encoder_info(self) -> dict[str, Any]:
        """The encoder the vectors were made with (id, weights_sha256, dim, max_length)."""
        return dict(self.manifest.get("encoder", {}))

    @cached_property
    def faiss_index(self):  # type: ignore[no-untyped-def]
        """The FAISS index over unit vectors (row number = unit id)."""
        index = load_faiss(self.gen_dir / layout.VECTORS)
        if index.ntotal != len(self.units):
            raise IndexError_(f"{self.index_dir}: vector count differs from unit count; rebuild it")
        return index

    @cached_property
    def unit_names(self) -> list[str]:
        """Unit names by unit id."""
        return (self.gen_dir / layout.UNIT_NAMES).read_text(encoding="utf-8").splitlines()

    @cached_property
    def digest_order(self) -> np.ndarray:
        """Unit ids sorted by their 64-bit digest prefix, for exact-digest lookups."""
        return np.argsort(self.units["digest"], kind="stable")

    def contents(self) -> IndexContents:
        """Everything in memory, vectors decoded, for writing an extended generation."""
        return IndexContents(
            encoder=self.encoder_info,
            sources=list(self.sources),
            files=list(self.files),
            units=np.array(self.units),
            unit_names=list(self.unit_names),
            postings=np.array(self.postings),
            vectors=read_vectors(self.gen_dir / layout.VECTORS),
        )

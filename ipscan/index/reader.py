"""Open a built index for scanning or extending: checked on load, vectors loaded only when needed.

A generation is either one folder of data (format 1: one segment) or a list of segments
(format 2, issue #17): a build adds a segment and a new list naming the old ones too, so it
never rewrites what the index holds. A reader locks the generation it opened (shared) for its
whole life; a build removes neither it nor the segments it names until the reader is closed,
so loading vectors or names later is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index import generations
from ipscan.index.manifest import read_generation
from ipscan.index.segment import Segment
from ipscan.index.store import IndexContents
from ipscan.index.store import live_generation
from ipscan.index.store import merge_contents


class IndexReader:
    """A read-only view of the live generation of an index directory: its segments in order,
    unit ids running on from one segment to the next."""

    def __init__(self, index_dir: Path, verify: bool = False) -> None:
        """Open the live generation and each of its segments (see ``Segment``)."""
        self.index_dir = index_dir
        self.gen_dir, self._lock = _open_live(index_dir)
        try:
            self.manifest, names = read_generation(self.gen_dir)
            if names is None:  # format 1: the generation is its own one segment
                self.segments: tuple[Segment, ...] = (Segment(index_dir, self.gen_dir, verify),)
                # What a generation built on this one names: this folder, as a segment.
                self.segment_names: tuple[str, ...] = (self.gen_dir.name,)
            else:
                self.segments = tuple(
                    Segment(index_dir, generations.segment_path(index_dir, n), verify)
                    for n in names
                )
                self.segment_names = tuple(names)
            self._check_alike()
        except BaseException:
            self._lock.close()  # now, not when the traceback lets go of this half-made reader
            raise
        sizes = [len(s.units) for s in self.segments]
        # unit_base[i]: the global id of segment i's unit 0; the last entry is the unit count.
        self.unit_base = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def _check_alike(self) -> None:
        """Every segment was made with one encoder (their vectors are compared as one) and one
        raw-token scheme (a scan makes its queries' raw evidence once)."""
        first = self.segments[0]
        for seg in self.segments[1:]:
            if seg.encoder_info != first.encoder_info:
                raise IpscanIndexError(
                    f"{self.index_dir}: segments made with different encoders; rebuild the index"
                )
            if seg.raw_scheme != first.raw_scheme:
                raise IpscanIndexError(
                    f"{self.index_dir}: segments made with different raw-token schemes; "
                    "rebuild the index"
                )

    @property
    def raw_scheme(self) -> int:
        """The raw-token scheme of the index's verbatim channel (``analyze_file``'s
        ``raw_scheme`` for the files a scan asks it about)."""
        return self.segments[0].raw_scheme

    def done_with(self, seg: Segment) -> None:
        """A scan pass is done with ``seg``: with other segments to search next, give its mapped
        pages back (``Segment.release_pages``), so the peak is one segment's, not all of them.
        A lone segment keeps its pages for the next pass."""
        if len(self.segments) > 1:
            seg.release_pages()

    def close(self) -> None:
        """Let builds remove this generation once it is no longer live (also done on GC)."""
        self._lock.close()

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def encoder_info(self) -> dict[str, Any]:
        """The encoder the vectors were made with (id, weights_sha256, dim, max_length)."""
        return self.segments[0].encoder_info

    @property
    def n_units(self) -> int:
        """Units in all segments."""
        return int(self.unit_base[-1])

    @property
    def counts(self) -> dict[str, int]:
        """Sources, files and units over all segments (from their manifests)."""
        out: dict[str, int] = {}
        for seg in self.segments:
            for key, value in seg.manifest["counts"].items():
                out[key] = out.get(key, 0) + int(value)
        return out

    def locate(self, unit_id: int) -> tuple[Segment, int]:
        """The segment that holds global unit ``unit_id``, and the unit's id in it."""
        if not 0 <= unit_id < self.n_units:
            raise IpscanIndexError(
                f"{self.index_dir}: unit {unit_id} is not in the index; rebuild it"
            )
        i = int(np.searchsorted(self.unit_base, unit_id, side="right")) - 1
        return self.segments[i], unit_id - int(self.unit_base[i])

    @property
    def sources(self) -> Sequence[dict[str, Any]]:
        """The sources of every segment, in order."""
        return [row for seg in self.segments for row in seg.sources]

    @property
    def only(self) -> Segment:
        """The one segment of a one-segment index (tests and tools that read arrays directly)."""
        if len(self.segments) != 1:
            raise IpscanIndexError(
                f"{self.index_dir}: {len(self.segments)} segments; compact it with "
                "`ipscan index compact` first"
            )
        return self.segments[0]

    def __getattr__(self, name: str) -> Any:
        # A one-segment index reads like its segment (units, postings, files, faiss_index, ...).
        if name.startswith("_") or name in ("segments", "manifest"):
            raise AttributeError(name)
        return getattr(self.only, name)

    def contents(self) -> IndexContents:
        """Every segment's contents in memory as one (ids renumbered), for compacting."""
        return merge_contents([seg.contents() for seg in self.segments])


# A build removes a generation only after CURRENT moved on, so a second look finds the new one.
_OPEN_TRIES = 5


def _open_live(index_dir: Path) -> tuple[Path, generations.ReaderLock]:
    """The live generation, locked against removal (retried if a build removed it meanwhile)."""
    for _ in range(_OPEN_TRIES):
        gen_dir = live_generation(index_dir)
        lock = generations.hold_shared(gen_dir)
        if lock is not None:
            return gen_dir, lock
    raise IpscanIndexError(f"{index_dir}: the index kept changing while it was opened; try again")

"""Ecosystem idioms: what the shipped default index says is common, counted in scans of others.

An index of one upstream package cannot tell an idiom from a copy. serde's ``Deserialize``
visitor (``fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result``) is in semver
three times and in no other indexed file, so serde_json's own visitors were claimed from it,
raw tokens and all; a Rust struct under ``#[derive(Clone, Debug, Eq, PartialEq)]`` matched
another crate's. In a large index such code is posted by many packages and counts as
boilerplate (``MAX_FILE_FANOUT``, ``COMMON_FANOUT``, the posting cut), so the scan of a small
index borrows that census from the default index that ships with ipscan (134 packages in eight
languages): each query hash's postings there, from ``IDIOM_PACKAGES`` or more of its packages
other than the scanned index's own, are added to the scan's totals (``ipscan.match.totals``) as
if that index were merged into it. Code that fewer packages hold, a library vendored by one or
two of them, adds nothing. The default index is never a source here: it only counts. It is used
only when its fingerprints are made the same way as the scanned index's, and never to scan the
default index itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.open import index_location
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.index.segment import Segment
from ipscan.match.bounds import hash_bounds
from ipscan.sources.ecosystem_names import pypi_name
from ipscan.tuning import IDIOM_PACKAGES

# The manifest entries that say how an index's hashes are made: the census counts only where
# the scanned index's and the default index's agree.
_SCHEMES = ("fingerprints", "file_fingerprints")


@dataclass(frozen=True)
class _Table:
    """Where a kind of hash is posted in a segment: its rows (a ``Segment`` attribute), the
    hash column stored apart (a layout file name, if any), the hash field, and the owner field
    (``unit`` or ``file``)."""

    rows: str
    stored: str | None
    key: str
    owner: str


_UNIT_FPS = _Table("postings", layout.POSTINGS, "hash", "unit")
_DIGESTS = _Table("digest_index", None, "digest", "unit")
_FILE_FPS = _Table("file_postings", layout.FILE_POSTINGS, "hash", "file")


@dataclass(frozen=True)
class CensusSegment:
    """One default-index segment, each unit and file by its package (-1: one of the scanned
    index's packages, not counted)."""

    seg: Segment
    unit_package: np.ndarray  # int64 per indexed unit
    file_package: np.ndarray  # int64 per indexed file


@dataclass(frozen=True)
class IdiomCensus:
    """The default index's segments, ready to count query hashes in."""

    segments: tuple[CensusSegment, ...]

    def unit_fps(self, hashes: np.ndarray) -> np.ndarray:
        """Idiom postings per winnowing fingerprint (``ipscan.match.winnow.query_hashes``)."""
        return self._count(hashes, _UNIT_FPS)

    def digests(self, hashes: np.ndarray) -> np.ndarray:
        """Idiom units per normalized unit digest."""
        return self._count(hashes, _DIGESTS)

    def file_fps(self, hashes: np.ndarray) -> np.ndarray:
        """Idiom postings per raw-token fingerprint of a scanned file."""
        return self._count(hashes, _FILE_FPS)

    def _count(self, hashes: np.ndarray, table: _Table) -> np.ndarray:
        out = np.zeros(len(hashes), dtype=np.int64)
        for part in self.segments:
            rows = getattr(part.seg, table.rows)
            column = part.seg.hash_column(table.stored) if table.stored else None
            column = rows[table.key] if column is None else column
            packages = part.unit_package if table.owner == "unit" else part.file_package
            out += idiom_postings(hashes, column, packages, rows[table.owner])
        return out


def idiom_postings(
    hashes: np.ndarray, column: np.ndarray, package_of: np.ndarray, owners: np.ndarray
) -> np.ndarray:
    """For each of ``hashes``, its rows in the sorted ``column`` (row i owned by unit or file
    ``owners[i]``, of package ``package_of[owner]``, -1 for one not counted), when the counted
    rows come from ``IDIOM_PACKAGES`` or more packages; 0 otherwise."""
    lo, hi = hash_bounds(column, hashes)
    n = (hi - lo).astype(np.int64)
    out = np.zeros(len(hashes), dtype=np.int64)
    if not int(n.sum()):
        return out
    query = np.repeat(np.arange(len(hashes)), n)
    offsets = np.arange(len(query)) - np.repeat(np.cumsum(n) - n, n)
    package = package_of[np.asarray(owners[lo[query] + offsets], dtype=np.int64)]
    counted = package >= 0
    query, package = query[counted], package[counted]
    rows = np.bincount(query, minlength=len(hashes))
    width = int(package_of.max(initial=0)) + 1
    packages = np.bincount(np.unique(query * width + package) // width, minlength=len(hashes))
    idiom = packages >= IDIOM_PACKAGES
    out[idiom] = rows[idiom]
    return out


def open_census(reader: IndexReader, index_dir: Path | None) -> IdiomCensus | None:
    """The census for a scan of ``reader`` (opened from ``index_dir``, None: the default index
    itself): None when that is the default index, when the default index is missing or cannot
    be read, or when its hashes are made another way."""
    if index_dir is None or not reader.segments:
        return None
    try:
        default = open_index(None)
        if not default.segments or index_location(None).resolve() == reader.index_dir.resolve():
            return None
        mine = reader.segments[0].manifest
        if any(s.manifest.get(k) != mine.get(k) for s in default.segments for k in _SCHEMES):
            return None
        own = {pypi_name(str(s.get("name", ""))) for g in reader.segments for s in g.sources}
        return IdiomCensus(tuple(_census_segment(seg, own) for seg in default.segments))
    except (IpscanIndexError, OSError, ValueError, KeyError, TypeError, IndexError):
        return None  # a census is a help, never a reason for a scan to fail


def _census_segment(seg: Segment, own: set[str]) -> CensusSegment:
    names = [pypi_name(str(s.get("name", ""))) for s in seg.sources]
    package = np.array([-1 if n in own else i for i, n in enumerate(names)], dtype=np.int64)
    file_source = _file_sources(seg)
    file_package = package[file_source] if len(file_source) else file_source
    unit_package = file_package[seg.units["file"].astype(np.int64)]
    return CensusSegment(seg, unit_package, file_package)


def _file_sources(seg: Segment) -> np.ndarray:
    """Each indexed file's source, its files' JSON lines parsed in one call: row by row takes
    six times as long (0.09 s for the default index), which every scan of another index pays."""
    data = (seg.gen_dir / layout.FILES).read_bytes()
    rows = json.loads(b"[" + b",".join(data.splitlines()) + b"]")
    if len(rows) != len(seg.files):
        raise ValueError(f"{seg.gen_dir}: files and their count disagree")
    return np.array([int(r["source"]) for r in rows], dtype=np.int64)

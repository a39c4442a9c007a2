"""Find the index a scan uses (the given one, or the default that ships with ipscan)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.origins import ecosystem_of
from ipscan.index.reader import IndexReader
from ipscan.index.segment import Segment
from ipscan.records import SourceRef

DEFAULT_INDEX_DIR = Path(__file__).resolve().parent.parent / "data" / "default_index"
# The default index as a pack (``ipscan.index.pack``), used when the folder is not there.
PACK_SUFFIX = ".ipack"  # ipscan.index.pack.PACK_SUFFIX, here without importing the packer
DEFAULT_INDEX_PACK = DEFAULT_INDEX_DIR.with_suffix(PACK_SUFFIX)
UNPACKED = "indexes"  # below the cache folder: packs unpacked, one folder per pack digest


def index_location(index_dir: Path | None, announce: bool = False) -> Path:
    """The folder to open for ``index_dir``: itself; for a pack file (``*.ipack``) or the
    default index shipped as one, the folder it is unpacked to (the first time, into the
    cache folder; ``announce``: saying so on stderr first, where someone is watching)."""
    if index_dir is not None:
        if index_dir.suffix == PACK_SUFFIX and index_dir.is_file():
            return _unpacked(index_dir, announce)
        return index_dir
    if not (DEFAULT_INDEX_DIR / layout.CURRENT).is_file() and DEFAULT_INDEX_PACK.is_file():
        return _unpacked(DEFAULT_INDEX_PACK, announce)
    return DEFAULT_INDEX_DIR


def _unpacked(pack: Path, announce: bool = False) -> Path:
    # Imported here: the hook's path opens a folder and needs neither the packer nor the cache.
    from ipscan.encoder.cache import cache_dir
    from ipscan.index.pack import unpack_index

    def tell(target: Path) -> None:
        # The first scan on a machine waits on this (10-15 s on 2 cores): say why, once.
        print(
            f"ipscan: unpacking the index {pack.name} into {target} (once per machine)...",
            file=sys.stderr,
            flush=True,
        )

    return unpack_index(pack, cache_dir() / UNPACKED, tell if announce else None)


def open_index(index_dir: Path | None, announce: bool = False) -> IndexReader:
    """Open ``index_dir`` (a folder or a pack), or the embedded default index when it is None
    (``announce``: see ``index_location``)."""
    where = index_location(index_dir, announce)
    if not (where / layout.CURRENT).is_file():
        if index_dir is None:
            raise IpscanIndexError(
                f"the default index is missing from this installation ({where}); "
                "pass --index DIR or reinstall ipscan"
            )
        raise IpscanIndexError(
            f"{where}: not an ipscan index (build one with `ipscan index build`)"
        )
    return IndexReader(where)


FileLookup = Callable[[int, int, int], SourceRef]


def source_lookup(reader: IndexReader) -> Callable[[int], SourceRef]:
    """unit id (over all segments) → where that unit lives (package, version, path, lines,
    license)."""
    of_file = {id(seg): file_lookup(seg) for seg in reader.segments}

    def lookup(unit_id: int) -> SourceRef:
        seg, local = reader.locate(unit_id)
        row = seg.units[local]
        ref = of_file[id(seg)](int(row["file"]), int(row["start_line"]), int(row["end_line"]))
        return replace(ref, unit_name=seg.unit_names[local])

    return lookup


def file_lookup(reader: Segment) -> FileLookup:
    """(file id, first line, last line) in one segment → where those lines live (package, path,
    license)."""

    def lookup(file_id: int, start_line: int, end_line: int) -> SourceRef:
        if not 0 <= file_id < len(reader.files):
            raise IpscanIndexError(
                f"{reader.index_dir}: a fingerprint names file {file_id}, which the index "
                "does not hold; rebuild it"
            )
        file = reader.files[file_id]
        source = reader.sources[int(file["source"])]
        return SourceRef(
            package=str(source["name"]),
            version=str(source["version"]),
            path=str(file["path"]),
            start_line=start_line,
            end_line=end_line,
            license=str(file.get("license") or source.get("license") or "NOASSERTION"),
            unit_name="",
            copyright=tuple(
                str(c) for c in (file.get("copyright") or source.get("copyright") or ())
            ),
            ecosystem=ecosystem_of(str(source.get("origin", "")), str(source.get("kind", ""))),
        )

    return lookup

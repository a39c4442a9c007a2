"""Fewer segments (issue #17): `ipscan index compact` merges them all into one, and every
build ends by merging small segments of one size tier (``ipscan.index.merge_policy``).

Builds add a segment each and never rewrite; a scan looks up every segment, so many small ones
cost time. Compacting writes the whole index as one format-1 generation; a tier merge writes one
new segment in place of the ones it merges. Old generations and segments go once no scan reads
them.
"""

from __future__ import annotations

from pathlib import Path

from ipscan.index import layout
from ipscan.index.merge_policy import merged_names
from ipscan.index.merge_policy import next_merge
from ipscan.index.reader import IndexReader
from ipscan.index.store import collect_old_generations
from ipscan.index.store import merge_contents
from ipscan.index.store import publish_segments
from ipscan.index.store import write_index
from ipscan.index.store import write_segment
from ipscan.index.store import writer_lock


def compact_index(index_dir: Path) -> tuple[int, int]:
    """Merge the segments of ``index_dir``; returns how many it had and the units it holds."""
    with writer_lock(index_dir):
        with IndexReader(index_dir, verify=True) as reader:
            before, units = len(reader.segments), reader.n_units
            contents = reader.contents() if before > 1 else None
        if contents is None:  # one already: only what old generations left to collect
            collect_old_generations(index_dir)
        else:
            write_index(index_dir, contents)
        return before, units


def merge_tiers(index_dir: Path) -> int:
    """Merge segments of ``index_dir`` as the tier policy says, until it says stop; returns how
    many merges ran. Call it under ``writer_lock``: builds do, when they have added segments."""
    merges = 0
    while True:
        with IndexReader(index_dir) as reader:
            names = reader.segment_names
            group = next_merge([len(seg.units) for seg in reader.segments])
            if not group:
                break
            merged = merge_contents([reader.segments[pos].contents() for pos in group])
            encoder = reader.encoder_info
        name = write_segment(index_dir / layout.SEGMENTS, merged)
        del merged
        publish_segments(index_dir, merged_names(names, group, name), encoder)
        merges += 1
    if merges:
        collect_old_generations(index_dir)
    return merges

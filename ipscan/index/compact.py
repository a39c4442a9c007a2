"""`ipscan index compact`: the index's segments merged into one (issue #17).

Builds add a segment each and never rewrite; a scan looks up every segment, so many small ones
cost time. Compacting writes the whole index as one format-1 generation; the old generation and
its segments go once no scan reads them.
"""

from __future__ import annotations

from pathlib import Path

from ipscan.index.reader import IndexReader
from ipscan.index.store import collect_old_generations
from ipscan.index.store import write_index
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

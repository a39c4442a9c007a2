"""Which segments to merge after a build (issue #17): tiers of similar size, merged by eights.

Each build adds segments and never rewrites old ones, so an index that grows one package at a
time collects many small segments, and a scan looks up every one. Segments are put in tiers by
size (each tier ``MERGE_FACTOR`` times the one below, from ``TIER_FLOOR`` units); a tier that
holds ``MERGE_FACTOR`` segments has its smallest merged into one of the next tier. A merge never
makes a segment above ``MAX_MERGED_UNITS`` (it is held in memory while written), so it takes as
many of the tier's smallest as fit, at least two; big segments are never rewritten, and adding a
package to a large index costs what the package costs. A 10M-unit index built 50,000 units at a
time ends with about a dozen segments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MERGE_FACTOR = 8
TIER_FLOOR = 1_000
MAX_MERGED_UNITS = 1_000_000


def tier(units: int) -> int:
    """The size tier of a segment of ``units`` units (0 below MERGE_FACTOR * TIER_FLOOR)."""
    return int(math.log(max(units, TIER_FLOOR) / TIER_FLOOR, MERGE_FACTOR) + 1e-9)


def next_merge(
    sizes: Sequence[int], factor: int = MERGE_FACTOR, cap: int = MAX_MERGED_UNITS
) -> list[int]:
    """Positions in ``sizes`` (units per segment) of the segments to merge next, in their
    order; empty when the segments stand as they are."""
    by_tier: dict[int, list[int]] = {}
    for pos, units in enumerate(sizes):
        by_tier.setdefault(tier(units), []).append(pos)
    for level in sorted(by_tier):
        members = by_tier[level]
        if len(members) < factor:
            continue
        smallest = sorted(members, key=lambda p: (sizes[p], p))[:factor]
        group: list[int] = []
        total = 0
        for pos in smallest:
            if total + sizes[pos] > cap:
                break
            group.append(pos)
            total += sizes[pos]
        if len(group) >= 2:
            return sorted(group)
    return []


def merged_names(names: Sequence[str], group: Sequence[int], merged: str) -> list[str]:
    """``names`` with the segments at ``group`` replaced by ``merged``, where the first was."""
    drop = set(group)
    out: list[str] = []
    for pos, name in enumerate(names):
        if pos == group[0]:
            out.append(merged)
        elif pos not in drop:
            out.append(name)
    return out

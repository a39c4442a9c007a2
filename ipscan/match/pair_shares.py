"""What each pair that shares a hash shares, counted before any unit is embedded.

A scan embeds only the units that could reach the classifier's threshold with some indexed unit
(``ipscan.decide.verdict.could_claim``). The fingerprint matchers run first, so every pair that
shares a winnowing or structure fingerprint is known with the counts ``gather_pairs`` will give
it: its distinct shared fingerprints, its structure fingerprints, whether the digests are equal,
the indexed unit's size and the share of its hits that are common. Only the cosine and the
alignment are left open. Pairs with a winnowing hit are rows of their own; pairs that share
only structure fingerprints (most pairs against a large index) keep their count alone; any
other pair of a unit shares nothing and is bounded by the unit's empty box (``empty_shares``).
Counted per pair, a third of the units that a bound from each unit's totals over the whole
index would embed are left out on one scan of the natural-copies trees (2,054 embedded instead
of 3,180), and all but 65 of this repository's 2,708 against the default index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.extract.fingerprint import UnitEvidence
from ipscan.match.digest import query_digests
from ipscan.match.structure import SharedCounts
from ipscan.match.winnow import FingerprintHits
from ipscan.match.winnow import query_hashes

_LOW = 0xFFFFFFFF


@dataclass(frozen=True)
class QueryColumns:
    """Per scanned unit, what every bound of its pairs reads, computed once a scan: the
    bounds are taken several times (each segment, each batch of pairs, each candidate list)."""

    tokens: np.ndarray  # int64, normalized tokens
    digests: np.ndarray  # uint64, the digest key the index stores (``query_digests``)
    fingerprints: np.ndarray  # int64, distinct winnowing fingerprints
    structure: np.ndarray  # int64, distinct structure fingerprints
    structure_tokens: np.ndarray  # int64, tokens of the structure-insensitive stream

    @classmethod
    def of(cls, units: Sequence[UnitEvidence]) -> QueryColumns:
        """The columns of ``units``, in order."""
        return cls(
            np.array([u.n_tokens for u in units], dtype=np.int64),
            query_digests(units),
            _distinct_hashes(units),
            np.array([len(u.structure) for u in units], dtype=np.int64),
            np.array([u.structure_tokens for u in units], dtype=np.int64),
        )


def _distinct_hashes(units: Sequence[UnitEvidence]) -> np.ndarray:
    """How many distinct fingerprints each unit holds, counted for all units at once (one
    ``np.unique`` per unit cost more than the bound it feeds)."""
    sizes = [len(u.hashes) for u in units]
    if not sum(sizes):
        return np.zeros(len(units), dtype=np.int64)
    owners = np.repeat(np.arange(len(units)), sizes)
    hashes = np.concatenate([u.hashes for u in units])
    order = np.lexsort((hashes, owners))
    owners, hashes = owners[order], hashes[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (owners[1:] != owners[:-1]) | (hashes[1:] != hashes[:-1])
    return np.bincount(owners[first], minlength=len(units)).astype(np.int64)


@dataclass(frozen=True)
class Shares:
    """Per row (a unit's pairs at large, or one pair): what a pair shares, at most."""

    fingerprints: np.ndarray  # distinct winnowing fingerprints shared (boilerplate cut)
    structure: np.ndarray  # distinct structure fingerprints shared (boilerplate cut)
    digest: np.ndarray  # bool: the digests may be equal
    # Known exactly for one pair; None: any indexed unit's size, common share or cosine.
    source_tokens: np.ndarray | None = None
    common_share: np.ndarray | None = None
    cosine: np.ndarray | None = None

    def rows(self, part: slice) -> Shares:
        """These shares for the rows in ``part`` only."""
        return Shares(
            self.fingerprints[part],
            self.structure[part],
            self.digest[part],
            None if self.source_tokens is None else self.source_tokens[part],
            None if self.common_share is None else self.common_share[part],
            None if self.cosine is None else self.cosine[part],
        )


@dataclass(frozen=True)
class PairShares:
    """The pairs of one segment that share a fingerprint. Those with a winnowing hit are rows,
    each with its exact shares; the many that share only structure fingerprints (a few each,
    with hundreds of thousands of indexed units in a large index) stay in ``structure``."""

    query: np.ndarray  # int64, the row's query position
    unit: np.ndarray  # int64, the row's indexed unit (the segment's id)
    shares: Shares
    structure: SharedCounts  # every pair's shared structure fingerprints, rows or not

    def structure_only(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query, indexed unit, shared structure fingerprints) of the pairs that are not
        rows: they share structure fingerprints and no winnowing fingerprint."""
        keys = self.query << 32 | self.unit
        at = np.minimum(np.searchsorted(keys, self.structure.keys), max(len(keys) - 1, 0))
        alone = keys[at] != self.structure.keys if len(keys) else np.ones(len(at), dtype=bool)
        left = self.structure.keys[alone]
        return (
            (left >> 32).astype(np.int64),
            (left & _LOW).astype(np.int64),
            self.structure.counts[alone],
        )


def empty_shares(digest: np.ndarray, structure: np.ndarray | None = None) -> Shares:
    """The shares of a pair that shares no winnowing fingerprint, and at most ``structure``
    structure fingerprints (None: none): ``digest`` per unit says whether its digest is an
    indexed unit's (a unit whose every hash is boilerplate can still be one)."""
    n = len(digest)
    most = np.zeros(n, np.int64) if structure is None else np.asarray(structure, dtype=np.int64)
    return Shares(np.zeros(n, np.int64), most, np.asarray(digest, dtype=bool))


def pair_shares(
    queries: Sequence[UnitEvidence],
    columns: QueryColumns,
    hits: FingerprintHits,
    structure: SharedCounts,
    units: np.ndarray,
    common_fanout: int,
) -> PairShares:
    """The (query, indexed unit) pairs of one segment, with what ``gather_pairs`` will count
    for them: those in ``hits`` as rows, the others of ``structure`` by their count alone;
    ``units`` is the segment's unit table, ``columns`` the queries' (``QueryColumns``)."""
    hit_keys = hits.query_unit.astype(np.int64) << 32 | hits.source_unit.astype(np.int64)
    keys = np.unique(hit_keys)
    at = np.searchsorted(keys, hit_keys)
    n = len(keys)
    # Distinct shared hashes per pair: one (pair, hash) counted once, as ``align_pair`` does.
    flat = query_hashes(queries)
    starts = np.cumsum([0, *(len(q.hashes) for q in queries)])[:-1]
    hashes = flat[starts[hits.query_unit] + hits.query_fp] if len(at) else flat[:0]
    order = np.lexsort((hashes, at))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (at[order][1:] != at[order][:-1]) | (hashes[order][1:] != hashes[order][:-1])
    fingerprints = np.bincount(at[order][first], minlength=n).astype(np.int64)
    rows = np.bincount(at, minlength=n)
    common = np.bincount(at, weights=(hits.fanout >= common_fanout).astype(np.float64), minlength=n)
    query = (keys >> 32).astype(np.int64)
    uid = (keys & _LOW).astype(np.int64)
    table = units[uid] if n else units[:0]
    return PairShares(
        query,
        uid,
        Shares(
            fingerprints,
            _structure_counts(structure, keys),
            _digest_equal(columns, query, table),
            source_tokens=table["n_tokens"].astype(np.float64),
            common_share=np.where(rows > 0, common / np.maximum(rows, 1), 0.0),
        ),
        structure,
    )


def _structure_counts(structure: SharedCounts, keys: np.ndarray) -> np.ndarray:
    """The shared structure fingerprints of each pair key (0 where it shares none)."""
    out = np.zeros(len(keys), dtype=np.int64)
    if not len(structure.keys) or not len(keys):
        return out
    at = np.minimum(np.searchsorted(structure.keys, keys), len(structure.keys) - 1)
    held = structure.keys[at] == keys
    out[held] = structure.counts[at[held]]
    return out


def exact_shares(
    found: PairShares,
    columns: QueryColumns,
    query: np.ndarray,
    unit: np.ndarray,
    units: np.ndarray,
    cosine: np.ndarray | None = None,
) -> Shares:
    """The shares of the pairs (``query``, ``unit``) of the segment ``found`` was counted in
    (``units``: its unit table), each with its ``cosine`` when given: a row's counts where
    ``found`` holds the pair as one, else its structure count alone (none shared, for a pair
    only the vector matcher proposed)."""
    keys = found.query << 32 | found.unit
    wanted = np.asarray(query, dtype=np.int64) << 32 | np.asarray(unit, dtype=np.int64)
    n = len(wanted)
    fps, common = np.zeros(n, np.int64), np.zeros(n)
    if len(keys):
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        held = keys[at] == wanted
        fps[held] = found.shares.fingerprints[at[held]]
        if found.shares.common_share is not None:
            common[held] = found.shares.common_share[at[held]]
    table = units[np.asarray(unit, dtype=np.int64)] if n else units[:0]
    return Shares(
        fps,
        _structure_counts(found.structure, wanted),
        _digest_equal(columns, np.asarray(query, dtype=np.int64), table),
        source_tokens=table["n_tokens"].astype(np.float64),
        common_share=common,
        cosine=None if cosine is None else np.asarray(cosine, dtype=np.float64),
    )


def _digest_equal(columns: QueryColumns, query: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each pair's digests are equal, as ``gather_pairs`` compares them."""
    same = (columns.digests[query] == table["digest"]) & (
        columns.tokens[query] == table["n_tokens"]
    )
    return np.asarray(same, dtype=bool)

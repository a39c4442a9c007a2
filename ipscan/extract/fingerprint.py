"""Evidence from a unit's normalized tokens: an exact digest and winnowing fingerprints.

Winnowing follows Schleimer, Wilkerson and Aiken, "Winnowing: Local Algorithms for Document
Fingerprinting" (SIGMOD 2003): hash every k-gram of the token stream, and in every window of ``w``
consecutive k-gram hashes keep the minimum (the rightmost one on ties). Two guarantees follow:
any shared run of at least ``t = k + w - 1`` tokens yields at least one shared fingerprint, and no
run shorter than ``k`` tokens does.

Parameters. Tokens here are coarse (identifiers and literals collapse to ``ID``/``LIT``), so a
k-gram must be longer than with raw text to stay above the noise of common shapes such as
``ID = ID . ID ( ID )``. ``K = 15`` tokens is about one and a half lines of code; ``W = 6`` gives
the guarantee ``t = 20`` tokens (about two lines) and keeps about 2/(W+1) ≈ 29% of k-grams, which
bounds the index at roughly 30 postings for a typical 100-token function. Dolos uses k=23, w=17 on
its (more verbose) node-type tokens; JPlag's default minimum match is 9-12 of its tokens. We pick
smaller values because a pasted snippet of 15 lines must still carry dozens of fingerprints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np

from ipscan.arrays import distinct
from ipscan.records import Token
from ipscan.records import TokenColumns
from ipscan.tuning import MAX_FILLER_PERIOD
from ipscan.tuning import MIN_UNIT_TOKENS as MIN_UNIT_TOKENS
from ipscan.tuning import STRUCTURE_K
from ipscan.tuning import STRUCTURE_W
from ipscan.tuning import K as K
from ipscan.tuning import W as W

# K and W (explained above) and MIN_UNIT_TOKENS live in ipscan.tuning with every other tuning
# constant, recorded with the classifier; they are re-exported here, where index manifests and
# the tests read them.

# Bump when tokenization or hashing changes: fingerprints from different schemes never match.
TOKEN_SCHEME = 2
# A k-gram made only of these is a piece of a data table (``"a": ["b", "c"], ...``): it has no
# program structure, and two unrelated tables share such k-grams all the time. Such k-grams are
# not fingerprinted; winnowing still runs over all k-grams, so the guarantee holds for code.
DATA_TOKENS = frozenset({"LIT", ",", ":", "[", "]", "{", "}", "(", ")"})
# Left out of the structure-insensitive stream: what a copier changes when rewriting control flow
# (loops, branches, negation, short-circuit logic) and the brackets that go with it, in every
# parsed language. What stays is the straight-line code: calls, assignments, expressions.
STRUCTURE_DROPPED = frozenset(
    {
        "for", "while", "do", "loop", "if", "elif", "else", "unless", "switch", "case",
        "match", "break", "continue", "not", "!", "and", "or", "&&", "||", "in", "of",
        "True", "False", "true", "false", ":", "{", "}", "(", ")", "=>", "->",
    }
)  # fmt: skip
# Comparisons flip when a test is negated (``==``/``!=``, ``<``/``>=``): one token for all.
STRUCTURE_COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">=", "===", "!==", "is"})

_MASK64 = (1 << 64) - 1
_BASE = np.uint64(1_099_511_628_211)  # an odd 64-bit multiplier (the FNV-1 prime)
_token_ids: dict[str, int] = {}


def token_id(text: str) -> int:
    """A stable 64-bit id for a token text (same in every process, unlike ``hash``)."""
    tid = _token_ids.get(text)
    if tid is None:
        tid = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        _token_ids[text] = tid
    return tid


def token_ids(tokens: Sequence[Token]) -> np.ndarray:
    """The token ids of a normalized token stream as a uint64 array."""
    codes = _VOCABULARY.codes([t.text for t in tokens])
    ids: np.ndarray = _VOCABULARY.table().ids[codes]
    return ids


def kgram_hashes(ids: np.ndarray, k: int = K) -> np.ndarray:
    """Polynomial hashes (mod 2**64) of every k-gram; empty when there are fewer than k tokens."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _BASE + ids[j : j + n]
    # Final avalanche so that similar k-grams do not get similar (and so co-selected) hashes.
    with np.errstate(over="ignore"):
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
    return h


def winnowed_share(tokens: Any, w: int = W) -> Any:
    """How many fingerprints winnowing with window ``w`` keeps of ``tokens`` tokens' k-grams:
    about 2/(w+1) of them (a number, or an array of them)."""
    return 2.0 * np.asarray(tokens, dtype=np.float64) / (w + 1)


def winnow(hashes: np.ndarray, w: int = W) -> np.ndarray:
    """Positions of the winnowed k-grams (sorted, unique); all of them when fewer than ``w``."""
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return _winnowed(hashes, window_minima(hashes, w), 0, n, w)


def _winnowed(hashes: np.ndarray, minima: np.ndarray, lo: int, n: int, w: int) -> np.ndarray:
    """``winnow`` of the ``n`` k-gram hashes from ``lo`` on, as positions in ``hashes``
    (``minima``: ``window_minima`` of all of them)."""
    if n <= w:
        return np.array([lo + n - 1 - int(np.argmin(hashes[lo : lo + n][::-1]))], np.int64)
    return distinct(minima[lo : lo + n - w + 1])


def window_minima(hashes: np.ndarray, w: int) -> np.ndarray:
    """For each window of ``w`` consecutive hashes, the position of its rightmost minimum (as
    the paper prescribes, so runs of equal minima pick once); none when fewer than ``w``.

    A window's rightmost minimum depends on that window alone, so the windows inside a slice
    of ``hashes`` are the slice's own (``units_evidence`` winnows a file's units from one call).
    """
    n = len(hashes)
    if n < w:
        return np.zeros(0, dtype=np.int64)
    # Every window of w as a strided view (what sliding_window_view makes, without its checks,
    # which cost more than the windows themselves for one unit's few hundred k-grams).
    hashes = np.ascontiguousarray(hashes)
    step = hashes.strides[0]
    windows = np.lib.stride_tricks.as_strided(hashes, (n - w + 1, w), (step, step), writeable=False)
    rightmost = w - 1 - np.argmin(windows[:, ::-1], axis=1)
    positions: np.ndarray = np.arange(n - w + 1) + rightmost
    return positions


def all_of(mask: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """For each k-gram starting at ``positions``, whether ``mask`` holds for all k of its
    tokens (a window sum of k over the mask)."""
    before = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=before[1:])
    return np.asarray(before[positions + k] - before[positions] == k, dtype=bool)


def periodic(ids: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """For each k-gram starting at ``positions``, whether its tokens repeat with a period of
    at most ``MAX_FILLER_PERIOD``: ``exports.A = exports.B = ...`` (``ID . ID =`` over and
    over), ``self.a = a`` lines, an argument list. Such a k-gram says the code lists things,
    not how it works; two unrelated lists share it all the time."""
    out = np.zeros(len(positions), dtype=bool)
    for p in range(1, min(MAX_FILLER_PERIOD, k - 1) + 1):
        out |= all_of(ids[p:] == ids[:-p], positions, k - p)
    return out


@dataclass(frozen=True)
class UnitEvidence:
    """Fingerprints of one unit: k-gram hashes, their token offsets and line ranges."""

    n_tokens: int
    digest: bytes
    hashes: np.ndarray  # uint64, winnowed fingerprints
    token_pos: np.ndarray  # int64, token offset of each fingerprint's k-gram
    start_lines: np.ndarray  # int64, absolute line of the k-gram's first token
    end_lines: np.ndarray  # int64, absolute line of the k-gram's last token
    # Distinct structure-insensitive fingerprints (uint64, sorted): see STRUCTURE_DROPPED.
    structure: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    structure_tokens: int = 0  # tokens of the unit left in the structure-insensitive stream


def normalized_digest(texts: Sequence[str]) -> bytes:
    """sha256 over normalized token texts: equal for copies that differ only in names/format."""
    return hashlib.sha256("\x1f".join(texts).encode()).digest()


def unit_evidence(tokens: Sequence[Token], k: int = K, w: int = W) -> UnitEvidence:
    """Digest and winnowing fingerprints for one unit's normalized tokens."""
    return units_evidence(TokenColumns.of(tokens), [(0, len(tokens))], k, w)[0]


def units_evidence(
    tokens: TokenColumns, ranges: Sequence[tuple[int, int]], k: int = K, w: int = W
) -> list[UnitEvidence]:
    """``unit_evidence`` of the tokens ``lo:hi`` for each (lo, hi) in ``ranges``, equal to it.

    A k-gram's hash, whether it is all data, and a window's minimum depend on those tokens
    alone, so they are computed once over the whole stream and each unit takes its slice: a
    file's units cost a few array calls each instead of a few dozen.
    """
    texts = tokens.texts
    codes = _VOCABULARY.codes(texts)
    table = _VOCABULARY.table()
    data = table.data[codes]
    stream = _Stream.of(table.ids[codes], data, k, w)
    lines = np.array(tokens.lines, dtype=np.int64)
    # The structure-insensitive stream: a unit's kept tokens are a slice of the file's.
    kept = ~table.dropped[codes]
    kept_before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
    structure = _Stream.of(table.structure_ids[codes][kept], data[kept], STRUCTURE_K, STRUCTURE_W)
    out = []
    for lo, hi in ranges:
        pos = stream.fingerprints(lo, hi)
        k_lo, k_hi = int(kept_before[lo]), int(kept_before[hi])
        s_pos = structure.fingerprints(k_lo, k_hi)
        out.append(
            UnitEvidence(
                # Salted, so a structure fingerprint never equals one of the main channel.
                structure=distinct(structure.hashes[s_pos] ^ _STRUCTURE_SALT),
                structure_tokens=k_hi - k_lo,
                n_tokens=hi - lo,
                digest=normalized_digest(texts[lo:hi]),
                hashes=stream.hashes[pos],
                token_pos=pos - lo,
                start_lines=lines[pos],
                end_lines=lines[pos + k - 1],
            )
        )
    return out


_STRUCTURE_SALT = np.uint64(0x5EED_57C0_F10E_0001)


@dataclass(frozen=True)
class _Table:
    """What fingerprinting reads of each token text, as arrays indexed by its code."""

    ids: np.ndarray  # uint64 token_id
    data: np.ndarray  # bool: one of DATA_TOKENS
    dropped: np.ndarray  # bool: one of STRUCTURE_DROPPED
    structure_ids: np.ndarray  # uint64 token_id in the structure stream (comparisons as CMP)


class _Vocabulary:
    """A code for each normalized token text seen in this process (a few hundred node types),
    so a file's stream is read with array lookups instead of a Python pass per property."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._table: _Table | None = None

    def codes(self, texts: Sequence[str]) -> np.ndarray:
        """The code of each text (new texts get one)."""
        known = self._codes
        new = set(texts).difference(known)
        if new:
            for text in sorted(new):
                known[text] = len(known)
            self._table = None
        return np.fromiter(map(known.__getitem__, texts), dtype=np.intp, count=len(texts))

    def table(self) -> _Table:
        if self._table is None:
            texts = list(self._codes)  # in code order
            self._table = _Table(
                ids=np.array([token_id(t) for t in texts], dtype=np.uint64),
                data=np.array([t in DATA_TOKENS for t in texts], dtype=bool),
                dropped=np.array([t in STRUCTURE_DROPPED for t in texts], dtype=bool),
                structure_ids=np.array(
                    [token_id("CMP" if t in STRUCTURE_COMPARISONS else t) for t in texts],
                    dtype=np.uint64,
                ),
            )
        return self._table


_VOCABULARY = _Vocabulary()


@dataclass(frozen=True)
class _Stream:
    """One token stream's k-gram hashes, window minima and all-data k-grams, for slicing."""

    hashes: np.ndarray  # of every k-gram of the stream
    minima: np.ndarray  # window_minima of hashes
    filler: np.ndarray  # per k-gram: all its tokens are DATA_TOKENS, or it repeats (periodic)
    k: int
    w: int

    @classmethod
    def of(cls, ids: np.ndarray, data: np.ndarray, k: int, w: int) -> _Stream:
        """The stream of tokens with these ids, ``data`` saying which are DATA_TOKENS."""
        hashes = kgram_hashes(ids, k)
        filler = np.zeros(len(hashes), dtype=bool)
        if len(hashes):
            starts = np.arange(len(hashes))
            filler = all_of(data, starts, k) | periodic(ids, starts, k)
        return cls(hashes, window_minima(hashes, w), filler, k, w)

    def fingerprints(self, lo: int, hi: int) -> np.ndarray:
        """Positions in the stream of the fingerprints of the tokens ``lo:hi``: winnowed over
        the slice's own k-grams, less the filler ones."""
        n = hi - lo - self.k + 1
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        pos = _winnowed(self.hashes, self.minima, lo, n, self.w)
        kept: np.ndarray = pos[~self.filler[pos]]
        return kept


def covered_tokens(positions: np.ndarray, n_tokens: int, k: int = K) -> int:
    """How many tokens the k-grams starting at ``positions`` cover together (of the first
    ``n_tokens``): the length of the union of [p, p + k), each cut at ``n_tokens``."""
    if len(positions) == 0:
        return 0
    starts = np.sort(np.asarray(positions, dtype=np.int64))
    ends = np.minimum(starts + k, n_tokens)
    # Sorted starts of equal-length spans: each adds what lies past the span before it.
    starts[1:] = np.maximum(starts[1:], ends[:-1])
    return int(np.maximum(ends - starts, 0).sum())

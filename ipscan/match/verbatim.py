"""Matchers 0-file and 2-verbatim: whole files by digest, and runs of identical raw tokens.

- ``identical_files``: a scanned file whose text digest (or raw-token digest: same code,
  comments and layout aside) equals an indexed file's is that file, when it is big enough to
  mean something and the digest is not in many indexed files; a tiny file's identical text is
  kept too, to count only beside copies (``ipscan.decide.verbatim_findings``).
- ``verbatim_regions``: shared raw-token fingerprints of a scanned file and one indexed file,
  chained in scanned order where the indexed side stays near (a new chain where it jumps), each
  indexed position at most once in a chain, become regions; a region that
  covers ``MIN_VERBATIM_TOKENS`` raw tokens with ``MIN_VERBATIM_FPS`` distinct fingerprints is
  a verbatim copy, whatever the unit boundaries: a data table, a short method, a run of them.

Fingerprints posted in more than ``MAX_FILE_FANOUT`` indexed files are boilerplate and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan.arrays import distinct
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.match.bounds import Bounds
from ipscan.match.bounds import hash_bounds
from ipscan.tuning import MAX_FILE_FANOUT
from ipscan.tuning import MIN_VERBATIM_FPS
from ipscan.tuning import MIN_VERBATIM_TOKENS
from ipscan.tuning import RAW_K
from ipscan.tuning import RAW_W
from ipscan.tuning import VERBATIM_GAP_TOKENS

# How much further than VERBATIM_GAP_TOKENS a region continues where both sides stay aligned.
_ALIGNED_GAP_FACTOR = 8
# Chains still open to a new shared fingerprint: the most recent ones (bounds the work).
_OPEN_CHAINS = 32
# The indexed twins of a tiny file kept for its folder to choose from, likeliest first (the
# same path tail ranks first): ``module.exports = require('./lib');`` is in thousands of files.
_MAX_TINY_TWINS = 64


@dataclass(frozen=True)
class RegionBar:
    """What a verbatim region must cover (distinct fingerprints, raw tokens), and the scanned
    files it is looked for in (positions; None: all)."""

    min_fps: int
    min_tokens: int
    only: frozenset[int] | None = None


# Every scanned file, alone: a region of MIN_VERBATIM_TOKENS is a copy wherever it is.
STANDING_BAR = RegionBar(MIN_VERBATIM_FPS, MIN_VERBATIM_TOKENS)
# Small files beside copies, where their folder already says where they came from: the run that
# winnowing is sure to see (RAW_K + RAW_W - 1 tokens), with two fingerprints.
BESIDE_BAR = RegionBar(2, RAW_K + RAW_W - 1)


@dataclass(frozen=True)
class IdenticalFile:
    """A scanned file that is an indexed file."""

    query: int  # position of the scanned file in the queries
    file_id: int  # the indexed file
    same_text: bool  # the text too, not only the code, is the same
    n_lines: int  # the indexed file's lines
    small: bool = False  # a small file: counts only where the indexed file has its name
    tiny: bool = False  # a tiny file: counts only beside copies (MIN_TINY_FILE_CHARS)
    # The other indexed files it is (file id, lines), likeliest first.
    others: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class VerbatimRegion:
    """A run of raw tokens that a scanned file shares with one indexed file."""

    query: int
    file_id: int
    query_start: int
    query_end: int
    source_start: int
    source_end: int
    covered_tokens: int  # scanned tokens inside shared k-grams
    span_tokens: int  # scanned tokens from the region's first k-gram to its last
    covered_lines: frozenset[int]  # scanned lines with a token inside a shared k-gram
    first_token: int  # scanned token offsets of the region's first and last token
    last_token: int


def identical_files(
    queries: Sequence[FileEvidence],
    keys: np.ndarray,
    totals: Sequence[int] | None = None,
    likelihood: Callable[[int, int], tuple[object, ...]] | None = None,
) -> list[IdenticalFile]:
    """Every scanned file whose text or code digest is an indexed file's (boilerplate aside);
    ``totals``: indexed files with each query's digest over the whole index, when ``keys`` are
    one segment's (``same_file_rows`` counted in every segment). Of several such indexed files,
    the one with the same text comes first, then the highest ``likelihood(query, file id)``,
    then the first indexed; the others are kept in that order."""
    out: list[IdenticalFile] = []
    if not len(keys):
        return out
    for qi, ev in enumerate(queries):
        rows, same_text = same_file_rows(ev, keys)
        fanout = len(rows) if totals is None else totals[qi]
        # A tiny file's twins are many (``VERSION = '1.0'``): its folder picks one, not a cap.
        if not len(rows) or (fanout > MAX_FILE_FANOUT and not ev.is_tiny_text):
            continue
        ranked = sorted(
            rows,
            key=lambda r: (
                bool(same_text[r]),
                () if likelihood is None else likelihood(qi, int(keys["file"][r])),
                -int(r),
            ),
            reverse=True,
        )
        best = ranked[0]
        out.append(
            IdenticalFile(
                qi,
                int(keys["file"][best]),
                bool(same_text[best]),
                int(keys["n_lines"][best]),
                ev.is_small_text,
                ev.is_tiny_text,
                tuple(
                    (int(keys["file"][r]), int(keys["n_lines"][r]))
                    for r in ranked[1 : _MAX_TINY_TWINS if ev.is_tiny_text else None]
                ),
            )
        )
    return out


def same_file_rows(ev: FileEvidence, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``keys`` (indexed files) that are the scanned file ``ev``, and for every row
    of ``keys`` whether its text is the same (not only its code); none when ``ev`` is too small
    to be evidence."""
    if not ev.is_file_evidence:
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    same_text = keys["text_digest"] == np.uint64(ev.text_digest)
    same = same_text | (keys["code_digest"] == np.uint64(ev.code_digest))
    return np.nonzero(same if ev.code_is_evidence else same_text)[0], same_text


def verbatim_regions(
    queries: Sequence[FileEvidence],
    postings: np.ndarray,
    hash_column: np.ndarray | None = None,
    totals: Sequence[np.ndarray] | None = None,
    bounds: Sequence[Bounds] | None = None,
    bar: RegionBar | None = None,
) -> list[VerbatimRegion]:
    """Regions of identical raw tokens between scanned files and indexed files
    (``hash_column``: the postings' hash column as a contiguous array, when the index has one;
    ``totals``: for each scanned file, postings per fingerprint over the whole index, when
    these postings are one segment's; ``bounds``: for each scanned file, its fingerprints' row
    ranges in these postings, when already looked up; ``bar``: what a region must cover, and
    which scanned files are looked up, when not every file at the standing bar)."""
    out: list[VerbatimRegion] = []
    if not queries or not len(postings):
        return out
    bar = bar or STANDING_BAR
    column = postings["hash"] if hash_column is None else hash_column
    for qi, ev in enumerate(queries):
        if not len(ev.hashes) or (bar.only is not None and qi not in bar.only):
            continue
        lo, hi = hash_bounds(column, ev.hashes) if bounds is None else bounds[qi]
        counts = hi - lo
        fanout = counts if totals is None else totals[qi]
        keep = (counts > 0) & (fanout <= MAX_FILE_FANOUT)
        if int(keep.sum()) < bar.min_fps:
            continue
        kept = counts[keep]
        fp = np.repeat(np.nonzero(keep)[0], kept)
        # Position of each expanded hit inside its [lo, hi) range of postings.
        offsets = np.arange(len(fp)) - np.repeat(np.cumsum(kept) - kept, kept)
        rows = postings[lo[fp] + offsets]
        for file_id in distinct(rows["file"]):
            mine = rows["file"] == file_id
            if len(distinct(fp[mine])) < bar.min_fps:
                continue
            out.extend(_regions(qi, int(file_id), ev, fp[mine], rows[mine], bar))
    return out


def _regions(
    qi: int, file_id: int, ev: FileEvidence, fp: np.ndarray, rows: np.ndarray, bar: RegionBar
) -> list[VerbatimRegion]:
    """Chain one file pair's shared fingerprints in scanned order into regions."""
    q_tok = ev.token_pos[fp]
    order = np.lexsort((rows["tok"], q_tok))
    # Plain ints: this loop reads every hit's two positions once per open chain.
    q_at, s_at = q_tok.tolist(), rows["tok"].tolist()
    chains: list[list[int]] = []
    # The indexed positions each chain holds: scanned code that repeats one indexed stretch (a
    # family of wrappers with one signature) matches it again and again, never a longer copy.
    held: list[set[int]] = []
    for i in order.tolist():
        q, s = q_at[i], s_at[i]
        best, best_drift = None, 0
        for c in range(max(len(chains) - _OPEN_CHAINS, 0), len(chains)):
            last = chains[c][-1]
            q_gap = q - q_at[last]
            drift = abs((s - s_at[last]) - q_gap)
            # A stretch that is the same length on both sides (no drift) continues the region
            # further: repeated data (``None,`` forty times) has no usable fingerprints.
            near = q_gap <= VERBATIM_GAP_TOKENS and drift <= VERBATIM_GAP_TOKENS
            aligned = q_gap <= _ALIGNED_GAP_FACTOR * VERBATIM_GAP_TOKENS and drift == 0
            fresh = s not in held[c]
            if q_gap > 0 and fresh and (near or aligned) and (best is None or drift < best_drift):
                best, best_drift = c, drift
        if best is None:
            chains.append([i])
            held.append({s})
        else:
            chains[best].append(i)
            held[best].add(s)
    out = []
    for chain in chains:
        idx = np.array(chain)
        region = _region(qi, file_id, ev, fp[idx], rows[idx], bar)
        if region is not None:
            out.append(region)
    return _merge_overlapping(out)


def _region(
    qi: int, file_id: int, ev: FileEvidence, fp: np.ndarray, rows: np.ndarray, bar: RegionBar
) -> VerbatimRegion | None:
    if len(distinct(ev.hashes[fp])) < bar.min_fps:
        return None
    starts = ev.token_pos[fp]
    n_tokens = len(ev.token_lines)
    covered = np.zeros(n_tokens + RAW_K, dtype=bool)
    for offset in range(RAW_K):
        covered[starts + offset] = True
    covered = covered[:n_tokens]
    n_covered = int(covered.sum())
    if n_covered < bar.min_tokens:
        return None
    first, last = int(starts.min()), int(starts.max()) + RAW_K - 1
    return VerbatimRegion(
        query=qi,
        file_id=file_id,
        query_start=int(ev.start_lines[fp].min()),
        query_end=int(ev.end_lines[fp].max()),
        source_start=int(rows["line0"].min()),
        source_end=int(rows["line1"].max()),
        covered_tokens=n_covered,
        span_tokens=min(last, n_tokens - 1) - first + 1,
        covered_lines=frozenset(int(x) for x in distinct(ev.token_lines[covered])),
        first_token=first,
        last_token=min(last, n_tokens - 1),
    )


def _merge_overlapping(regions: list[VerbatimRegion]) -> list[VerbatimRegion]:
    """One region for chains of one file pair whose scanned lines overlap, in the same order on
    both sides (repetitive data can split one copied stretch into interleaved chains)."""
    out: list[VerbatimRegion] = []
    for r in sorted(regions, key=lambda r: (r.query_start, r.query_end)):
        prev = out[-1] if out else None
        if prev is None or r.query_start > prev.query_end or r.source_end <= prev.source_start:
            out.append(r)
            continue
        first = min(prev.first_token, r.first_token)
        last = max(prev.last_token, r.last_token)
        out[-1] = VerbatimRegion(
            query=prev.query,
            file_id=prev.file_id,
            query_start=prev.query_start,
            query_end=max(prev.query_end, r.query_end),
            source_start=min(prev.source_start, r.source_start),
            source_end=max(prev.source_end, r.source_end),
            covered_tokens=min(prev.covered_tokens + r.covered_tokens, last - first + 1),
            span_tokens=last - first + 1,
            covered_lines=prev.covered_lines | r.covered_lines,
            first_token=first,
            last_token=last,
        )
    return out

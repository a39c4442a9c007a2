"""A verbatim region holds each indexed position once: scanned code that repeats one indexed
stretch (a family of wrappers sharing one signature, a ``where`` clause written twice) matches
that stretch again and again, and the repeats are never chained into a copy longer than the
stretch. Code moved a little (statements swapped) still chains. Hand-made fingerprints, so that
the chaining rule alone is under test."""

from __future__ import annotations

import numpy as np

from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index import layout
from ipscan.match.verbatim import STANDING_BAR
from ipscan.match.verbatim import verbatim_regions
from ipscan.tuning import MIN_VERBATIM_TOKENS
from ipscan.tuning import RAW_K

STEP = 8  # tokens between fingerprints: one per line
STRETCH = 4  # fingerprints of the indexed stretch: fewer tokens than a region needs
assert (STRETCH - 1) * STEP + RAW_K < MIN_VERBATIM_TOKENS


def _scanned(hashes: list[int]) -> FileEvidence:
    n = len(hashes)
    pos = np.arange(n, dtype=np.int64) * STEP
    n_tokens = int(pos[-1]) + RAW_K
    return FileEvidence(
        n_tokens=n_tokens,
        n_lines=n + 1,
        n_chars=10 * n_tokens,
        text_digest=1,
        code_digest=2,
        hashes=np.array(hashes, dtype=np.uint64),
        token_pos=pos,
        start_lines=pos // STEP + 1,
        end_lines=pos // STEP + 2,
        token_lines=np.arange(n_tokens, dtype=np.int64) // STEP + 1,
    )


def _indexed(hashes: list[int]) -> np.ndarray:
    rows = np.zeros(len(hashes), dtype=layout.FILE_POSTING_DTYPE)
    rows["hash"] = hashes
    rows["file"] = 0
    rows["tok"] = np.arange(len(hashes)) * STEP
    rows["line0"] = np.arange(len(hashes)) + 1
    rows["line1"] = np.arange(len(hashes)) + 2
    return np.sort(rows, order="hash")


def test_a_stretch_repeated_in_the_scanned_file_is_no_longer_copy() -> None:
    stretch = [101, 102, 103, 104]
    regions = verbatim_regions([_scanned(stretch * 3)], _indexed(stretch), bar=STANDING_BAR)
    assert regions == []


def test_a_forward_copy_is_one_region() -> None:
    code = list(range(201, 201 + 3 * STRETCH))
    (region,) = verbatim_regions([_scanned(code)], _indexed(code), bar=STANDING_BAR)
    assert (region.query_start, region.source_start) == (1, 1)
    assert region.covered_tokens == (len(code) - 1) * STEP + RAW_K


def test_statements_swapped_nearby_still_chain() -> None:
    code = list(range(301, 301 + 3 * STRETCH))
    swapped = code[:4] + code[6:8] + code[4:6] + code[8:]
    (region,) = verbatim_regions([_scanned(swapped)], _indexed(code), bar=STANDING_BAR)
    assert region.covered_tokens == (len(code) - 1) * STEP + RAW_K

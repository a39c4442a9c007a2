"""Winnowing guarantees and the digest, on token streams written here."""

from __future__ import annotations

import numpy as np

from ipscan.extract.fingerprint import DATA_TOKENS
from ipscan.extract.fingerprint import K
from ipscan.extract.fingerprint import W
from ipscan.extract.fingerprint import all_of
from ipscan.extract.fingerprint import covered_tokens
from ipscan.extract.fingerprint import kgram_hashes
from ipscan.extract.fingerprint import periodic
from ipscan.extract.fingerprint import token_ids
from ipscan.extract.fingerprint import unit_evidence
from ipscan.extract.fingerprint import units_evidence
from ipscan.extract.fingerprint import winnow
from ipscan.records import Token
from ipscan.records import TokenColumns


def tokens(texts: list[str], first_line: int = 1, per_line: int = 8) -> list[Token]:
    return [Token(t, first_line + i // per_line, i * 4) for i, t in enumerate(texts)]


def stream(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = ["ID", "LIT", "(", ")", "=", "+", ".", "if", "return", "for", "in", ":", ",", "[", "]"]
    return [vocab[i] for i in rng.integers(0, len(vocab), n)]


def test_any_shared_run_of_k_plus_w_minus_1_tokens_shares_a_fingerprint() -> None:
    shared = stream(K + W - 1, seed=1)
    for pad in range(0, 12):
        a = unit_evidence(tokens(stream(pad, 2) + shared + stream(30, 3)))
        b = unit_evidence(tokens(stream(40, 4) + shared + stream(pad, 5)))
        assert set(a.hashes.tolist()) & set(b.hashes.tolist())


def test_winnowing_keeps_at_least_one_fingerprint_per_window() -> None:
    hashes = kgram_hashes(token_ids(tokens(stream(500, 7))))
    pos = winnow(hashes)
    assert np.all(np.diff(pos) <= W)
    assert 0.2 < len(pos) / len(hashes) < 0.45  # density about 2 / (W + 1)


def test_digest_ignores_lines_but_not_token_order() -> None:
    a = stream(60, 9)
    assert unit_evidence(tokens(a)).digest == unit_evidence(tokens(a, per_line=3)).digest
    assert unit_evidence(tokens(a)).digest != unit_evidence(tokens(a[1:] + a[:1])).digest


def test_fingerprint_lines_follow_the_tokens() -> None:
    ev = unit_evidence(tokens(stream(100, 11), first_line=50, per_line=10))
    assert ev.start_lines.min() >= 50 and ev.end_lines.max() <= 59
    assert np.all(ev.end_lines >= ev.start_lines)


def test_covered_tokens_counts_the_union_of_kgrams() -> None:
    assert covered_tokens(np.array([0]), 100) == K
    assert covered_tokens(np.array([0, 5]), 100) == K + 5
    assert covered_tokens(np.array([95]), 100) == 5
    assert covered_tokens(np.array([], dtype=np.int64), 100) == 0


def test_covered_tokens_equals_marking_every_covered_token() -> None:
    """Unsorted, repeated, overlapping and past-the-end positions, against a token mask."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 200))
        k = int(rng.integers(1, 20))
        positions = rng.integers(0, n + 5, int(rng.integers(1, 40)))
        mask = np.zeros(n + k + 5, dtype=bool)
        for p in positions:
            mask[p : p + k] = True
        assert covered_tokens(positions, n, k) == int(mask[:n].sum())


def test_data_table_kgrams_are_not_fingerprints() -> None:
    table = ["LIT", ":", "[", "LIT", ",", "LIT", ",", "LIT", "]", ","] * 10
    assert len(unit_evidence(tokens(table)).hashes) == 0
    code = stream(100, 13)
    assert len(unit_evidence(tokens(code)).hashes) > 10


def test_kgrams_that_repeat_a_short_pattern_are_not_fingerprints() -> None:
    # ``exports.a = exports.b = ...`` and ``self.a = a`` lines: two unrelated lists share them.
    chain = ["ID", ".", "ID", "="] * 12
    fields = ["ID", ".", "ID", "=", "ID"] * 10
    args = ["ID", "(", *["ID", ","] * 12, ")"]
    for listing in (chain, fields):
        assert len(unit_evidence(tokens(listing)).hashes) == 0
    # Only the k-grams that hold the call's name or its closing bracket remain.
    assert set(unit_evidence(tokens(args)).token_pos.tolist()) <= {0, 1, len(args) - K}
    code = stream(100, 13)
    # Code before a chain keeps its fingerprints; none lies wholly inside the chain.
    mixed = unit_evidence(tokens(code + chain))
    assert mixed.token_pos.max() < len(code) and len(mixed.hashes) > 10
    ids = token_ids(tokens(["ID", "LIT", "(", ")", "=", "+", "."] * 3))  # a period of 7
    assert not periodic(ids, np.arange(len(ids) - K + 1), K).any()


def test_units_of_one_stream_get_what_each_unit_alone_gets() -> None:
    """A file's units are fingerprinted from one pass over the file's stream; each must equal
    its own stream winnowed alone (short units, units shorter than a window, nested ones)."""
    texts = stream(400, 13) + ["LIT", ","] * 20 + ["ID", "="] * 12 + stream(60, 14)
    toks = tokens(texts, first_line=3, per_line=5)
    ranges = [(0, 400), (10, 60), (100, 100 + K), (120, 120 + K + W - 2), (200, 200 + K - 1)]
    ranges += [(390, 460), (395, 500), (0, len(toks))]
    for (lo, hi), got in zip(ranges, units_evidence(TokenColumns.of(toks), ranges), strict=True):
        unit = toks[lo:hi]
        ids = token_ids(unit)
        hashes = kgram_hashes(ids)
        pos = winnow(hashes)
        if len(pos):
            data = all_of(np.array([t.text in DATA_TOKENS for t in unit]), pos, K)
            pos = pos[~(data | periodic(ids, pos, K))]
        assert got.token_pos.tolist() == pos.tolist()
        assert got.hashes.tolist() == hashes[pos].tolist()
        assert got.start_lines.tolist() == [unit[p].line for p in pos.tolist()]
        assert got.end_lines.tolist() == [unit[p + K - 1].line for p in pos.tolist()]
        alone = unit_evidence(unit)
        assert (got.n_tokens, got.digest) == (alone.n_tokens, alone.digest)
        assert got.structure.tolist() == alone.structure.tolist()
        assert got.structure_tokens == alone.structure_tokens

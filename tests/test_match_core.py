"""The matchers and the pair evidence, each called directly on a tiny real index.

The index holds click's ``formatting.py`` (BSD-3-Clause) and two helpers vendored into many
folders, as real projects vendor small utilities: ``retry_call`` in 21 folders (more than the
fingerprint fan-out cap of 10 and the digest fan-out cap of 20) and ``chunked`` in exactly 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.analyze import analyze_file
from ipscan.index import layout
from ipscan.index.build import build_index
from ipscan.index.reader import IndexReader
from ipscan.match.align import MIN_CLUSTER_TOKENS
from ipscan.match.align import align_pair
from ipscan.match.digest import MAX_DIGEST_FANOUT
from ipscan.match.digest import match_digests
from ipscan.match.embed import MIN_COSINE
from ipscan.match.embed import TOP_K
from ipscan.match.embed import embed_candidates
from ipscan.match.pairs import COMMON_FANOUT
from ipscan.match.pairs import gather_pairs
from ipscan.match.winnow import MIN_SHARED
from ipscan.match.winnow import FingerprintHits
from ipscan.match.winnow import find_hits
from ipscan.match.winnow import max_posting_fanout
from ipscan.match.winnow import winnow_candidates
from ipscan.records import Candidate
from ipscan.records import Matcher
from ipscan.records import SourceFile
from tests.conftest import installed_file

RETRY_COPIES = 21
CHUNKED_COPIES = 10

RETRY = '''\
def retry_call_{n}(func, attempts=5, base_delay=0.1, max_delay=8.0, retry_on=(OSError,)):
    """Call func until it succeeds, sleeping longer after each failure."""
    delay = base_delay
    last_error = None
    for attempt in range(attempts):
        try:
            return func()
        except retry_on as exc:
            last_error = exc
            if attempt == attempts - 1:
                break
            time.sleep(min(delay, max_delay))
            delay = delay * 2
    raise RuntimeError("gave up after %d attempts" % attempts) from last_error
'''

CHUNKED = '''\
def chunked_{n}(items, size):
    """Yield tuples of ``size`` items; the last one may be shorter."""
    if size <= 0:
        raise ValueError("size must be positive")
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield tuple(batch)
            batch = []
    if batch:
        yield tuple(batch)
'''

# chunked with every name, literal and the layout changed: the same normalized tokens.
CHUNKED_RENAMED = """\
def batches(seq, n):
    'Groups of n.'
    if n <= 0: raise ArithmeticError('n must be > 0')
    current = []
    for x in seq:
        current.append(x)
        if len(current) == n:
            yield list(current)
            current = []
    if current:
        yield list(current)
"""

UNRELATED = """\
def parse_query_string(query):
    params = {}
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        key = key.replace("+", " ").strip().lower()
        params.setdefault(key, []).append(value.replace("+", " "))
    return {k: v[0] if len(v) == 1 else v for k, v in params.items()}
"""

FORMATTING = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
_LINES = FORMATTING.splitlines()
# The paragraph loop of click's wrap_text (about ten lines in a function of about eighty).
SNIPPET_FIRST = _LINES.index("    for line in text.splitlines():")
SNIPPET_LAST = _LINES.index("    _flush_par()", SNIPPET_FIRST)
SNIPPET = "\n".join(_LINES[SNIPPET_FIRST : SNIPPET_LAST + 1])
SNIPPET_SOURCE_LINES = (SNIPPET_FIRST + 1, SNIPPET_LAST + 1)

NOTES_HEAD = '''\
def render_release_notes(notes, width=72, text=""):
    """Release notes as plain text, one section per entry."""
    header = "Release notes for " + notes.get("version", "unreleased")
    out = [header, "=" * len(header), ""]
    seen_titles = set()
    p = []
    buf = []
    indent = None
'''
NOTES_TAIL = """\
    for entry in sorted(notes.get("entries", []), key=lambda e: e.get("order", 0)):
        title = entry.get("title", "untitled").strip()
        if title in seen_titles:
            raise KeyError("duplicate section " + title)
        seen_titles.add(title)
        out.append(title.upper())
        out.extend("  * " + item for item in entry.get("items", ()))
        out.append("")
    if notes.get("contributors"):
        out.append("Thanks to " + ", ".join(sorted(notes["contributors"])) + ".")
    return "\\n".join(out)[: width * 400]
"""
NOTES = NOTES_HEAD + SNIPPET + "\n" + NOTES_TAIL
NOTES_SNIPPET_LINES = (
    NOTES_HEAD.count("\n") + 1,
    NOTES_HEAD.count("\n") + SNIPPET.count("\n") + 1,
)


@dataclass
class Lib:
    reader: IndexReader
    retry_units: set[int]
    chunked_units: set[int]
    wrap_text: int


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory, encoder) -> Lib:  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("match-src") / "lib"
    (src / "click").mkdir(parents=True)
    (src / "click" / "formatting.py").write_text(FORMATTING, encoding="utf-8")
    for n in range(RETRY_COPIES):
        text = "import time\n\n\n" + RETRY.format(n=n)
        if n < CHUNKED_COPIES:
            text += "\n\n" + CHUNKED.format(n=n)
        (src / "vendor" / f"v{n:02d}").mkdir(parents=True)
        (src / "vendor" / f"v{n:02d}" / "helpers.py").write_text(text, encoding="utf-8")
    idx = tmp_path_factory.mktemp("match-index") / "idx"
    build_index([str(src)], idx, encoder, encoder.encode)
    reader = IndexReader(idx)
    names = reader.unit_names
    return Lib(
        reader=reader,
        retry_units={i for i, n in enumerate(names) if n.startswith("retry_call_")},
        chunked_units={i for i, n in enumerate(names) if n.startswith("chunked_")},
        wrap_text=names.index("wrap_text"),
    )


def unit(text: str, name: str, path: str = "app/code.py") -> AnalyzedUnit:
    """The analyzed unit called ``name`` of ``text``, as the scan makes it."""
    for au in analyze_file(SourceFile(path, text, "python")).units:
        if au.unit.name == name:
            return au
    raise LookupError(name)


def vectors(encoder, units: list[AnalyzedUnit]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return encoder.encode([au.encoder_input(encoder.input_format) for au in units])


def test_the_index_holds_the_vendored_copies(lib: Lib) -> None:
    assert len(lib.retry_units) == RETRY_COPIES
    assert len(lib.chunked_units) == CHUNKED_COPIES
    assert max_posting_fanout(len(lib.reader.units)) == CHUNKED_COPIES


# --- 2-winnow: the fan-out cap -----------------------------------------------------------------


def test_fingerprints_in_more_units_than_the_cap_are_ignored_as_boilerplate(lib: Lib) -> None:
    retry = unit(RETRY.format(n="x"), "retry_call_x")
    hits = find_hits([retry.evidence], lib.reader.postings, len(lib.reader.units))
    assert len(hits.query_unit) == 0
    assert winnow_candidates(hits) == []


def test_fingerprints_at_the_cap_are_kept_and_counted(lib: Lib) -> None:
    chunked = unit(CHUNKED_RENAMED, "batches")
    hits = find_hits([chunked.evidence], lib.reader.postings, len(lib.reader.units))
    assert set(hits.source_unit.tolist()) == lib.chunked_units
    assert set(hits.fanout.tolist()) == {CHUNKED_COPIES}
    cands = winnow_candidates(hits)
    assert {c.unit_id for c in cands} == lib.chunked_units
    assert {(c.query, c.matcher) for c in cands} == {(0, Matcher.WINNOW)}


def test_the_cap_grows_with_the_index(lib: Lib) -> None:
    """In an index of 500 x 21 units, 21 copies are no longer boilerplate."""
    retry = unit(RETRY.format(n="x"), "retry_call_x")
    hits = find_hits([retry.evidence], lib.reader.postings, 500 * RETRY_COPIES)
    assert set(hits.source_unit.tolist()) == lib.retry_units
    assert set(hits.fanout.tolist()) == {RETRY_COPIES}


def test_a_unit_with_boilerplate_and_its_own_code_keeps_only_its_own_hits(lib: Lib) -> None:
    text = "import time\n\n\n" + RETRY.format(n="x") + "\n\n" + NOTES
    retry = unit(text, "retry_call_x")
    notes = unit(text, "render_release_notes")
    hits = find_hits([retry.evidence, notes.evidence], lib.reader.postings, len(lib.reader.units))
    assert set(hits.query_unit.tolist()) == {1}
    assert set(hits.source_unit.tolist()) == {lib.wrap_text}


# --- 1-hash ------------------------------------------------------------------------------------


def test_digest_matches_every_unit_with_the_same_normalized_tokens(lib: Lib) -> None:
    queries = [
        unit(UNRELATED, "parse_query_string").evidence,
        unit(CHUNKED_RENAMED, "batches").evidence,
    ]
    cands = match_digests(queries, lib.reader.digest_index)
    assert {c.unit_id for c in cands} == lib.chunked_units
    assert len(cands) == CHUNKED_COPIES
    assert {(c.query, c.matcher, c.score) for c in cands} == {(1, Matcher.HASH, 1.0)}


def test_one_changed_operator_is_not_a_digest_match(lib: Lib) -> None:
    edited = CHUNKED_RENAMED.replace("len(current) == n", "len(current) >= n")
    assert edited != CHUNKED_RENAMED
    query = unit(edited, "batches").evidence
    assert match_digests([query], lib.reader.digest_index) == []


def test_a_digest_shared_by_more_than_the_cap_is_a_stock_idiom(lib: Lib) -> None:
    assert RETRY_COPIES > MAX_DIGEST_FANOUT
    query = unit(RETRY.format(n="x"), "retry_call_x").evidence
    assert match_digests([query], lib.reader.digest_index) == []


def test_digest_matching_an_empty_side_gives_nothing(lib: Lib) -> None:
    query = unit(CHUNKED_RENAMED, "batches").evidence
    assert match_digests([query], np.zeros(0, layout.DIGEST_INDEX_DTYPE)) == []
    assert match_digests([], lib.reader.digest_index) == []


# --- 3-embed -----------------------------------------------------------------------------------


def test_embedding_neighbours_are_tagged_and_reach_the_threshold(lib: Lib, encoder) -> None:  # type: ignore[no-untyped-def]
    wrap = unit(FORMATTING, "wrap_text")
    renamed = wrap.unit.text.replace("wrapper", "filler").replace("indent", "margin")
    query = unit(renamed, "wrap_text")
    cands = embed_candidates(vectors(encoder, [query]), lib.reader.faiss_index)
    assert cands and all(c.matcher is Matcher.EMBED and c.query == 0 for c in cands)
    assert all(c.score >= MIN_COSINE for c in cands)
    best = max(cands, key=lambda c: c.score)
    assert best.unit_id == lib.wrap_text
    assert best.score > 0.95


def test_at_most_top_k_neighbours_per_query(lib: Lib, encoder) -> None:  # type: ignore[no-untyped-def]
    retry = unit(RETRY.format(n="x"), "retry_call_x")
    chunked = unit(CHUNKED.format(n="x"), "chunked_x")
    vecs = vectors(encoder, [retry, chunked])
    cands = embed_candidates(vecs, lib.reader.faiss_index)
    per_query = {q: [c for c in cands if c.query == q] for q in (0, 1)}
    # 21 and 10 identical neighbours: only the top k of each are proposed.
    assert len(per_query[0]) == len(per_query[1]) == TOP_K
    assert {c.unit_id for c in per_query[0]} <= lib.retry_units
    assert {c.unit_id for c in per_query[1]} <= lib.chunked_units
    two = embed_candidates(vecs, lib.reader.faiss_index, top_k=2)
    assert sorted(c.query for c in two) == [0, 0, 1, 1]


def test_neighbours_below_the_threshold_are_not_candidates(lib: Lib, encoder) -> None:  # type: ignore[no-untyped-def]
    query = vectors(encoder, [unit(UNRELATED, "parse_query_string")])
    scores, ids = lib.reader.faiss_index.search(query, 1)
    assert ids[0][0] >= 0 and scores[0][0] < MIN_COSINE  # a nearest unit exists, but far
    assert embed_candidates(query, lib.reader.faiss_index) == []


def test_embed_with_no_queries_gives_nothing(lib: Lib) -> None:
    assert embed_candidates(np.zeros((0, 384), np.float32), lib.reader.faiss_index) == []


# --- alignment ---------------------------------------------------------------------------------


def _aligned(lib: Lib, query: AnalyzedUnit, uid: int, keep: slice = slice(None)):  # type: ignore[no-untyped-def]
    hits = find_hits([query.evidence], lib.reader.postings, len(lib.reader.units))
    rows = hits.pairs()[(0, uid)][keep]
    row = lib.reader.units[uid]
    return align_pair(
        query.evidence,
        hits.query_fp[rows],
        np.asarray(lib.reader.postings[hits.posting[rows]]),
        int(row["start_line"]),
        int(row["n_tokens"]),
    )


def test_a_snippet_inside_a_larger_function_is_aligned_to_its_own_lines(lib: Lib) -> None:
    notes = unit(NOTES, "render_release_notes")
    a = _aligned(lib, notes, lib.wrap_text)
    assert a.region is not None
    q_first, q_last = NOTES_SNIPPET_LINES
    s_first, s_last = SNIPPET_SOURCE_LINES
    # The matched lines are the pasted ones on both sides, not the enclosing functions.
    assert q_first <= a.region.query_start <= q_first + 1
    assert q_last - 1 <= a.region.query_end <= q_last
    assert s_first <= a.region.source_start <= s_first + 1
    assert s_last - 1 <= a.region.source_end <= s_last
    assert notes.unit.span.start_line < a.region.query_start
    assert a.region.query_end < notes.unit.span.end_line
    wrap = lib.reader.units[lib.wrap_text]
    assert int(wrap["start_line"]) < a.region.source_start
    assert a.region.source_end < int(wrap["end_line"])
    # Coverage: most of the matched region, a minority of either unit.
    assert a.region_coverage > 0.9
    assert a.query_coverage < 0.5
    assert a.source_coverage < 0.4
    assert a.matched_tokens >= MIN_CLUSTER_TOKENS
    assert a.shared_fps >= 5


def test_a_lone_shared_fingerprint_is_chance_not_a_region(lib: Lib) -> None:
    notes = unit(NOTES, "render_release_notes")
    a = _aligned(lib, notes, lib.wrap_text, slice(0, 1))
    assert a.shared_fps == 1
    assert a.region is None
    assert a.matched_tokens == 0


def test_no_shared_fingerprints_align_nothing(lib: Lib) -> None:
    query = unit(UNRELATED, "parse_query_string")
    empty = lib.reader.postings[:0]
    a = align_pair(query.evidence, np.zeros(0, dtype=np.int64), empty, 1, 100)
    assert (a.shared_fps, a.matched_tokens, a.region) == (0, 0, None)


# --- evidence per pair -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gathered(lib: Lib, encoder):  # type: ignore[no-untyped-def]
    head = "import time\n\n\n" + CHUNKED_RENAMED + "\n\n"
    text = head + NOTES + "\n\n" + RETRY.format(n="x")
    queries = [
        unit(text, "batches"),
        unit(text, "render_release_notes"),
        unit(text, "retry_call_x"),
    ]
    reader = lib.reader
    evidence = [q.evidence for q in queries]
    hits = find_hits(evidence, reader.postings, len(reader.units))
    query_vectors = vectors(encoder, queries)
    cands = match_digests(evidence, reader.digest_index)
    cands += winnow_candidates(hits)
    cands += embed_candidates(query_vectors, reader.faiss_index)
    wanted = {c.unit_id for c in cands}
    source_vectors = {uid: reader.faiss_index.vector(uid) for uid in wanted}
    args = (queries, cands, hits, reader.postings, reader.units)
    return {
        "queries": queries,
        "candidates": cands,
        "pairs": gather_pairs(*args, query_vectors, source_vectors),
        "no_vectors": gather_pairs(*args, None, {}),
        "hits": hits,
        "query_vectors": query_vectors,
        "source_vectors": source_vectors,
        "notes_offset": head.count("\n"),
    }


def test_one_pair_per_query_and_unit_with_every_matcher_that_proposed_it(gathered) -> None:  # type: ignore[no-untyped-def]
    pairs = gathered["pairs"]
    keys = [(p.query, p.unit_id) for p in pairs]
    assert len(keys) == len(set(keys))
    proposed: dict[tuple[int, int], set[Matcher]] = {}
    for c in gathered["candidates"]:
        proposed.setdefault((c.query, c.unit_id), set()).add(c.matcher)
    assert set(keys) == set(proposed)
    for p in pairs:
        assert p.matchers == tuple(sorted(proposed[(p.query, p.unit_id)]))


def test_a_renamed_copy_pair_carries_digest_cosine_and_whole_unit_lines(lib: Lib, gathered) -> None:  # type: ignore[no-untyped-def]
    batches = gathered["queries"][0]
    pairs = [p for p in gathered["pairs"] if p.query == 0]
    assert {p.unit_id for p in pairs} == lib.chunked_units
    for p in pairs:
        assert Matcher.HASH in p.matchers and Matcher.WINNOW in p.matchers
        ev = p.evidence
        assert ev.digest_equal
        assert ev.query_tokens == ev.source_tokens == batches.evidence.n_tokens
        expected = float(
            np.dot(gathered["query_vectors"][0], gathered["source_vectors"][p.unit_id])
        )
        assert ev.cosine == pytest.approx(expected)
        # Every shared fingerprint is posted 10 times: all of them are common in the index.
        assert CHUNKED_COPIES >= COMMON_FANOUT
        assert ev.common_share == 1.0
        row = lib.reader.units[p.unit_id]
        span = batches.unit.span
        assert (p.region.query_start, p.region.query_end) == (span.start_line, span.end_line)
        assert (p.region.source_start, p.region.source_end) == (
            int(row["start_line"]),
            int(row["end_line"]),
        )


def test_a_snippet_pair_carries_its_alignment_region(lib: Lib, gathered) -> None:  # type: ignore[no-untyped-def]
    (pair,) = [p for p in gathered["pairs"] if p.query == 1 and p.unit_id == lib.wrap_text]
    assert Matcher.WINNOW in pair.matchers
    ev = pair.evidence
    assert not ev.digest_equal
    assert ev.common_share == 0.0  # wrap_text's fingerprints are posted once
    assert ev.alignment.region == pair.region
    assert ev.alignment.shared_fps >= 5
    assert ev.query_fps == len(np.unique(gathered["queries"][1].evidence.hashes))
    assert ev.source_fps == int(lib.reader.units[lib.wrap_text]["n_fps"])
    first, last = (line + gathered["notes_offset"] for line in NOTES_SNIPPET_LINES)
    assert first <= pair.region.query_start and pair.region.query_end <= last


def test_a_pair_only_the_embedding_found_gets_whole_units_and_no_alignment(
    lib: Lib, gathered
) -> None:  # type: ignore[no-untyped-def]
    """retry_call is boilerplate to the fingerprint and digest matchers; only 3-embed finds it."""
    pairs = [p for p in gathered["pairs"] if p.query == 2]
    assert pairs and {p.unit_id for p in pairs} <= lib.retry_units
    retry = gathered["queries"][2]
    for p in pairs:
        assert p.matchers == (Matcher.EMBED,)
        assert p.evidence.alignment.region is None
        assert p.evidence.alignment.shared_fps == 0
        assert p.evidence.common_share == 0.0
        assert p.evidence.cosine > 0.99
        assert (p.region.query_start, p.region.query_end) == (
            retry.unit.span.start_line,
            retry.unit.span.end_line,
        )


def test_without_query_vectors_the_cosine_is_zero(gathered) -> None:  # type: ignore[no-untyped-def]
    with_vectors = {(p.query, p.unit_id): p for p in gathered["pairs"]}
    for p in gathered["no_vectors"]:
        assert p.evidence.cosine == 0.0
        same = with_vectors[(p.query, p.unit_id)]
        assert p.evidence.alignment == same.evidence.alignment
        assert p.evidence.digest_equal == same.evidence.digest_equal


def test_winnow_candidates_count_distinct_fingerprints_per_pair() -> None:
    """Hits of many pairs, some fingerprints hit twice (two postings of one unit): each pair's
    count is its distinct query fingerprints, as one np.unique per pair counts them."""
    rng = np.random.default_rng(7)
    n = 5_000
    hits = FingerprintHits(
        query_unit=rng.integers(0, 40, n),
        query_fp=rng.integers(0, 12, n),
        posting=np.arange(n),
        source_unit=rng.integers(0, 60, n),
        fanout=np.ones(n, dtype=np.int64),
    )
    want = []
    for (qi, uid), rows in sorted(hits.pairs().items()):
        shared = len(np.unique(hits.query_fp[rows]))
        if shared >= MIN_SHARED:
            want.append(Candidate(qi, uid, Matcher.WINNOW, float(shared)))
    got = winnow_candidates(hits)
    assert got == want and len(got) > 100
    empty = np.zeros(0, dtype=np.int64)
    assert winnow_candidates(FingerprintHits(empty, empty, empty, empty, empty)) == []

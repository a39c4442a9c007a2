"""From decided pairs to findings: the best match per region, and file-level findings.

- Per scanned unit, pairs are taken best first (verdict, then similarity, then matched tokens);
  a pair whose scanned lines mostly overlap an already kept one is a weaker explanation of the
  same lines and is dropped. A unit can thus hold two snippets from two different sources. A
  pair from the file's *home* source file (the one most of its other claimed units match) comes
  first when it is as good as the best (same verdict, similarity within ``HOME_FILE_MARGIN``):
  code that sibling files of one upstream share is reported from where the file came from.
  Short of that, the pair from the source file whose path ends most like the scanned file's
  comes first on the same terms (a vendored ``libm/src/math/floorf.rs`` from upstream's
  ``src/math/floorf.rs``, not from ``ceilf.rs``, whose code is the same).
- Findings of neighbouring units (at most ``MERGE_GAP_LINES`` apart) from the same source file,
  in the same order there, are merged into one region: a copied class or block of functions is
  one finding, not one per method.
- Where findings cover at least ``FILE_COVERAGE`` of the lines of a file's code (every unit the
  parser found, short ones included) and most of them (``FILE_DOMINANCE``) come from one source
  file, one file-level finding is added beside them; its similarity is that share.

The numbers named here live in ``ipscan.tuning`` and are recorded with the classifier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import replace

from ipscan.decide.verdict import RANK
from ipscan.extract.analyze import AnalyzedFile
from ipscan.match.pairs import DecidedPair
from ipscan.records import Finding
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.sources.paths import is_vendored
from ipscan.sources.paths import source_likelihood
from ipscan.tuning import FILE_COVERAGE
from ipscan.tuning import FILE_DOMINANCE
from ipscan.tuning import FULL_COVERAGE
from ipscan.tuning import HOME_FILE_MARGIN
from ipscan.tuning import MAX_OVERLAP
from ipscan.tuning import MERGE_GAP_LINES
from ipscan.tuning import MERGE_SOURCE_GAP_LINES

SourceLookup = Callable[[int], SourceRef]


# Of the other source files as good as a finding's own, how many it lists (``also_in``): a
# report's size, not a detection setting.
MAX_ALSO_IN = 10


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Share of ``a``'s lines that ``b`` also covers."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    return max(inter, 0) / (a[1] - a[0] + 1)


def _strength(
    p: DecidedPair, same_name: bool, original: bool
) -> tuple[int, float, int, bool, bool, float]:
    # Name, then cosine last: of two indexed units with the same normalized form (``major`` /
    # ``minor`` properties) the one whose name agrees is the source; the encoder reads canonical
    # text, so its cosine cannot tell such twins apart. Of an original and another indexed
    # package's vendored copy of it, the original.
    a = p.evidence.alignment
    decision = p.decision
    return (
        RANK[decision.verdict],
        decision.similarity,
        a.matched_tokens,
        same_name,
        original,
        p.evidence.cosine,
    )


def _short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def unit_findings(
    pairs: Sequence[DecidedPair],
    query_paths: Sequence[str],
    query_names: Sequence[str],
    source_of: SourceLookup,
    include_similar: bool = False,
    every_source: bool = False,
) -> list[Finding]:
    """One finding per distinct matched region of each scanned unit; with ``every_source``,
    one per distinct region and source file (each file the lines were copied from)."""
    by_query: dict[int, list[DecidedPair]] = defaultdict(list)
    for p in pairs:
        if include_similar or p.decision.verdict is not Verdict.SIMILAR:
            by_query[p.query].append(p)
    ranked_by_query = {
        qi: _ranked(group, _short_name(query_names[qi]), source_of)
        for qi, group in by_query.items()
    }
    homes = _home_files(ranked_by_query, query_paths, source_of)
    findings = []
    for qi, ranked in ranked_by_query.items():
        kept: dict[tuple[str, str, str] | None, list[tuple[int, int]]] = defaultdict(list)
        ranked = _likeliest_first(ranked, query_paths[qi], homes.get(query_paths[qi]), source_of)
        for p in ranked:
            lines = (p.region.query_start, p.region.query_end)
            source = _source(p, source_of)
            taken = kept[source.file_key if every_source else None]
            if any(_overlap(lines, k) > MAX_OVERLAP for k in taken):
                continue
            taken.append(lines)
            findings.append(
                Finding(
                    path=query_paths[qi],
                    start_line=lines[0],
                    end_line=lines[1],
                    similarity=p.decision.similarity,
                    verdict=p.decision.verdict,
                    source=source,
                    scope=Scope.UNIT,
                    unit_name=query_names[qi],
                    matchers=p.matchers,
                    evidence={**p.evidence.features(), "p_copy": p.decision.probability},
                    reasons=p.decision.reasons,
                    also_in=_also_in(p, source, ranked, source_of),
                )
            )
    return findings


def _source(p: DecidedPair, source_of: SourceLookup) -> SourceRef:
    base = source_of(p.unit_id)
    return replace(base, start_line=p.region.source_start, end_line=p.region.source_end)


def _also_in(
    named: DecidedPair, source: SourceRef, ranked: list[DecidedPair], source_of: SourceLookup
) -> tuple[SourceRef, ...]:
    """The other source files whose pair with the same scanned lines is as good as ``named``'s
    (the same verdict, similarity within HOME_FILE_MARGIN), in ``ranked`` order."""
    lines = (named.region.query_start, named.region.query_end)
    as_good = (
        _source(p, source_of)
        for p in ranked
        if p is not named
        and p.decision.verdict is named.decision.verdict
        and not p.decision.supporting
        and named.decision.similarity - p.decision.similarity <= HOME_FILE_MARGIN
        and _overlap(lines, (p.region.query_start, p.region.query_end)) > MAX_OVERLAP
    )
    return _other_files(source, as_good)


def merged_also_in(a: Finding, b: Finding) -> tuple[SourceRef, ...]:
    """The ``also_in`` of two findings merged into one: each other file once, first seen first."""
    return _other_files(a.source, (*a.also_in, *b.also_in))


def _other_files(named: SourceRef, refs: Iterable[SourceRef]) -> tuple[SourceRef, ...]:
    """``refs`` from files other than ``named``'s, each file once, at most MAX_ALSO_IN."""
    seen = {named.file_key}
    out: list[SourceRef] = []
    for ref in refs:
        if len(out) >= MAX_ALSO_IN:
            break
        if ref.file_key not in seen:
            seen.add(ref.file_key)
            out.append(ref)
    return tuple(out)


def _ranked(
    group: list[DecidedPair], query_name: str, source_of: SourceLookup
) -> list[DecidedPair]:
    """A scanned unit's pairs, best first (``_strength``)."""

    def strength(p: DecidedPair) -> tuple[int, float, int, bool, bool, float]:
        ref = source_of(p.unit_id)
        return _strength(p, _short_name(ref.unit_name) == query_name, not is_vendored(ref.path))

    return sorted(group, key=strength, reverse=True)


def _home_files(
    ranked_by_query: dict[int, list[DecidedPair]],
    query_paths: Sequence[str],
    source_of: SourceLookup,
) -> dict[str, tuple[str, str, str]]:
    """Per scanned file, where the file as a whole came from: the source file that matches the
    most of its units as well as their best match does (the same verdict, similarity within
    ``HOME_FILE_MARGIN``), more than any other file does, and that is the best match (or tied
    with it) of at least two of them. A package that ships a source file and a bundle of all
    of them holds every unit in both: neither is then a home, and the path decides."""
    votes: dict[str, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    best_votes: dict[str, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    for qi, ranked in ranked_by_query.items():
        best = ranked[0]
        if best.decision.verdict is Verdict.SIMILAR or best.decision.supporting:
            continue
        path = query_paths[qi]
        voted: set[tuple[str, str, str]] = set()
        for p in ranked:
            if p.decision.verdict is not best.decision.verdict:
                break
            gap = best.decision.similarity - p.decision.similarity
            key = source_of(p.unit_id).file_key
            if p.decision.supporting or gap > HOME_FILE_MARGIN or key in voted:
                continue
            voted.add(key)
            votes[path][key] += 1
            if gap == 0:
                best_votes[path][key] += 1
    homes = {}
    for path, counts in votes.items():
        tally = sorted(counts.values(), reverse=True)
        home = max(counts, key=lambda k: counts[k])
        if (len(tally) == 1 or tally[0] > tally[1]) and best_votes[path][home] >= 2:
            homes[path] = home
    return homes


def _likeliest_first(
    ranked: list[DecidedPair],
    query_path: str,
    home: tuple[str, str, str] | None,
    source_of: SourceLookup,
) -> list[DecidedPair]:
    """``ranked`` with the pair from the likeliest source file first, among the pairs as good as
    the best one (the same verdict, similarity within ``HOME_FILE_MARGIN``): the file's ``home``,
    else an original before another package's vendored copy, then the file whose path ends most
    like the scanned one's."""

    def score(p: DecidedPair) -> tuple[bool, tuple[bool, int]]:
        ref = source_of(p.unit_id)
        return ref.file_key == home, source_likelihood(query_path, ref.path)

    best = ranked[0]
    top, top_score = 0, score(best)
    for i, p in enumerate(ranked[1:], 1):
        if p.decision.verdict is not best.decision.verdict:
            break  # ranked by verdict first: none after this one is as good
        if best.decision.similarity - p.decision.similarity > HOME_FILE_MARGIN:
            continue
        if (s := score(p)) > top_score:
            top, top_score = i, s
    return ranked if top == 0 else [ranked[top], *ranked[:top], *ranked[top + 1 :]]


def _mergeable(a: Finding, b: Finding) -> bool:
    same = (a.path, a.source.file_key) == (b.path, b.source.file_key)
    if not same or a.verdict is Verdict.SIMILAR or b.verdict is Verdict.SIMILAR:
        return False
    scanned_gap = b.start_line - a.end_line - 1
    source_gap = b.source.start_line - a.source.end_line - 1
    return (
        -1 <= scanned_gap <= MERGE_GAP_LINES
        and b.source.start_line > a.source.start_line
        and source_gap <= MERGE_SOURCE_GAP_LINES
    )


def merge_adjacent(
    findings: Sequence[Finding], supporting: Sequence[Finding] = ()
) -> list[Finding]:
    """Neighbouring unit findings from the same source file as one finding each run.

    ``supporting`` findings (copies too short to claim alone) join a run that holds a claimed
    finding; a run of supporting findings only is dropped.
    """
    items = [(f, True) for f in findings] + [(f, False) for f in supporting]
    out: list[Finding] = []
    claimed: list[bool] = []
    for f, is_claim in sorted(items, key=lambda it: (it[0].path, it[0].start_line, it[0].end_line)):
        prev = out[-1] if out else None
        if prev is None or not _mergeable(prev, f):
            out.append(f)
            claimed.append(is_claim)
            continue
        claimed[-1] = claimed[-1] or is_claim
        a_lines = prev.end_line - prev.start_line + 1
        b_lines = f.end_line - f.start_line + 1
        similarity = (prev.similarity * a_lines + f.similarity * b_lines) / (a_lines + b_lines)
        both_copied = prev.verdict is Verdict.COPIED and f.verdict is Verdict.COPIED
        units = prev.evidence.get("merged_units", 1.0) + f.evidence.get("merged_units", 1.0)
        out[-1] = replace(
            prev,
            end_line=max(prev.end_line, f.end_line),
            similarity=round(similarity, 4),
            verdict=Verdict.COPIED if both_copied else Verdict.MODIFIED_COPY,
            source=replace(
                prev.source,
                end_line=max(prev.source.end_line, f.source.end_line),
                unit_name=prev.source.unit_name if prev.unit_name == f.unit_name else "",
            ),
            unit_name=prev.unit_name if prev.unit_name == f.unit_name else "",
            matchers=tuple(sorted(set(prev.matchers) | set(f.matchers), key=lambda m: m.value)),
            evidence={**prev.evidence, "merged_units": units},
            reasons=tuple(dict.fromkeys((*prev.reasons, *f.reasons))),
            also_in=merged_also_in(prev, f),
        )
    return [f for f, keep in zip(out, claimed, strict=True) if keep]


def filler_beside_copies(filler: Sequence[Finding], found: Sequence[Finding]) -> list[Finding]:
    """The ``filler`` findings (units of few distinct fingerprints, claimed only beside a copy:
    ``FILLER_FP_DENSITY``) to report: those in a scanned file with a claimed finding from the
    same source file whose lines it does not already hold. ``merge_adjacent`` joins filler to
    a claim next to it; here the code between them may have changed, or the methods moved (a
    contest program's one long ``main`` of near-identical lines, copied with its helpers, one
    helper rewritten)."""
    claims: dict[tuple[str, tuple[str, str, str]], list[Finding]] = defaultdict(list)
    for f in found:
        if f.verdict is not Verdict.SIMILAR and f.scope is Scope.UNIT:
            claims[(f.path, f.source.file_key)].append(f)
    out = []
    for f in filler:
        beside = claims.get((f.path, f.source.file_key), [])
        held = any(c.start_line <= f.start_line and f.end_line <= c.end_line for c in beside)
        if beside and not held:
            out.append(f)
    return out


def merge_adjacent_per_source(
    findings: Sequence[Finding], supporting: Sequence[Finding] = ()
) -> list[Finding]:
    """``merge_adjacent`` within each source file's findings: where every source is reported,
    one source's run of units is not broken by another source's findings of the same lines."""
    groups: dict[tuple[str, str, str], tuple[list[Finding], list[Finding]]] = defaultdict(
        lambda: ([], [])
    )
    for f in findings:
        groups[f.source.file_key][0].append(f)
    for f in supporting:
        groups[f.source.file_key][1].append(f)
    return [m for claimed, weak in groups.values() for m in merge_adjacent(claimed, weak)]


def file_findings(
    files: Sequence[AnalyzedFile], findings: Sequence[Finding], every_source: bool = False
) -> list[Finding]:
    """A file-level finding for every file that is mostly a copy of one source file; with
    ``every_source``, one for each source file whose findings alone cover most of the file
    (``FILE_COVERAGE``), its similarity that share."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.verdict is not Verdict.SIMILAR:
            by_path[f.path].append(f)
    out = []
    for af in files:
        found = by_path.get(af.file.path)
        if not found:
            continue
        unit_lines: set[int] = set()
        for start, end in af.code_spans or [
            (u.unit.span.start_line, u.unit.span.end_line) for u in af.units
        ]:
            unit_lines.update(range(start, end + 1))
        covered_by: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for f in found:
            span = range(f.start_line, f.end_line + 1)
            covered_by[f.source.file_key].update(unit_lines.intersection(span))
        if not unit_lines:
            continue
        if every_source:
            chosen = [
                (key, len(lines) / len(unit_lines))
                for key, lines in covered_by.items()
                if len(lines) >= FILE_COVERAGE * len(unit_lines)
            ]
        else:
            covered = set().union(*covered_by.values())
            if len(covered) < FILE_COVERAGE * len(unit_lines):
                continue
            key, lines = max(covered_by.items(), key=lambda kv: len(kv[1]))
            if len(lines) < FILE_DOMINANCE * len(covered):
                continue
            chosen = [(key, len(covered) / len(unit_lines))]
        for key, coverage in chosen:
            mine = [f for f in found if f.source.file_key == key]
            out.append(_file_finding(af, mine, coverage))
    return out


def _file_finding(af: AnalyzedFile, mine: Sequence[Finding], coverage: float) -> Finding:
    """The file-level finding of ``af`` from the source file of the findings ``mine``, which
    together with others cover ``coverage`` of its code lines."""
    verbatim = all(f.verdict is Verdict.COPIED for f in mine)
    first = mine[0].source
    n_lines = af.file.text.count("\n") + (0 if af.file.text.endswith("\n") else 1)
    return Finding(
        path=af.file.path,
        start_line=1,
        end_line=max(n_lines, 1),
        similarity=round(coverage, 4),
        verdict=Verdict.COPIED if verbatim else Verdict.MODIFIED_COPY,
        source=replace(
            first,
            start_line=min(f.source.start_line for f in mine),
            end_line=max(f.source.end_line for f in mine),
            unit_name="",
        ),
        scope=Scope.FILE,
        matchers=tuple(sorted({m for f in mine for m in f.matchers}, key=lambda m: m.value)),
        evidence={"file_coverage": round(coverage, 4), "units_matched": float(len(mine))},
        reasons=tuple(dict.fromkeys(r for f in mine for r in f.reasons)),
    )


def without_shadowed(findings: Sequence[Finding]) -> list[Finding]:
    """Drop a unit finding whose lines stronger unit findings from other source files mostly
    cover (over ``MAX_OVERLAP``; stronger: a higher verdict, or the same with a higher
    similarity).

    Nested units are matched one by one (a C++ template and the operator it declares, a class
    and its methods): where the outer one is a copy of one file, a weaker match of the lines
    inside it with another file is that file's look-alike, not a second copy; and a match of
    lines inside it with the lines inside its own source span (a closure of a copied function)
    says again what the outer finding says.
    """
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_path[f.path].append(f)
    out: list[Finding] = []
    for group in by_path.values():
        claims = [f for f in group if _is_claim(f)]
        nested = _nested(claims)
        for f in group:
            if _is_claim(f) and (id(f) in nested or _shadowed(f, claims)):
                continue
            out.append(f)
    return out


def _nested(claims: Sequence[Finding]) -> set[int]:
    """The ids of the claims that another claim from the same source file holds on both sides
    (of two with the same lines, the first stays). Compared within one source file's claims."""
    by_source: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in claims:
        by_source[f.source.file_key].append(f)
    out: set[int] = set()
    for same in by_source.values():
        for i, f in enumerate(same):
            if any(
                _holds(k, f) and (j < i or not _holds(f, k)) for j, k in enumerate(same) if j != i
            ):
                out.add(id(f))
    return out


def _holds(k: Finding, f: Finding) -> bool:
    """``k`` spans ``f``'s lines here and in their one source file."""
    return (
        k.start_line <= f.start_line
        and f.end_line <= k.end_line
        and k.source.start_line <= f.source.start_line
        and f.source.end_line <= k.source.end_line
    )


def _is_claim(f: Finding) -> bool:
    return f.scope is Scope.UNIT and f.verdict is not Verdict.SIMILAR


def _shadowed(f: Finding, claims: Sequence[Finding]) -> bool:
    """Whether stronger ``claims`` from other source files cover most of ``f``'s lines."""
    strength = (RANK[f.verdict], f.similarity)
    covered: set[int] = set()
    for k in claims:
        if (RANK[k.verdict], k.similarity) > strength and k.source.file_key != f.source.file_key:
            covered.update(range(max(k.start_line, f.start_line), min(k.end_line, f.end_line) + 1))
    return len(covered) > MAX_OVERLAP * (f.end_line - f.start_line + 1)


def without_twins(findings: Sequence[Finding]) -> list[Finding]:
    """Drop unit findings that name another source file than the one a file-level finding
    names, on lines that file already explains, where that file-level finding is sure: the
    same file, or nearly all of it (``FULL_COVERAGE``).

    Upstream often holds the same code twice (a float and a double variant, sibling headers),
    so a copy of one file also matches pieces of its siblings; the file it is a copy of is the
    answer for those lines. A piece that only another file explains stays, and so does
    everything in a file that is only partly a copy (a snippet pasted into other code), where
    the file-level finding may name a twin itself.
    """
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_path[f.path].append(f)
    out: list[Finding] = []
    for group in by_path.values():
        mains = {
            f.source.file_key
            for f in group
            if f.scope is Scope.FILE and f.similarity >= FULL_COVERAGE
        }
        explained: set[int] = set()
        for f in group:
            if f.source.file_key in mains and f.verdict is not Verdict.SIMILAR:
                explained.update(range(f.start_line, f.end_line + 1))
        for f in group:
            lines = range(f.start_line, f.end_line + 1)
            twin = f.scope is Scope.UNIT and mains and f.source.file_key not in mains
            if twin and len(explained.intersection(lines)) > MAX_OVERLAP * len(lines):
                continue
            out.append(f)
    return out


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Stable report order: by path, file-level first, then by line."""
    return sorted(
        findings, key=lambda f: (f.path, f.scope is not Scope.FILE, f.start_line, f.end_line)
    )

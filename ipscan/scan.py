"""The order of the stages, and nothing else: files → units → candidates → pairs → findings."""

from __future__ import annotations

import posixpath
import time
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path

import numpy as np

from ipscan.arrays import distinct
from ipscan.decide.aggregate import file_findings
from ipscan.decide.aggregate import filler_beside_copies
from ipscan.decide.aggregate import merge_adjacent
from ipscan.decide.aggregate import merge_adjacent_per_source
from ipscan.decide.aggregate import sort_findings
from ipscan.decide.aggregate import unit_findings
from ipscan.decide.aggregate import without_shadowed
from ipscan.decide.aggregate import without_twins
from ipscan.decide.classifier import Classifier
from ipscan.decide.classifier import load_classifier
from ipscan.decide.file_share import with_min_share
from ipscan.decide.own_package import split_own_package
from ipscan.decide.short_units import short_units_beside
from ipscan.decide.supporting import filler_held_back
from ipscan.decide.supporting import supporting_only
from ipscan.decide.verbatim_findings import beside_copies
from ipscan.decide.verbatim_findings import identical_file_findings
from ipscan.decide.verbatim_findings import near_file_findings
from ipscan.decide.verbatim_findings import region_findings
from ipscan.decide.verbatim_findings import short_run_candidates
from ipscan.decide.verbatim_findings import stamps_beside_copies
from ipscan.decide.verbatim_findings import tiny_files
from ipscan.decide.verbatim_findings import without_file_level
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.analyze import with_raw_scheme
from ipscan.extract.base_code import load_base_code
from ipscan.extract.base_code import without_base
from ipscan.extract.changes import Changes
from ipscan.extract.collect import collect_changed
from ipscan.extract.collect import collect_sources
from ipscan.extract.fingerprint import winnowed_share
from ipscan.extract.languages import same_family
from ipscan.extract.listing import list_scan_files
from ipscan.extract.parallel import analyze_files
from ipscan.extract.variants import plain_variants
from ipscan.extract.version_stamp import is_version_stamp
from ipscan.index import layout
from ipscan.index.ann import EXACT_QUERIES
from ipscan.index.ann import EXACT_UNITS
from ipscan.index.open import file_lookup
from ipscan.index.open import open_index
from ipscan.index.open import source_lookup
from ipscan.index.reader import IndexReader
from ipscan.index.segment import Segment
from ipscan.licensing.judge import LicenseContext
from ipscan.licensing.judge import judge_licenses
from ipscan.licensing.path_patterns import path_matches
from ipscan.licensing.policy import Policy
from ipscan.licensing.project import FoundPolicy
from ipscan.licensing.project import find_policy
from ipscan.licensing.project import own_package_names
from ipscan.licensing.project import project_license
from ipscan.licensing.project import project_notice_texts
from ipscan.match.embed import embed_candidates
from ipscan.match.idiom_census import open_census
from ipscan.match.near_file import ALONE
from ipscan.match.near_file import BESIDE_COPIES
from ipscan.match.near_file import NearRule
from ipscan.match.near_file import near_by_segment
from ipscan.match.pair_shares import PairShares
from ipscan.match.pair_shares import QueryColumns
from ipscan.match.pair_shares import pair_shares
from ipscan.match.pairs import PairCandidate
from ipscan.match.pairs import best_per_pair
from ipscan.match.pairs import decide_pairs
from ipscan.match.pairs import gather_pairs
from ipscan.match.segment_matches import SegmentMatches
from ipscan.match.segment_matches import decidable
from ipscan.match.segment_matches import segment_matches
from ipscan.match.segment_matches import worth_embedding
from ipscan.match.stored_vectors import identical_by_segment
from ipscan.match.stored_vectors import stored_vectors
from ipscan.match.totals import IndexTotals
from ipscan.match.totals import digest_counts
from ipscan.match.totals import index_totals
from ipscan.match.verbatim import BESIDE_BAR
from ipscan.match.verbatim import STANDING_BAR
from ipscan.match.verbatim import IdenticalFile
from ipscan.match.verbatim import RegionBar
from ipscan.match.verbatim import VerbatimRegion
from ipscan.match.verbatim import verbatim_regions
from ipscan.progress import bar
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SkippedFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.tuning import COMMON_FANOUT
from ipscan.tuning import FILE_COVERAGE
from ipscan.tuning import FILLER_FP_DENSITY
from ipscan.tuning import FULL_COVERAGE
from ipscan.tuning import MIN_VERBATIM_TOKENS
from ipscan.tuning import PATTERN_CLAIMS
from ipscan.tuning import PEER_COMMON_FANOUT
from ipscan.tuning import PEER_PATTERN_CLAIMS
from ipscan.tuning import STOCK_UNIT_TOKENS


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: which index, which device for the encoder, what to report."""

    index_dir: Path | None = None
    device: str = "auto"
    explain: bool = False
    embeddings: bool = True
    progress: bool = False  # progress bars on stderr for long scans
    project_license: str | None = None  # overrides the policy's and the one found in the project
    config: Path | None = None  # the policy file (default: .ipscan.toml or pyproject.toml)
    jobs: int | None = None  # processes that parse files (None: every core)
    # Report each source file a region matches, not only the likeliest (pairwise plagiarism).
    every_source: bool = False
    # Files or folders of code every submission was given (``ipscan.extract.base_code``).
    base_code: tuple[Path, ...] = ()
    # Count ecosystem idioms from the shipped default index when scanning another index
    # (``ipscan.match.idiom_census``).
    idiom_census: bool = True
    # Report the findings whose source is the project's own package (``ipscan.decide.own_package``).
    include_own_package: bool = False
    # Report a file's findings only where one indexed file covers this share of its code
    # (``ipscan.decide.file_share``; 0: any copied region, as a license scan reports; None:
    # the policy's ``min-share``, 0 by default).
    min_share: float | None = None


def scan_repo(root: Path, options: ScanOptions) -> Report:
    """Scan the git-tracked files of ``root`` (all files when it is not a git work tree)."""
    started = time.perf_counter()
    listing = list_scan_files(root)
    policy = find_policy(listing.root, options.config)
    kept, ignored = _split_ignored(listing.paths, policy)
    collected = collect_sources(replace(listing, paths=tuple(kept)))
    # Opened first: the files' raw evidence is made with the index's raw-token scheme.
    reader = open_index(options.index_dir, options.progress)
    parsed = analyze_files(collected.files, options.jobs, raw_scheme=reader.raw_scheme)
    analyzed = list(bar(parsed, len(collected.files), "parsing files", options.progress))
    return scan_analyzed(
        str(listing.root),
        analyzed,
        (*collected.skipped, *ignored),
        options,
        started,
        project=project_context(analyzed, options, policy),
        reader=reader,
    )


def _split_ignored(paths: Sequence[str], found: FoundPolicy) -> tuple[list[str], list[SkippedFile]]:
    """The paths to scan, and the policy's ignored ones as skipped files."""
    kept: list[str] = []
    ignored: list[SkippedFile] = []
    for p in paths:
        if path_matches(found.rooted(p), found.policy.ignore):
            ignored.append(SkippedFile(p, "ignored"))
        else:
            kept.append(p)
    return kept, ignored


@dataclass(frozen=True)
class ProjectContext:
    """What the scanned project says about itself: its license, policy and notice files."""

    outbound: str | None
    policy: Policy
    notice_texts: tuple[str, ...] = ()
    prefix: str = ""  # the scanned folder below the policy's folder (FoundPolicy.prefix)
    # Its own packages: the policy's ``own-packages`` and the name its root's metadata declares.
    packages: tuple[str, ...] = ()


def project_context(
    analyzed: Sequence[AnalyzedFile], options: ScanOptions, found: FoundPolicy
) -> ProjectContext:
    """The project's license and notices from the nearest folder that declares them."""
    policy = found.policy
    override = options.project_license or policy.project_license
    headers = [af.file.text for af in analyzed]
    root, *above = found.folders
    return ProjectContext(
        outbound=project_license(root, override, headers, above),
        policy=policy,
        notice_texts=project_notice_texts(root, above),
        prefix=found.prefix,
        packages=tuple(dict.fromkeys([*policy.own_packages, *own_package_names(found.folders)])),
    )


def scan_analyzed(
    root: str,
    analyzed: Sequence[AnalyzedFile],
    skipped: Sequence[SkippedFile],
    options: ScanOptions,
    started: float,
    whole_files: Sequence[AnalyzedFile] | None = None,
    project: ProjectContext | None = None,
    reader: IndexReader | None = None,
) -> Report:
    """Match analyzed files against the index and turn the evidence into findings.

    ``whole_files`` are the same files with all their units, when ``analyzed`` holds only some
    of them: a file-level finding must mean most of the file, not most of what changed.
    ``reader``: an index already open (a long-running process keeps one); else
    ``options.index_dir`` is opened.
    """
    reader = reader if reader is not None else open_index(options.index_dir, options.progress)
    # A no-op where the caller analysed with the index's scheme (every caller in ipscan does).
    analyzed = [with_raw_scheme(af, reader.raw_scheme) for af in analyzed]
    if options.base_code:
        base = load_base_code(options.base_code, reader.raw_scheme, options.jobs)
        analyzed = without_base(analyzed, base)
    if whole_files is not None:
        whole_files = [with_raw_scheme(af, reader.raw_scheme) for af in whole_files]
    queries = [au for af in analyzed for au in af.units]
    variants = plain_variants(analyzed)
    asked = [*queries, *(v.unit for v in variants)]
    same_as = {len(queries) + i: v.of for i, v in enumerate(variants)}
    census = open_census(reader, options.index_dir) if options.idiom_census else None
    totals = index_totals(
        [au.evidence for au in asked], [af.raw for af in analyzed], reader, census
    )
    same_files = identical_by_segment(analyzed, reader, totals)
    known = stored_vectors(analyzed, reader, same_files) if options.embeddings else {}
    clf = load_classifier()
    # A unit that no indexed unit could make a copy of, by what it shares with the index, comes
    # to no verdict but "similar" (--explain): it is not embedded (most units of a large tree).
    pairs = decide_pairs(
        candidate_pairs(
            asked, reader, options, totals, known, same_as, None if options.explain else clf
        ),
        clf,
    )
    pairs = best_per_pair(pairs, same_as)
    common_fanout = PEER_COMMON_FANOUT if options.every_source else COMMON_FANOUT
    stock = _stock_units(queries, reader, totals, common_fanout)
    filler = _filler_units(queries)
    bodies = [au.body_line for au in queries]
    patterns = PEER_PATTERN_CLAIMS if options.every_source else PATTERN_CLAIMS
    pairs, filler_claims = filler_held_back(supporting_only(pairs, bodies, stock, patterns), filler)
    paths = [au.unit.path for au in queries]
    names = [au.unit.name for au in queries]
    lookup = source_lookup(reader)
    claimed = [p for p in pairs if not p.decision.supporting]
    supporting = [p for p in pairs if p.decision.supporting]
    every = options.every_source
    short = unit_findings(supporting, paths, names, lookup, every_source=every)
    found = (merge_adjacent_per_source if every else merge_adjacent)(
        unit_findings(claimed, paths, names, lookup, options.explain, every), short
    )
    filler_found = unit_findings(filler_claims, paths, names, lookup, every_source=every)
    found += filler_beside_copies(filler_found, found)
    identical, tiny = _identical(analyzed, reader, same_files)
    found += _regions(analyzed, reader, found, identical, totals, every)
    # Where one source explains lines best, the others' weaker matches of them are dropped,
    # unless every source is asked for.
    found = found if every else without_shadowed(found)
    found = without_file_level(
        found + file_findings(whole_files if whole_files is not None else analyzed, found, every),
        identical,
        every,
    )
    found = found + identical if every else without_twins(found + identical)
    # Every step above keeps each source file's findings apart when every source is asked for,
    # so a file's matches with itself (an index of the scanned folder) are dropped here, once,
    # before a file they alone claimed is looked at as a near copy.
    is_self = _self_match(root, reader) if every else None
    found = _without_self(found, is_self) if is_self else found
    if every:
        near = _near_files(analyzed, reader, {f.path for f in found})
        found += _without_self(near, is_self) if is_self else near
    else:
        near = _near_files(analyzed, reader, {f.path for f in found if f.scope is Scope.FILE})
        found = without_twins(found + _renaming(near, found))
    found = stamps_beside_copies(
        found, {af.file.path for af in analyzed if is_version_stamp(af.file.text)}
    )
    # What the folder decides: tiny files identical, small files patched under the lower bar
    # (looked up only in folders that hold a copy: most scans, the hook's among them, have none).
    copied = {posixpath.dirname(f.path) for f in found if f.verdict is not Verdict.SIMILAR}
    elsewhere = {f.file.path for f in analyzed if posixpath.dirname(f.file.path) not in copied}
    skip = elsewhere | {f.path for f in found}
    candidates = tiny
    if copied:
        candidates += _near_files(analyzed, reader, skip, BESIDE_COPIES)
        candidates += _short_runs(analyzed, reader, skip, totals)
    beside = beside_copies(candidates, found)
    beside += short_units_beside(short, [*found, *beside], analyzed) if copied else []
    found += _without_self(beside, is_self) if is_self else beside
    project = project or ProjectContext(options.project_license, Policy())
    found = [f for f in found if f.similarity >= project.policy.threshold]
    min_share = project.policy.min_share if options.min_share is None else options.min_share
    found = with_min_share(found, whole_files or analyzed, min_share)
    found, own = split_own_package(found, () if options.include_own_package else project.packages)
    texts = {af.file.path: af.file.text for af in (whole_files or analyzed)}
    found = _judged(found, project, texts)
    flagged = {f.path for f in found}
    return Report(
        root=root,
        findings=tuple(sort_findings(found)),
        files_scanned=len(analyzed),
        units_scanned=len(queries),
        skipped=tuple(skipped),
        index_summary=index_summary(reader),
        elapsed_s=round(time.perf_counter() - started, 3),
        texts={p: t for p, t in texts.items() if p in flagged},
        project_license=project.outbound,
        fail_on=project.policy.fail_on,
        policy_file=project.policy.origin,
        own_package=", ".join(dict.fromkeys(f.source.package for f in own)) or None,
        own_package_findings=len(own),
    )


def _renaming(near: Sequence[Finding], found: Sequence[Finding]) -> list[Finding]:
    """The near-identical-file findings (``_near_files``) to report: those of files nothing
    claims, and those of claimed files that are nearly all (``FULL_COVERAGE``) an indexed file
    of their name that none of their findings names. A unit copied from a twin of that file
    (pycryptodome's ``SelfTest/Util/__init__.py`` holds the ``get_tests`` of pycrypto's
    ``SelfTest/PublicKey/__init__.py``, names aside) then gives way to the file
    (``without_twins``)."""
    named: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for f in found:
        named[f.path].add(f.source.file_key)
    return [
        f
        for f in near
        if f.path not in named
        or (f.similarity >= FULL_COVERAGE and f.source.file_key not in named[f.path])
    ]


def _stock_units(
    queries: Sequence[AnalyzedUnit], reader: IndexReader, totals: IndexTotals, common: int
) -> set[int]:
    """Positions of the scanned units shorter than ``STOCK_UNIT_TOKENS`` whose normalized form
    ``common`` or more indexed units share."""
    short = [i for i, au in enumerate(queries) if au.evidence.n_tokens < STOCK_UNIT_TOKENS]
    if not short:
        return set()
    counts = digest_counts([au.evidence for au in queries], short, totals, reader)
    return {i for i, n in zip(short, counts.tolist(), strict=True) if n >= common}


def _filler_units(queries: Sequence[AnalyzedUnit]) -> set[int]:
    """Positions of the scanned units of filler (``FILLER_FP_DENSITY``): tables and lists."""
    return {
        i
        for i, au in enumerate(queries)
        if len(distinct(au.evidence.hashes))
        < FILLER_FP_DENSITY * winnowed_share(au.evidence.n_tokens)
    }


def _judged(
    found: Sequence[Finding], project: ProjectContext, texts: dict[str, str]
) -> list[Finding]:
    """License verdicts, with the policy's component paths matched from the policy's folder;
    the findings keep their paths relative to the scanned folder."""
    if not project.prefix:
        ctx = LicenseContext(project.outbound, project.policy, texts, project.notice_texts)
        return judge_licenses(found, ctx)
    rooted = {p: f"{project.prefix}/{p}" for p in {f.path for f in found} | set(texts)}
    ctx = LicenseContext(
        project.outbound,
        project.policy,
        {rooted[p]: t for p, t in texts.items()},
        project.notice_texts,
    )
    judged = judge_licenses([replace(f, path=rooted[f.path]) for f in found], ctx)
    return [replace(j, path=f.path) for j, f in zip(judged, found, strict=True)]


def _identical(
    analyzed: Sequence[AnalyzedFile],
    reader: IndexReader,
    same_files: Sequence[Sequence[IdenticalFile]],
) -> tuple[list[Finding], list[Finding]]:
    """File-level findings for scanned files that are indexed files (matcher 0-file), found
    segment by segment (``identical_by_segment``), and the tiny ones, which count only beside
    copies (``beside_copies``)."""
    out: list[Finding] = []
    tiny: list[Finding] = []
    for seg, same in zip(reader.segments, same_files, strict=True):
        if same:
            out += identical_file_findings(same, analyzed, file_lookup(seg))
            tiny += tiny_files(same, analyzed, file_lookup(seg))
    return out, tiny


def _near_files(
    analyzed: Sequence[AnalyzedFile],
    reader: IndexReader,
    claimed: set[str],
    rule: NearRule = ALONE,
) -> list[Finding]:
    """File-level findings for small scanned files that no other finding claims and that are
    an indexed file of their name patched by ``rule`` (matcher 0-file, ``near_by_segment``)."""
    skip = {i for i, af in enumerate(analyzed) if af.file.path in claimed}
    out: list[Finding] = []
    segments = near_by_segment(analyzed, reader, skip, rule)
    for seg, near in zip(reader.segments, segments, strict=True):
        if near:
            out += near_file_findings(near, analyzed, file_lookup(seg))
    return out


def _regions(
    analyzed: Sequence[AnalyzedFile],
    reader: IndexReader,
    found: Sequence[Finding],
    identical: Sequence[Finding],
    totals: IndexTotals,
    every_source: bool = False,
) -> list[Finding]:
    """Findings for verbatim regions (matcher 2-verbatim) that no finding explains yet.

    A file already reported as an identical file needs no regions from that same source file.
    """
    whole = {(f.path, *f.source.file_key) for f in identical}
    out: list[Finding] = []
    for position, seg in enumerate(reader.segments):
        regions = _segment_regions(analyzed, seg, position, totals, whole, STANDING_BAR)
        out += region_findings(regions, analyzed, [*found, *out], file_lookup(seg), every_source)
        reader.done_with(seg)
    return out


def _short_runs(
    analyzed: Sequence[AnalyzedFile], reader: IndexReader, skip: set[str], totals: IndexTotals
) -> list[Finding]:
    """Candidate findings (``beside_copies`` decides) for the small scanned files not in
    ``skip`` whose code is mostly one run of raw tokens shared with an indexed file, at the
    lower bar (``BESIDE_BAR``): a fork's one-helper module beside the upstream's other code.
    Only files too small for a region at the standing bar to cover ``FILE_COVERAGE`` of them
    are looked at: a larger one's run would already have been found."""
    small = frozenset(
        i
        for i, af in enumerate(analyzed)
        if af.file.path not in skip
        and 0 < len(af.raw.token_lines) * FILE_COVERAGE < MIN_VERBATIM_TOKENS
    )
    if not small:
        return []
    bar = replace(BESIDE_BAR, only=small)
    out: list[Finding] = []
    for position, seg in enumerate(reader.segments):
        regions = _segment_regions(analyzed, seg, position, totals, set(), bar)
        out += short_run_candidates(regions, analyzed, file_lookup(seg))
        reader.done_with(seg)
    return out


def _segment_regions(
    analyzed: Sequence[AnalyzedFile],
    seg: Segment,
    position: int,
    totals: IndexTotals,
    whole: set[tuple[str, str, str, str]],
    bar: RegionBar,
) -> list[VerbatimRegion]:
    """The verbatim regions (matcher 2-verbatim, at ``bar``) of one segment, but those of a
    file already reported as that indexed file (``whole``: scanned path and file key)."""
    bounds = totals.segment_bounds(position)
    regions = verbatim_regions(
        [af.raw for af in analyzed],
        seg.file_postings,
        seg.hash_column(layout.FILE_POSTINGS),
        totals.file_fps,
        None if bounds is None else bounds.file_fps,
        bar,
    )
    lookup = file_lookup(seg)
    kept = []
    for r in regions:
        ref = lookup(r.file_id, 0, 0)
        path, language = analyzed[r.query].file.path, analyzed[r.query].file.language
        # Raw tokens that agree across languages are a coincidence (a table of numbers against
        # template parameters named L00, L01, ...), never a copy.
        if (path, *ref.file_key) not in whole and same_family(language, ref.path):
            kept.append(r)
    return kept


SelfMatch = Callable[[str, SourceRef], bool]


def _without_self(found: Sequence[Finding], is_self: SelfMatch) -> list[Finding]:
    """``found`` less the findings that name their scanned file itself, and with such files
    left out of the others' ``also_in``."""
    out = []
    for f in found:
        if not is_self(f.path, f.source):
            also = tuple(ref for ref in f.also_in if not is_self(f.path, ref))
            out.append(f if also == f.also_in else replace(f, also_in=also))
    return out


def _self_match(root: str, reader: IndexReader) -> SelfMatch:
    """Whether a source names the scanned file (at ``path``) itself: the index was built from
    a folder or a git work tree (``kind`` ``dir`` or ``git``) that holds the scanned file at the
    source's path, as when a class's submissions are indexed and then scanned against each
    other."""
    folders: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for seg in reader.segments:
        for s in seg.sources:
            if s.get("kind") in ("dir", "git") and s.get("origin"):
                folders[(str(s["name"]), str(s["version"]))].append(Path(str(s["origin"])))
    base = Path(root).resolve()

    def is_self(path: str, ref: SourceRef) -> bool:
        scanned = (base / path).resolve()
        return any(
            (origin / ref.path).resolve() == scanned
            for origin in folders.get((ref.package, ref.version), ())
        )

    return is_self


def candidate_pairs(
    queries: Sequence[AnalyzedUnit],
    reader: IndexReader,
    options: ScanOptions,
    totals: IndexTotals | None = None,
    known: Mapping[int, np.ndarray] | None = None,
    same_as: Mapping[int, int] | None = None,
    claims_by: Classifier | None = None,
) -> list[PairCandidate]:
    """Every pair the matchers propose for ``queries`` in every segment, with its evidence (no
    verdict yet); unit ids run over all segments. ``totals``: the queries' postings over the
    whole index (``index_totals``; counted here when not given). ``known``: vectors of query
    positions that need no embedding (``stored_vectors``). ``same_as``: query positions that
    take the vector of another (a variant of a unit reads as the unit to the encoder).
    ``claims_by``: only queries with a pair that could reach this classifier's threshold, by
    what the fingerprint matchers found (``worth_embedding``), are embedded and looked up by
    vector, and only pairs that can come to a verdict with it are returned (``decidable``)."""
    evidence = [au.evidence for au in queries]
    if totals is None:
        totals = index_totals(evidence, [], reader)
    common_fanout = PEER_COMMON_FANOUT if options.every_source else COMMON_FANOUT
    matches = []
    for position, seg in enumerate(reader.segments):
        matches.append(segment_matches(evidence, seg, totals, totals.segment_bounds(position)))
        reader.done_with(seg)
    columns, shares = None, []
    if claims_by is not None:
        columns = QueryColumns.of(evidence)
        shares = [
            pair_shares(evidence, columns, found.hits, found.structure, seg.units, common_fanout)
            for seg, found in zip(reader.segments, matches, strict=True)
        ]
    query_vectors, rows = None, None
    if options.embeddings and queries and reader.n_units:
        wanted = None
        if claims_by is not None and columns is not None:
            wanted = worth_embedding(columns, reader.segments, shares, matches, claims_by)
            rows = np.nonzero(wanted)[0]
            for i, of in (same_as or {}).items():
                wanted[of] |= wanted[i]  # a variant's vector is its unit's
        query_vectors = _query_vectors(queries, reader, options, known or {}, same_as or {}, wanted)
    # A few queries on a small index: exact search over the mapped rows costs less than
    # importing FAISS and mapping each IVF file (a pre-commit check's case), and is exact.
    exact = len(queries) <= EXACT_QUERIES and reader.n_units <= EXACT_UNITS
    out: list[PairCandidate] = []
    for position, (seg, found) in enumerate(zip(reader.segments, matches, strict=True)):
        base = reader.unit_base[position]
        judged = None
        if claims_by is not None and columns is not None:
            judged = (columns, shares[position], claims_by)
        pairs = _segment_pairs(
            queries, seg, found, query_vectors, exact, common_fanout, rows, judged
        )
        out += [replace(p, unit_id=p.unit_id + int(base)) for p in pairs] if base else pairs
        reader.done_with(seg)
    return out


def _query_vectors(
    queries: Sequence[AnalyzedUnit],
    reader: IndexReader,
    options: ScanOptions,
    known: Mapping[int, np.ndarray],
    same_as: Mapping[int, int],
    wanted: np.ndarray | None = None,
) -> np.ndarray | None:
    """A vector per query: the known ones as given, those ``same_as`` another copied from it,
    the others embedded; with ``wanted``, only the wanted ones are embedded (the rest stay
    zero), and None when none is. A wanted variant's unit is wanted too (``candidate_pairs``),
    so every wanted row is known, embedded or copied."""
    wanted = np.ones(len(queries), dtype=bool) if wanted is None else wanted
    if not wanted.any():
        return None
    todo = [i for i in np.nonzero(wanted)[0].tolist() if i not in known and i not in same_as]
    fresh = None
    if todo:  # none when every unit is an indexed one: the encoder is not even loaded
        from ipscan.match.embed_queries import embed_for_index

        fresh = embed_for_index(
            [queries[i] for i in todo], reader, options.device, options.progress
        )
    dim = fresh.shape[1] if fresh is not None else len(next(iter(known.values())))
    out = np.zeros((len(queries), dim), dtype=np.float32)
    if fresh is not None:
        out[todo] = fresh
    for i, vector in known.items():
        out[i] = vector
    for i, of in same_as.items():
        out[i] = out[of]
    return out


def _segment_pairs(
    queries: Sequence[AnalyzedUnit],
    seg: Segment,
    found: SegmentMatches,
    query_vectors: np.ndarray | None,
    exact: bool = False,
    common_fanout: int = COMMON_FANOUT,
    rows: np.ndarray | None = None,
    judged: tuple[QueryColumns, PairShares, Classifier] | None = None,
) -> list[PairCandidate]:
    """The pairs of ``seg``: what the fingerprint matchers ``found`` there, and the nearest
    units by vector of the queries in ``rows`` (None: all); ``common_fanout``: from how many
    postings a shared fingerprint is common (``gather_pairs``). ``judged``: the queries'
    ``QueryColumns``, the segment's ``pair_shares`` and a classifier; only the pairs that can
    come to a verdict with it are gathered (``decidable``)."""
    candidates = list(found.candidates)
    source_vectors: dict[int, np.ndarray] = {}
    if query_vectors is not None and len(seg.units):
        store = seg.exact_store if exact else seg.vector_store
        candidates += embed_candidates(query_vectors, store, rows=rows)
        source_vectors = {uid: store.vector(uid) for uid in sorted({c.unit_id for c in candidates})}
    if judged is not None:
        columns, shares, clf = judged
        candidates = decidable(
            candidates, columns, shares, seg.units, query_vectors, source_vectors, clf
        )
    return gather_pairs(
        queries,
        candidates,
        found.hits,
        seg.postings,
        seg.units,
        query_vectors,
        source_vectors,
        found.structure,
        common_fanout,
    )


def index_summary(reader: IndexReader) -> dict[str, object]:
    """What the report says about the index it used."""
    return {
        "path": str(reader.index_dir),
        "sources": reader.counts.get("sources", 0),
        "units": reader.n_units,
        "encoder": reader.encoder_info.get("id"),
    }


def scan_changes(changes: Changes, options: ScanOptions, all_units: bool = False) -> Report:
    """Scan changed files; only units that overlap added lines unless ``all_units``."""
    started = time.perf_counter()
    policy = find_policy(changes.root, options.config)
    kept, ignored = _split_ignored([c.path for c in changes.files], policy)
    scan_paths = set(kept)
    wanted = [c for c in changes.files if c.path in scan_paths]
    collected = collect_changed(wanted)
    added = {c.path: c.added for c in changes.files}
    # Only the changed units are fingerprinted and embedded; every unit's lines still count
    # towards a file-level finding (``code_spans``).
    lines = None if all_units else [added.get(f.path, ()) for f in collected.files]
    reader = open_index(options.index_dir, options.progress)
    parsed = analyze_files(collected.files, options.jobs, lines, reader.raw_scheme)
    whole = list(bar(parsed, len(collected.files), "parsing files", options.progress))
    analyzed = whole
    not_staged = (SkippedFile(p, "not-staged") for p in changes.not_staged)
    submodules = (SkippedFile(p, "submodule") for p in changes.submodules)
    skipped = (*collected.skipped, *ignored, *not_staged, *submodules)
    return scan_analyzed(
        str(changes.root),
        analyzed,
        skipped,
        options,
        started,
        whole,
        project=project_context(whole, options, policy),
        reader=reader,
    )

"""Findings of the verbatim matchers: identical files, small files patched, and verbatim regions
not yet explained.

An identical file is reported as one file-level finding (the answer a user who vendored a
library expects first), and so is a small file that is an indexed file of its name with a line or
two changed. A tiny file (``VERSION = '2.1'``, ``export {default} from './index.js'``) says
nothing alone, since many projects write those lines: it is reported only beside copies, when
its whole text is an indexed file's of its name (``MIN_TINY_FILE_CHARS``) and another file of
its folder is claimed from that indexed file's folder, same package version (SCANOSS reports
such a file by its hash; a winnowing tool finds nothing in it).

A verbatim region becomes a finding unless most of its lines are already a finding from the same
source file (the unit matchers found it too, with unit names), or all of them are the signatures
of an API family. In a scan of changes, only what the change added counts: an identical file
that the change touched, and a region whose lines are mostly added lines.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import replace

from ipscan.decide.aggregate import MAX_ALSO_IN
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.line_sketch import base_name
from ipscan.index.open import FileLookup
from ipscan.match.near_file import NearFile
from ipscan.match.verbatim import IdenticalFile
from ipscan.match.verbatim import VerbatimRegion
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.sources.paths import source_likelihood
from ipscan.tuning import FILE_COVERAGE
from ipscan.tuning import FULL_COVERAGE
from ipscan.tuning import HOME_FILE_MARGIN
from ipscan.tuning import MAX_OVERLAP


def _n_lines(text: str) -> int:
    return max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)


def _whole_file(
    path: str, n_lines: int, source: SourceRef, reason: Reason, also: Sequence[SourceRef] = ()
) -> Finding:
    """The file-level finding that a scanned file is the indexed file ``source``."""
    return Finding(
        path=path,
        start_line=1,
        end_line=n_lines,
        similarity=1.0,
        verdict=Verdict.COPIED,
        source=source,
        scope=Scope.FILE,
        matchers=(Matcher.FILE,),
        evidence={"file_coverage": 1.0},
        reasons=(reason,),
        also_in=tuple(also),
    )


def _in_scan(af: AnalyzedFile, lines: frozenset[int]) -> int:
    """How many of ``lines`` the scan asks about."""
    if af.scan_lines is None:
        return len(lines)
    return sum(1 for n in lines if any(a <= n <= b for a, b in af.scan_lines))


def _only_signatures(af: AnalyzedFile, lines: frozenset[int]) -> bool:
    """Whether ``lines`` lie on the signatures of two or more of ``af``'s units and nowhere
    else: a family of methods that one interface or API fixes (``Fprintf(w io.Writer, ...)
    (n int, err error)`` and its siblings) shares those lines whatever their bodies do
    (``ipscan.extract.signature``). One long signature alone (a typed overload's) is code."""
    held: set[int] = set()
    units = 0
    for au in af.units:
        head = range(au.unit.span.start_line, au.body_line) if au.body_line else range(0)
        mine = lines.intersection(head)
        units += bool(mine)
        held |= mine
    return units >= 2 and held == lines


def identical_file_findings(
    matches: Sequence[IdenticalFile], files: Sequence[AnalyzedFile], source_of: FileLookup
) -> list[Finding]:
    """One file-level finding per scanned file that is an indexed file.

    A small file counts only under the indexed file's name (``ipscan.tuning``); a tiny one not
    here (``tiny_files``).
    """
    out = []
    for m in matches:
        af = files[m.query]
        if m.tiny:
            continue
        if af.scan_lines is not None and not af.scan_lines:
            continue  # the change added no line to this file
        source = source_of(m.file_id, 1, max(m.n_lines, 1))
        if m.small and base_name(af.file.path) != base_name(source.path):
            continue
        others = [source_of(file_id, 1, max(n_lines, 1)) for file_id, n_lines in m.others]
        also = tuple(
            ref for ref in others if not m.small or base_name(af.file.path) == base_name(ref.path)
        )
        reason = Reason.IDENTICAL_FILE if m.same_text else Reason.IDENTICAL_FILE_CODE
        n_lines = _n_lines(af.file.text)
        out.append(_whole_file(af.file.path, n_lines, source, reason, also[:MAX_ALSO_IN]))
    return out


def tiny_files(
    matches: Sequence[IdenticalFile], files: Sequence[AnalyzedFile], source_of: FileLookup
) -> list[Finding]:
    """The tiny scanned files that are indexed files of their name, as candidate findings
    naming every such file (source, then ``also_in``), for ``beside_copies`` to claim where
    their folder says so."""
    out = []
    for m in matches:
        af = files[m.query]
        if not m.tiny or (af.scan_lines is not None and not af.scan_lines):
            continue
        name = base_name(af.file.path)
        twins = ((m.file_id, m.n_lines), *m.others)
        refs = (source_of(file_id, 1, max(n_lines, 1)) for file_id, n_lines in twins)
        named = [ref for ref in refs if base_name(ref.path) == name]
        if named:
            reason = Reason.IDENTICAL_FILE_BESIDE_COPIES
            n_lines = _n_lines(af.file.text)
            out.append(_whole_file(af.file.path, n_lines, named[0], reason, named[1:]))
    return out


def _folder(ref: SourceRef) -> tuple[str, str, str]:
    return (ref.package, ref.version, posixpath.dirname(ref.path))


def stamps_beside_copies(found: Sequence[Finding], stamps: set[str]) -> list[Finding]:
    """``found`` less the claims on ``stamps`` (version files a build tool wrote:
    ``ipscan.extract.version_stamp``) that no other file of their scanned folder backs with a
    claim from the same indexed folder."""
    if not stamps:
        return list(found)
    claims: dict[tuple[str, tuple[str, str, str]], set[str]] = {}
    for f in found:
        if f.verdict is not Verdict.SIMILAR:
            key = (posixpath.dirname(f.path), _folder(f.source))
            claims.setdefault(key, set()).add(f.path)
    return [
        f
        for f in found
        if f.path not in stamps
        or f.verdict is Verdict.SIMILAR
        or claims[(posixpath.dirname(f.path), _folder(f.source))] - {f.path}
    ]


def beside_copies(candidates: Sequence[Finding], found: Sequence[Finding]) -> list[Finding]:
    """The candidates (file-level: tiny files, small files patched by the lower bar) that no
    finding claims and whose scanned folder holds a file claimed from the folder of one of the
    indexed files they name; the first such file names each, alone."""
    claimed = {f.path for f in found}
    copied_from: dict[str, set[tuple[str, str, str]]] = {}
    for f in found:
        if f.verdict is not Verdict.SIMILAR:
            copied_from.setdefault(posixpath.dirname(f.path), set()).add(_folder(f.source))
    out = []
    for c in candidates:
        beside = copied_from.get(posixpath.dirname(c.path))
        if c.path in claimed or not beside:
            continue
        source = next((ref for ref in (c.source, *c.also_in) if _folder(ref) in beside), None)
        if source is not None:
            out.append(replace(c, source=source, also_in=()))
            claimed.add(c.path)
    return out


def near_file_findings(
    matches: Sequence[NearFile], files: Sequence[AnalyzedFile], source_of: FileLookup
) -> list[Finding]:
    """One file-level finding per small scanned file that is an indexed file patched
    (``ipscan.match.near_file``), its similarity the share of lines the two share."""
    out = []
    for m in matches:
        af = files[m.query]
        if af.scan_lines is not None and not af.scan_lines:
            continue  # the change added no line to this file
        end = _n_lines(af.file.text)
        out.append(
            Finding(
                path=af.file.path,
                start_line=1,
                end_line=end,
                similarity=round(m.share, 4),
                verdict=Verdict.MODIFIED_COPY,
                source=source_of(m.file_id, 1, m.source_lines),
                scope=Scope.FILE,
                matchers=(Matcher.FILE,),
                evidence={"file_coverage": round(m.share, 4), "lines_shared": float(m.shared)},
                reasons=(Reason.NEAR_IDENTICAL_FILE,),
                also_in=tuple(source_of(f, 1, n) for f, n in m.others[:MAX_ALSO_IN]),
            )
        )
    return out


def region_findings(
    regions: Sequence[VerbatimRegion],
    files: Sequence[AnalyzedFile],
    existing: Sequence[Finding],
    source_of: FileLookup,
    every_source: bool = False,
) -> list[Finding]:
    """A finding for each verbatim region that no finding from its source file explains, and
    that no longer region (from any source file) already covers: upstream often holds the
    same code twice, and the longer run names the file the code came from. Of runs about as
    long (within ``HOME_FILE_MARGIN``) over the same lines, the source file whose path ends most
    like the scanned one's is named and the others are listed as ``also_in``: a package that
    ships its sources and a bundle of them holds each source file's code twice. ``every_source``:
    each source file's regions stand on their own (``ScanOptions.every_source``)."""
    explained: dict[tuple[str, tuple[str, str, str]], set[int]] = {}
    for f in existing:
        if f.verdict is not Verdict.SIMILAR and f.scope is not Scope.FILE:
            lines = explained.setdefault((f.path, f.source.file_key), set())
            lines.update(range(f.start_line, f.end_line + 1))
    sources = [source_of(r.file_id, r.source_start, r.source_end) for r in regions]
    order = _likeliest_of_ties(regions, files, sources)
    # Lines of the longer runs already taken, per scanned file (and per source file when
    # every source is asked for).
    by_regions: dict[tuple[str, tuple[str, str, str] | None], set[int]] = {}
    out: list[Finding] = []
    named: dict[str, list[tuple[VerbatimRegion, int]]] = {}  # path -> (region, finding index)
    for i in order:
        r = regions[i]
        af = files[r.query]
        if _in_scan(af, r.covered_lines) < (1 - MAX_OVERLAP) * len(r.covered_lines):
            continue
        if _only_signatures(af, r.covered_lines):
            continue
        finding = _region_finding(af.file.path, r, sources[i])
        known = explained.setdefault((finding.path, finding.source.file_key), set())
        source_key = finding.source.file_key if every_source else None
        longer = by_regions.setdefault((finding.path, source_key), set())
        limit = MAX_OVERLAP * len(r.covered_lines)
        explained_here = len(r.covered_lines & known) > limit
        if explained_here or len(r.covered_lines & longer) > limit:
            # A longer run explained by its own source file's findings still covers these
            # lines: a shorter run of them elsewhere (a shared template header) is no copy.
            if explained_here:
                longer.update(r.covered_lines)
            else:
                _add_also_in(out, named.get(finding.path, ()), r, finding.source)
            continue
        known.update(range(r.query_start, r.query_end + 1))
        longer.update(r.covered_lines)
        named.setdefault(finding.path, []).append((r, len(out)))
        out.append(finding)
    return out


def _as_long(r: VerbatimRegion, other: VerbatimRegion) -> bool:
    """``r`` covers about as many tokens as ``other``, over mostly the same scanned lines."""
    overlap = len(r.covered_lines & other.covered_lines)
    return (
        r.query == other.query
        and r.covered_tokens >= (1 - HOME_FILE_MARGIN) * other.covered_tokens
        and overlap > MAX_OVERLAP * max(len(r.covered_lines), len(other.covered_lines))
    )


def _likeliest_of_ties(
    regions: Sequence[VerbatimRegion], files: Sequence[AnalyzedFile], sources: Sequence[SourceRef]
) -> list[int]:
    """Region positions, longest first; of runs about as long as the one ahead of them, the one
    from the likeliest source file (``source_likelihood``) is moved ahead. Ties are looked for
    among one scanned file's runs only."""
    by_query: dict[int, list[int]] = {}
    for i in sorted(range(len(regions)), key=lambda i: -regions[i].covered_tokens):
        by_query.setdefault(regions[i].query, []).append(i)
    out: list[int] = []
    for query, order in by_query.items():
        path = files[query].file.path
        for at in range(len(order)):
            head = regions[order[at]]
            best = at
            for j in range(at + 1, len(order)):
                if regions[order[j]].covered_tokens < (1 - HOME_FILE_MARGIN) * head.covered_tokens:
                    break  # longest first: none after this one is as long
                if _as_long(regions[order[j]], head) and source_likelihood(
                    path, sources[order[j]].path
                ) > source_likelihood(path, sources[order[best]].path):
                    best = j
            order.insert(at, order.pop(best))
        out += order
    return out


def _add_also_in(
    out: list[Finding],
    kept: Sequence[tuple[VerbatimRegion, int]],
    r: VerbatimRegion,
    source: SourceRef,
) -> None:
    """List ``source`` in the kept finding whose run ``r`` is about as long as."""
    for head, at in kept:
        if _as_long(r, head):
            f = out[at]
            out[at] = replace(f, also_in=_also(f, source))
            return


def _also(f: Finding, source: SourceRef) -> tuple[SourceRef, ...]:
    keys = {f.source.file_key, *(a.file_key for a in f.also_in)}
    if source.file_key in keys or len(f.also_in) >= MAX_ALSO_IN:
        return f.also_in
    return (*f.also_in, source)


def _region_finding(path: str, r: VerbatimRegion, source: SourceRef) -> Finding:
    similarity = round(min(r.covered_tokens / max(r.span_tokens, 1), 1.0), 4)
    return Finding(
        path=path,
        start_line=r.query_start,
        end_line=r.query_end,
        similarity=similarity,
        verdict=Verdict.COPIED if similarity >= FULL_COVERAGE else Verdict.MODIFIED_COPY,
        source=source,
        scope=Scope.UNIT,
        matchers=(Matcher.VERBATIM,),
        evidence={"raw_tokens": float(r.covered_tokens), "raw_span": float(r.span_tokens)},
        reasons=(Reason.VERBATIM_REGION,),
    )


def short_run_candidates(
    regions: Sequence[VerbatimRegion], files: Sequence[AnalyzedFile], source_of: FileLookup
) -> list[Finding]:
    """For each scanned file, the longest region (likeliest source first among runs as long)
    that covers ``FILE_COVERAGE`` of its fingerprinted raw tokens, the other such regions'
    source files as ``also_in``: candidates for ``beside_copies``, reason
    ``short-run-beside-copies``."""
    covering = [
        r
        for r in regions
        if r.covered_tokens >= FILE_COVERAGE * len(files[r.query].raw.token_lines)
    ]
    sources = [source_of(r.file_id, r.source_start, r.source_end) for r in covering]
    out: dict[int, Finding] = {}
    for i in _likeliest_of_ties(covering, files, sources):
        r = covering[i]
        af = files[r.query]
        if _in_scan(af, r.covered_lines) < FILE_COVERAGE * len(r.covered_lines):
            continue  # the change added little of the run
        if r.query in out:
            out[r.query] = replace(out[r.query], also_in=_also(out[r.query], sources[i]))
            continue
        finding = _region_finding(af.file.path, r, sources[i])
        out[r.query] = replace(finding, reasons=(*finding.reasons, Reason.SHORT_RUN_BESIDE_COPIES))
    return list(out.values())


def without_file_level(
    findings: Sequence[Finding], identical: Sequence[Finding], per_source: bool = False
) -> list[Finding]:
    """``findings`` less the file-level ones for files already reported as identical files;
    with ``per_source``, only those naming the same source file as the identical one."""
    if per_source:
        same = {(f.path, f.source.file_key) for f in identical}
        return [
            f
            for f in findings
            if not (f.scope is Scope.FILE and (f.path, f.source.file_key) in same)
        ]
    paths = {f.path for f in identical}
    return [f for f in findings if not (f.scope is Scope.FILE and f.path in paths)]

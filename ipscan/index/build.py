"""`ipscan index build`: read sources, parse, fingerprint, embed, and write a new generation.

``read_sources`` reads without writing (a distributed build's workers call it too);
``build_index`` writes what it reads into the index, one segment at a time.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IpscanError
from ipscan.errors import IpscanIndexError
from ipscan.errors import UsageError
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.line_sketch import code_count
from ipscan.extract.parallel import analyze_entries
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index import layout
from ipscan.index.compact import merge_tiers
from ipscan.index.compat import EncoderLike
from ipscan.index.compat import check_encoder
from ipscan.index.compat import check_extendable
from ipscan.index.compat import encoder_info
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import add_segment
from ipscan.index.store import collect_old_generations
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.families import later_by_headers
from ipscan.licensing.headers import HEADER_LINES
from ipscan.licensing.notices import stated_file_license
from ipscan.progress import Advance
from ipscan.progress import Meter
from ipscan.progress import meter as quiet_meter
from ipscan.sources import SourceEntry
from ipscan.sources.downloads import SourceCache
from ipscan.sources.records import SourceInfo
from ipscan.sources.source_list import ListedSource
from ipscan.sources.source_list import SourceFailure
from ipscan.sources.source_list import open_listed

# A file's own copyright statements are read from its header: the first lines.

Progress = Callable[[str], None]
Embed = Callable[[list[str]], np.ndarray]
log = logging.getLogger("ipscan")
_REASON_CHARS = 500  # a summary line, not a log


@dataclass
class BuildSummary:
    """What a build did, for the CLI to print."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[SourceFailure] = field(default_factory=list)
    units_added: int = 0
    files_added: int = 0
    total_units: int = 0
    index_dir: str = ""
    segments: int = 0  # what the index is made of after the build (and its tier merges)
    merges: int = 0  # tier merges the build ended with (ipscan.index.merge_policy)


@dataclass
class _Pending:
    files: list[dict[str, object]] = field(default_factory=list)
    units: list[tuple[int, AnalyzedUnit]] = field(default_factory=list)
    file_evidence: list[tuple[int, FileEvidence]] = field(default_factory=list)

    def mark(self) -> tuple[int, int, int]:
        """How much is pending now, for ``truncate``."""
        return len(self.files), len(self.units), len(self.file_evidence)

    def truncate(self, mark: tuple[int, int, int]) -> None:
        """Drop what a failed source added since ``mark``."""
        del self.files[mark[0] :], self.units[mark[1] :], self.file_evidence[mark[2] :]


def build_index(
    specs: Sequence[str | ListedSource],
    index_dir: Path,
    encoder: EncoderLike,
    embed: Embed,
    rev: str | None = None,
    progress: Progress | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    origin: str | None = None,
    jobs: int | None = None,
    meter: Meter | None = None,
    keep_going: bool = False,
    downloads: SourceCache | None = None,
) -> BuildSummary:
    """Add each source in ``specs`` to the index at ``index_dir`` (created when missing).

    A spec is a path or URL (``open_source``), or a ``ListedSource`` from a source list:
    registry packages are fetched through ``downloads`` (default: the user's cache) and
    recorded with their package origin; one whose origin the index holds is not fetched again.
    Sources already in the index (same content digest) are skipped, and units already there are
    kept with their vectors, so extending an index never re-embeds what it holds. ``include`` and
    ``exclude`` are glob patterns over paths inside a source (``*`` crosses folders). ``origin``
    is recorded instead of each source's own path (the default index names the registry file,
    not where the build downloaded it). ``jobs``: processes that parse (None: every core).
    ``meter`` counts the files of each source as they are read and parsed. With ``keep_going``
    a source that cannot be fetched or read is listed in ``failed`` and the build goes on; a
    usage error (an unsafe URL) or a fault of the index itself still stops it.
    """
    summary = BuildSummary(index_dir=str(index_dir))
    options = ReadOptions(
        rev=rev,
        include=tuple(include),
        exclude=tuple(exclude),
        origin=origin,
        jobs=jobs,
        keep_going=keep_going,
        downloads=downloads,
    )
    with writer_lock(index_dir):
        base = _Base(index_dir, encoder)
        parts = read_sources(
            specs,
            encoder,
            embed,
            summary,
            record=base.encoder,
            known=base.digests,
            origins=base.origins,
            options=options,
            progress=progress,
            meter=meter,
        )
        wrote = False
        for part in parts:  # each part is kept as it is read: a killed build keeps them
            base.write(part)
            wrote = True
        if not (wrote or base.existed or summary.failed):
            base.write(base.fresh())  # an empty index: nothing to add, yet the folder is one
        elif not wrote:  # nothing new, but old generations whose readers have gone can go now
            collect_old_generations(index_dir)
        if wrote:
            summary.merges = merge_tiers(index_dir)
        summary.total_units = base.units
        summary.segments = _segment_count(index_dir)
    return summary


@dataclass(frozen=True)
class ReadOptions:
    """How ``read_sources`` reads each source (see ``build_index`` for each knob)."""

    rev: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    origin: str | None = None
    jobs: int | None = None
    keep_going: bool = False
    downloads: SourceCache | None = None


def read_sources(
    specs: Iterable[str | ListedSource],
    encoder: EncoderLike,
    embed: Embed,
    summary: BuildSummary,
    *,
    record: dict[str, Any] | None = None,
    known: set[object] | None = None,
    origins: set[object] | None = None,
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    meter: Meter | None = None,
) -> Iterator[IndexContents]:
    """Read, parse, fingerprint and embed ``specs`` without writing anything: yield what was
    read as one ``IndexContents`` each time ``SEGMENT_UNITS`` units are pending, and once at
    the end (nothing when no source was added).

    ``summary`` is filled in as sources are added, skipped or fail (all but ``total_units``).
    ``record`` is the encoder the contents name (default: ``encoder``'s own; an index's, when
    extending one). ``known`` digests and ``origins`` are skipped, and grow with each source
    read. A single-machine build writes each part as a segment; a distributed one writes each
    shard's parts into its staging folder (``ipscan.index.distributed``).
    """
    opts = options or ReadOptions()
    say = progress or (lambda _msg: None)
    run = _Run(
        record=record if record is not None else encoder_info(encoder),
        dim=encoder.dim,
        summary=summary,
        say=say,
        count=meter or quiet_meter(False),
        options=opts,
        known=known if known is not None else set(),
        origins=origins if origins is not None else set(),
    )
    for spec in specs:
        item = spec if isinstance(spec, ListedSource) else ListedSource.of_spec(spec)
        mark = run.pending.mark()
        try:
            run.add(item)
        except Exception as exc:
            if not opts.keep_going or isinstance(exc, UsageError | IpscanIndexError):
                raise
            run.pending.truncate(mark)
            reason = _reason(exc, item)
            summary.failed.append(SourceFailure(item, reason))
            say(f"failed {item.label}: {reason}")
        if len(run.pending.units) >= SEGMENT_UNITS:  # what is read so far is kept
            yield run.take(embed, encoder.input_format)
    if run.contents.sources:
        yield run.take(embed, encoder.input_format)


# A build writes what it has read as a segment once this many units are pending, so a build
# that dies keeps every segment it finished and a rerun goes on from there (issue #17).
SEGMENT_UNITS = 50_000


class _Base:
    """What the index holds before a build adds to it: its segments, and what identifies the
    sources in them."""

    def __init__(self, index_dir: Path, encoder: EncoderLike) -> None:
        self.index_dir = index_dir
        self.encoder = encoder_info(encoder)
        self.dim = encoder.dim
        self.existed = (index_dir / layout.CURRENT).exists()
        self.segments: list[str] = []
        self.digests: set[object] = set()
        self.origins: set[object] = set()
        self.units = 0
        if self.existed:
            with IndexReader(index_dir) as reader:
                check_encoder(reader.encoder_info, encoder, index_dir)
                check_extendable(reader.raw_scheme, index_dir)
                self.encoder = reader.encoder_info
                self.segments = list(reader.segment_names)
                sources = reader.sources
                self.digests = {s.get("digest") for s in sources}
                self.origins = {s.get("origin") for s in sources}
                self.units = reader.n_units

    def fresh(self) -> IndexContents:
        """Empty contents for the next segment."""
        return _empty(self.encoder, self.dim)

    def write(self, contents: IndexContents) -> None:
        """Write ``contents``: the first index, or a segment after the others."""
        if self.segments:
            self.segments.append(add_segment(self.index_dir, contents, self.segments)[1])
        else:
            self.segments = [write_index(self.index_dir, contents).name]
        self.existed = True
        self.units += len(contents.units)


def _segment_count(index_dir: Path) -> int:
    """The segments of the index at ``index_dir``; 0 where no build wrote one yet."""
    if not (index_dir / layout.CURRENT).exists():
        return 0
    with IndexReader(index_dir) as reader:
        return len(reader.segments)


def _empty(record: dict[str, Any], dim: int) -> IndexContents:
    contents = IndexContents(encoder=record)
    contents.vectors = np.zeros((0, dim), dtype=np.float32)
    return contents


def _reason(exc: Exception, item: ListedSource) -> str:
    """One line for a failed source: the sentence of an ipscan error, else the exception (less
    the source's name, which the line that prints it starts with)."""
    if isinstance(exc, IpscanError):
        text = str(exc)
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        log.debug("source failed", exc_info=exc)
        text = f"{type(exc).__name__}: {exc}"
    for name in (item.label, item.target):
        text = text.removeprefix(f"{name}: ")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines)[:_REASON_CHARS] or type(exc).__name__


@dataclass
class _Run:
    """One read's state while it reads its sources one by one."""

    record: dict[str, Any]
    dim: int
    summary: BuildSummary
    say: Progress
    count: Meter
    options: ReadOptions
    known: set[object]
    origins: set[object]
    contents: IndexContents = field(init=False)
    pending: _Pending = field(default_factory=_Pending)

    def __post_init__(self) -> None:
        self.contents = _empty(self.record, self.dim)

    def add(self, item: ListedSource) -> None:
        """Read one source into ``pending`` (or skip it: already indexed)."""
        opts = self.options
        if item.origin is not None and item.origin in self.origins:
            self.summary.skipped.append(f"{item.label} (already indexed)")
            return  # a registry package never changes: not even fetched again
        with open_listed(item, opts.rev, opts.downloads, self.say) as (info, entries):
            if opts.origin is not None:  # where it came from, not a temporary download path
                info = dataclasses.replace(info, origin=opts.origin)
            label = f"{info.name} {info.version}"
            if info.digest in self.known:
                self.summary.skipped.append(f"{label} (already indexed)")
                return
            source_id = len(self.contents.sources)
            before = len(self.pending.units)
            wanted = (e for e in entries if _selected(e.path, opts.include, opts.exclude))
            first_file = len(self.pending.files)
            with self.count(f"parsing {label}") as advance:
                stated = _read_source(
                    source_id,
                    info.default_license_for,
                    wanted,
                    self.pending,
                    len(self.contents.files),
                    opts.jobs,
                    advance,
                )
            info = _later_by_headers(info, self.pending.files[first_file:], stated)
            n_units = len(self.pending.units) - before
        # Only a source read to its end counts: one that failed half-way leaves no trace.
        self.known.add(info.digest)
        self.origins.add(info.origin)
        self.contents.sources.append({**info.stored(), "units": n_units})
        self.summary.added.append(f"{label} [{info.license}]: {n_units} units")
        self.say(f"read {label}: {n_units} units")

    def take(self, embed: Embed, input_format: str) -> IndexContents:
        """Embed what is pending and hand over the contents read so far; start afresh."""
        contents, pending = self.contents, self.pending
        contents.files.extend(pending.files)
        if pending.units:
            _append_units(contents, pending, embed, input_format)
        _append_file_evidence(contents, pending.file_evidence)
        self.summary.units_added += len(pending.units)
        self.summary.files_added += len(pending.files)
        self.contents, self.pending = _empty(self.record, self.dim), _Pending()
        return contents


def _selected(path: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(fnmatch.fnmatchcase(path, p) for p in include):
        return False
    return not any(fnmatch.fnmatchcase(path, p) for p in exclude)


def _read_source(
    source_id: int,
    default_license: Callable[[str], str],
    entries: Iterable[SourceEntry],
    pending: _Pending,
    file_base: int,
    jobs: int | None,
    advance: Advance,
) -> list[bool]:
    """Read a source's files into ``pending``; whether each file recorded states its own
    license."""
    stated: list[bool] = []
    for path, analyzed in analyze_entries(((e.path, e.data) for e in entries), jobs):
        advance(1)
        # Not code, passed over by the gate, or too small to be evidence: nothing to record.
        if not isinstance(analyzed, AnalyzedFile):
            continue
        has_raw = analyzed.raw.is_file_evidence
        if not analyzed.units and not has_raw:
            continue
        text = analyzed.file.text
        file_id = file_base + len(pending.files)
        license_, says = stated_file_license(text, default_license(path))
        record: dict[str, object] = {"path": path, "source": source_id, "license": license_}
        stated.append(says)
        statements = copyright_statements(text, max_lines=HEADER_LINES)
        if statements:
            record["copyright"] = list(statements)
        pending.files.append(record)
        pending.units.extend((file_id, au) for au in analyzed.units)
        if has_raw:
            pending.file_evidence.append((file_id, analyzed.raw))
    return stated


def _later_by_headers(
    info: SourceInfo, records: Sequence[dict[str, object]], stated: Sequence[bool]
) -> SourceInfo:
    """``info`` (and the files that state no license) "or later" when most of the source's
    file headers grant its GNU license's version "or later" (``later_by_headers``)."""
    own = [str(r["license"]) for r, s in zip(records, stated, strict=True) if s]
    later = later_by_headers(info.license, own)
    if later is None:
        return info
    for record, says in zip(records, stated, strict=True):
        if not says and record["license"] == info.license:
            record["license"] = later
    return dataclasses.replace(info, license=later)


def _append_file_evidence(
    contents: IndexContents, evidence: Sequence[tuple[int, FileEvidence]]
) -> None:
    """The new files' digests and raw-token fingerprints (the verbatim channel)."""
    if not evidence:
        return
    keys = np.zeros(len(evidence), dtype=layout.FILE_KEY_DTYPE)
    parts = []
    line_parts = []
    for i, (file_id, ev) in enumerate(evidence):
        keys[i] = (file_id, ev.n_tokens, ev.n_lines, ev.text_digest, ev.code_digest)
        if ev.is_tiny_text:
            continue  # its digest only: a line or two adds nothing to regions or sketches
        lines = np.zeros(len(ev.lines), dtype=layout.FILE_LINE_DTYPE)
        lines["hash"] = ev.lines
        lines["file"] = file_id
        lines["n_lines"] = len(ev.lines)
        lines["n_code"] = code_count(ev.lines)
        line_parts.append(lines)
        part = np.zeros(len(ev.hashes), dtype=layout.FILE_POSTING_DTYPE)
        part["hash"] = ev.hashes
        part["file"] = file_id
        part["tok"] = ev.token_pos
        part["line0"] = ev.start_lines
        part["line1"] = ev.end_lines
        parts.append(part)
    contents.file_keys = np.concatenate([contents.file_keys, keys])
    contents.file_postings = np.concatenate([contents.file_postings, *parts])
    contents.file_lines = np.concatenate([contents.file_lines, *line_parts])


def _append_units(
    contents: IndexContents, pending: _Pending, embed: Embed, input_format: str
) -> None:
    base = len(contents.units)
    rows = np.zeros(len(pending.units), dtype=layout.UNIT_DTYPE)
    post_parts = []
    structure_parts = []
    for i, (file_id, au) in enumerate(pending.units):
        ev, span = au.evidence, au.unit.span
        rows[i] = (
            file_id,
            span.start_line,
            span.end_line,
            ev.n_tokens,
            len(ev.hashes),
            int.from_bytes(ev.digest[:8], "little"),
        )
        part = np.zeros(len(ev.hashes), dtype=layout.POSTING_DTYPE)
        part["hash"] = ev.hashes
        part["unit"] = base + i
        part["tok"] = ev.token_pos
        part["line0"] = np.clip(ev.start_lines - span.start_line, 0, 65535)
        part["line1"] = np.clip(ev.end_lines - span.start_line, 0, 65535)
        post_parts.append(part)
        structure = np.zeros(len(ev.structure), dtype=layout.STRUCTURE_POSTING_DTYPE)
        structure["hash"] = ev.structure
        structure["unit"] = base + i
        structure_parts.append(structure)
    vectors = embed([au.encoder_input(input_format) for _, au in pending.units])
    contents.units = np.concatenate([contents.units, rows])
    contents.unit_names.extend(au.unit.name for _, au in pending.units)
    contents.postings = np.concatenate([contents.postings, *post_parts])
    contents.structure_postings = np.concatenate([contents.structure_postings, *structure_parts])
    contents.vectors = np.concatenate([contents.vectors.astype(np.float32), vectors])

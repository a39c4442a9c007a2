"""`ipscan index build`: read sources, parse, fingerprint, embed, and write a new generation."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.parallel import analyze_entries
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index import layout
from ipscan.index.compat import EncoderLike
from ipscan.index.compat import check_encoder
from ipscan.index.compat import encoder_info
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import collect_old_generations
from ipscan.index.store import write_index
from ipscan.index.store import writer_lock
from ipscan.licensing import file_license
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.headers import HEADER_LINES
from ipscan.progress import Advance
from ipscan.progress import Meter
from ipscan.progress import meter as quiet_meter
from ipscan.sources import SourceEntry
from ipscan.sources import open_source

# A file's own copyright statements are read from its header: the first lines.

Progress = Callable[[str], None]
Embed = Callable[[list[str]], np.ndarray]


@dataclass
class BuildSummary:
    """What a build did, for the CLI to print."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    units_added: int = 0
    files_added: int = 0
    total_units: int = 0
    index_dir: str = ""


@dataclass
class _Pending:
    files: list[dict[str, object]] = field(default_factory=list)
    units: list[tuple[int, AnalyzedUnit]] = field(default_factory=list)
    file_evidence: list[tuple[int, FileEvidence]] = field(default_factory=list)


def build_index(
    specs: Sequence[str],
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
) -> BuildSummary:
    """Add each source in ``specs`` to the index at ``index_dir`` (created when missing).

    Sources already in the index (same content digest) are skipped, and units already there are
    kept with their vectors, so extending an index never re-embeds what it holds. ``include`` and
    ``exclude`` are glob patterns over paths inside a source (``*`` crosses folders). ``origin``
    is recorded instead of each source's own path (the default index names the registry file,
    not where the build downloaded it). ``jobs``: processes that parse (None: every core).
    ``meter`` counts the files of each source as they are read and parsed.
    """
    say = progress or (lambda _msg: None)
    count = meter or quiet_meter(False)
    summary = BuildSummary(index_dir=str(index_dir))
    with writer_lock(index_dir):
        if (index_dir / layout.CURRENT).exists():
            # Closed before writing: a generation this build still read could not be removed.
            with IndexReader(index_dir, verify=True) as reader:
                check_encoder(reader.encoder_info, encoder, index_dir)
                contents = reader.contents()
        else:
            contents = IndexContents(encoder=encoder_info(encoder))
            contents.vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        known = {s.get("digest") for s in contents.sources}
        pending = _Pending()
        for spec in specs:
            with open_source(spec, rev=rev) as (info, entries):
                if origin is not None:  # where it came from, not a temporary download path
                    info = dataclasses.replace(info, origin=origin)
                label = f"{info.name} {info.version}"
                if info.digest in known:
                    summary.skipped.append(f"{label} (already indexed)")
                    continue
                known.add(info.digest)
                source_id = len(contents.sources)
                before = len(pending.units)
                wanted = (e for e in entries if _selected(e.path, include, exclude))
                with count(f"parsing {label}") as advance:
                    _read_source(
                        source_id,
                        info.default_license_for,
                        wanted,
                        pending,
                        len(contents.files),
                        jobs,
                        advance,
                    )
                n_units = len(pending.units) - before
                contents.sources.append({**info.stored(), "units": n_units})
                summary.added.append(f"{label} [{info.license}]: {n_units} units")
                say(f"read {label}: {n_units} units")
        contents.files.extend(pending.files)
        if pending.units:
            _append_units(contents, pending, embed, encoder.input_format)
        _append_file_evidence(contents, pending.file_evidence)
        summary.units_added = len(pending.units)
        summary.files_added = len(pending.files)
        summary.total_units = len(contents.units)
        if summary.added or not (index_dir / layout.CURRENT).exists():
            write_index(index_dir, contents)
        else:  # nothing new, but old generations whose readers have gone can go now
            collect_old_generations(index_dir)
    return summary


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
) -> None:
    for path, analyzed in analyze_entries(((e.path, e.data) for e in entries), jobs):
        advance(1)
        # Not code, passed over by the gate, or too small to be evidence: nothing to record.
        if not isinstance(analyzed, AnalyzedFile):
            continue
        has_raw = analyzed.raw.text_is_evidence or analyzed.raw.is_small_text
        if not analyzed.units and not has_raw:
            continue
        text = analyzed.file.text
        file_id = file_base + len(pending.files)
        record: dict[str, object] = {
            "path": path,
            "source": source_id,
            "license": file_license(text, default_license(path)),
        }
        statements = copyright_statements(text, max_lines=HEADER_LINES)
        if statements:
            record["copyright"] = list(statements)
        pending.files.append(record)
        pending.units.extend((file_id, au) for au in analyzed.units)
        if has_raw:
            pending.file_evidence.append((file_id, analyzed.raw))


def _append_file_evidence(
    contents: IndexContents, evidence: Sequence[tuple[int, FileEvidence]]
) -> None:
    """The new files' digests and raw-token fingerprints (the verbatim channel)."""
    if not evidence:
        return
    keys = np.zeros(len(evidence), dtype=layout.FILE_KEY_DTYPE)
    parts = []
    for i, (file_id, ev) in enumerate(evidence):
        keys[i] = (file_id, ev.n_tokens, ev.n_lines, ev.text_digest, ev.code_digest)
        part = np.zeros(len(ev.hashes), dtype=layout.FILE_POSTING_DTYPE)
        part["hash"] = ev.hashes
        part["file"] = file_id
        part["tok"] = ev.token_pos
        part["line0"] = ev.start_lines
        part["line1"] = ev.end_lines
        parts.append(part)
    contents.file_keys = np.concatenate([contents.file_keys, keys])
    contents.file_postings = np.concatenate([contents.file_postings, *parts])


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

"""Labeled candidate pairs from real code, for the verdict classifier.

An index is built from installed packages (``index_dists``); their functions are rewritten at
every level of ``rewrites.LEVELS`` into scanned files, and files of other installed packages
(``negative_specs``: ``dist`` or ``dist:glob``) are scanned beside them. Every candidate pair the
matchers propose becomes one row of features: positive when the indexed unit lies in the file
and lines the rewrite came from, negative otherwise (nearest non-copies, look-alike idioms and
boilerplate of unrelated code). A pair whose indexed unit is an exact twin (same normalized
digest) of the true origin is left out: which twin was copied cannot be known; so are pairs
too short to be claimed (``ipscan.decide.verdict.claimable``).
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import random
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from ipscan.decide.verdict import claimable
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.analyze import analyze_bytes
from ipscan.index.build import build_index
from ipscan.index.reader import IndexReader
from ipscan.scan import ScanOptions
from ipscan.scan import candidate_pairs
from ipscan.training.installed import make_sdist
from ipscan.training.installed import package_modules
from ipscan.training.rewrites import LEVELS
from ipscan.training.rewrites import functions
from ipscan.training.rewrites import rewrite

if TYPE_CHECKING:
    from ipscan.encoder import Encoder

Say = Callable[[str], None]


@dataclass(frozen=True)
class Truth:
    """Where a scanned positive file came from."""

    level: str
    source_path: str  # path inside the indexed source (``src/<module>``)
    start_line: int
    end_line: int


@dataclass
class PairData:
    """Feature rows (evidence dictionaries) with labels and where each came from."""

    rows: list[dict[str, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # scanned file of each row
    levels: list[str] = field(default_factory=list)  # rewrite level, or "negative"
    queries: list[str] = field(default_factory=list)  # the scanned unit of each row

    def extend(self, other: PairData) -> None:
        """Append ``other``'s rows."""
        self.rows += other.rows
        self.labels += other.labels
        self.files += other.files
        self.levels += other.levels
        self.queries += other.queries


def _read(dist: str, module: str) -> str:
    path = Path(str(importlib.metadata.distribution(dist).locate_file(module)))
    return path.read_text(encoding="utf-8", errors="replace")


def make_corpus(
    work: Path,
    index_dists: Sequence[str],
    negative_specs: Sequence[str],
    per_level: int,
    seed: int,
    encoder: Encoder,
    say: Say = lambda _m: None,
) -> tuple[Path, dict[str, str], dict[str, Truth]]:
    """Build the index and write the scanned files; returns (index, scanned texts, truth)."""
    rng = random.Random(seed)
    archives = []
    sources: dict[str, str] = {}
    for dist in index_dists:
        mods = package_modules(dist)
        archives.append(make_sdist(work, dist, mods))
        for m in mods:
            sources[f"src/{m}"] = _read(dist, m)
    index_dir = work / "index"
    summary = build_index([str(a) for a in archives], index_dir, encoder, encoder.encode)
    say(f"index: {summary.total_units} units of {len(index_dists)} packages")
    scanned: dict[str, str] = {}
    truth: dict[str, Truth] = {}
    pool = [(path, fn) for path, text in sources.items() for fn in functions(text)]
    rng.shuffle(pool)
    made = dict.fromkeys(LEVELS, 0)
    for path, fn in pool:
        for level in LEVELS:
            if made[level] >= per_level:
                continue
            out = rewrite(sources[path], fn, level, rng)
            if out is None:
                continue
            name = f"pos/{level}/{made[level]:04d}.py"
            made[level] += 1
            scanned[name] = out[0]
            truth[name] = Truth(level, path, out[1], out[2])
        if all(n >= per_level for n in made.values()):
            break
    for spec in negative_specs:
        dist, _, pattern = spec.partition(":")
        for m in package_modules(dist):
            if not pattern or fnmatch.fnmatchcase(m, pattern):
                scanned[f"neg/{dist}/{m}"] = _read(dist, m)
    say(f"scanned files: {len(truth)} rewritten, {len(scanned) - len(truth)} unrelated")
    return index_dir, scanned, truth


def label_pairs(
    index_dir: Path, scanned: dict[str, str], truth: dict[str, Truth], embeddings: bool = True
) -> PairData:
    """Every candidate pair of the scanned files, with its features and label."""
    reader = IndexReader(index_dir)
    files = reader.files
    queries: list[AnalyzedUnit] = []
    for path, text in scanned.items():
        # Every scanned name ends in .py (rewritten files and package_modules' .py files), so
        # this reads Python, as a scan of the same files would.
        analyzed = analyze_bytes(path, text.encode("utf-8"))
        if isinstance(analyzed, AnalyzedFile):
            queries.extend(analyzed.units)
    pairs = candidate_pairs(
        queries, reader, ScanOptions(index_dir=index_dir, embeddings=embeddings)
    )
    units = reader.units
    origin_digests: dict[str, set[int]] = {}
    for p in pairs:
        t = truth.get(queries[p.query].unit.path)
        if t is not None and _is_origin(units[p.unit_id], files, t):
            origin_digests.setdefault(queries[p.query].unit.path, set()).add(
                int(units[p.unit_id]["digest"])
            )
    data = PairData()
    for p in pairs:
        path = queries[p.query].unit.path
        t = truth.get(path)
        row = units[p.unit_id]
        positive = t is not None and _is_origin(row, files, t)
        if not positive and int(row["digest"]) in origin_digests.get(path, set()):
            continue  # an exact twin of the true origin
        if not claimable(p.evidence):
            continue  # never judged a copy (ipscan.decide.verdict.claimable), so not learned
        data.rows.append(p.evidence.features())
        data.labels.append(int(positive))
        data.files.append(path)
        data.levels.append(t.level if t is not None else "negative")
        span = queries[p.query].unit.span
        data.queries.append(f"{path}:{span.start_line}-{span.end_line}")
    return data


def _is_origin(row: np.void, files: Sequence[dict[str, Any]], t: Truth) -> bool:
    file = files[int(row["file"])]
    return (
        file["path"] == t.source_path
        and int(row["start_line"]) <= t.end_line
        and int(row["end_line"]) >= t.start_line
    )

"""Small files of short copied units, claimed beside copies from the same package.

A unit under ``MIN_CLAIM_TOKENS`` is never claimed alone: ``function bindFn(fn, context)``
returning ``fn.apply(context, arguments)`` is written again as often as it is copied. A fork
that splits its upstream's helpers into one small module each (a ``utils/bind-fn.js`` of that
one function) leaves nothing longer to claim, so each such file would go unreported in a tree
whose every other file is the upstream's. Here the short copies (``supporting`` findings the
classifier accepted) are claimed when they are most of their file's code (``FILE_COVERAGE``:
the file is the copied function, not a program that holds it among its own code), each keeps
the name of the unit it matches (a short function has twins under other names, and which of
them it came from is a guess otherwise), and the file's folder, or the folder above it, is
mostly that package version's code: at least half of the files claimed there are claimed from
it (a fork, a vendored tree), not a folder of snippets from many packages.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ipscan.extract.analyze import AnalyzedFile
from ipscan.records import Finding
from ipscan.records import Reason
from ipscan.records import Verdict
from ipscan.tuning import FILE_COVERAGE


def _package(f: Finding) -> tuple[str, str]:
    return f.source.package, f.source.version


def _dominant(by_package: dict[tuple[str, str], set[str]]) -> set[tuple[str, str]]:
    """The packages that at least half of a folder's claimed files are claimed from: the folder
    is that package's code (a fork, a vendored tree), not a mix of snippets from many."""
    files = set().union(*by_package.values())
    return {pkg for pkg, paths in by_package.items() if 2 * len(paths) >= len(files)}


def _same_name(f: Finding) -> bool:
    mine, theirs = f.unit_name.rsplit(".", 1)[-1], f.source.unit_name.rsplit(".", 1)[-1]
    return bool(mine) and mine == theirs


def _code_lines(af: AnalyzedFile) -> set[int]:
    lines: set[int] = set()
    spans = af.code_spans or [(u.unit.span.start_line, u.unit.span.end_line) for u in af.units]
    for start, end in spans:
        lines.update(range(start, end + 1))
    return lines


def short_units_beside(
    supporting: Sequence[Finding], found: Sequence[Finding], files: Sequence[AnalyzedFile]
) -> list[Finding]:
    """The ``supporting`` findings on files that nothing else claims, whose short copies of units
    of their own name cover most of their file's code, and whose folder or parent folder is mostly
    claimed from the same package version; each with reason ``short-unit-beside-copies``."""
    claimed = {f.path for f in found if f.verdict is not Verdict.SIMILAR}
    files_from: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in found:
        if f.verdict is not Verdict.SIMILAR:
            files_from[posixpath.dirname(f.path)][_package(f)].add(f.path)
    packages_in = {folder: _dominant(by_package) for folder, by_package in files_from.items()}
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in supporting:
        if f.path not in claimed and f.verdict is not Verdict.SIMILAR:
            by_path[f.path].append(f)
    if not by_path:
        return []
    out: list[Finding] = []
    for af in files:
        mine = by_path.get(af.file.path)
        if not mine:
            continue
        folder = posixpath.dirname(af.file.path)
        near = packages_in.get(folder, set()) | packages_in.get(posixpath.dirname(folder), set())
        beside = [f for f in mine if _package(f) in near and _same_name(f)]
        code = _code_lines(af)
        covered = {n for f in beside for n in range(f.start_line, f.end_line + 1)} & code
        if not code or len(covered) < FILE_COVERAGE * len(code):
            continue
        out += [replace(f, reasons=(*f.reasons, Reason.SHORT_UNIT_BESIDE_COPIES)) for f in beside]
    return out

"""Parsing on every core gives the same evidence, in the same order, as parsing in one process."""

from __future__ import annotations

import dataclasses
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.extract.analyze import analyze_bytes
from ipscan.extract.analyze import analyze_file
from ipscan.extract.parallel import MIN_PARALLEL_BYTES
from ipscan.extract.parallel import analyze_entries
from ipscan.extract.parallel import analyze_files
from ipscan.extract.variants import with_plain_units
from ipscan.records import SkippedFile
from ipscan.records import SourceFile

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _stdlib_files(min_bytes: int) -> list[SourceFile]:
    files: list[SourceFile] = []
    total = 0
    for name in sorted(p.name for p in STDLIB.glob("*.py")):
        text = (STDLIB / name).read_text(encoding="utf-8")
        files.append(SourceFile(name, text, "python"))
        total += len(text)
        if total > min_bytes:
            break
    return files


def _plain(value: Any) -> Any:
    """A comparable form of analysis records (numpy arrays as lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            *(_plain(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def test_a_pool_of_two_gives_what_one_process_gives() -> None:
    files = _stdlib_files(2 * MIN_PARALLEL_BYTES)
    assert sum(len(f.text) for f in files) > MIN_PARALLEL_BYTES  # big enough to start workers
    pooled = list(analyze_files(files, jobs=2))
    assert _plain(pooled) == _plain([with_plain_units(analyze_file(f)) for f in files])
    # The plain forms of units whose control flow reads differently come back too.
    assert any(af.plain for af in pooled)


def test_entries_keep_their_paths_and_order_through_the_pool() -> None:
    files = _stdlib_files(2 * MIN_PARALLEL_BYTES)
    entries = [(f.path, f.text.encode()) for f in files]
    entries.append(("notes.txt", b"not code"))  # not a language: None, in its place
    got = list(analyze_entries(iter(entries), jobs=2))
    assert [path for path, _ in got] == [path for path, _ in entries]
    assert _plain([r for _, r in got]) == _plain([analyze_bytes(p, d) for p, d in entries])
    assert not any(isinstance(r, SkippedFile) for _, r in got)
    assert got[-1] == ("notes.txt", None)


def test_a_small_batch_stays_in_this_process() -> None:
    small = [SourceFile("a.py", "def f(x):\n    return x + 1\n", "python")]
    alone = with_plain_units(analyze_file(small[0]))
    assert _plain(list(analyze_files(small, jobs=4))) == _plain([alone])


def test_wanted_lines_keep_only_the_units_they_touch_in_both_paths() -> None:
    """The pre-commit hook's case: only the changed units are fingerprinted, every unit's lines
    still count towards the file, and the pool gives what one process gives."""
    files = _stdlib_files(2 * MIN_PARALLEL_BYTES)
    whole = [with_plain_units(analyze_file(f)) for f in files]
    lines: list[tuple[tuple[int, int], ...] | None] = []
    for af in whole:
        if len(af.units) < 3:
            lines.append(None)  # None: every unit, as before
            continue
        second = af.units[1].unit.span
        lines.append(((second.start_line, second.start_line), (10**6, 10**6)))
    for jobs in (1, 2):
        got = list(analyze_files(files, jobs=jobs, lines=lines))
        for af, full, wanted in zip(got, whole, lines, strict=True):
            assert af.code_spans == full.code_spans
            if wanted is None:
                assert _plain(af) == _plain(full)
                continue
            assert af.scan_lines == wanted
            touched = [
                u
                for u in full.units
                if u.unit.span.start_line <= wanted[0][0] <= u.unit.span.end_line
            ]
            assert _plain(af.units) == _plain(touched) and touched

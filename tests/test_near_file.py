"""Small files patched (``ipscan.match.near_file``): which pairs pass and which do not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ipscan.extract.line_sketch import code_count
from ipscan.extract.line_sketch import line_sketch
from ipscan.extract.raw_fingerprint import EMPTY
from ipscan.extract.raw_fingerprint import FileEvidence
from ipscan.index import layout
from ipscan.match.near_file import BESIDE_COPIES
from ipscan.match.near_file import near_files

NOTICE = [f"// Copyright line {i} of the Gauge notice" for i in range(6)]
CODE = [f"#include <gauge/part_{i}.h>" for i in range(6)]


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _sketch(name: str, lines: list[str]) -> np.ndarray:
    code = [n for n, line in enumerate(lines, start=1) if line.startswith("#")]
    return line_sketch(name, _text(lines), code)


def _rows(sketches: list[np.ndarray]) -> np.ndarray:
    parts = []
    for file_id, sketch in enumerate(sketches):
        rows = np.zeros(len(sketch), dtype=layout.FILE_LINE_DTYPE)
        rows["hash"], rows["file"] = sketch, file_id
        rows["n_lines"], rows["n_code"] = len(sketch), code_count(sketch)
        parts.append(rows)
    out = np.concatenate(parts)
    return out[np.argsort(out["hash"], kind="stable")]


def _query(name: str, lines: list[str]) -> FileEvidence:
    return replace(EMPTY, lines=_sketch(name, lines))


def test_one_line_changed_passes_and_shares_are_counted_on_the_larger_file() -> None:
    rows = _rows([_sketch("gauge.h", NOTICE + CODE)])
    patched = [*NOTICE[:5], "// Copyright line 5, year bumped", *CODE]
    [near] = near_files([_query("gauge.h", patched)], rows)
    assert (near.query, near.file_id, near.shared) == (0, 0, 11)
    assert near.share == 11 / 12


def test_a_shared_notice_over_other_code_does_not_pass() -> None:
    rows = _rows([_sketch("gauge.h", NOTICE + CODE)])
    other = NOTICE + [line.replace("gauge", "meter") for line in CODE]
    assert near_files([_query("gauge.h", other)], rows) == []


def test_a_part_of_a_larger_file_does_not_pass() -> None:
    rows = _rows([_sketch("gauge.h", NOTICE + CODE + [f"#define GAUGE_{i} {i}" for i in range(6)])])
    assert near_files([_query("gauge.h", NOTICE + CODE)], rows) == []


def test_another_name_or_a_skipped_query_is_not_looked_at() -> None:
    rows = _rows([_sketch("gauge.h", NOTICE + CODE)])
    assert near_files([_query("meter.h", NOTICE + CODE)], rows) == []
    assert near_files([_query("gauge.h", NOTICE + CODE)], rows, skip={0}) == []


def test_beside_copies_an_older_copy_that_is_half_of_a_grown_file_passes() -> None:
    # Upstream grew by a third since the copy was made: the copy is not half of the larger
    # file, but half of its own lines are upstream's.
    grown = NOTICE + CODE + [f"#define GAUGE_{i} {i}" for i in range(8)]
    rows = _rows([_sketch("gauge.h", grown)])
    older = NOTICE[:3] + CODE[:4] + ["#include <gauge/legacy.h>", "#define GAUGE_OLD 1"]
    assert near_files([_query("gauge.h", older)], rows) == []
    [near] = near_files([_query("gauge.h", older)], rows, rule=BESIDE_COPIES)
    assert (near.shared, near.share) == (7, 7 / 20)


def test_beside_copies_a_few_lines_of_a_large_file_do_not_pass() -> None:
    large = NOTICE + CODE + [f"#define GAUGE_{i} {i}" for i in range(20)]
    rows = _rows([_sketch("gauge.h", large)])
    few = NOTICE[:2] + CODE[:3] + ["#include <gauge/legacy.h>"]
    assert near_files([_query("gauge.h", few)], rows, rule=BESIDE_COPIES) == []

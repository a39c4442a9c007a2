"""A small file's line sketch (``ipscan.extract.line_sketch``): its lines under its name."""

from __future__ import annotations

from ipscan.extract.line_sketch import code_count
from ipscan.extract.line_sketch import line_sketch
from ipscan.tuning import MAX_SKETCH_LINES

HEADER = """\
/* Gauge: a small C library (written for this test).
 * Copyright (c) 2021 Gauge Authors.
 */
#ifndef GAUGE_H
#define GAUGE_H
#include <gauge/read.h>
#include <gauge/write.h>
#endif
"""
CODE_LINES = (4, 5, 6, 7, 8)


def test_blanks_and_short_lines_do_not_count() -> None:
    sketch = line_sketch("include/gauge.h", HEADER, CODE_LINES)
    # " */" and "#endif" are too short to tell files apart; the other six lines count.
    assert len(sketch) == 6
    assert code_count(sketch) == 4
    reindented = HEADER.replace("#include ", "#  include   ").replace("\n", "  \r\n")
    assert list(line_sketch("gauge.h", reindented, CODE_LINES)) == list(sketch)


def test_a_line_counts_under_its_file_name_and_as_code_or_not() -> None:
    sketch = line_sketch("gauge.h", HEADER, CODE_LINES)
    assert set(sketch).isdisjoint(line_sketch("other.h", HEADER, CODE_LINES))
    as_comments = line_sketch("gauge.h", HEADER, ())
    assert code_count(as_comments) == 0
    assert len(set(sketch) & set(as_comments)) == 2  # the two notice lines


def test_a_big_file_or_a_nameless_one_has_no_sketch() -> None:
    big = "".join(f"value_{i} = {i} * {i}\n" for i in range(MAX_SKETCH_LINES + 1))
    assert len(line_sketch("table.py", big, range(1, MAX_SKETCH_LINES + 2))) == 0
    assert len(line_sketch("table.py", big * 3, ())) == 0
    fits = "".join(f"value_{i} = {i} * {i}\n" for i in range(MAX_SKETCH_LINES))
    assert len(line_sketch("table.py", fits * 2, ())) == MAX_SKETCH_LINES  # repeats once
    assert len(line_sketch("", HEADER, CODE_LINES)) == 0

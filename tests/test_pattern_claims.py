"""An indexed unit that many scanned units are each partly like is a pattern of the scanned
project, not a copy it made (``PATTERN_CLAIMS``): libarchive's ``qsort`` comparators all open
with the two casts one of SQLite's does. On a real index built in the run; the library and the
comparators were written for this test."""

from __future__ import annotations

from pathlib import Path

from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.tuning import PATTERN_CLAIMS
from tests.conftest import mit_index
from tests.conftest import write_files

ROWS = """\
#include <stdlib.h>

struct scored_row {
  const char *word;
  int score;
};

/* Sort rows by increasing score for qsort(). */
static int scored_row_compare(const void *left, const void *right){
  const struct scored_row *a = (const struct scored_row*)left;
  const struct scored_row *b = (const struct scored_row*)right;
  return a->score - b->score;
}

void sort_rows(struct scored_row *rows, size_t n){
  qsort(rows, n, sizeof(rows[0]), scored_row_compare);
}
"""
# One project's comparators: its own structures and fields, the same two casts each time.
RECORDS = ["file_entry", "tree_node", "archive_item", "dir_record", "hash_slot", "link_ref"]
FIELDS = ["path", "key", "name", "label", "ident", "target"]


def _comparator(record: str, field: str) -> str:
    return (
        f'#include <string.h>\n#include "{record}.h"\n\n'
        f"static int\n{record}_cmp_node(const struct rb_node *n1,\n"
        "    const struct rb_node *n2)\n{\n"
        f"\tconst struct {record} *e1 = (const struct {record} *)n1;\n"
        f"\tconst struct {record} *e2 = (const struct {record} *)n2;\n\n"
        f"\treturn (strcmp(e1->{field}, e2->{field}));\n}}\n"
    )


def _claims(root: Path, index: Path, n: int) -> list[tuple[str, Verdict]]:
    project = root / f"project{n}"
    write_files(
        project, {f"{r}.c": _comparator(r, f) for r, f in zip(RECORDS[:n], FIELDS, strict=False)}
    )
    report = scan_repo(project, ScanOptions(index_dir=index))
    return [(f.path, f.verdict) for f in report.findings]


def test_a_pattern_the_project_repeats_is_no_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    index = mit_index(tmp_path / "rows", {"rows.c": ROWS}, encoder)
    # One comparator that opens like the library's is claimed as a modified copy of it ...
    assert _claims(tmp_path, index, 1) == [("file_entry.c", Verdict.MODIFIED_COPY)]
    # ... but when the project writes that opening again and again, none of them is.
    assert len(RECORDS) >= PATTERN_CLAIMS
    assert _claims(tmp_path, index, len(RECORDS)) == []

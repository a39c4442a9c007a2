"""A unit of filler (few distinct fingerprints: a table, a contest program's ``main`` of near-
identical lines) is claimed only with other code copied from its source file: beside it, and
since 2026-12-05 anywhere in the scanned file, where the code between them was rewritten or the
methods moved. Alone it is still no copy. On a real index built in the run; the code was written
for this test."""

from __future__ import annotations

from pathlib import Path

from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import mit_index
from tests.conftest import write_files

READ = """\
    static int[] readInts() throws IOException {
        String[] parts = reader.readLine().trim().split(" ");
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Integer.parseInt(parts[i]);
        }
        return values;
    }
"""
COUNT = """\
    static int countOnes(char[] row, int from) {
        int ones = 0;
        for (int k = from; k < row.length; k++) {
            if (row[k] == '1') {
                ones++;
            }
        }
        return ones;
    }
"""
# The helper rewritten: its loop a while loop, its test negated.
COUNT_REWRITTEN = """\
    static int countOnes(char[] row, int from) {
        int ones = 0;
        int k = from;
        while (k < row.length) {
            if (row[k] != '1') {
                k++;
                continue;
            }
            ones++;
            k++;
        }
        return ones;
    }
"""
CORNERS = [(0, 0, 1, 0), (0, 0, 0, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 0, 1), (1, 0, 0, 0)]
MOVES = "\n".join(
    f'                moves.add((r+{a + 1})+" "+(c+{b + 1})+" "+(r+{x + 1})+" "+(c+{y + s}));'
    for a, b, x, y in CORNERS
    for s in (1, 2, 1, 2, 1)
)
MAIN = f"""\
    public static void main(String[] args) throws IOException {{
        reader = new BufferedReader(new InputStreamReader(System.in));
        int[] size = readInts();
        List<String> moves = new ArrayList<>();
        for (int r = 0; r + 1 < size[0]; r++) {{
            for (int c = 0; c + 1 < size[1]; c++) {{
{MOVES}
            }}
        }}
        System.out.println(moves.size());
        System.out.println(String.join("\\n", moves));
    }}
"""
# The copy's main: its names changed, so that no raw-token run is left, only the shape.
MAIN_RENAMED = (
    MAIN.replace("moves", "steps")
    .replace("size", "dims")
    .replace("(r+", "(row+")
    .replace("(c+", "(col+")
    .replace("int r ", "int row ")
    .replace("int c ", "int col ")
    .replace("r + 1 < dims", "row + 1 < dims")
    .replace("r++", "row++")
    .replace("c + 1 < dims", "col + 1 < dims")
    .replace("c++", "col++")
)
HEAD = "import java.io.*;\nimport java.util.*;\n\npublic class Moves {\n"
FIELD = "    static BufferedReader reader;\n\n"


def _program(*members: str) -> str:
    return HEAD + FIELD + "\n".join(members) + "}\n"


def _moves_line(text: str) -> int:
    """The line of the first of main's moves."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if "steps.add(" in line)


def _claimed_lines(tmp_path: Path, index: Path, name: str, text: str) -> set[int]:
    repo = write_files(tmp_path / name, {"Moves.java": text})
    report = scan_repo(repo, ScanOptions(index_dir=index))
    lines: set[int] = set()
    for f in report.findings:
        if f.verdict is not Verdict.SIMILAR and f.scope.value == "unit":
            lines.update(range(f.start_line, f.end_line + 1))
    return lines


def test_filler_copied_with_its_file_counts_where_the_code_between_changed(
    tmp_path: Path,
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    index = mit_index(tmp_path / "up", {"Moves.java": _program(READ, COUNT, MAIN)}, encoder)
    copied = _program(READ, COUNT_REWRITTEN, MAIN_RENAMED)
    assert _moves_line(copied) in _claimed_lines(tmp_path, index, "rewritten", copied)
    # The methods moved: main first.
    moved = _program(MAIN_RENAMED, COUNT_REWRITTEN, READ)
    assert _moves_line(moved) in _claimed_lines(tmp_path, index, "moved", moved)
    # Alone, the filler is no copy.
    assert _claimed_lines(tmp_path, index, "alone", _program(MAIN_RENAMED)) == set()

"""Short units that many indexed units share word for word (a fast input reader contestants
take from one public template) are stock idioms: claimed only beside a copy, never alone. On a
real index built in the run; the reader and the solutions were written for this test."""

from __future__ import annotations

from pathlib import Path

from ipscan.index.build import build_index
from ipscan.records import Matcher
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.tuning import COMMON_FANOUT

READER = """\
    static class Input {
        private final BufferedReader SRC = new BufferedReader(new InputStreamReader(System.in));
        private StringTokenizer TOK = null;

        String word() {
            while (TOK == null || !TOK.hasMoreTokens()) {
                try {
                    TOK = new StringTokenizer(SRC.readLine());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return TOK.nextToken();
        }
    }
"""
# Each contestant's own names in the template and in the same few lines of main: the template's
# methods are the same in normalized form only (a raw-token region would be another matter).
NAMES = ["values", "arr", "a", "nums", "input"]
READERS = [("br", "st"), ("in", "tok"), ("reader", "tokens"), ("r", "t"), ("source", "words")]
SOLUTIONS = [
    """\
    static long solve(long[] xs) {
        long best = 0, run = 0;
        for (long x : xs) {
            run = Math.max(x, run + x);
            best = Math.max(best, run);
        }
        return best;
    }
""",
    """\
    static long solve(long[] xs) {
        java.util.Arrays.sort(xs);
        long total = 0;
        for (int i = 0; i < xs.length; i += 2) {
            total += xs[i] * (i + 1) - xs.length / 3;
        }
        return total % 1_000_000_007L;
    }
""",
    """\
    static long solve(long[] xs) {
        java.util.HashMap<Long, Integer> seen = new java.util.HashMap<>();
        long pairs = 0;
        for (long x : xs) {
            pairs += seen.getOrDefault(-x, 0);
            seen.merge(x, 1, Integer::sum);
        }
        return pairs;
    }
""",
    """\
    static long solve(long[] xs) {
        long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE;
        for (long x : xs) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return (hi - lo) * (xs.length - 1) + (lo ^ hi) % 7;
    }
""",
    """\
    static long solve(long[] xs) {
        long answer = 1;
        int streak = 1;
        for (int i = 1; i < xs.length; i++) {
            streak = xs[i] > xs[i - 1] ? streak + 1 : 1;
            answer = Math.max(answer, (long) streak * streak);
        }
        return answer;
    }
""",
]
MAIN = """\
    public static void main(String[] args) throws IOException {
        Input in = new Input();
        int n = Integer.parseInt(in.word());
        long[] NAME = new long[n];
        for (int i = 0; i < n; i++) {
            NAME[i] = Long.parseLong(in.word());
        }
        System.out.println(solve(NAME));
    }
"""


def _program(i: int) -> str:
    head = "import java.io.*;\nimport java.util.*;\n\npublic class Main {\n"
    reader = READER.replace("SRC", READERS[i][0]).replace("TOK", READERS[i][1])
    return f"{head}{reader}\n{SOLUTIONS[i]}\n{MAIN.replace('NAME', NAMES[i])}}}\n"


def _claims(tmp_path: Path, index: Path, text: str) -> list[tuple[str, int, int]]:
    """The claims of the unit matchers on ``text`` (raw-token regions have their own cut for
    boilerplate: ``MAX_FILE_FANOUT`` indexed files)."""
    scanned = tmp_path / "scan"
    scanned.mkdir(exist_ok=True)
    (scanned / "Main.java").write_text(text, encoding="utf-8")
    report = scan_repo(scanned, ScanOptions(index_dir=index))
    return [
        (f.source.path, f.start_line, f.end_line)
        for f in report.findings
        if f.verdict is not Verdict.SIMILAR
        and f.scope is Scope.UNIT
        and Matcher.VERBATIM not in f.matchers
    ]


def test_a_stock_reader_alone_is_no_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    contest = tmp_path / "contest"
    for i in range(4):
        (contest / f"c{i}").mkdir(parents=True)
        (contest / f"c{i}" / "Main.java").write_text(_program(i), encoding="utf-8")
    assert COMMON_FANOUT <= 4
    index = tmp_path / "idx"
    build_index([str(contest)], index, encoder, encoder.encode)
    # The reader and main (in four indexed programs) with a solution of one's own: no claim.
    assert _claims(tmp_path, index, _program(4)) == []
    # A whole program copied is still that program: the file, reader and all, and its solution.
    (tmp_path / "scan" / "Main.java").write_text(_program(1), encoding="utf-8")
    report = scan_repo(tmp_path / "scan", ScanOptions(index_dir=index))
    claimed = {(f.source.path, f.scope, f.start_line) for f in report.findings}
    assert ("c1/Main.java", Scope.FILE, 1) in claimed
    assert _claims(tmp_path, index, _program(1)) == [("c1/Main.java", 21, 28)]


def test_a_short_unit_rare_in_the_index_is_still_claimed(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    # The same reader in one indexed program only is no idiom there: copied alone, it is a copy.
    contest = tmp_path / "contest"
    (contest / "c0").mkdir(parents=True)
    (contest / "c0" / "Main.java").write_text(_program(0), encoding="utf-8")
    index = tmp_path / "idx"
    build_index([str(contest)], index, encoder, encoder.encode)
    claims = _claims(tmp_path, index, _program(4))
    assert claims
    assert {path for path, _, _ in claims} == {"c0/Main.java"}

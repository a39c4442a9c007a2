"""``--base-code``: code every submission was given is never evidence of copying, on real
indexes of submissions built in the run (the starter file and solutions were written for
these tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipscan.extract.base_code import load_base_code
from ipscan.extract.base_code import without_base
from ipscan.extract.parallel import analyze_files
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.index.build import build_index
from ipscan.records import SourceFile
from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import run_cli

STARTER = """\
import java.io.*;
import java.util.*;

public class Main {
    static BufferedReader reader = new BufferedReader(new InputStreamReader(System.in));
    static StringTokenizer tokens = new StringTokenizer("");

    static String next() throws IOException {
        while (!tokens.hasMoreTokens()) {
            tokens = new StringTokenizer(reader.readLine());
        }
        return tokens.nextToken();
    }

    static int nextInt() throws IOException {
        return Integer.parseInt(next());
    }

    static long[] readLongs(int count) throws IOException {
        long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            values[i] = Long.parseLong(next());
        }
        return values;
    }

    static void printAll(long[] values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(values[i]);
        }
        System.out.println(out);
    }

    // TODO: solve the task here.
    static long[] solve(long[] values) {
        return values;
    }

    public static void main(String[] args) throws IOException {
        int n = nextInt();
        long[] values = readLongs(n);
        printAll(solve(values));
    }
}
"""
TODO = """\
    // TODO: solve the task here.
    static long[] solve(long[] values) {
        return values;
    }
"""
# Alice's solution; Bob's is hers with the names changed; Carol and Dave wrote their own.
SOLUTIONS = {
    "alice": """\
    static long[] solve(long[] values) {
        long[] prefix = new long[values.length];
        long running = 0;
        for (int i = 0; i < values.length; i++) {
            running += values[i];
            prefix[i] = running;
        }
        long best = Long.MIN_VALUE;
        for (int i = 0; i < prefix.length; i++) {
            if (prefix[i] > best) {
                best = prefix[i];
            }
        }
        for (int i = 0; i < prefix.length; i++) {
            prefix[i] = best - prefix[i];
        }
        return prefix;
    }
""",
    "bob": """\
    static long[] solve(long[] values) {
        long[] sums = new long[values.length];
        long acc = 0;
        for (int k = 0; k < values.length; k++) {
            acc += values[k];
            sums[k] = acc;
        }
        long top = Long.MIN_VALUE;
        for (int k = 0; k < sums.length; k++) {
            if (sums[k] > top) {
                top = sums[k];
            }
        }
        for (int k = 0; k < sums.length; k++) {
            sums[k] = top - sums[k];
        }
        return sums;
    }
""",
    "carol": """\
    static long[] solve(long[] values) {
        Deque<Long> stack = new ArrayDeque<>();
        long[] answer = new long[values.length];
        for (int i = values.length - 1; i >= 0; i--) {
            while (!stack.isEmpty() && stack.peek() <= values[i]) {
                stack.pop();
            }
            answer[i] = stack.isEmpty() ? -1 : stack.peek();
            stack.push(values[i]);
        }
        return answer;
    }
""",
    "dave": """\
    static long[] solve(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        long[] ranks = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            int lo = 0, hi = sorted.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (sorted[mid] < values[i]) lo = mid + 1; else hi = mid;
            }
            ranks[i] = lo;
        }
        return ranks;
    }
""",
}


def _class(tmp_path: Path, solutions: dict[str, str]) -> tuple[Path, Path]:
    """The starter folder and a folder of submissions, one folder each."""
    starter = tmp_path / "starter"
    starter.mkdir()
    (starter / "Main.java").write_text(STARTER, encoding="utf-8")
    subs = tmp_path / "subs"
    for who, solution in solutions.items():
        (subs / who).mkdir(parents=True)
        (subs / who / "Main.java").write_text(STARTER.replace(TODO, solution), encoding="utf-8")
    return starter, subs


def _pairs(subs: Path, index: Path, base: tuple[Path, ...]) -> set[tuple[str, str]]:
    """(scanned submission, named submission) of every claim, all against all."""
    report = scan_repo(subs, ScanOptions(index_dir=index, every_source=True, base_code=base))
    return {
        (f.path.split("/")[0], ref.path.split("/")[0])
        for f in report.findings
        if f.verdict is not Verdict.SIMILAR
        for ref in (f.source, *f.also_in)
    }


def test_starter_code_is_no_evidence(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    # ... and a solution one student copied from another still is.
    starter, subs = _class(tmp_path, SOLUTIONS)
    index = tmp_path / "idx"
    build_index([str(subs)], index, encoder, encoder.encode)
    # Four submissions are below the 10 that make a passage common: the starter code makes a
    # copy of every pair.
    assert len(_pairs(subs, index, ())) == 12
    assert _pairs(subs, index, (starter,)) == {("alice", "bob"), ("bob", "alice")}
    # The starter file named as a file works as the folder does.
    assert _pairs(subs, index, (starter / "Main.java",)) == {("alice", "bob"), ("bob", "alice")}


def test_untouched_starter_submissions(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    # Two students who handed in the starter as it was did not copy each other.
    starter, subs = _class(tmp_path, {"erin": TODO, "frank": TODO, "alice": SOLUTIONS["alice"]})
    index = tmp_path / "idx"
    build_index([str(subs)], index, encoder, encoder.encode)
    assert ("erin", "frank") in _pairs(subs, index, ())
    assert _pairs(subs, index, (starter,)) == set()


def test_what_is_taken_out_of_a_scanned_file(tmp_path: Path) -> None:
    starter, subs = _class(tmp_path, {"alice": SOLUTIONS["alice"]})
    base = load_base_code((starter,), RAW_SCHEME)
    text = (subs / "alice" / "Main.java").read_text(encoding="utf-8")
    [before] = analyze_files([SourceFile("alice/Main.java", text, "java")], jobs=1)
    [after] = without_base([before], base)
    # The starter's methods are gone whole; only the solution is left, with its fingerprints.
    assert [au.unit.name for au in before.units] != [au.unit.name for au in after.units]
    assert [au.unit.name for au in after.units] == ["Main.solve"]
    solve = next(au for au in before.units if au.unit.name == "Main.solve").evidence.hashes
    own = [h for h in solve.tolist() if h not in set(base.unit_fps.tolist())]
    assert after.units[0].evidence.hashes.tolist() == own
    assert len(own) > len(solve) * 0.9  # a loop header or two is the starter's too
    assert 0 < len(after.raw.hashes) < len(before.raw.hashes)
    assert not set(after.raw.hashes.tolist()) & set(base.raw.tolist())


def test_a_missing_base_code_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.py").write_text("x = 1\n", encoding="utf-8")
    done = run_cli("repo", str(tmp_path / "app"), "--base-code", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "nope" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["Main.java", "Other.java"])
def test_base_lines_leave_a_small_files_sketch_under_any_name(tmp_path: Path, name: str) -> None:
    starter = tmp_path / "starter"
    starter.mkdir()
    (starter / "Main.java").write_text(STARTER, encoding="utf-8")
    base = load_base_code((starter,), RAW_SCHEME)
    text = "public class Main {\n    static int answer = 42;\n" + STARTER.split("\n", 4)[4]
    [af] = analyze_files([SourceFile(f"s/{name}", text, "java")], jobs=1)
    [after] = without_base([af], base)
    assert len(after.raw.lines) < len(af.raw.lines)

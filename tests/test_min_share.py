"""``--min-share``: a plagiarism check's bar. A submission is reported against another only where
that one explains a good part of its code, not for the stock input reader every solution of a
task carries; on a real index built in the run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ipscan.records import Report
from ipscan.records import Scope
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.tuning import FILE_COVERAGE
from tests.conftest import init_repo
from tests.conftest import run_cli

# Contest-style programs written for this test. Every one opens with the same reader class, as
# contestants copy one from a public page.
READER = """\
import java.io.*;
import java.util.*;

public class {cls} {{
    static class FastReader {{
        BufferedReader br;
        StringTokenizer st;

        FastReader() {{
            br = new BufferedReader(new InputStreamReader(System.in));
        }}

        String next() {{
            while (st == null || !st.hasMoreElements()) {{
                try {{
                    st = new StringTokenizer(br.readLine());
                }} catch (IOException e) {{
                    e.printStackTrace();
                }}
            }}
            return st.nextToken();
        }}

        int nextInt() {{
            return Integer.parseInt(next());
        }}
    }}
"""

# The original's own solution: how many pairs of values sum to k, counted as they are read.
WINDOW = """\
    static long {fn}(int[] {xs}, int {k}) {{
        Map<Integer, Integer> {best} = new HashMap<>();
        long {run} = 0;
        for (int {i} = 0; {i} < {xs}.length; {i}++) {{
            int {q} = {k} - {xs}[{i}];
            {run} += {best}.getOrDefault({q}, 0);
            {best}.merge({xs}[{i}], 1, Integer::sum);
        }}
        if ({run} == 0 && {xs}.length > 1) {{
            System.err.println("no pair sums to " + {k});
        }}
        return {run};
    }}

    public static void main(String[] args) {{
        FastReader {sc} = new FastReader();
        int {n} = {sc}.nextInt();
        int {k} = {sc}.nextInt();
        int[] {xs} = new int[{n}];
        int {i} = 0;
        while ({i} < {n}) {{
            {xs}[{i}++] = {sc}.nextInt();
        }}
        System.out.printf("%d pairs%n", {fn}({xs}, {k}));
    }}
}}
"""

# Another contestant's own solution of a task of the same contest: prefix sums and windows.
PREFIX = """\
    public static void main(String[] args) {
        FastReader in = new FastReader();
        int count = in.nextInt();
        int width = in.nextInt();
        long[] prefix = new long[count + 1];
        for (int at = 1; at <= count; at++) {
            prefix[at] = prefix[at - 1] + in.nextInt();
        }
        long answer = Long.MIN_VALUE;
        int bestStart = -1;
        for (int start = 0; start + width <= count; start++) {
            long total = prefix[start + width] - prefix[start];
            if (total > answer) {
                answer = total;
                bestStart = start;
            }
        }
        StringBuilder report = new StringBuilder();
        report.append(answer);
        if (bestStart >= 0) {
            report.append(' ').append(bestStart + 1).append(' ').append(bestStart + width);
        }
        for (int at = 0; at < count; at++) {
            long left = prefix[at];
            long right = prefix[count] - prefix[at];
            if (left == right) {
                report.append('\\n').append("balanced at ").append(at);
            } else if (left > right && at > 0 && prefix[at - 1] < prefix[count] - prefix[at - 1]) {
                report.append('\\n').append("crosses at ").append(at);
            }
        }
        int[] seen = new int[Math.max(1, count)];
        for (int at = 1; at <= count; at++) {
            long value = prefix[at] - prefix[at - 1];
            int slot = (int) Math.floorMod(value, (long) seen.length);
            seen[slot]++;
        }
        int most = 0;
        for (int slot = 0; slot < seen.length; slot++) {
            most = Math.max(most, seen[slot]);
        }
        report.append('\\n').append(most);
        System.out.println(report);
    }
}
"""

ROLES = ("fn", "xs", "k", "best", "run", "q", "i", "sc", "n")


def original(cls: str, suffix: str) -> str:
    names = {role: f"{role}{suffix}" for role in ROLES}
    return READER.format(cls=cls) + WINDOW.format(**names)


def independent() -> str:
    return READER.format(cls="Prefix") + PREFIX


@pytest.fixture(scope="module")
def contest(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index of one original submission."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("contest")
    folder = root / "originals"
    folder.mkdir()
    (folder / "Window.java").write_text(original("Window", "A"), encoding="utf-8")
    build_index([str(folder)], root / "index", encoder, encoder.encode)
    return root / "index"


def _flagged(report: Report) -> set[str]:
    return {f.path for f in report.findings if f.verdict.value != "similar"}


def test_a_shared_reader_alone_is_a_finding_of_a_license_scan_not_of_a_plagiarism_check(
    tmp_path: Path, contest: Path
) -> None:
    repo = init_repo(
        tmp_path / "class",
        {"copy/Copy.java": original("Copy", "B"), "own/Prefix.java": independent()},
    )
    default = scan_repo(repo, ScanOptions(index_dir=contest))
    # Any copied region counts for a license scan, the stock reader too ...
    assert _flagged(default) == {"copy/Copy.java", "own/Prefix.java"}
    reader = [f for f in default.findings if f.path == "own/Prefix.java"]
    assert all(f.end_line <= 27 for f in reader)  # the reader class's lines only
    # ... while a plagiarism check reports the file one submission explains, not the one that
    # shares only the reader (a third of the copy's code is the bar copydetect shows pairs at).
    checked = scan_repo(repo, ScanOptions(index_dir=contest, min_share=0.33))
    assert _flagged(checked) == {"copy/Copy.java"}
    copy = [f for f in default.findings if f.path == "copy/Copy.java"]
    kept = [f for f in checked.findings if f.path == "copy/Copy.java"]
    # The same findings, each with the share of the file its source covers.
    assert [replace(f, evidence={}) for f in kept] == [replace(f, evidence={}) for f in copy]
    whole = [f.similarity for f in copy if f.scope is Scope.FILE]
    assert {f.evidence["file_share"] for f in kept} == set(whole)
    assert "file_share" not in copy[0].evidence
    # The same with every source named (pairwise mode).
    every = scan_repo(repo, ScanOptions(index_dir=contest, min_share=0.33, every_source=True))
    assert _flagged(every) == {"copy/Copy.java"}


def test_the_share_is_of_the_scanned_files_code(tmp_path: Path, contest: Path) -> None:
    """A copy that grew methods of its own shares less of its code with the original: kept at
    a third, not at the share a file-level finding asks."""
    grown = original("Copy", "B").replace(
        "    public static void main(",
        "    static int digitSum(long value) {\n"
        "        int total = 0;\n"
        "        value = Math.abs(value);\n"
        "        while (value > 0) {\n"
        "            total += (int) (value % 10);\n"
        "            value /= 10;\n"
        "        }\n"
        "        return total;\n"
        "    }\n\n"
        "    static String padded(String text, int width, char fill) {\n"
        "        StringBuilder out = new StringBuilder(text);\n"
        "        while (out.length() < width) {\n"
        "            out.insert(0, fill);\n"
        "        }\n"
        "        return out.toString();\n"
        "    }\n\n"
        "    public static void main(",
    )
    repo = init_repo(tmp_path / "class", {"Copy.java": original("Copy", "B"), "Grown.java": grown})
    default = scan_repo(repo, ScanOptions(index_dir=contest))
    # A file-level finding says a file's findings cover FILE_COVERAGE of its code or more.
    share = {f.path: f.similarity for f in default.findings if f.scope is Scope.FILE}
    assert share["Copy.java"] >= FILE_COVERAGE and "Grown.java" not in share
    third = scan_repo(repo, ScanOptions(index_dir=contest, min_share=0.33))
    assert _flagged(third) == {"Copy.java", "Grown.java"}
    most = scan_repo(repo, ScanOptions(index_dir=contest, min_share=FILE_COVERAGE))
    assert _flagged(most) == {"Copy.java"}


def test_the_cli_flag_reaches_the_scan_and_checks_its_value(tmp_path: Path, contest: Path) -> None:
    repo = init_repo(tmp_path / "class", {"own/Prefix.java": independent()})
    plain = run_cli("repo", str(repo), "--index", str(contest), "--format", "json")
    assert plain.returncode == 1, plain.stderr
    assert json.loads(plain.stdout)["findings"]
    checked = run_cli(
        "repo", str(repo), "--index", str(contest), "--format", "json", "--min-share", "0.33"
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["findings"] == []
    bad = run_cli("repo", str(repo), "--index", str(contest), "--min-share", "1.5")
    assert bad.returncode == 2
    assert "--min-share" in bad.stderr and "Traceback" not in bad.stderr


def test_the_policy_sets_the_share_and_the_flag_overrides_it(tmp_path: Path, contest: Path) -> None:
    repo = init_repo(
        tmp_path / "class",
        {"own/Prefix.java": independent(), ".ipscan.toml": "min-share = 0.33\n"},
    )
    assert _flagged(scan_repo(repo, ScanOptions(index_dir=contest))) == set()
    again = scan_repo(repo, ScanOptions(index_dir=contest, min_share=0.0))
    assert _flagged(again) == {"own/Prefix.java"}
    (repo / ".ipscan.toml").write_text("min-share = 3\n", encoding="utf-8")
    bad = run_cli("repo", str(repo), "--index", str(contest))
    assert bad.returncode == 2
    assert "'min-share' must be between 0 and 1, not 3" in bad.stderr
    assert "Traceback" not in bad.stderr

"""``--every-source``: every indexed file a scanned region was copied from, for pairwise
plagiarism checks (a class's or a contest's submissions), on a real index built in the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipscan.records import Report
from ipscan.records import Scope
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import run_cli

# A contest solution written for this test; each submission below is it with its names changed.
SOLUTION = """\
import java.util.*;

public class {cls} {{
    static long {fn}(int[] {xs}, int {k}) {{
        long {best} = 0;
        long {run} = 0;
        Deque<Integer> {q} = new ArrayDeque<>();
        for (int {i} = 0; {i} < {xs}.length; {i}++) {{
            {run} += {xs}[{i}];
            {q}.addLast({xs}[{i}]);
            while ({q}.size() > {k}) {{
                {run} -= {q}.pollFirst();
            }}
            if ({q}.size() == {k} && {run} > {best}) {{
                {best} = {run};
            }}
        }}
        return {best};
    }}

    public static void main(String[] args) {{
        Scanner {sc} = new Scanner(System.in);
        int {n} = {sc}.nextInt();
        int {k} = {sc}.nextInt();
        int[] {xs} = new int[{n}];
        for (int {i} = 0; {i} < {n}; {i}++) {{
            {xs}[{i}] = {sc}.nextInt();
        }}
        System.out.println({fn}({xs}, {k}));
    }}
}}
"""

UNRELATED = """\
import java.util.*;

public class Sieve {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int limit = in.nextInt();
        boolean[] composite = new boolean[limit + 1];
        List<Integer> primes = new ArrayList<>();
        for (int p = 2; p <= limit; p++) {
            if (composite[p]) {
                continue;
            }
            primes.add(p);
            for (long m = (long) p * p; m <= limit; m += p) {
                composite[(int) m] = true;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int p : primes) {
            out.append(p).append('\\n');
        }
        System.out.print(out);
    }
}
"""

NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "suspect"]
ROLES = ("cls", "fn", "xs", "k", "best", "run", "q", "i", "sc", "n")


def submission(who: str) -> str:
    """The solution with every name made this submitter's own."""
    names = {role: f"{role}{who.capitalize()}" for role in ROLES}
    names["cls"] = who.capitalize()
    return SOLUTION.format(**names)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index of five submissions that share one solution, and one that does not."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    for who in NAMES[:-1]:
        (folder / who).mkdir(parents=True)
        (folder / who / f"{who.capitalize()}.java").write_text(submission(who), encoding="utf-8")
    (folder / "foxtrot").mkdir()
    (folder / "foxtrot" / "Sieve.java").write_text(UNRELATED, encoding="utf-8")
    index_dir = root / "index"
    build_index([str(folder)], index_dir, encoder, encoder.encode)
    return index_dir


def _named(report: Report) -> set[str]:
    return {Path(f.source.path).parent.name for f in report.findings if f.scope is Scope.UNIT}


def test_every_source_names_each_submission_the_copy_matches(
    tmp_path: Path, submissions: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"Suspect.java": submission("suspect")})
    every = scan_repo(repo, ScanOptions(index_dir=submissions, every_source=True))
    default = scan_repo(repo, ScanOptions(index_dir=submissions))
    # Five submissions hold the solution: a license scan names the likeliest source, a class's
    # plagiarism check must name them all, each as one finding over both methods.
    assert _named(default) == {"alpha"}
    assert _named(every) == {"alpha", "bravo", "charlie", "delta", "echo"}
    units = [f for f in every.findings if f.scope is Scope.UNIT]
    assert len(units) == 5
    assert all((f.start_line, f.end_line) == (4, 30) for f in units)
    assert all(f.verdict.value == "copied" for f in every.findings)
    # ... and the whole file as a copy of each (a pairs list: file, submission, share of code).
    files = [f for f in every.findings if f.scope is Scope.FILE]
    assert sorted(Path(f.source.path).parent.name for f in files) == NAMES[:-1]
    assert all(f.similarity == 1.0 for f in files)
    assert len([f for f in default.findings if f.scope is Scope.FILE]) == 1


def test_every_source_does_not_name_an_unrelated_submission(
    tmp_path: Path, submissions: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"Sieve2.java": UNRELATED.replace("Sieve", "Sieve2")})
    every = scan_repo(repo, ScanOptions(index_dir=submissions, every_source=True))
    assert _named(every) == {"foxtrot"}


def test_the_cli_flag_reaches_the_scan(tmp_path: Path, submissions: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"Suspect.java": submission("suspect")})
    done = run_cli(
        "repo", str(repo), "--index", str(submissions), "--every-source", "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    named = {
        Path(f["source"]["path"]).parent.name for f in report["findings"] if f["scope"] == "unit"
    }
    assert named == {"alpha", "bravo", "charlie", "delta", "echo"}


def edited_submission() -> str:
    """The suspect's submission with its loop rewritten and its output changed."""
    code = submission("suspect")
    loop = (
        "            while (qSuspect.size() > kSuspect) {\n"
        "                runSuspect -= qSuspect.pollFirst();\n"
        "            }"
    )
    assert loop in code
    code = code.replace(
        loop, "            if (qSuspect.size() > kSuspect) runSuspect -= qSuspect.pollFirst();"
    )
    return code.replace(
        "System.out.println(fnSuspect(xsSuspect, kSuspect));",
        'long answer = fnSuspect(xsSuspect, kSuspect);\n        System.out.printf("%d%n", answer);',
    )


def test_a_passage_five_submissions_share_is_not_common_among_peers(
    tmp_path: Path, submissions: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"Suspect.java": edited_submission()})
    every = scan_repo(repo, ScanOptions(index_dir=submissions, every_source=True))
    default = scan_repo(repo, ScanOptions(index_dir=submissions))
    units = [f for f in every.findings if f.scope is Scope.UNIT]
    assert {Path(f.source.path).parent.name for f in units} == set(NAMES[:-1])
    # Posted five times, each shared fingerprint is common to the default scan (from 3 on) and
    # not among peers (from 10 on, MOSS's default), so the peers' P(copy) is the higher.
    before = {f.start_line: f for f in default.findings if f.scope is Scope.UNIT}
    assert before
    for f in units:
        assert f.evidence["common_share"] == 0.0
        assert before[f.start_line].evidence["common_share"] == 1.0
        assert f.evidence["p_copy"] > before[f.start_line].evidence["p_copy"]


def test_submissions_scanned_against_their_own_index_never_name_themselves(
    tmp_path: Path, encoder
) -> None:  # type: ignore[no-untyped-def]
    """All against all: the folder the index was built from, scanned in place."""
    from ipscan.index.build import build_index

    files = {f"{who}/{who.capitalize()}.java": submission(who) for who in NAMES[:3]}
    files["foxtrot/Sieve.java"] = UNRELATED
    folder = init_repo(tmp_path / "class", files)
    build_index([str(folder)], tmp_path / "index", encoder, encoder.encode)
    report = scan_repo(folder, ScanOptions(index_dir=tmp_path / "index", every_source=True))
    named: dict[str, set[str]] = {}
    for f in report.findings:
        for ref in (f.source, *f.also_in):
            named.setdefault(Path(f.path).parent.name, set()).add(Path(ref.path).parent.name)
    assert named == {
        "alpha": {"bravo", "charlie"},
        "bravo": {"alpha", "charlie"},
        "charlie": {"alpha", "bravo"},
    }

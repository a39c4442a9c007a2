"""Run the fuzz suite and print the inputs tried and the failures of every target.

    .venv/bin/python bench/fuzz_report.py              # the CI profile (bounded, derandomized)
    IPSCAN_FUZZ_PROFILE=dev .venv/bin/python bench/fuzz_report.py   # a longer search

It runs ``pytest tests/fuzz --hypothesis-show-statistics`` and sums hypothesis' per-test counts
("N passing, M failing, and K invalid test cases") by module, so the numbers a note quotes come
from one command. ``explicit`` counts the pinned ``@example`` inputs (the crasher corpus) of
each module's source; ``failing`` includes the xfail tests of crashers handed over.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TEST = re.compile(r"^(tests/fuzz/test_fuzz_\w+)\.py::(\S+?):$")
_COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")


def main() -> int:
    """Run the suite, print a table, return pytest's exit status."""
    start = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rxX",
            "--hypothesis-show-statistics",
            "tests/fuzz",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - start
    tried: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    target = None
    for line in done.stdout.splitlines():
        line = line.strip()
        if m := _TEST.match(line):
            target = m.group(1).removeprefix("tests/fuzz/test_fuzz_")
            continue
        if target and (m := _COUNTS.search(line)):
            passing, failing, invalid = (int(g) for g in m.groups())
            tried[target]["generated"] += passing + failing
            tried[target]["failing"] += failing
            tried[target]["invalid"] += invalid
    print(f"{'target':<22} {'generated':>10} {'explicit':>9} {'failing':>8} {'invalid':>8}")
    for target, c in sorted(tried.items()):
        source = (ROOT / "tests" / "fuzz" / f"test_fuzz_{target}.py").read_text(encoding="utf-8")
        c["explicit"] = source.count("@example(")
        print(
            f"{target:<22} {c['generated']:>10} {c['explicit']:>9} {c['failing']:>8} "
            f"{c['invalid']:>8}"
        )
    total = sum(c["generated"] for c in tried.values())
    print(f"{'total':<22} {total:>10}   wall {wall:.0f} s")
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:])
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())

"""``ipscan snippet`` against the default index: latency, and the smallest copy it reports.

Latency (issue #21): 30-line snippets cut from real code, the installed sources of packages the
default index holds (click, requests, urllib3, attrs, pathspec; their installed versions differ
from the indexed ones, as a pasted answer's would), each starting at a ``def``:

* cold: a fresh ``ipscan snippet`` process per snippet (start-up, index open, encoder load),
  with an empty embedding cache;
* warm: ``check_snippet`` in one process with the index open (what ``ipscan serve`` keeps),
  with the embedding cache off (``IPSCAN_NO_CACHE=1``: the encoder runs every time) and on
  (each snippet checked once before, so its vectors are cached).

Minimum (``--minimum``): from random lines of the same files, the snippet grows a line at a
time until a finding names the file it was cut from; printed are its lines, characters and raw
tokens then, against the 150 characters of GitHub Copilot's duplicate-detection filter and the
10 lines of the IBM and Sourcegraph rules. Starts whose 40 lines are not found at all (code
that changed between the installed and the indexed version) are skipped. The default index
holds no raw-token postings (it predates the verbatim matcher), so against it only the unit
matchers can fire; ``--index`` measures another, e.g. one built from the installed packages:

    ipscan index build SITE/click SITE/pathspec SITE/attr --index /tmp/snipidx
    python bench/snippet_latency.py [--n 30] [--minimum [--starts 40] [--index DIR]]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import machine_line
from ipscan.extract.analyze import analyze_file
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.scan import ScanOptions
from ipscan.snippet import check_snippet
from ipscan.snippet import make_snippet
from ipscan.snippet import snippet_file

# Installed import packages whose sources (another version) the default index holds.
PACKAGES = ("click", "requests", "urllib3", "attr", "pathspec")
LINES = 30
MAX_LINES = 40


def package_files() -> list[tuple[str, Path]]:
    """(path below site-packages, file) of every module of PACKAGES, sorted."""
    import importlib

    out = []
    for name in PACKAGES:
        folder = Path(importlib.import_module(name).__file__ or "").parent
        out += [(p.relative_to(folder.parent).as_posix(), p) for p in sorted(folder.rglob("*.py"))]
    return out


def def_snippets(n: int) -> list[str]:
    """``n`` snippets of LINES lines, each from a ``def`` line, evenly spread over the files."""
    found = []
    for _rel, path in package_files():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.lstrip().startswith("def ") and i + LINES <= len(lines):
                found.append(textwrap.dedent("".join(lines[i : i + LINES])))
    step = max(len(found) // n, 1)
    return found[::step][:n]


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    p50, p99 = np.percentile(ms, [50, 99])
    return f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  (n={len(ms)})"


def cold(snippets: list[str], cache_dir: str) -> list[float]:
    env = {**os.environ, "IPSCAN_CACHE_DIR": cache_dir}
    env.pop("IPSCAN_NO_CACHE", None)
    out = []
    for text in snippets:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "ipscan.cli", "snippet", "-q", "--format", "json"],
            input=text.encode(),
            capture_output=True,
            env=env,
            check=False,
        )
        out.append(time.perf_counter() - started)
        if run.returncode not in (0, 1):
            raise SystemExit(run.stderr.decode())
    return out


def warm(snippets: list[str], reader: IndexReader, cache: bool) -> tuple[list[float], int]:
    """Seconds per check, and how many snippets had a finding."""
    if cache:
        os.environ.pop("IPSCAN_NO_CACHE", None)
        for text in snippets:  # fill the cache
            check_snippet(make_snippet(text), ScanOptions(), reader=reader)
    else:
        os.environ["IPSCAN_NO_CACHE"] = "1"
    out, hits = [], 0
    for text in snippets:
        started = time.perf_counter()
        report = check_snippet(make_snippet(text), ScanOptions(), reader=reader)
        out.append(time.perf_counter() - started)
        hits += bool(report.findings)
    os.environ.pop("IPSCAN_NO_CACHE", None)
    return out, hits


def latency(n: int) -> None:
    snippets = def_snippets(n)
    with tempfile.TemporaryDirectory() as cache_dir:
        os.environ["IPSCAN_CACHE_DIR"] = cache_dir
        print(f"cold, a fresh process each:  {percentiles(cold(snippets, cache_dir))}")
        reader = open_index(None)
        check_snippet(make_snippet(snippets[0]), ScanOptions(), reader=reader)  # load encoder
        for cache in (False, True):
            seconds, hits = warm(snippets, reader, cache)
            label = "warm, cache on: " if cache else "warm, cache off:"
            print(f"{label}              {percentiles(seconds)}  findings in {hits}/{n}")


def found_in(text: str, rel: str, reader: IndexReader) -> str | None:
    """The matchers of a finding that names the file ``rel`` came from, if any."""
    tail = rel.split("/", 1)[1]  # below the package folder (indexed as src/click/... or ...)
    report = check_snippet(make_snippet(text, "python"), ScanOptions(), reader=reader)
    for f in report.findings:
        if f.source.path == tail or f.source.path.endswith("/" + tail):
            return "+".join(m.value for m in f.matchers)
    return None


def minimum(starts: int, index_dir: Path | None) -> None:
    reader = open_index(index_dir)
    files = package_files()
    rng = random.Random(21)
    rows = []
    tried = 0
    while len(rows) < starts and tried < starts * 10:
        tried += 1
        rel, path = rng.choice(files)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if len(lines) <= MAX_LINES:
            continue
        i = rng.randrange(len(lines) - MAX_LINES)
        if not lines[i].strip():
            continue
        if found_in(textwrap.dedent("".join(lines[i : i + MAX_LINES])), rel, reader) is None:
            continue  # not in the indexed version
        for n in range(1, MAX_LINES + 1):
            text = textwrap.dedent("".join(lines[i : i + n]))
            matchers = found_in(text, rel, reader)
            if matchers is not None:
                raw = analyze_file(snippet_file(make_snippet(text, "python"))).raw
                rows.append((n, len(text), raw.n_chars, raw.n_tokens, matchers))
                break
    cols = np.array([r[:4] for r in rows], dtype=float)
    print(f"smallest reported copy, {len(rows)} random starts ({tried} tried):")
    for name, col in zip(
        ("lines", "characters", "non-blank chars", "raw tokens"), cols.T, strict=True
    ):
        p10, p50, p90 = np.percentile(col, [10, 50, 90])
        print(f"  {name:16} p10 {p10:6.0f}  median {p50:6.0f}  p90 {p90:6.0f}  min {col.min():.0f}")
    within = sum(r[1] <= 150 for r in rows), sum(r[0] <= 10 for r in rows)
    print(f"  found within 150 characters: {within[0]}/{len(rows)}; within 10 lines: {within[1]}")
    first = {}
    for r in rows:
        first[r[4]] = first.get(r[4], 0) + 1
    print(f"  matchers of the first finding: {dict(sorted(first.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="snippets to time")
    parser.add_argument("--minimum", action="store_true", help="measure the smallest copy")
    parser.add_argument("--starts", type=int, default=40, help="starts for --minimum")
    parser.add_argument("--index", type=Path, help="index for --minimum (default: the default)")
    args = parser.parse_args()
    print(machine_line())
    if args.minimum:
        minimum(args.starts, args.index)
    else:
        latency(args.n)


if __name__ == "__main__":
    main()

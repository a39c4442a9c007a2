"""Detection benchmark: recall per rewrite level and precision, on real code.

Index: the sources of installed, licensed packages (``--index-packages``). Positives: functions of
those packages, each written into its own file after one rewrite of
``ipscan.training.rewrites.LEVELS`` (verbatim, reformatted, renamed, renamed-edited,
statement-added, reordered, a 15+ line snippet pasted into a function of unrelated code, and
control-flow: control structures rewritten, renamed and one statement edited; issue #16), or of
the levels named by ``--levels``.
The verdict classifier is trained on other packages (``ipscan model train-classifier``).

Negatives: whole files of other installed packages that are not in the index (``--negative-
packages``). A positive counts as found when a finding on its file names the right source file
with overlapping source lines. Precision counts every finding on every file: findings on negative
files, and findings on positive files that name a wrong source, are false. A file-level finding
that names the same source file as a unit finding on that file repeats that claim and is counted
once (with the unit finding), not as a second correct finding.

Caveat: the ``snippet`` level pastes the copied lines into one fixed host function
(``ipscan.training.rewrites.HOST``), the same template the verdict classifier's training uses,
so that level's recall is optimistic for snippets pasted into real code.

    python bench/detection.py [--n 150] [--seed 0] [--levels verbatim,control-flow]
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import importlib.metadata
import json
import random
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipscan.encoder import BULK_TEXTS
from ipscan.encoder import bulk_device
from ipscan.encoder import load_encoder
from ipscan.extract.parse import parse_source
from ipscan.index.build import build_index
from ipscan.records import SourceFile
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.training.installed import make_sdist
from ipscan.training.installed import package_modules
from ipscan.training.rewrites import LEVELS
from ipscan.training.rewrites import functions
from ipscan.training.rewrites import rewrite

MIN_POSITIVE_TOKENS = 50
# A wrong finding whose source span holds at least this many tokens of the true span's code
# counts in the second precision figure (``same_text``).
TWIN_TOKENS = 20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150, help="functions per rewrite level")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--index-packages", default="click,jinja2,packaging,idna,rich")
    ap.add_argument(
        "--negative-packages",
        default="pyyaml,tqdm,anyio,pluggy,h11,gitdb,smmap,filelock,markdown-it-py,"
        "pygments:pygments/lexers/_*.py,pygments:pygments/formatters/*.py",
        help="dist or dist:glob (data-heavy tables such as pygments' builtins lists included)",
    )
    ap.add_argument("--rescan", type=Path, help="reuse the corpus and index of an earlier run")
    ap.add_argument("--misses", action="store_true", help="print missed positives")
    ap.add_argument(
        "--levels",
        default=",".join(LEVELS),
        help="comma-separated rewrite levels to make (a rescan reports the corpus's own levels)",
    )
    args = ap.parse_args()
    levels = [lv for lv in args.levels.split(",") if lv]
    if unknown := sorted(set(levels) - set(LEVELS)):
        ap.error(f"unknown levels {', '.join(unknown)}; known: {', '.join(LEVELS)}")
    if args.rescan:
        work = args.rescan
        meta = json.loads((work / "truth.json").read_text())
        evaluate(work, {k: tuple(v) for k, v in meta["truth"].items()}, meta["n_neg"], args)
        return
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="ipscan-bench-"))
    encoder = load_encoder(bulk_device("auto", BULK_TEXTS))

    sources: dict[str, tuple[str, str]] = {}  # "src/<module>" -> (dist, text)
    archives = []
    for dist in args.index_packages.split(","):
        mods = package_modules(dist)
        archives.append(make_sdist(work, dist, mods))
        for m in mods:
            loc = importlib.metadata.distribution(dist).locate_file(m)
            sources[f"src/{m}"] = (
                dist,
                Path(str(loc)).read_text(encoding="utf-8", errors="replace"),
            )
    t0 = time.perf_counter()
    summary = build_index([str(a) for a in archives], work / "index", encoder, encoder.encode)
    build_s = time.perf_counter() - t0
    print(
        f"index: {summary.total_units} units from {len(sources)} files in {build_s:.1f} s "
        f"({summary.total_units / build_s:.1f} units/s)"
    )

    repo = work / "scanned"
    truth: dict[str, tuple[str, str, int, int]] = {}  # file -> (level, source path, lines)
    pool = [(path, fn) for path, (_, text) in sources.items() for fn in functions(text)]
    rng.shuffle(pool)
    made: dict[str, int] = defaultdict(int)
    for path, fn in pool:
        for level in levels:
            if made[level] >= args.n:
                continue
            out = rewrite(sources[path][1], fn, level, rng)
            if out is None:
                continue
            name = f"pos/{level}/{made[level]:04d}.py"
            made[level] += 1
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(out[0], encoding="utf-8")
            truth[name] = (level, path, out[1], out[2])
        if all(made[lv] >= args.n for lv in levels):
            break
    n_neg = 0
    for item in args.negative_packages.split(","):
        dist, _, pattern = item.partition(":")
        for m in package_modules(dist):
            if pattern and not fnmatch.fnmatchcase(m, pattern):
                continue
            loc = Path(str(importlib.metadata.distribution(dist).locate_file(m)))
            target = repo / "neg" / dist / m
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(loc.read_bytes())
            n_neg += 1
    (work / "truth.json").write_text(json.dumps({"truth": truth, "n_neg": n_neg}))
    print(f"corpus: {work}")
    evaluate(work, truth, n_neg, args)


def normalized_tokens(path: str, s0: int, s1: int) -> int:
    """How many normalized tokens lines s0-s1 of an indexed file (``src/<module>``) hold."""
    return len(span_tokens(path, s0, s1))


@functools.cache
def span_tokens(path: str, s0: int, s1: int) -> tuple[str, ...]:
    """Normalized tokens of lines s0-s1 of an indexed file (``src/<module>``)."""
    module = path.removeprefix("src/")
    for dist in importlib.metadata.distributions():
        for f in dist.files or ():
            if str(f) == module:
                text = Path(str(f.locate())).read_text(encoding="utf-8", errors="replace")
                code = textwrap.dedent("\n".join(text.splitlines()[s0 - 1 : s1]))
                parsed = parse_source(SourceFile("x.py", code, "python"))
                return tuple(t.text for t in parsed.tokens)
    return ()


def same_text(path: str, span: tuple[int, int], truth: tuple[int, int]) -> bool:
    """Whether lines ``span`` of ``path`` read as (a part of at least TWIN_TOKENS tokens of)
    lines ``truth`` once names and layout are taken out: a source file that holds the same
    code twice (two classes' identical methods), where no tool can tell which was copied."""
    found = span_tokens(path, *span)
    return len(found) >= TWIN_TOKENS and " ".join(found) in " ".join(span_tokens(path, *truth))


def evaluate(work: Path, truth: dict, n_neg: int, args: argparse.Namespace) -> None:  # type: ignore[type-arg]
    """Scan the corpus twice (cold, then warm cache) and print recall and precision.

    Positives whose original has fewer than ``MIN_POSITIVE_TOKENS`` normalized tokens are left
    out of recall: by design such short code is only reported when embeddings also agree.
    """
    repo = work / "scanned"
    sizes = {p: normalized_tokens(t[1], t[2], t[3]) for p, t in truth.items()}
    small = {p for p, n in sizes.items() if n < MIN_POSITIVE_TOKENS}
    print(f"positives under {MIN_POSITIVE_TOKENS} tokens left out of recall: {len(small)}")
    truth = {p: t for p, t in truth.items() if p not in small}
    t0 = time.perf_counter()
    report = scan_repo(repo, ScanOptions(index_dir=work / "index", device="auto"))
    scan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = scan_repo(repo, ScanOptions(index_dir=work / "index", device="auto"))
    warm_s = time.perf_counter() - t0
    print(
        f"scan: {report.files_scanned} files, {report.units_scanned} units; cold {scan_s:.1f} s "
        f"({report.units_scanned / scan_s:.0f} units/s), warm cache {warm_s:.1f} s "
        f"({warm.units_scanned / warm_s:.0f} units/s)"
    )

    found: dict[str, bool] = {}
    true_pos = false_pos = repeats = twins = 0
    neg_files_flagged = set()
    unit_claims = {(f.path, f.source.path) for f in report.findings if f.scope.value == "unit"}
    for f in report.findings:
        if f.path in small:
            continue
        if f.scope.value == "file" and (f.path, f.source.path) in unit_claims:
            repeats += 1  # the same claim as a unit finding on this file: counted once
            continue
        t = truth.get(f.path)
        ok = (
            t is not None
            and f.source.path == t[1]
            and f.source.start_line <= t[3]
            and f.source.end_line >= t[2]
        )
        if ok:
            true_pos += 1
            found[f.path] = True
        else:
            false_pos += 1
            if f.path.startswith("neg/"):
                neg_files_flagged.add(f.path)
            elif (
                t is not None
                and f.source.path == t[1]
                and same_text(t[1], (f.source.start_line, f.source.end_line), (t[2], t[3]))
            ):
                twins += 1
    print(f"{'level':16} {'n':>5} {'recall':>7}")
    for level in [lv for lv in LEVELS if any(t[0] == lv for t in truth.values())]:
        files = [p for p, t in truth.items() if t[0] == level]
        hit = sum(1 for p in files if found.get(p))
        print(f"{level:16} {len(files):5d} {hit / max(len(files), 1):7.3f}")
    total = len(truth)
    print(f"{'all':16} {total:5d} {sum(found.values()) / max(total, 1):7.3f}")
    precision = true_pos / max(true_pos + false_pos, 1)
    print(
        f"findings: {true_pos} correct, {false_pos} wrong; precision {precision:.3f} "
        f"({repeats} file-level findings repeating a unit finding's source counted once)"
    )
    print(
        f"  counting as right a source span with the same code as the true one: "
        f"precision {(true_pos + twins) / max(true_pos + false_pos, 1):.3f} ({twins} such)"
    )
    print(
        f"negative files flagged: {len(neg_files_flagged)} of {n_neg} "
        f"({len(neg_files_flagged) / max(n_neg, 1):.2%})"
    )
    for f in report.findings:
        t = truth.get(f.path)
        wrong_lines = (
            t is not None
            and f.source.path == t[1]
            and (f.source.start_line > t[3] or f.source.end_line < t[2])
        )
        if args.misses and wrong_lines:
            print(
                f"  WRONG LINES {f.path} {f.source.path}:{f.source.start_line}-"
                f"{f.source.end_line}, truth {t[2]}-{t[3]}, {f.verdict.value}"
            )
        if f.path.startswith("neg/") or (t is not None and f.source.path != t[1]):
            print(
                f"  FP {f.path}:{f.start_line}-{f.end_line} {f.verdict.value} {f.source.path}:"
                f"{f.source.start_line}-{f.source.end_line} {f.evidence}"
            )
    if args.misses:
        explained = scan_repo(repo, ScanOptions(index_dir=work / "index", explain=True))
        on_file = defaultdict(list)
        for f in explained.findings:
            on_file[f.path].append(f)
        for p, t in sorted(truth.items()):
            if not found.get(p):
                print("  MISS", p, t)
                for f in on_file.get(p, []):
                    print(
                        f"      {f.verdict.value} {f.source.path}:{f.source.start_line}-"
                        f"{f.source.end_line} {f.evidence}"
                    )


if __name__ == "__main__":
    main()

"""Program-level plagiarism: ipscan, copydetect and Dolos on ConPlag (contest plagiarism).

What it measures: for labelled pairs of whole programs, whether each tool flags the plagiarized
pairs (precision, recall, F1) and how many same-problem independent solutions it flags anyway.

Data: ConPlag (E. Slobodkin, A. Sadovnikov, "Towards a Dataset of Programming Contest Plagiarism
in Java", arXiv:2303.10763; Zenodo 10.5281/zenodo.7332790, CC BY 4.0): 911 pairs of accepted
Codeforces Java submissions to 21 problems, labelled by hand, 251 plagiarized and 660 not. Both
sides of every pair solve the same problem, and the pairs were kept because detectors found them
similar, so the non-plagiarized ones are hard same-task negatives. Read from a GitHub copy of the
Zenodo release: FlavioRr/PlagiarismDetector at 2b269c8b6961755ca4024e3b52dbe8a7c52be960,
data/conplag_version_2/versions (labels.csv; version_1 is the raw submissions, personal template
code kept, version_2 the same with it removed; that copy spells the last column "veredict", so
columns are read by position). That commit is the copy's last with both versions whole: its later
commits delete 975 of version_2's 1,822 files (version_1 and the labels are the same in both), so
a run stops when fewer than the 911 labelled pairs have both files. The data is only read from
/tmp/progplag at run time; none of it enters this repository.

Protocol, as a user would run each tool: a pair has no direction, so a seeded draw makes one
side the "original" and the other the "suspect", keeping the roles disjoint over the sample (a
submission in several pairs keeps one role: a seeded 2-colouring of the graph of pairs; the
pairs it cannot colour, about a tenth, are left out). ipscan: one index of every sampled
original (``build_index``), one scan of a folder of every suspect (``scan_repo``, default
options), and one more with ``--every-source`` (every source file of a region named, a passage
common from 10 indexed units on: the pairwise plagiarism mode), and each of the two again with
``--min-share 0.33`` (a finding counts only where the file it names covers a third of the
suspect's code: the plagiarism check's bar, copydetect's display threshold, fixed before any
run); a pair is flagged when any finding on the suspect names the original's file. copydetect:
one CopyDetector run per problem with the originals as reference and the suspects as test files,
noise_t=25 and guarantee_t=30 (also 25/25, copydetect 0.5.0's own default); a pair is flagged
when the suspect's (test-side) similarity to the original is at least 0.33, copydetect's default
display threshold, fixed before the run. Its best-F1 threshold on the same pairs is printed too,
as an upper bound tuned on the test data. copydetect runs in its own virtual environment
(``bench/copydetect_runner.py``); it is no dependency of ipscan. Dolos, when installed in
/tmp/progplag/dolos (``bench/dolos_runner.mjs``), the same way as copydetect: one run per
problem, default options (language java), a pair flagged when Dolos covers at least 0.33 of the
suspect's tokens, and its own symmetric similarity at its best-F1 threshold on the test.

Setup and run (``--no-checkout``: the copy's newest commit holds other datasets, one of them
reserved for ipscan's held-out evaluation, which must never be checked out; only
data/conplag_version_2 is read, and the folders removed below hold the others):

    git clone --no-checkout https://github.com/FlavioRr/PlagiarismDetector /tmp/progplag/src
    git -C /tmp/progplag/src checkout 2b269c8b6961755ca4024e3b52dbe8a7c52be960
    rm -rf /tmp/progplag/src/finalDataset /tmp/progplag/src/Modeling /tmp/progplag/src/Preprocessing
    python3 -m venv /tmp/progplag/cdvenv && /tmp/progplag/cdvenv/bin/pip install copydetect
    nice -n 10 .venv/bin/python bench/program_plagiarism.py [--n 911] [--seed 0]

Prints a markdown table; /tmp/progplag/result.json lists every miss and false positive of both
tools (paths, score) and, for ipscan's misses, what its ``--explain`` scan said about the pair.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import cpu_features  # noqa: E402
from machine import cpu_model  # noqa: E402

from ipscan.encoder import BULK_TEXTS  # noqa: E402
from ipscan.encoder import bulk_device  # noqa: E402
from ipscan.encoder import load_encoder  # noqa: E402
from ipscan.index.build import build_index  # noqa: E402
from ipscan.index.open import index_location  # noqa: E402
from ipscan.records import Finding  # noqa: E402
from ipscan.scan import ScanOptions  # noqa: E402
from ipscan.scan import scan_repo  # noqa: E402

WORK = Path("/tmp/progplag")
DATA = WORK / "src" / "data" / "conplag_version_2" / "versions"
CD_PYTHON = WORK / "cdvenv" / "bin" / "python"
DOLOS_DIR = WORK / "dolos"  # optional: bench/dolos_runner.mjs says how to install Dolos there
SOURCE = "FlavioRr/PlagiarismDetector@2b269c8b6961755ca4024e3b52dbe8a7c52be960"
LABELLED = 911  # pairs in labels.csv, every one with both files in the pinned copy
DISPLAY_T = 0.33  # copydetect's default display threshold, on the test (suspect) side
NOISE_T = 25  # copydetect's noise threshold (characters); its default
GUARANTEE_T = 30  # the guarantee threshold this benchmark was specified with (0.5.0's default: 25)

Key = tuple[str, str]  # (suspect id, original id)


@dataclass(frozen=True)
class Pair:
    """One labelled ConPlag pair, oriented for the run: index ``original``, scan ``suspect``."""

    original: str
    suspect: str
    problem: str
    plagiarized: bool
    folder: str  # the pair's folder under the dataset's version directory

    @property
    def key(self) -> Key:
        return (self.suspect, self.original)


def load_pairs(data: Path, version: str) -> list[Pair]:
    """The labelled pairs (columns: sub1, sub2, problem, verdict); stops when a file is missing."""
    pairs = []
    with (data / "labels.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    for a, b, problem, verdict in rows:
        folder = f"{version}/{a}_{b}"
        if (data / folder / f"{a}.java").is_file() and (data / folder / f"{b}.java").is_file():
            pairs.append(Pair(a, b, problem, verdict.strip() == "1", folder))
    if len(pairs) < LABELLED:
        raise SystemExit(
            f"{data / version}: {len(pairs)} of the {LABELLED} labelled pairs have both files; "
            f"check out {SOURCE} (bench/program_plagiarism.py)"
        )
    return pairs


def roles(pairs: list[Pair], rng: random.Random) -> dict[str, bool]:
    """Submission id -> True for "original": a seeded 2-colouring of the pair graph (breadth
    first from a random root per component; an odd cycle leaves some pairs one-coloured)."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    for p in pairs:
        neighbours[p.original].append(p.suspect)
        neighbours[p.suspect].append(p.original)
    nodes = sorted(neighbours)
    rng.shuffle(nodes)
    role: dict[str, bool] = {}
    for root in nodes:
        if root in role:
            continue
        role[root] = rng.random() < 0.5
        queue = [root]
        while queue:
            node = queue.pop(0)
            for other in neighbours[node]:
                if other not in role:
                    role[other] = not role[node]
                    queue.append(other)
    return role


def sample_pairs(pairs: list[Pair], n: int, rng: random.Random) -> list[Pair]:
    """Up to ``n`` pairs, oriented so that no submission is both an original and a suspect."""
    role = roles(pairs, rng)
    usable = [
        p if role[p.original] else Pair(p.suspect, p.original, p.problem, p.plagiarized, p.folder)
        for p in pairs
        if role[p.original] != role[p.suspect]
    ]
    rng.shuffle(usable)
    return usable[:n]


def write_corpus(pairs: list[Pair], data: Path, run: Path) -> dict[str, Path]:
    """Copy each sampled file to run/originals/p<problem>/ or run/suspects/p<problem>/."""
    if run.exists():
        shutil.rmtree(run)
    files: dict[str, Path] = {}
    for p in pairs:
        for role, sub in (("originals", p.original), ("suspects", p.suspect)):
            target = run / role / f"p{p.problem}" / f"{sub}.java"
            if sub not in files:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(data / p.folder / f"{sub}.java", target)
                files[sub] = target
    return files


def finding_keys(f: Finding) -> list[Key]:
    """(suspect id, original id) of a finding's source and of each file it is also in
    (``also_in``: originals holding that code as well): the files are named <submission id>.java."""
    return [(Path(f.path).stem, Path(ref.path).stem) for ref in (f.source, *f.also_in)]


def _scores(findings: Sequence[Finding]) -> dict[Key, float]:
    """The best finding similarity per (suspect, original)."""
    scores: dict[Key, float] = {}
    for f in findings:
        for key in finding_keys(f):
            scores[key] = max(scores.get(key, 0.0), f.similarity)
    return scores


# The ipscan rows: name, --every-source, --min-share (copydetect's display threshold: the
# plagiarism check's bar).
IPSCAN_MODES = (
    ("ipscan (default scan)", False, 0.0),
    ("ipscan --every-source", True, 0.0),
    (f"ipscan --min-share {DISPLAY_T}", False, DISPLAY_T),
    (f"ipscan --every-source --min-share {DISPLAY_T}", True, DISPLAY_T),
)


def run_ipscan(
    run: Path,
) -> tuple[
    dict[str, dict[Key, float]], dict[str, float], dict[str, float], dict[str, list[Finding]]
]:
    """ipscan's best finding similarity per (suspect, original) by row name
    (``IPSCAN_MODES``), the build's and the default scan's times, each row's scan time, and the
    findings of the default scan ("default") and of a scan with --explain ("explain").

    The embedding cache lives in the run folder, so the timed build and scan start cold (the
    later scans reuse it)."""
    os.environ["IPSCAN_CACHE_DIR"] = str(run / "embedding-cache")
    encoder = load_encoder(bulk_device("auto", BULK_TEXTS))
    # The idiom census reads the shipped index, unpacked into the cache folder on first use:
    # unpacked here, untimed, as it is once per machine for a user.
    index_location(None)
    t0 = time.perf_counter()
    summary = build_index([str(run / "originals")], run / "index", encoder, encoder.encode)
    build_s = time.perf_counter() - t0
    scores, reports, seconds = {}, {}, {}
    # The first scan starts with a cold embedding cache, the others reuse it.
    for name, every_source, min_share in IPSCAN_MODES:
        t0 = time.perf_counter()
        reports[name] = scan_repo(
            run / "suspects",
            ScanOptions(
                index_dir=run / "index",
                device="auto",
                every_source=every_source,
                min_share=min_share,
            ),
        )
        seconds[name] = time.perf_counter() - t0
        scores[name] = _scores(reports[name].findings)
    explained = scan_repo(
        run / "suspects", ScanOptions(index_dir=run / "index", device="auto", explain=True)
    )
    report = reports[IPSCAN_MODES[0][0]]
    times = {
        "index build s": build_s,
        "scan s": seconds[IPSCAN_MODES[0][0]],
        "units indexed": summary.total_units,
        "units scanned": report.units_scanned,
    }
    findings = {"default": list(report.findings), "explain": list(explained.findings)}
    return scores, times, seconds, findings


def problem_groups(
    pairs: list[Pair], files: dict[str, Path], language: str | None = None
) -> list[dict[str, Any]]:
    """One file-pair tool run per problem: that problem's originals as references, its suspects
    as tests (a pair's similarity does not depend on the other files of the run)."""
    by_problem: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for p in pairs:
        by_problem[p.problem][0].add(str(files[p.suspect]))
        by_problem[p.problem][1].add(str(files[p.original]))
    extra = {"language": language} if language else {}
    return [{**extra, "tests": sorted(t), "refs": sorted(r)} for t, r in by_problem.values()]


def run_pair_tool(
    name: str, cmd: list[str], job: dict[str, Any], env: dict[str, str] | None = None
) -> tuple[list[list[Any]], float]:
    """A runner's (test, reference, test-side share, other score) rows for ``job``
    (``bench/copydetect_runner.py``, ``bench/dolos_runner.mjs``), and its wall time."""
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, env=env, input=json.dumps(job), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{name} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)["pairs"], wall


def run_copydetect(
    pairs: list[Pair], files: dict[str, Path], noise_t: int, guarantee_t: int
) -> tuple[dict[Key, float], float]:
    """copydetect's test-side similarity per (suspect, original), and its wall time."""
    job = {
        "noise_t": noise_t,
        "guarantee_t": guarantee_t,
        "min_sim": 0.0,
        "groups": problem_groups(pairs, files),
    }
    # copydetect hashes k-grams with Python's hash(), salted per process unless PYTHONHASHSEED
    # is set; with guarantee_t > noise_t the winnowed fingerprints, and so the scores, would
    # change from run to run.
    found, wall = run_pair_tool(
        "copydetect",
        [str(CD_PYTHON), str(HERE / "copydetect_runner.py")],
        job,
        {**os.environ, "PYTHONHASHSEED": "0"},
    )
    scores = {(Path(t).stem, Path(r).stem): sim for t, r, sim, _ in found}
    return scores, wall


def run_dolos(
    pairs: list[Pair], files: dict[str, Path]
) -> tuple[dict[Key, float], dict[Key, float], float]:
    """Dolos's test-side share and its own similarity per (suspect, original), and its wall
    time; one run per problem, as copydetect's."""
    job = {"min_sim": 0.0, "groups": problem_groups(pairs, files, "java")}
    cmd = ["node", str(HERE / "dolos_runner.mjs"), str(DOLOS_DIR)]
    found, wall = run_pair_tool("Dolos", cmd, job)
    share = {(Path(t).stem, Path(r).stem): s for t, r, s, _ in found}
    similarity = {(Path(t).stem, Path(r).stem): sim for t, r, _, sim in found}
    return share, similarity, wall


def dolos_rows(
    pairs: list[Pair], files: dict[str, Path]
) -> tuple[dict[str, dict[str, float]], dict[Key, float]]:
    """Table rows for Dolos (default options): its test-side share at copydetect's display
    threshold, and its own similarity at the threshold with the best F1 on these pairs."""
    share, similarity, seconds = run_dolos(pairs, files)
    t, best = best_threshold(pairs, similarity)
    rows = {
        f"Dolos, test-side share >= {DISPLAY_T}": {
            **metrics(pairs, flagged(share)),
            "seconds": seconds,
        },
        f"Dolos, best-F1 similarity t={t:.2f} (tuned on test)": {**best, "seconds": seconds},
    }
    return rows, share


def metrics(pairs: list[Pair], flagged: set[Key]) -> dict[str, float]:
    """Precision, recall, F1 on plagiarized pairs; share of independent pairs flagged."""
    tp = sum(1 for p in pairs if p.plagiarized and p.key in flagged)
    fp = sum(1 for p in pairs if not p.plagiarized and p.key in flagged)
    pos = sum(1 for p in pairs if p.plagiarized)
    neg = len(pairs) - pos
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / pos if pos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "independent flagged": fp / neg if neg else 0.0,
    }


def cluster_credit(pairs: list[Pair], flagged: set[Key]) -> set[Key]:
    """``flagged`` plus the plagiarized pairs whose suspect is flagged for another original
    labelled plagiarized with it (ConPlag has clusters of near-identical copies; a tool that
    names one source per unit names only one of them)."""
    plag_sources: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        if p.plagiarized:
            plag_sources[p.suspect].add(p.original)
    named = {(s, o) for s, o in flagged if o in plag_sources[s]}
    credited = {p.key for p in pairs if p.plagiarized and any(s == p.suspect for s, _ in named)}
    return flagged | credited


def best_threshold(pairs: list[Pair], scores: dict[Key, float]) -> tuple[float, dict[str, float]]:
    """The score threshold with the best F1 on these very pairs (tuned on the test data)."""
    best = (0.0, metrics(pairs, set()))
    for t in sorted({scores.get(p.key, 0.0) for p in pairs} - {0.0}):
        m = metrics(pairs, {p.key for p in pairs if scores.get(p.key, 0.0) >= t})
        if m["f1"] > best[1]["f1"]:
            best = (t, m)
    return best


def ipscan_detail(key: Key, findings: list[Finding]) -> list[dict[str, Any]]:
    """ipscan's findings on the suspect of ``key`` that name its original."""

    def brief(f: Finding) -> dict[str, Any]:
        return {
            "lines": [f.start_line, f.end_line],
            "source": f"{f.source.path}:{f.source.start_line}-{f.source.end_line}",
            "unit": f.unit_name,
            "verdict": f.verdict.value,
            "similarity": round(f.similarity, 3),
            "matchers": [m.value for m in f.matchers],
            "evidence": {k: round(v, 3) for k, v in f.evidence.items()},
        }

    return [brief(f) for f in findings if key in finding_keys(f)]


def problems(
    tool: str,
    pairs: list[Pair],
    scores: dict[Key, float],
    flagged: set[Key],
    findings: dict[str, list[Finding]] | None = None,
) -> list[dict[str, Any]]:
    """Every missed plagiarized pair and every flagged independent pair of one tool."""
    out = []
    named: dict[str, list[str]] = defaultdict(list)
    for suspect, original in sorted(flagged):
        named[suspect].append(original)
    for p in pairs:
        hit = p.key in flagged
        if hit == p.plagiarized:
            continue
        item: dict[str, Any] = {
            "tool": tool,
            "kind": "miss" if p.plagiarized else "false-positive",
            "problem": p.problem,
            "original": f"{p.folder}/{p.original}.java",
            "suspect": f"{p.folder}/{p.suspect}.java",
            "score": round(scores.get(p.key, 0.0), 3),
            "suspect_flagged_for": [o for o in named[p.suspect] if o != p.original],
        }
        if findings is not None:  # ipscan: why it missed (--explain) or what it claimed
            which = "explain" if p.plagiarized else "default"
            item[f"findings_{which}"] = ipscan_detail(p.key, findings[which])
        out.append(item)
    return out


def machine() -> str:
    """The CPU model from /proc/cpuinfo and the number of usable cores (as ``nproc``)."""
    return f"{cpu_model()} ({cpu_features()}), nproc {len(os.sched_getaffinity(0))}"


def table(rows: dict[str, dict[str, float]], header: str) -> str:
    """A markdown table: one row per tool or setting."""
    cols = ["precision", "recall", "f1", "independent flagged", "tp", "fp", "seconds"]
    lines = [header, "", "| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, m in rows.items():
        cells = [f"{m[c]:.3f}" if isinstance(m[c], float) else str(m[c]) for c in cols[:4]]
        cells += [str(m["tp"]), str(m["fp"]), f"{m['seconds']:.0f}" if "seconds" in m else ""]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=911, help="labelled pairs to sample (911 in all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA, help="ConPlag's versions directory")
    ap.add_argument(
        "--version",
        default="version_1",
        help="version_1 (raw submissions) or version_2 (personal template code removed)",
    )
    return ap.parse_args()


def copydetect_rows(
    pairs: list[Pair], files: dict[str, Path]
) -> tuple[dict[str, dict[str, float]], dict[Key, float]]:
    """Table rows for copydetect: 25/30 at the display threshold, its tuned-on-test best F1,
    and 25/25 (copydetect 0.5.0's own default guarantee_t); the 25/30 scores."""
    scores, seconds = run_copydetect(pairs, files, NOISE_T, GUARANTEE_T)
    at_default, default_s = run_copydetect(pairs, files, NOISE_T, NOISE_T)
    t, best = best_threshold(pairs, scores)
    name = f"copydetect {NOISE_T}/{GUARANTEE_T}"
    rows = {
        f"{name}, display >= {DISPLAY_T}": {**metrics(pairs, flagged(scores)), "seconds": seconds},
        f"{name}, best-F1 t={t:.2f} (tuned on test)": {**best, "seconds": seconds},
        f"copydetect {NOISE_T}/{NOISE_T}, display >= {DISPLAY_T}": {
            **metrics(pairs, flagged(at_default)),
            "seconds": default_s,
        },
    }
    return rows, scores


def flagged(scores: dict[Key, float]) -> set[Key]:
    """The pairs at copydetect's display threshold (a file-pair tool's test-side share)."""
    return {k for k, s in scores.items() if s >= DISPLAY_T}


def credit_line(pairs: list[Pair], ipscan: set[Key], copydetect: set[Key]) -> str:
    """Recall and F1 when naming another original of the suspect's plagiarism cluster counts."""
    parts = []
    for name, hits in (("ipscan", ipscan), (f"copydetect {NOISE_T}/{GUARANTEE_T}", copydetect)):
        m = metrics(pairs, cluster_credit(pairs, hits))
        parts.append(f"{name} recall {m['recall']:.3f}, F1 {m['f1']:.3f}")
    return "Crediting a finding that names another original of the same plagiarism cluster: " + (
        "; ".join(parts)
    )


def main() -> None:
    args = parse_args()
    if not (args.data / "labels.csv").is_file():
        raise SystemExit(f"ConPlag not found under {args.data}: see this script's docstring")
    if not CD_PYTHON.is_file():
        raise SystemExit(
            f"copydetect missing: python3 -m venv {CD_PYTHON.parent.parent} && "
            f"{CD_PYTHON.parent / 'pip'} install copydetect"
        )
    pairs = sample_pairs(load_pairs(args.data, args.version), args.n, random.Random(args.seed))
    files = write_corpus(pairs, args.data, WORK / "run")
    n_pos = sum(p.plagiarized for p in pairs)
    print(
        f"{len(pairs)} pairs ({n_pos} plagiarized, {len(pairs) - n_pos} independent), "
        f"{len({p.problem for p in pairs})} problems, {len(files)} files"
    )
    ip_rows, ip_times, ip_seconds, ip_findings = run_ipscan(WORK / "run")
    ip_scores = ip_rows[IPSCAN_MODES[0][0]]
    build_s = ip_times["index build s"]
    rows = {
        name: {**metrics(pairs, set(scores)), "seconds": build_s + ip_seconds[name]}
        for name, scores in ip_rows.items()
    }
    cd_rows, cd_scores = copydetect_rows(pairs, files)
    rows.update(cd_rows)
    dolos_scores: dict[Key, float] | None = None
    if (DOLOS_DIR / "node_modules" / "@dodona" / "dolos-lib").is_dir():
        d_rows, dolos_scores = dolos_rows(pairs, files)
        rows.update(d_rows)
    else:
        print(f"Dolos is not installed ({DOLOS_DIR}): left out", file=sys.stderr)
    header = (
        f"ConPlag {args.version}, {len(pairs)} pairs ({n_pos} plagiarized), seed {args.seed}; "
        f"{machine()}; ipscan seconds = index build {ip_times['index build s']:.0f} "
        f"({ip_times['units indexed']} units) + cold scan {ip_times['scan s']:.0f} "
        f"({ip_times['units scanned']} units)"
    )
    print(table(rows, header))
    credit = credit_line(pairs, set(ip_scores), flagged(cd_scores))
    print(credit)
    result = {
        "dataset": f"ConPlag, {SOURCE}",
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": machine(),
        "copydetect": {"noise_t": NOISE_T, "guarantee_t": GUARANTEE_T, "display_t": DISPLAY_T},
        "rows": rows,
        "cluster_credit": credit,
        "ipscan_times": ip_times,
        "pairs": [asdict(p) for p in pairs],
        "problems": problems("ipscan", pairs, ip_scores, set(ip_scores), ip_findings)
        + problems("copydetect", pairs, cd_scores, flagged(cd_scores))
        + (problems("dolos", pairs, dolos_scores, flagged(dolos_scores)) if dolos_scores else []),
    }
    (WORK / "result.json").write_text(json.dumps(result, indent=1))
    print(f"misses and false positives: {WORK / 'result.json'}")


if __name__ == "__main__":
    main()

"""Small programs copied and then modified: rewrite levels applied to whole contest programs.

What it measures: a classroom plagiarism case (one original per task, copies of it edited by
level, and other students' solutions of the same task as negatives), made here from real
programs that no one here wrote. For each of ConPlag's 21 problems, ``--originals`` accepted
Java submissions are drawn (seeded) as originals; each is rewritten over the whole file with
``ipscan.training.ts_rewrites`` (the rewrites the encoder is evaluated with) at these levels:

- ``reformatted``: comments dropped or added, indentation, spacing and brace placement changed;
- ``renamed``: local names renamed consistently, reformatted;
- ``statement-added``: renamed, one dead statement inserted;
- ``statement-deleted``: renamed, one statement removed;
- ``control-swapped``: one if/else swapped with its test negated or a counting for loop written
  as a while loop, renamed;
- ``combined``: two dead statements added and two control structures rewritten, renamed;
- ``declarations-split``: up to three ``T x = e;`` written ``T x; x = e;``, renamed;
- ``statements-reordered``: up to three pairs of adjacent independent statements swapped, renamed;
- ``members-reordered``: the methods of one class in another order, renamed;
- ``restructured``: all three moves, two control structures rewritten and a dead statement
  added, renamed.

Negatives: up to six submissions of the same problem outside the original's plagiarism cluster
(ConPlag's own labels: no plagiarized pair links them), i.e. independent solutions of the same
task. Both sides are whole programs, so the negatives share the task's idioms (reading the
input, building a graph) with the original: the hard part.

ipscan: one index of the originals (``build_index``), one scan of a folder of every variant and
negative, default options and ``--every-source``; a pair is flagged when a finding (not
``similar``) on the scanned file names the original (its source or ``also_in``); and each
again with ``--min-share 0.33`` (the plagiarism check's bar: the file named covers a third of
the scanned file's code; copydetect's display threshold, fixed before any run). copydetect:
one run per problem, the originals as references, flagged at a test-side similarity of 0.33
(its display threshold), and its best-F1 threshold tuned on these pairs. Data, setup and the
copydetect environment as ``bench/program_plagiarism.py`` (ConPlag in /tmp/progplag; nothing of
it enters this repository).

    .venv/bin/python bench/program_rewrites.py [--seed 0] [--originals 2] [--version version_2]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from program_plagiarism import CD_PYTHON  # noqa: E402
from program_plagiarism import DATA  # noqa: E402
from program_plagiarism import IPSCAN_MODES  # noqa: E402
from program_plagiarism import WORK  # noqa: E402
from program_plagiarism import Key  # noqa: E402
from program_plagiarism import Pair  # noqa: E402
from program_plagiarism import copydetect_rows  # noqa: E402
from program_plagiarism import load_pairs  # noqa: E402
from program_plagiarism import machine  # noqa: E402
from program_plagiarism import metrics  # noqa: E402
from program_plagiarism import table  # noqa: E402

from ipscan.encoder import BULK_TEXTS  # noqa: E402
from ipscan.encoder import bulk_device  # noqa: E402
from ipscan.encoder import load_encoder  # noqa: E402
from ipscan.index.build import build_index  # noqa: E402
from ipscan.index.open import index_location  # noqa: E402
from ipscan.records import Verdict  # noqa: E402
from ipscan.scan import ScanOptions  # noqa: E402
from ipscan.scan import scan_repo  # noqa: E402
from ipscan.training.ts_rewrites import FunctionRewriter  # noqa: E402

RUN = WORK / "rewrites"
# Level name -> the ts_rewrites levels applied one after the other to the whole file.
LEVELS: dict[str, tuple[str, ...]] = {
    "reformatted": ("reformatted",),
    "renamed": ("renamed",),
    "statement-added": ("statement-added",),
    "statement-deleted": ("renamed-edited",),
    "control-swapped": ("control-swapped",),
    "combined": ("statement-added", "statement-added", "control-swapped", "control-swapped"),
    "declarations-split": ("declarations-split",),
    "statements-reordered": ("statements-reordered",),
    "members-reordered": ("members-reordered",),
    "restructured": (
        "declarations-split",
        "statements-reordered",
        "members-reordered",
        "control-swapped",
        "control-swapped",
        "statement-added",
    ),
}
NEGATIVES_PER_ORIGINAL = 6


def rewritten(text: str, steps: tuple[str, ...], rng: random.Random) -> str | None:
    """``text`` (a whole Java file) rewritten by each step in turn; None when one cannot be."""
    for step in steps:
        data = text.encode("utf-8")
        out = FunctionRewriter("java", data, 0, len(data)).rewrite(step, rng)
        if out is None:
            return None
        text = out
    return text


def clusters(pairs: list[Pair]) -> dict[str, set[str]]:
    """Submission -> every submission linked to it by plagiarized pairs (itself included)."""
    links: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        if p.plagiarized:
            links[p.original].add(p.suspect)
            links[p.suspect].add(p.original)
    out: dict[str, set[str]] = {}
    for start in {s for p in pairs for s in (p.original, p.suspect)}:
        if start in out:
            continue
        seen, stack = {start}, [start]
        while stack:
            for other in links[stack.pop()]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        for s in seen:
            out[s] = seen
    return out


def make_corpus(
    data: Path, version: str, per_problem: int, seed: int
) -> tuple[list[Pair], dict[str, Path], dict[str, str]]:
    """Originals in RUN/originals/p<problem>/, variants and negatives in RUN/suspects/...; the
    oriented pairs, every file by id, and each positive's level."""
    labelled = load_pairs(data, version)
    path_of: dict[str, Path] = {}
    problem_of: dict[str, str] = {}
    for p in labelled:
        for sub in (p.original, p.suspect):
            path_of[sub] = data / p.folder / f"{sub}.java"
            problem_of[sub] = p.problem
    cluster_of = clusters(labelled)
    by_problem: dict[str, list[str]] = defaultdict(list)
    for sub in sorted(problem_of):
        by_problem[problem_of[sub]].append(sub)
    shutil.rmtree(RUN, ignore_errors=True)
    rng = random.Random(seed)
    pairs: list[Pair] = []
    files: dict[str, Path] = {}
    level_of: dict[str, str] = {}
    for problem, subs in sorted(by_problem.items()):
        drawn = rng.sample(subs, min(per_problem, len(subs)))
        for orig in drawn:
            text = path_of[orig].read_text(encoding="utf-8", errors="replace")
            files[orig] = _write(RUN / "originals" / f"p{problem}" / f"{orig}.java", text)
            for level, steps in LEVELS.items():
                out = rewritten(text, steps, random.Random(f"{seed}:{orig}:{level}"))
                if out is None:
                    continue
                vid = f"{orig}-{level}"
                files[vid] = _write(RUN / "suspects" / f"p{problem}" / f"{vid}.java", out)
                pairs.append(Pair(orig, vid, problem, True, ""))
                level_of[vid] = level
            others = [s for s in subs if s not in cluster_of[orig] and s not in drawn]
            for sub in rng.sample(others, min(NEGATIVES_PER_ORIGINAL, len(others))):
                nid = f"{sub}-vs-{orig}"
                own = path_of[sub].read_text(encoding="utf-8", errors="replace")
                files[nid] = _write(RUN / "suspects" / f"p{problem}" / f"{nid}.java", own)
                pairs.append(Pair(orig, nid, problem, False, ""))
    return pairs, files, level_of


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_ipscan(every_source: bool, min_share: float = 0.0) -> tuple[set[Key], float]:
    """The (suspect, original) pairs ipscan flags, and the scan's wall time."""
    options = ScanOptions(
        index_dir=RUN / "index", device="auto", every_source=every_source, min_share=min_share
    )
    t0 = time.perf_counter()
    report = scan_repo(RUN / "suspects", options)
    seconds = time.perf_counter() - t0
    named = {
        (Path(f.path).stem, Path(ref.path).stem)
        for f in report.findings
        if f.verdict is not Verdict.SIMILAR
        for ref in (f.source, *f.also_in)
    }
    return named, seconds


def level_recall(pairs: list[Pair], level_of: dict[str, str], hits: set[Key]) -> str:
    """Recall per level, as "level found/all"."""
    parts = []
    for level in LEVELS:
        mine = [p for p in pairs if level_of.get(p.suspect) == level]
        parts.append(f"{level} {sum(p.key in hits for p in mine)}/{len(mine)}")
    return ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--originals", type=int, default=2, help="originals drawn per problem")
    ap.add_argument("--data", type=Path, default=DATA, help="ConPlag's versions directory")
    ap.add_argument(
        "--version",
        default="version_2",
        help="version_2 (personal template code removed: a student exercise) or version_1",
    )
    args = ap.parse_args()
    if not (args.data / "labels.csv").is_file():
        raise SystemExit(f"ConPlag not found under {args.data}: see bench/program_plagiarism.py")
    if not CD_PYTHON.is_file():
        raise SystemExit(f"copydetect missing: see bench/program_plagiarism.py ({CD_PYTHON})")
    pairs, files, level_of = make_corpus(args.data, args.version, args.originals, args.seed)
    os.environ["IPSCAN_CACHE_DIR"] = str(RUN / "embedding-cache")
    encoder = load_encoder(bulk_device("auto", BULK_TEXTS))
    # The idiom census reads the shipped index, unpacked into the cache folder on first use:
    # unpacked here, untimed, as it is once per machine for a user.
    index_location(None)
    t0 = time.perf_counter()
    build_index([str(RUN / "originals")], RUN / "index", encoder, encoder.encode)
    build_s = time.perf_counter() - t0
    hits: dict[str, set[Key]] = {}
    rows = {}
    for name, every_source, min_share in IPSCAN_MODES:
        hits[name], scan_s = run_ipscan(every_source, min_share)
        rows[name] = {**metrics(pairs, hits[name]), "seconds": build_s + scan_s}
    cd_rows, cd_scores = copydetect_rows(pairs, files)
    rows.update(cd_rows)
    n_pos = sum(p.plagiarized for p in pairs)
    header = (
        f"ConPlag {args.version} programs rewritten, seed {args.seed}: {n_pos} copies of "
        f"{len({p.original for p in pairs})} originals ({args.originals} per problem), "
        f"{len(pairs) - n_pos} same-problem independent solutions; {machine()}"
    )
    print(table(rows, header))
    print()
    cd_flagged = {k for k, s in cd_scores.items() if s >= 0.33}
    by_level = [(name, hits[name]) for name, _, _ in IPSCAN_MODES[:3]]
    for name, flagged in [*by_level, ("copydetect, display >= 0.33", cd_flagged)]:
        print(f"recall by level, {name}: {level_recall(pairs, level_of, flagged)}")


if __name__ == "__main__":
    main()

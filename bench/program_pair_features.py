"""How far lexical program-level similarity gets on ConPlag: a study, not a detector.

Issue #16 asks for small-program plagiarism F1 >= 0.90 with same-task independent solutions
flagged <= 5 %. ``bench/program_plagiarism.py`` measures ipscan's scan (F1 0.665 on version_1).
This script asks whether any whole-program measure built from ipscan's own token streams could
get there: for every labelled pair it computes

- ``c<k>``: the share of the smaller program's distinct normalized k-grams found in the other
  (k = 4, 8, 12, 20);
- ``sc<k>``: the same over the structure-insensitive stream (control-flow keywords, brackets and
  boolean operators dropped, comparisons merged: ``ipscan.extract.fingerprint``), k = 6, 10;
- ``gst`` / ``sgst``: greedy-string-tiling coverage (JPlag's measure) of the normalized stream
  (minimum tile 12 tokens) and of the structure-insensitive one (10), the larger side's share;
- ``lenratio``: the shorter program's tokens over the longer's;
- ``w8`` / ``sw10``: ``c8`` and ``sc10`` with each k-gram weighted by its rarity among all the
  submissions to the same problem (inverse document frequency, log((n + 1) / (df + 0.5))): code
  that every solution of the task holds counts for little, as MOSS's ``-m`` and ipscan's
  ``PEER_COMMON_FANOUT`` have it. A contest's checker sees every submission, and no label is
  read for it;
- with ``--encoder``, what ipscan's own encoder says: ``whole`` (cosine of the two whole files'
  vectors), ``bm_min`` / ``bm_max`` (each side's units matched to their nearest unit of the
  other side, the cosines averaged weighted by unit lines: the smaller and the larger of the
  two sides);

then chooses each feature's threshold on ConPlag's own train split (``train_pairs.csv``) and
scores it on the test split (``test_pairs.csv``), and does the same for a logistic regression
over all of them (scikit-learn, from ``[train]``; its threshold from 5-fold predictions on the
train split). The "oracle" column is the best threshold chosen on the test split itself: an
upper bound for that feature.

Data and setup: as ``bench/program_plagiarism.py`` (ConPlag in /tmp/progplag).

    .venv/bin/python bench/program_pair_features.py [--version version_1] [--encoder]

Measured 2026-12-04 (AMD EPYC, AVX-512, nproc 2, version_1): the best single lexical measure
(``sgst``) F1 0.759 with 0.087 of independent pairs flagged, all lexical measures combined 0.762;
the encoder's measures are weaker (``bm_max`` 0.544, ``bm_min`` 0.539, ``whole`` 0.485) and add
nothing combined (0.754): its vectors place independent solutions of one task as close as
copies of each other. Issue #16 asks 0.90 with at most 0.05 flagged. With the rarity-weighted
measures (2026-12-05, Intel Xeon, nproc 2): see docs/measurements.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import machine_line  # noqa: E402
from program_plagiarism import DATA  # noqa: E402
from program_plagiarism import load_pairs  # noqa: E402

from ipscan.encoder import shared_encoder  # noqa: E402
from ipscan.extract.analyze import analyze_file  # noqa: E402
from ipscan.extract.fingerprint import STRUCTURE_COMPARISONS  # noqa: E402
from ipscan.extract.fingerprint import STRUCTURE_DROPPED  # noqa: E402
from ipscan.extract.parse import parse_source  # noqa: E402
from ipscan.records import SourceFile  # noqa: E402

Stream = tuple[str, ...]


def streams(path: Path) -> tuple[Stream, Stream]:
    """The normalized token stream of a Java file and its structure-insensitive stream."""
    text = path.read_text(encoding="utf-8", errors="replace")
    tokens = tuple(
        t.text for t in parse_source(SourceFile(path=path.name, language="java", text=text)).tokens
    )
    plain = tuple(
        "CMP" if t in STRUCTURE_COMPARISONS else t for t in tokens if t not in STRUCTURE_DROPPED
    )
    return tokens, plain


def grams(stream: Stream, k: int) -> set[Stream]:
    """The distinct k-grams of a stream."""
    return {stream[i : i + k] for i in range(len(stream) - k + 1)}


def containment(a: Stream, b: Stream, k: int) -> float:
    """Share of the smaller side's distinct k-grams that the other side has."""
    ga, gb = grams(a, k), grams(b, k)
    return len(ga & gb) / max(1, min(len(ga), len(gb)))


def tiling(a: Stream, b: Stream, min_tile: int) -> float:
    """Greedy string tiling: the larger of the two sides' shares covered by maximal common
    tiles of at least ``min_tile`` tokens, each token in one tile at most."""
    used_a, used_b = [False] * len(a), [False] * len(b)
    covered = 0
    while True:
        starts: dict[Stream, list[int]] = {}
        for j in range(len(b) - min_tile + 1):
            if not any(used_b[j : j + min_tile]):
                starts.setdefault(b[j : j + min_tile], []).append(j)
        best, tiles = 0, []
        for i in range(len(a) - min_tile + 1):
            if any(used_a[i : i + min_tile]):
                continue
            for j in starts.get(a[i : i + min_tile], ()):
                n = min_tile
                while (
                    i + n < len(a)
                    and j + n < len(b)
                    and a[i + n] == b[j + n]
                    and not used_a[i + n]
                    and not used_b[j + n]
                ):
                    n += 1
                if n > best:
                    best, tiles = n, [(i, j, n)]
                elif n == best:
                    tiles.append((i, j, n))
        if best < min_tile:
            break
        for i, j, n in tiles:
            if any(used_a[i : i + n]) or any(used_b[j : j + n]):
                continue
            used_a[i : i + n], used_b[j : j + n] = [True] * n, [True] * n
            covered += n
    return max(covered / max(1, len(a)), covered / max(1, len(b)))


class EncoderMeasures:
    """Whole-file and unit vectors of ipscan's shipped encoder, per file, for ``encoded``."""

    def __init__(self) -> None:
        self.encoder = shared_encoder("auto")
        self.cache: dict[Path, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def of(self, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The file's unit vectors, their line counts and the whole file's vector."""
        if path not in self.cache:
            text = path.read_text(encoding="utf-8", errors="replace")
            units = analyze_file(SourceFile(path=path.name, language="java", text=text)).units
            texts = [u.encoder_input(self.encoder.input_format) for u in units]
            vectors = self.encoder.encode(texts) if texts else np.zeros((0, self.encoder.dim))
            lines = np.array([u.unit.span.end_line - u.unit.span.start_line + 1 for u in units])
            self.cache[path] = (vectors, lines.astype(float), self.encoder.encode([text])[0])
        return self.cache[path]

    def encoded(self, a: Path, b: Path) -> dict[str, float]:
        """``whole``, ``bm_min`` and ``bm_max`` of one pair of files."""
        (va, la, wa), (vb, lb, wb) = self.of(a), self.of(b)
        out = {"whole": float(wa @ wb), "bm_min": 0.0, "bm_max": 0.0}
        if len(va) and len(vb):
            cos = va @ vb.T
            sides = (
                float(cos.max(axis=1) @ la / la.sum()),
                float(cos.max(axis=0) @ lb / lb.sum()),
            )
            out["bm_min"], out["bm_max"] = min(sides), max(sides)
        return out


# The rarity-weighted measures: (name, stream: 0 normalized / 1 structure-insensitive, k).
WEIGHTED = (("w8", 0, 8), ("sw10", 1, 10))


class ProblemFrequency:
    """How many of one problem's submissions hold each k-gram of the ``WEIGHTED`` measures."""

    def __init__(self, programs: Sequence[tuple[Stream, Stream]]) -> None:
        self.n = len(programs)
        self.df: dict[str, Counter[Stream]] = {name: Counter() for name, _, _ in WEIGHTED}
        for program in programs:
            for name, side, k in WEIGHTED:
                self.df[name].update(grams(program[side], k))

    def weighted_containment(self, name: str, a: Stream, b: Stream, k: int) -> float:
        """``containment`` with each k-gram weighted by its inverse document frequency."""
        df = self.df[name]

        def weight(gs: set[Stream]) -> float:
            return sum(math.log((self.n + 1) / (df[g] + 0.5)) for g in gs)

        ga, gb = grams(a, k), grams(b, k)
        small = ga if len(ga) <= len(gb) else gb
        return weight(ga & gb) / max(1e-9, weight(small))


def features(
    a: tuple[Stream, Stream], b: tuple[Stream, Stream], problem: ProblemFrequency
) -> dict[str, float]:
    """Every measure of one pair of programs (streams as ``streams`` gives them) of a problem."""
    out = {f"c{k}": containment(a[0], b[0], k) for k in (4, 8, 12, 20)}
    out |= {f"sc{k}": containment(a[1], b[1], k) for k in (6, 10)}
    out |= {
        name: problem.weighted_containment(name, a[side], b[side], k) for name, side, k in WEIGHTED
    }
    out["gst"] = tiling(a[0], b[0], 12)
    out["sgst"] = tiling(a[1], b[1], 10)
    out["lenratio"] = min(len(a[0]), len(b[0])) / max(1, len(a[0]), len(b[0]))
    return out


def scores(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, float]:
    """F1, precision, recall and the share of independent pairs flagged."""
    tp = int(np.sum(flagged & truth))
    fp = int(np.sum(flagged & ~truth))
    fn = int(np.sum(~flagged & truth))
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return 2 * p * r / max(1e-9, p + r), p, r, fp / max(1, int(np.sum(~truth)))


def best_threshold(values: np.ndarray, truth: np.ndarray) -> float:
    """The threshold of largest F1 (flagged: value >= threshold)."""
    return float(max(np.unique(values), key=lambda t: scores(values >= t, truth)[0]))


def split_of(data: Path) -> dict[str, str]:
    """Pair folder name -> "train" or "test" (ConPlag's own split files)."""
    out = {}
    for name in ("train", "test"):
        with (data / f"{name}_pairs.csv").open(newline="", encoding="utf-8") as fh:
            out |= {row[0]: name for row in csv.reader(fh) if row}
    return out


def row(
    name: str, train: Sequence[float], test: Sequence[float], truth: dict[str, np.ndarray]
) -> str:
    t = best_threshold(np.asarray(train), truth["train"])
    f1, p, r, neg = scores(np.asarray(test) >= t, truth["test"])
    oracle = scores(
        np.asarray(test) >= best_threshold(np.asarray(test), truth["test"]), truth["test"]
    )
    return f"| {name} | {t:.3f} | {f1:.3f} | {p:.3f} | {r:.3f} | {neg:.3f} | {oracle[0]:.3f} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="ConPlag's versions directory")
    ap.add_argument("--version", default="version_1", help="version_1 (raw) or version_2")
    ap.add_argument("--encoder", action="store_true", help="add the encoder's measures")
    args = ap.parse_args()
    encoder = EncoderMeasures() if args.encoder else None
    split = split_of(args.data)
    pairs = load_pairs(args.data, args.version)
    cache: dict[Path, tuple[Stream, Stream]] = {}
    of_problem: dict[str, dict[str, tuple[Stream, Stream]]] = defaultdict(dict)
    for pair in pairs:
        for sub in (pair.original, pair.suspect):
            path = args.data / pair.folder / f"{sub}.java"
            if path not in cache:
                cache[path] = streams(path)
            of_problem[pair.problem][sub] = cache[path]
    frequency = {p: ProblemFrequency(list(subs.values())) for p, subs in of_problem.items()}
    by_split: dict[str, list[dict[str, float]]] = {"train": [], "test": []}
    labels: dict[str, list[bool]] = {"train": [], "test": []}
    for pair in pairs:
        part = split.get(Path(pair.folder).name)
        if part is None:
            continue
        a, b = (args.data / pair.folder / f"{x}.java" for x in (pair.original, pair.suspect))
        measures = features(cache[a], cache[b], frequency[pair.problem])
        if encoder is not None:
            measures |= encoder.encoded(a, b)
        by_split[part].append(measures)
        labels[part].append(pair.plagiarized)
    truth = {k: np.asarray(v, dtype=bool) for k, v in labels.items()}
    print(machine_line())
    n_train, n_test = len(labels["train"]), len(labels["test"])
    print(f"ConPlag {args.version}: train {n_train} pairs, test {n_test} pairs")
    head = (
        "measure",
        "threshold (train)",
        "test F1",
        "precision",
        "recall",
        "indep. flagged",
        "oracle F1",
    )
    print("| " + " | ".join(head) + " |")
    print("|---|---|---|---|---|---|---|")
    names = list(by_split["train"][0])
    for name in names:
        print(
            row(
                name,
                [f[name] for f in by_split["train"]],
                [f[name] for f in by_split["test"]],
                truth,
            )
        )
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_predict
    except ImportError:
        print("(no scikit-learn: `pip install 'ipscan-code[train]'` for the combination)")
        return
    x_train = np.array([[f[n] for n in names] for f in by_split["train"]])
    x_test = np.array([[f[n] for n in names] for f in by_split["test"]])
    model = LogisticRegression(C=10, max_iter=5000)
    held = cross_val_predict(model, x_train, truth["train"], cv=5, method="predict_proba")[:, 1]
    model.fit(x_train, truth["train"])
    print(row("logistic regression, all", held, model.predict_proba(x_test)[:, 1], truth))


if __name__ == "__main__":
    main()

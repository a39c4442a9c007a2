"""How well an encoder finds the original of a rewritten function (issue #7's measure).

Per language: functions of held-out packages (never trained on, see ``code_corpus.package_split``)
are indexed with other functions of those packages as distractors; each is rewritten at the
levels of ``ts_rewrites.LEVELS``, put back into its file and parsed there, and embedded as a
query. Per level: recall@1 and MRR of the original among the indexed functions, and how well
the best-match cosine separates copies from unrelated functions (functions of other held-out
packages, not indexed): ROC-AUC and the true-positive rate at 1% false positives.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import numpy as np

from ipscan.extract.canonical import canonical_of
from ipscan.extract.parse import parse_source
from ipscan.records import SourceFile
from ipscan.training.code_corpus import CodeFunction
from ipscan.training.code_corpus import package_split
from ipscan.training.fit import roc_auc
from ipscan.training.ts_rewrites import LEVELS
from ipscan.training.ts_rewrites import OPTIONAL_LEVELS
from ipscan.training.ts_rewrites import FunctionRewriter

# Packages at or above this split value are held out from training (eval only).
TRAIN_SHARE = 0.7
# Originals come from files up to this size (every rewrite re-parses its whole file).
MAX_REWRITE_FILE_CHARS = 60_000
# At most this many functions of one package, so one big package does not make the set.
PER_PACKAGE = 150


@dataclass(frozen=True)
class Sample:
    """One function as the encoder may read it: its text or its canonical text."""

    text: str
    canonical: str

    def as_input(self, canonical: bool) -> str:
        return self.canonical if canonical else self.text


@dataclass
class EvalSet:
    """One language: originals and distractors (indexed), unrelated functions, queries."""

    language: str
    originals: list[Sample] = field(default_factory=list)
    distractors: list[Sample] = field(default_factory=list)
    unrelated: list[Sample] = field(default_factory=list)
    queries: dict[str, list[tuple[int, Sample]]] = field(default_factory=dict)


def is_held_out(package: str) -> bool:
    """Whether a package is kept for evaluation (and never trained on)."""
    return package_split(package) >= TRAIN_SHARE


def sample_of(fn: CodeFunction) -> Sample:
    return Sample(fn.text, fn.unit.canonical)


def rewritten(fn: CodeFunction, level: str, rng: random.Random) -> Sample | None:
    """``fn`` rewritten at ``level``, put back in its file and parsed there."""
    span = fn.unit.unit.span
    data = fn.file.text.encode("utf-8", "surrogatepass")
    new = FunctionRewriter(fn.language, data, span.start_byte, span.end_byte).rewrite(level, rng)
    if new is None:
        return None
    head = data[: span.start_byte]
    text = head.decode("utf-8", "replace") + new + data[span.end_byte :].decode("utf-8", "replace")
    start = len(head.decode("utf-8", "replace").encode("utf-8", "surrogatepass"))
    parsed = parse_source(SourceFile(fn.file.path, text, fn.language))
    for unit in parsed.units:
        if unit.span.start_byte == start:
            starts = parsed.columns.starts
            lo = bisect.bisect_left(starts, start)
            hi = bisect.bisect_left(starts, unit.span.end_byte, lo)
            canonical = canonical_of(parsed.columns, lo, hi, text.encode("utf-8", "surrogatepass"))
            return Sample(unit.text, canonical)
    return None


def _capped(functions: Iterable[CodeFunction], rng: random.Random) -> list[CodeFunction]:
    by_package: dict[str, list[CodeFunction]] = defaultdict(list)
    for fn in functions:
        by_package[fn.package].append(fn)
    out: list[CodeFunction] = []
    for package in sorted(by_package):
        fns = by_package[package]
        rng.shuffle(fns)
        out += fns[:PER_PACKAGE]
    rng.shuffle(out)
    return out


def make_eval_set(
    language: str,
    functions: Iterable[CodeFunction],
    n: int,
    n_distractors: int,
    n_unrelated: int,
    seed: int = 0,
) -> EvalSet:
    """An EvalSet from held-out ``functions`` of one language, split by package."""
    rng = random.Random(seed)
    seen: set[str] = set()
    unique = []
    for fn in functions:
        if is_held_out(fn.package) and fn.unit.canonical not in seen:
            seen.add(fn.unit.canonical)
            unique.append(fn)
    pool = _capped(unique, rng)
    packages = sorted({fn.package for fn in pool}, key=lambda p: package_split(p, "unrelated"))
    unrelated_packages = set(packages[len(packages) - max(1, len(packages) // 4) :])
    if len(packages) < 2:
        return EvalSet(language)
    indexed = [fn for fn in pool if fn.package not in unrelated_packages]
    other = [fn for fn in pool if fn.package in unrelated_packages]
    data = EvalSet(language, queries={level: [] for level in LEVELS})
    rest = []
    for fn in indexed:
        if len(data.originals) >= n or len(fn.file.text) > MAX_REWRITE_FILE_CHARS:
            rest.append(fn)
            continue
        made = {level: rewritten(fn, level, rng) for level in LEVELS}
        if any(v is None for level, v in made.items() if level not in OPTIONAL_LEVELS):
            rest.append(fn)
            continue
        for level, sample in made.items():
            if sample is not None:
                data.queries[level].append((len(data.originals), sample))
        data.originals.append(sample_of(fn))
    data.distractors = [sample_of(fn) for fn in rest[:n_distractors]]
    data.unrelated = [sample_of(fn) for fn in other[:n_unrelated]]
    return data


Embed = Callable[[list[str]], np.ndarray]


def evaluate_encoder(data: EvalSet, embed: Embed, canonical: bool) -> dict[str, dict[str, float]]:
    """Per level: recall@1, MRR, ROC-AUC and TPR at 1% FPR of the best-match cosine."""
    gallery = embed([s.as_input(canonical) for s in data.originals + data.distractors])
    unrelated = embed([s.as_input(canonical) for s in data.unrelated])
    neg_best = (unrelated @ gallery.T).max(1)
    out: dict[str, dict[str, float]] = {}
    for level, items in data.queries.items():
        if not items:
            continue
        q = embed([s.as_input(canonical) for _, s in items])
        out[level] = separation(q @ gallery.T, np.array([i for i, _ in items]), neg_best)
    return out


def separation(sims: np.ndarray, truth: np.ndarray, neg_best: np.ndarray) -> dict[str, float]:
    """Ranking and separability figures of query-by-gallery cosines ``sims``."""
    true_sim = sims[np.arange(len(truth)), truth]
    rank = (sims > true_sim[:, None]).sum(1) + 1
    pos_best = sims.max(1)
    scores = np.concatenate([pos_best, neg_best])
    labels = np.concatenate([np.ones(len(pos_best)), np.zeros(len(neg_best))])
    cut = np.quantile(neg_best, 0.99)
    return {
        "n": float(len(truth)),
        "recall@1": round(float((rank == 1).mean()), 4),
        "mrr": round(float((1.0 / rank).mean()), 4),
        "roc_auc": round(roc_auc(scores, labels), 4),
        "tpr@1%fpr": round(float((pos_best > cut).mean()), 4),
    }


def eval_sets(
    functions: Iterable[CodeFunction],
    languages: Sequence[str],
    n: int,
    n_distractors: int,
    n_unrelated: int,
    seed: int = 0,
) -> list[EvalSet]:
    """One EvalSet per language of ``languages`` that has held-out functions."""
    by_language: dict[str, list[CodeFunction]] = defaultdict(list)
    for fn in functions:
        if fn.language in languages and is_held_out(fn.package):
            by_language[fn.language].append(fn)
    sets = [
        make_eval_set(lang, by_language[lang], n, n_distractors, n_unrelated, seed)
        for lang in languages
        if by_language.get(lang)
    ]
    return [s for s in sets if s.originals and s.unrelated]

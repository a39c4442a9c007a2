"""Fit the verdict classifier: a one-hidden-layer network, Platt-calibrated, threshold chosen.

The labeled pairs are split by scanned file (so no file's pairs are on both sides): 60% train
the network (full-batch Adam on class-balanced cross-entropy with L2), 20% calibrate it (Platt
scaling, then the lowest threshold whose precision on those pairs reaches
``target_precision`` and that flags at most ``max_negative_file_rate`` of the unrelated
files of the training and calibration splits), 20% test it. Everything is numpy and
deterministic for a given seed.

The classifier's config records the constants of ``ipscan.tuning`` the pairs were gathered and
will be judged with (``"tuning"``); loading it under other values is refused
(``ipscan.decide.classifier.check_tuning``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipscan import tuning
from ipscan.decide.classifier import TUNING
from ipscan.decide.classifier import Classifier
from ipscan.errors import UsageError
from ipscan.training.pair_data import PairData

FEATURES = (
    "digest_equal",
    "cosine",
    "matched_tokens",
    "shared_fingerprints",
    "query_coverage",
    "source_coverage",
    "region_coverage",
    "query_containment",
    "source_containment",
    "common_share",
    "query_tokens",
    "source_tokens",
    "weighted_containment",
    "weighted_region",
    "structure_containment",
)

Say = Callable[[str], None]
# More of these never makes a copy less likely (a monotone model keeps it so); more common
# fingerprints never makes it more likely.
DECREASING = frozenset({"common_share"})
INCREASING = frozenset(FEATURES) - DECREASING - {"query_tokens", "source_tokens"}


@dataclass(frozen=True)
class FitOptions:
    """How to fit."""

    hidden: int = 0  # 0: a monotone logistic model (no hidden layer); >0: tanh units
    epochs: int = 1500
    learning_rate: float = 0.02
    l2: float = 1e-4
    target_precision: float = 0.99
    max_negative_file_rate: float = 0.005
    seed: int = 0


def _split(files: Sequence[str], seed: int) -> np.ndarray:
    """0 train, 1 calibrate, 2 test, by scanned file."""
    names = sorted(set(files))
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    part = {
        n: (0 if i < 0.6 * len(names) else 1 if i < 0.8 * len(names) else 2)
        for i, n in enumerate(names)
    }
    return np.array([part[f] for f in files])


def _train_network(x: np.ndarray, y: np.ndarray, opts: FitOptions) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(opts.seed)
    n, d = x.shape
    linear = opts.hidden == 0
    width = 1 if linear else opts.hidden
    w = {
        "w1": rng.normal(0, 1 / math.sqrt(d), (d, width)),
        "b1": np.zeros(width),
        "w2": np.ones((1, 1)) if linear else rng.normal(0, 1 / math.sqrt(width), (width, 1)),
        "b2": np.zeros(1),
    }
    sign = np.array(
        [1.0 if f in INCREASING else -1.0 if f in DECREASING else 0.0 for f in FEATURES]
    )
    frozen = {"w2", "b2"} if linear else set()
    pos = max(float(y.sum()), 1.0)
    neg = max(float(n - y.sum()), 1.0)
    weight = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    m = {k: np.zeros_like(v) for k, v in w.items()}
    v2 = {k: np.zeros_like(v) for k, v in w.items()}
    for step in range(1, opts.epochs + 1):
        h = x @ w["w1"] + w["b1"]
        if not linear:
            h = np.tanh(h)
        logit = (h @ w["w2"] + w["b2"]).reshape(-1)
        p = 1 / (1 + np.exp(-logit))
        g = (weight * (p - y) / n).reshape(-1, 1)
        grads = {
            "w2": h.T @ g + opts.l2 * w["w2"],
            "b2": g.sum(0),
        }
        gh = g @ w["w2"].T if linear else (g @ w["w2"].T) * (1 - h**2)
        grads["w1"] = x.T @ gh + opts.l2 * w["w1"]
        grads["b1"] = gh.sum(0)
        for k in w:
            if k in frozen:
                continue
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v2[k] = 0.999 * v2[k] + 0.001 * grads[k] ** 2
            mh = m[k] / (1 - 0.9**step)
            vh = v2[k] / (1 - 0.999**step)
            w[k] = w[k] - opts.learning_rate * mh / (np.sqrt(vh) + 1e-8)
        if linear:  # projected onto the monotone directions
            col = w["w1"][:, 0]
            col[sign > 0] = np.maximum(col[sign > 0], 0.0)
            col[sign < 0] = np.minimum(col[sign < 0], 0.0)
    return w


def _platt(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(a, b) of P = sigmoid(a * logit + b), fitted by Newton's method on log loss."""
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * logits + b)))
        g = np.array([np.sum((p - y) * logits), np.sum(p - y)])
        r = p * (1 - p) + 1e-12
        hess = np.array(
            [[np.sum(r * logits**2), np.sum(r * logits)], [np.sum(r * logits), np.sum(r)]]
        )
        hess += 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    return np.array([a, b])


def _best_per_query(
    p: np.ndarray, y: np.ndarray, queries: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per scanned unit: the best pair's probability and label (what a finding would be)."""
    best: dict[str, int] = {}
    for i, q in enumerate(queries):
        if q not in best or p[i] > p[best[q]]:
            best[q] = i
    keys = list(best)
    idx = np.array([best[k] for k in keys], dtype=np.int64)
    return p[idx], y[idx], keys


def _threshold(p: np.ndarray, y: np.ndarray, target: float) -> float:
    """The lowest threshold whose precision reaches ``target`` (0.5 when none does)."""
    order = np.argsort(-p)
    tp = np.cumsum(y[order])
    precision = tp / np.arange(1, len(p) + 1)
    ok = np.nonzero(precision >= target)[0]
    if not len(ok):
        return 0.5
    i = ok[-1]
    return float(min(max(p[order][i], 0.05), 0.95))


def _negative_threshold(
    p: np.ndarray, levels: Sequence[str], files: Sequence[str], max_rate: float
) -> float:
    """The lowest threshold that flags at most ``max_rate`` of the unrelated files."""
    worst: dict[str, float] = {}
    for pi, level, f in zip(p, levels, files, strict=True):
        if level == "negative":
            worst[f] = max(worst.get(f, 0.0), float(pi))
    if not worst:
        return 0.0
    values = np.sort(np.array(list(worst.values())))[::-1]
    allowed = int(max_rate * len(values))
    # Flag no more than `allowed` files: stay just above the (allowed+1)-th worst file.
    return float(min(np.nextafter(values[allowed], 1.0), 0.99)) if allowed < len(values) else 0.0


def roc_auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (rank statistic; ties count half)."""
    pos, neg = p[y > 0], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    values = np.concatenate([pos, neg])
    ordered = np.sort(values)
    # 0-based rank of each value, ties given their average rank.
    ties = np.searchsorted(ordered, values, "left") + np.searchsorted(ordered, values, "right")
    avg = (ties - 1) / 2.0
    return float((avg[: len(pos)].sum() - len(pos) * (len(pos) - 1) / 2) / (len(pos) * len(neg)))


def _ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if sel.any():
            total += sel.mean() * abs(p[sel].mean() - y[sel].mean())
    return float(total)


def fit_classifier(
    data: PairData, opts: FitOptions, say: Say = lambda _m: None
) -> tuple[Classifier, dict[str, object]]:
    """Train, calibrate and test a classifier on ``data``; returns it and its evaluation."""
    y = np.array(data.labels, dtype=np.float64)
    if y.sum() < 2 or (y == 0).sum() < 2:
        raise UsageError(
            f"too few labeled pairs to train ({int(y.sum())} copies, {int((y == 0).sum())} "
            "others): index more packages or raise --per-level"
        )
    part = _split(data.files, opts.seed)
    probe = Classifier(FEATURES, 0.5, {}, {})
    x = probe.matrix(data.rows)
    train = part == 0
    mean = x[train].mean(0)
    scale = x[train].std(0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    say(f"pairs: {len(y)} ({int(y.sum())} copies); train {int(train.sum())}")
    w = _train_network(z[train], y[train], opts)
    weights = {"mean": mean, "scale": scale, **w, "platt": np.array([1.0, 0.0])}
    activation = {"activation": "linear" if opts.hidden == 0 else "tanh"}
    raw = Classifier(FEATURES, 0.5, weights, activation)
    logits = raw.logits(x)
    cal = part == 1
    weights["platt"] = _platt(logits[cal], y[cal])
    calibrated = Classifier(FEATURES, 0.5, weights, activation)
    p = calibrated.probability(data.rows)
    cal_idx = np.nonzero(cal)[0]
    best_p, best_y, _ = _best_per_query(p[cal], y[cal], [data.queries[i] for i in cal_idx])
    # Unrelated files of the training split too: the calibration split alone holds about 80,
    # too few to see a rate of 0.5%; the test split stays out.
    seen_idx = np.nonzero(part != 2)[0]
    threshold = max(
        _threshold(best_p, best_y, opts.target_precision),
        _negative_threshold(
            p[seen_idx],
            [data.levels[i] for i in seen_idx],
            [data.files[i] for i in seen_idx],
            opts.max_negative_file_rate,
        ),
    )
    test_idx = np.nonzero(part == 2)[0]
    evaluation = evaluate(
        p[test_idx],
        y[test_idx],
        threshold,
        [data.levels[i] for i in test_idx],
        [data.queries[i] for i in test_idx],
    )
    evaluation["calibration_pairs"] = int(cal.sum())
    evaluation["train_pairs"] = int(train.sum())
    config = {
        "hidden": opts.hidden,
        "activation": "linear" if opts.hidden == 0 else "tanh",
        "fit": opts.__dict__,
        TUNING: tuning.recorded(),
        "evaluation": evaluation,
    }
    return Classifier(FEATURES, threshold, weights, config), evaluation


def evaluate(
    p: np.ndarray, y: np.ndarray, threshold: float, levels: Sequence[str], queries: Sequence[str]
) -> dict[str, object]:
    """Pair-level ROC-AUC and calibration; finding-level (best pair per scanned unit)
    precision, recall per rewrite level, and unrelated files flagged."""
    best_p, best_y, keys = _best_per_query(p, y, queries)
    level_of = dict(zip(queries, levels, strict=True))
    positive_query = {q for q, label in zip(queries, y, strict=True) if label > 0}
    flagged = best_p >= threshold
    correct = int((flagged & (best_y > 0)).sum())
    wrong = int((flagged & (best_y == 0)).sum())
    found_file: dict[str, bool] = {}
    for k, hit, label in zip(keys, flagged, best_y, strict=True):
        if k in positive_query:
            file = k.rsplit(":", 1)[0]
            found_file[file] = found_file.get(file, False) or bool(hit and label > 0)
    per_level: dict[str, float] = {}
    for level in sorted({lv for lv in levels if lv != "negative"}):
        mine = [f for f in found_file if f.startswith(f"pos/{level}/")]
        if mine:
            per_level[level] = round(sum(found_file[f] for f in mine) / len(mine), 4)
    neg_files = {k.rsplit(":", 1)[0] for k in keys if level_of[k] == "negative"}
    neg_flagged = {
        k.rsplit(":", 1)[0]
        for k, hit in zip(keys, flagged, strict=True)
        if hit and level_of[k] == "negative"
    }
    n_pos_files = len(found_file)
    return {
        "threshold": round(threshold, 4),
        "test_pairs": len(y),
        "pair_roc_auc": round(roc_auc(p, y), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 5),
        "ece": round(_ece(p, y), 4),
        "finding_precision": round(correct / max(correct + wrong, 1), 4),
        "file_recall": round(sum(found_file.values()) / max(n_pos_files, 1), 4),
        "file_recall_per_level": per_level,
        "negative_files": len(neg_files),
        "negative_files_flagged": len(neg_flagged),
    }

"""The verdict classifier: P(copy) for one pair's evidence, from a small trained network.

A model folder (``models/classifier/``) holds ``classifier.json`` (format, feature names and
transforms, threshold, training and evaluation summary) and ``classifier.safetensors``
(``mean``, ``scale``, ``w1``, ``b1``, ``w2``, ``b2``, ``platt``). The network is one tanh hidden
layer over standardized features (or none: ``"activation": "linear"`` is a logistic model); its
output is calibrated by Platt scaling fitted on held-out
pairs, so the probability means what it says. Inference is numpy: a scan never imports torch.

The JSON also records, under ``"tuning"``, the constants of ``ipscan.tuning`` the classifier was
trained with (they shape its evidence and what its verdicts become). A classifier whose recorded
values differ from the running ipscan's, or that records none (written before they were
recorded), is refused with a ClassifierError that says to retrain: it would load, but its
threshold and calibration would be wrong, silently.

Lookup: ``$IPSCAN_CLASSIFIER_DIR``, ``<repo>/models/classifier/``, ``ipscan/data/classifier/``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ipscan import tuning
from ipscan.errors import ClassifierError

FORMAT = "ipscan-classifier"
FORMAT_VERSION = 1
CONFIG = "classifier.json"
WEIGHTS = "classifier.safetensors"
ENV_DIR = "IPSCAN_CLASSIFIER_DIR"
TENSORS = ("mean", "scale", "w1", "b1", "w2", "b2", "platt")
TUNING = "tuning"  # the key of the recorded ipscan.tuning constants
RETRAIN = "retrain it with `ipscan model train-classifier`"
# Counts enter the network as log1p(count); everything else is a share or a cosine already.
LOG_FEATURES = frozenset({"matched_tokens", "shared_fingerprints", "query_tokens", "source_tokens"})

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # ipscan/


def model_dirs() -> list[Path]:
    """Where the classifier is looked for, in order."""
    out = []
    if os.environ.get(ENV_DIR):
        out.append(Path(os.environ[ENV_DIR]))
    out += [_PACKAGE_DIR.parent / "models" / "classifier", _PACKAGE_DIR / "data" / "classifier"]
    return out


@dataclass(frozen=True)
class Classifier:
    """A loaded classifier: feature names, weights and the decision threshold."""

    features: tuple[str, ...]
    threshold: float
    weights: Mapping[str, np.ndarray]
    config: Mapping[str, Any]
    path: Path | None = None

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The feature matrix of evidence dictionaries (``PairEvidence.features()``)."""
        x = np.array([[float(r.get(n, 0.0)) for n in self.features] for r in rows], np.float64)
        return self._transformed(x.reshape(len(rows), len(self.features)))

    def _transformed(self, x: np.ndarray) -> np.ndarray:
        for j, name in enumerate(self.features):
            if name in LOG_FEATURES:
                x[:, j] = np.log1p(np.maximum(x[:, j], 0.0))
        return x

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Uncalibrated network outputs for a feature matrix (already transformed)."""
        w = self.weights
        z = (x - w["mean"]) / w["scale"]
        h = z @ w["w1"] + w["b1"]
        if self.config.get("activation", "tanh") == "tanh":
            h = np.tanh(h)
        out: np.ndarray = (h @ w["w2"] + w["b2"]).reshape(-1)
        return out

    def probability(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Calibrated P(copy) for each evidence dictionary."""
        if not rows:
            return np.zeros(0)
        return self._calibrated(self.logits(self.matrix(rows)))

    def _calibrated(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.weights["platt"]
        p: np.ndarray = 1.0 / (1.0 + np.exp(-(a * logits + b)))
        return p

    def max_probability(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
        """The largest P(copy) over each box of raw feature values (a row of ``lo`` and ``hi``,
        columns in ``features`` order), or None for a classifier whose largest is not at a
        corner of the box (a tanh network). A linear one is monotone in every feature (the log
        transform too), so the corner each weight's sign points to is the largest."""
        if self.config.get("activation", "tanh") != "linear":
            return None
        w = self.weights
        slope = (w["w1"] @ w["w2"]).reshape(-1) / w["scale"] * float(w["platt"][0])
        x = self._transformed(np.where(slope > 0, hi, lo).astype(np.float64))
        return self._calibrated(self.logits(x))


def save_classifier(folder: Path, clf: Classifier) -> None:
    """Write ``clf`` to ``folder`` (safetensors + JSON; files replaced atomically)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: np.ascontiguousarray(clf.weights[k], dtype=np.float32) for k in TENSORS}
    tmp = folder / f".{WEIGHTS}.tmp"
    save_file(tensors, str(tmp), metadata={"format": FORMAT})
    tmp.chmod(0o644)
    os.replace(tmp, folder / WEIGHTS)
    config = {
        **clf.config,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "features": list(clf.features),
        "log_features": sorted(LOG_FEATURES & set(clf.features)),
        "threshold": clf.threshold,
    }
    tmp = folder / f".{CONFIG}.tmp"
    tmp.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / CONFIG)


def load_classifier_from(folder: Path) -> Classifier:
    """The classifier in ``folder``; ClassifierError naming what is wrong."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ClassifierError(f"{folder / CONFIG}: cannot read ({type(exc).__name__})") from exc
    if config.get("format") != FORMAT or config.get("format_version") != FORMAT_VERSION:
        raise ClassifierError(
            f"{folder / CONFIG}: not an {FORMAT} v{FORMAT_VERSION} file "
            f"(format {config.get('format')!r} v{config.get('format_version')!r})"
        )
    try:
        raw = load_file(str(folder / WEIGHTS))
    except (OSError, SafetensorError) as exc:
        raise ClassifierError(f"{folder / WEIGHTS}: cannot read ({exc})") from exc
    missing = [k for k in TENSORS if k not in raw]
    if missing:
        raise ClassifierError(f"{folder / WEIGHTS}: missing tensors {', '.join(missing)}")
    features = tuple(str(f) for f in config.get("features", ()))
    weights = {k: raw[k].astype(np.float64) for k in TENSORS}
    if weights["mean"].shape != (len(features),) or weights["w1"].shape[0] != len(features):
        raise ClassifierError(f"{folder}: weights do not fit the {len(features)} features")
    threshold = float(config.get("threshold", math.nan))
    if not 0.0 < threshold < 1.0:
        raise ClassifierError(f"{folder / CONFIG}: threshold must be between 0 and 1")
    check_tuning(config.get(TUNING), folder / CONFIG)
    return Classifier(features, threshold, weights, config, folder)


def check_tuning(recorded: object, where: Path) -> None:
    """ClassifierError naming the first constant of ``ipscan.tuning`` whose value differs from
    the one ``recorded`` at training (or that was not recorded), saying to retrain."""
    if not isinstance(recorded, dict):
        # Refused, not warned about: a model that cannot show which constants it was calibrated
        # with is exactly the silent miscalibration this check exists to stop.
        raise ClassifierError(
            f"{where}: records no tuning constants (trained by an older ipscan); {RETRAIN}"
        )
    current = tuning.recorded()
    for name in [*current, *(n for n in recorded if n not in current)]:
        if name not in recorded:
            raise ClassifierError(f"{where}: was trained before tuning constant {name}; {RETRAIN}")
        if name not in current:
            raise ClassifierError(
                f"{where}: was trained with tuning constant {name}, which ipscan no longer has; "
                f"{RETRAIN}"
            )
        if recorded[name] != current[name]:
            raise ClassifierError(
                f"{where}: was trained with {name}={recorded[name]!r}, but ipscan.tuning has "
                f"{name}={current[name]!r}; {RETRAIN}"
            )


@lru_cache(maxsize=4)
def _cached(folder: str, stamp: float) -> Classifier:
    return load_classifier_from(Path(folder))


def load_classifier() -> Classifier:
    """The classifier ipscan uses (the first folder of ``model_dirs()`` that holds one)."""
    for folder in model_dirs():
        if (folder / CONFIG).is_file():
            return _cached(
                str(folder),
                (folder / WEIGHTS).stat().st_mtime if (folder / WEIGHTS).exists() else 0.0,
            )
    raise ClassifierError(
        "the verdict classifier is missing (looked in "
        + ", ".join(str(d) for d in model_dirs())
        + "); set IPSCAN_CLASSIFIER_DIR or reinstall ipscan"
    )

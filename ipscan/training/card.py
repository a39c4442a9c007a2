"""The model card of the verdict classifier, written next to its weights."""

from __future__ import annotations

from pathlib import Path

from ipscan import tuning
from ipscan.decide.classifier import TUNING
from ipscan.decide.classifier import WEIGHTS
from ipscan.decide.classifier import Classifier


def write_card(folder: Path, clf: Classifier) -> Path:
    """Write ``folder/README.md`` from the classifier's config and evaluation."""
    cfg = clf.config
    ev = cfg.get("evaluation", {})
    trained = cfg.get("trained_on", {})
    fit = cfg.get("fit", {})
    tuned = cfg.get(TUNING, {})
    claim = tuned.get("MIN_CLAIM_TOKENS", tuning.MIN_CLAIM_TOKENS)
    size = (folder / WEIGHTS).stat().st_size
    levels = ev.get("file_recall_per_level", {})
    rows = "\n".join(f"| {lv} | {r:.3f} |" for lv, r in levels.items())
    if fit.get("hidden") == 0:
        shape = (
            f"a logistic model over {len(clf.features)} standardized features, its weights "
            "held monotone (more aligned tokens, coverage or cosine never lowers P(copy); "
            "more common fingerprints never raises it)"
        )
        w = clf.weights["w1"][:, 0] / clf.weights["scale"]
        weights = "\n".join(f"| `{f}` | {wi:+.4f} |" for f, wi in zip(clf.features, w, strict=True))
        weights = f"\n\n| Feature | Weight (per raw unit; counts as log1p) |\n|---|---|\n{weights}"
    else:
        shape = f"{len(clf.features)} features → tanh hidden layer of {fit.get('hidden')} → 1 logit"
        weights = ""
    text = f"""# Verdict classifier

Decides whether a candidate pair (scanned unit, indexed unit) is a copy, from the evidence the
matchers gathered. Used by every scan (`ipscan/decide/verdict.py`); numpy only at scan time.

- **Model:** {shape}, Platt-calibrated; `{WEIGHTS}` is {size:,} bytes of float32
  (safetensors), `classifier.json` holds the feature names, transforms, threshold and this
  evaluation.
- **Features:** {", ".join(f"`{f}`" for f in clf.features)} (counts as log1p).
- **Threshold:** P(copy) ≥ {clf.threshold:.4f}: the lowest value reaching finding precision
  {fit.get("target_precision")} on the calibration split and flagging at most
  {fit.get("max_negative_file_rate")} of its unrelated files.
- **Tuning:** `classifier.json` records under `{TUNING}` the {len(tuned)} constants of
  `ipscan/tuning.py` its pairs were gathered and are judged with; ipscan refuses to load it
  when one differs from the running code (retrain with `ipscan model train-classifier`).
- **Training data** (nothing committed; rebuilt by `ipscan model train-classifier`): an index
  of the installed packages {", ".join(trained.get("index_packages", []))}; their functions
  rewritten at every level of `ipscan/training/rewrites.py` ({trained.get("per_level")} per
  level) as positives; every other candidate pair, and every pair of files of unrelated
  installed packages ({len(trained.get("negative_packages", []))} specs), as negatives.
  Pairs too short to be claimed (under {claim} normalized tokens on a side and aligned) are never
  judged copies (`ipscan.decide.verdict.claimable`) and are left out.
  Packages are used under their own licenses, read in place, never redistributed.
- **Split:** by scanned file: 60% train, 20% calibrate, 20% test (seed {trained.get("seed")}).
- **Why this shape:** a 32-unit tanh network reached a higher pair ROC-AUC on the training
  corpus but scored pairs with no aligned tokens as copies on the benchmark's unrelated
  packages (it extrapolates); the monotone logistic model cannot, at equal test precision.{weights}

## Evaluation on the held-out test split

| Measure | Value |
|---|---|
| Pairs | {ev.get("test_pairs")} |
| Pair ROC-AUC | {ev.get("pair_roc_auc")} |
| Brier score / expected calibration error | {ev.get("brier")} / {ev.get("ece")} |
| Finding precision (best pair per scanned unit) | {ev.get("finding_precision")} |
| File recall, all levels | {ev.get("file_recall")} |
| Unrelated files flagged | {ev.get("negative_files_flagged")} of {ev.get("negative_files")} |

| Rewrite level | File recall |
|---|---|
{rows}

The benchmark on other packages (`bench/detection.py`) is in the repository README.
"""
    path = folder / "README.md"
    path.write_text(text, encoding="utf-8")
    return path

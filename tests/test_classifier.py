"""The verdict classifier: the shipped model loads, saving round-trips, bad files are clear
errors, and `ipscan model train-classifier` trains a working model from installed packages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan import tuning
from ipscan.decide.classifier import CONFIG
from ipscan.decide.classifier import WEIGHTS
from ipscan.decide.classifier import load_classifier
from ipscan.decide.classifier import load_classifier_from
from ipscan.decide.classifier import save_classifier
from ipscan.errors import ClassifierError
from ipscan.training.fit import DECREASING
from ipscan.training.fit import FEATURES
from ipscan.training.fit import INCREASING
from tests.conftest import run_cli

REPO_MODEL = Path(__file__).resolve().parent.parent / "models" / "classifier"


def test_the_shipped_classifier_loads_and_describes_itself() -> None:
    clf = load_classifier()
    assert clf.path == REPO_MODEL
    assert clf.features == FEATURES
    assert 0.0 < clf.threshold < 1.0
    assert (REPO_MODEL / "README.md").is_file()
    # Small: a few kilobytes of float32.
    assert (REPO_MODEL / WEIGHTS).stat().st_size < 20_000


def test_the_shipped_classifier_is_monotone_in_its_evidence() -> None:
    """More of any evidence of copying never lowers P(copy), and more common fingerprints never
    raise it (README: a monotone model), wherever a pair's evidence starts from."""
    clf = load_classifier()
    rng = np.random.default_rng(7)
    counts = {"matched_tokens", "shared_fingerprints", "query_tokens", "source_tokens"}
    rows = [
        {n: float(rng.integers(0, 400)) if n in counts else float(rng.random()) for n in FEATURES}
        for _ in range(200)
    ]
    for row in rows:
        row["digest_equal"] = float(row["digest_equal"] > 0.8)
    base = clf.probability(rows)
    for name in INCREASING | DECREASING:
        step = 50.0 if name in counts else 0.2
        up = clf.probability([{**r, name: r[name] + step} for r in rows])
        if name in DECREASING:
            assert (up <= base + 1e-9).all(), name
        else:
            assert (up >= base - 1e-9).all(), name
    # The evidence decides: an exact copy is over the threshold, disagreement under it.
    exact = dict.fromkeys(FEATURES, 1.0) | {n: 150.0 for n in counts} | {"common_share": 0.0}
    unrelated = dict.fromkeys(FEATURES, 0.0) | {"cosine": 0.4, "query_tokens": 150.0}
    p_exact, p_unrelated = clf.probability([exact, {**unrelated, "source_tokens": 150.0}])
    assert p_exact >= clf.threshold > p_unrelated


def test_save_and_load_round_trip_without_pickle(tmp_path: Path) -> None:
    clf = load_classifier()
    save_classifier(tmp_path, clf)
    again = load_classifier_from(tmp_path)
    rng = np.random.default_rng(0)
    rows = [{n: float(rng.random() * 100) for n in FEATURES} for _ in range(50)]
    assert np.allclose(clf.probability(rows), again.probability(rows), atol=1e-6)
    assert again.threshold == clf.threshold
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG, WEIGHTS]
    assert b"pickle" not in (tmp_path / WEIGHTS).read_bytes()


def test_broken_model_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="cannot read"):
        load_classifier_from(tmp_path)
    save_classifier(tmp_path, load_classifier())
    config = json.loads((tmp_path / CONFIG).read_text())
    (tmp_path / CONFIG).write_text(json.dumps({**config, "format_version": 99}))
    with pytest.raises(ClassifierError, match="not an ipscan-classifier v1 file"):
        load_classifier_from(tmp_path)
    (tmp_path / CONFIG).write_text(json.dumps(config))
    (tmp_path / WEIGHTS).write_bytes(b"not safetensors")
    with pytest.raises(ClassifierError, match="cannot read"):
        load_classifier_from(tmp_path)


def test_env_folder_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_classifier(tmp_path, load_classifier())
    monkeypatch.setenv("IPSCAN_CLASSIFIER_DIR", str(tmp_path))
    assert load_classifier().path == tmp_path


@pytest.mark.slow
def test_train_classifier_command_trains_a_model(tmp_path: Path) -> None:
    out = tmp_path / "clf"
    run = run_cli(
        "model",
        "train-classifier",
        "--out",
        str(out),
        "--index-packages",
        "xmltodict,semantic-version",
        "--negative-packages",
        "cfgv,iniconfig",
        "--per-level",
        "6",
        "--epochs",
        "200",
        "--no-embeddings",
    )
    assert run.returncode == 0, run.stderr
    evaluation = json.loads(run.stdout)
    assert {"finding_precision", "file_recall_per_level", "pair_roc_auc"} <= set(evaluation)
    clf = load_classifier_from(out)
    assert clf.config["trained_on"]["index_packages"] == ["xmltodict", "semantic-version"]
    assert clf.config["tuning"] == tuning.recorded()

"""The tuning constants: one module, recorded with the classifier at training, checked at load.

A classifier trained under other values than the running code's (or one that records none) is
refused with a one-line ClassifierError that names the constant and says to retrain.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ipscan import tuning
from ipscan.decide.classifier import CONFIG
from ipscan.decide.classifier import TUNING
from ipscan.decide.classifier import load_classifier
from ipscan.decide.classifier import load_classifier_from
from ipscan.decide.classifier import save_classifier
from ipscan.errors import ClassifierError
from ipscan.training.fit import FEATURES
from ipscan.training.fit import FitOptions
from ipscan.training.fit import fit_classifier
from ipscan.training.pair_data import PairData

REPO_MODEL = Path(__file__).resolve().parent.parent / "models" / "classifier"


def test_the_shipped_classifier_records_the_current_constants() -> None:
    recorded = json.loads((REPO_MODEL / CONFIG).read_text(encoding="utf-8"))[TUNING]
    assert recorded == tuning.recorded()
    assert load_classifier().config[TUNING] == tuning.recorded()


def test_no_stage_defines_a_tuning_constant_of_its_own() -> None:
    # A stage that assigned its own MIN_CLAIM_TOKENS would drift from the recorded one unseen.
    recorded = set(tuning.recorded())
    assert {"K", "W", "MIN_CLAIM_TOKENS", "FILE_COVERAGE", "TOP_K", "MIN_COSINE"} <= recorded
    package = Path(tuning.__file__).parent
    modules = [*package.glob("decide/*.py"), *package.glob("match/*.py")]
    modules += [package / "extract" / "fingerprint.py", package / "extract" / "analyze.py"]
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        assert not assigned & recorded, module


def _one_line(exc: pytest.ExceptionInfo[ClassifierError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert "ipscan model train-classifier" in message
    return message


def test_a_changed_constant_refuses_the_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "MIN_CLAIM_TOKENS", 40)
    with pytest.raises(ClassifierError) as exc:
        load_classifier_from(REPO_MODEL)
    assert "MIN_CLAIM_TOKENS=50" in _one_line(exc)
    assert "MIN_CLAIM_TOKENS=40" in str(exc.value)


def _edit(recorded: dict[str, object]) -> None:
    recorded["FILE_COVERAGE"] = 0.5


def _drop(recorded: dict[str, object]) -> None:
    del recorded["MERGE_GAP_LINES"]


def _extra(recorded: dict[str, object]) -> None:
    recorded["RETIRED_CONSTANT"] = 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_edit, "FILE_COVERAGE=0.5"),
        (_drop, "before tuning constant MERGE_GAP_LINES"),
        (_extra, "RETIRED_CONSTANT, which ipscan no longer has"),
        (None, "records no tuning constants"),
    ],
)
def test_an_edited_model_folder_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: object, says: str
) -> None:
    folder = tmp_path / "classifier"
    shutil.copytree(REPO_MODEL, folder)
    config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    if change is None:  # written before the constants were recorded
        del config[TUNING]
    else:
        change(config[TUNING])  # type: ignore[operator]
    (folder / CONFIG).write_text(json.dumps(config, indent=1), encoding="utf-8")
    monkeypatch.setenv("IPSCAN_CLASSIFIER_DIR", str(folder))
    with pytest.raises(ClassifierError) as exc:
        load_classifier()
    assert says in _one_line(exc)


def _pairs(n_files: int = 60) -> PairData:
    rng = np.random.default_rng(0)
    data = PairData()
    for i in range(n_files):
        copy = i % 2
        row = {name: float(rng.random()) for name in FEATURES}
        row["query_coverage"] = row["source_coverage"] = 0.9 if copy else 0.1
        data.rows.append(row)
        data.labels.append(copy)
        data.files.append(f"f{i}.py")
        data.levels.append("verbatim" if copy else "negative")
        data.queries.append(f"f{i}.py:1-9")
    return data


def test_training_records_the_constants_and_the_result_loads(tmp_path: Path) -> None:
    clf, _ = fit_classifier(_pairs(), FitOptions(epochs=20))
    assert clf.config[TUNING] == tuning.recorded()
    save_classifier(tmp_path, clf)
    assert load_classifier_from(tmp_path).config[TUNING] == tuning.recorded()

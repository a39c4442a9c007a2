"""`ipscan model train` and `ipscan model eval` end to end, small (standard library only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.errors import IpscanIndexError
from ipscan.index.compat import check_encoder
from ipscan.training.encoder_train import Pair
from ipscan.training.encoder_train import TrainOptions
from ipscan.training.encoder_train import _bf16
from ipscan.training.encoder_train import with_hard_negatives
from tests.conftest import run_cli


@pytest.mark.slow
def test_train_then_eval_a_tiny_encoder(tmp_path: Path) -> None:
    out = tmp_path / "enc"
    args = ["--per-language", "48", "--layers", "1", "--max-length", "64", "--batch", "8"]
    args += ["--hard-negatives", "--control-swapped"]
    run = run_cli("model", "train", "--out", str(out), *args)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["adapter.safetensors", "ipscan-encoder.json"]
    manifest = json.loads((out / "ipscan-encoder.json").read_text())
    assert manifest["layers"] == 1 and manifest["input"] == "canonical-v1"
    assert manifest["training"]["pairs_per_language"] == {"python": 48}
    assert manifest["training"]["options"]["hard_negatives"] is True
    assert "hard negatives: " in run.stderr
    assert (out / "adapter.safetensors").stat().st_size < 300_000  # 1 layer, rank 16
    run = run_cli(
        "model",
        "eval",
        "--languages",
        "python",
        "--n",
        "20",
        "--distractors",
        "30",
        "--unrelated",
        "20",
        "--model-dir",
        str(out),
        "--model-dir",
        "base",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["results"]
    encoders = {r["encoder"] for r in rows}
    assert encoders == {manifest["id"], "all-MiniLM-L6-v2"}
    verbatim = [r for r in rows if r["level"] == "verbatim"]
    assert all(r["recall@1"] == 1.0 for r in verbatim)
    assert {r["level"] for r in rows} >= {
        "renamed",
        "renamed-edited",
        "statement-added",
        "control-swapped",
    }


def test_hard_negative_is_the_nearest_other_function_of_the_language() -> None:
    pairs = [
        Pair("python", "a", "v0 = 1", "v0 = 1 "),
        Pair("python", "b", "v0 = 2", "v0 = 2 "),
        Pair("python", "c", "twin", "twin "),
        Pair("go", "d", "x := 1", "x := 1 "),
    ]
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [1.0, 0.0, 0.0], [0.9, 0.0, 0.436]], dtype=np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    mined = with_hard_negatives(pairs, vectors)
    # "twin" is as alike as a copy (cosine 1.0): skipped; the next nearest is taken.
    assert mined[0].negative == "v0 = 2"
    assert mined[1].negative in {"v0 = 1", "twin"}
    assert mined[2].negative == "v0 = 2"
    assert mined[3].negative == ""  # the only Go function: nothing to mine
    assert [m.positive for m in mined] == [p.positive for p in pairs]


def test_an_index_of_text_vectors_refuses_a_canonical_encoder(tmp_path: Path) -> None:
    encoder = load_encoder("cpu")
    built = {"id": encoder.encoder_id, "weights_sha256": encoder.weights_sha256}
    if encoder.input_format == "text":
        pytest.skip("the default encoder reads text")
    with pytest.raises(IpscanIndexError, match="rebuild the index"):
        check_encoder(built, encoder, tmp_path)  # no "input" key: built before canonical input
    check_encoder({**built, "input": encoder.input_format}, encoder, tmp_path)


def test_bfloat16_only_where_the_device_multiplies_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipscan.encoder.cpu as cpu

    wanted, plain = TrainOptions(), TrainOptions(bf16=False)
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "fma"}))  # AMD EPYC, AVX2
    assert not _bf16("cpu", wanted)  # emulated there: ten times slower than float32
    assert _bf16("cuda", wanted) and not _bf16("cuda", plain)
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"avx2", "amx_bf16"}))
    assert _bf16("cpu", wanted) and not _bf16("cpu", plain)

"""`ipscan model train` and `ipscan model eval` end to end, small (standard library only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipscan.encoder import load_encoder
from ipscan.errors import IndexError_
from ipscan.index.compat import check_encoder
from tests.conftest import run_cli


@pytest.mark.slow
def test_train_then_eval_a_tiny_encoder(tmp_path: Path) -> None:
    out = tmp_path / "enc"
    args = ["--per-language", "48", "--layers", "1", "--max-length", "64", "--batch", "8"]
    run = run_cli("model", "train", "--out", str(out), *args)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["adapter.safetensors", "ipscan-encoder.json"]
    manifest = json.loads((out / "ipscan-encoder.json").read_text())
    assert manifest["layers"] == 1 and manifest["input"] == "canonical-v1"
    assert manifest["training"]["pairs_per_language"] == {"python": 48}
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
    assert {r["level"] for r in rows} >= {"renamed", "renamed-edited", "statement-added"}


def test_an_index_of_text_vectors_refuses_a_canonical_encoder(tmp_path: Path) -> None:
    encoder = load_encoder("cpu")
    built = {"id": encoder.encoder_id, "weights_sha256": encoder.weights_sha256}
    if encoder.input_format == "text":
        pytest.skip("the default encoder reads text")
    with pytest.raises(IndexError_, match="rebuild the index"):
        check_encoder(built, encoder, tmp_path)  # no "input" key: built before canonical input
    check_encoder({**built, "input": encoder.input_format}, encoder, tmp_path)

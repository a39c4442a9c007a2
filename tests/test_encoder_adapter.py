"""Adapter encoders: save, load (numpy and torch), identical embeddings, no pickle, bad folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import base_package_dir
from ipscan.encoder.model_dir import describe_model_dir
from ipscan.encoder.model_dir import weights_sha256
from ipscan.errors import EncoderError
from ipscan.training.encoder_train import LORA_TARGETS
from ipscan.training.encoder_train import save_adapter

CODE = [
    "def v0 ( v1 ) : return v1 + 1",
    "for ( let v0 = 0 ; v0 < v1 ; v0 ++ ) { v2 += v0 }",
    "func v0 ( v1 int ) int { return v1 * 2 }",
]


def random_adapter(layers: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = {"intermediate.dense": (1536, 384), "output.dense": (384, 1536)}
    out = {}
    for i in range(layers):
        for target in LORA_TARGETS:
            rows, cols = sizes.get(target, (384, 384))
            out[f"encoder.layer.{i}.{target}.lora_a"] = rng.normal(0, 0.05, (4, cols))
            out[f"encoder.layer.{i}.{target}.lora_b"] = rng.normal(0, 0.05, (rows, 4))
        out[f"encoder.layer.{i}.output.LayerNorm.weight"] = 1 + rng.normal(0, 0.05, 384)
    return {k: v.astype(np.float32) for k, v in out.items()}


def write_model(folder: Path, layers: int = 2, **extra: object) -> Path:
    base = describe_model_dir(base_package_dir(), "package")
    manifest = {
        "id": "test-adapter",
        "base": {"package": base.base_package, "weights_sha256": weights_sha256(base)},
        "adapter": "adapter.safetensors",
        "layers": layers,
        "max_length": 64,
        "input": "canonical-v1",
        **extra,
    }
    save_adapter(folder, random_adapter(layers), manifest)
    return folder


def test_adapter_round_trip_numpy_and_torch_agree(tmp_path: Path) -> None:
    folder = write_model(tmp_path / "enc")
    assert sorted(p.name for p in folder.iterdir()) == ["adapter.safetensors", MANIFEST]
    raw = (folder / "adapter.safetensors").read_bytes()
    assert not raw.startswith(b"\x80")  # safetensors (JSON header), never a pickle
    enc = load_encoder("cpu", folder)
    assert enc.info.fine_tuned and enc.input_format == "canonical-v1"
    assert enc.max_length == 64 and enc.info.config["num_hidden_layers"] == 2
    v1 = enc.encode(CODE)
    v2 = load_encoder("cpu", folder).encode(CODE)
    assert np.array_equal(v1, v2)
    base = load_encoder("cpu", base_package_dir()).encode(CODE)
    assert float((v1 * base).sum(1).max()) < 0.999  # the adapter changed the model
    torch_vectors = load_encoder("torch-cpu", folder).encode(CODE)
    assert float((v1 * torch_vectors).sum(1).min()) > 0.9999


def test_adapter_weights_hash_covers_the_adapter(tmp_path: Path) -> None:
    a = load_encoder("cpu", write_model(tmp_path / "a"))
    folder = tmp_path / "b"
    write_model(folder)
    tensors = random_adapter(2, seed=1)
    from safetensors.numpy import save_file

    save_file(
        {k: v.astype(np.float16) for k, v in tensors.items()}, str(folder / "adapter.safetensors")
    )
    b = load_encoder("cpu", folder)
    assert a.weights_sha256 != b.weights_sha256


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"layers": 9}, "exceeds"),
        ({"layers": 0}, "'layers' must be"),
        ({"adapter": "../x"}, "'adapter' must be"),
        ({"input": "tokens"}, "'input' must be one of"),
        ({"base": {"weights_sha256": "0" * 64}}, "other base weights"),
    ],
)
def test_bad_adapter_manifests_are_one_line_errors(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    folder = write_model(tmp_path / "enc")
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest.update(change)
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(EncoderError, match=message):
        load_encoder("cpu", folder)


def test_adapter_that_does_not_fit(tmp_path: Path) -> None:
    folder = write_model(tmp_path / "enc")
    from safetensors.numpy import save_file

    save_file(
        {
            "encoder.layer.0.attention.self.query.lora_a": np.zeros((4, 100), np.float16),
            "encoder.layer.0.attention.self.query.lora_b": np.zeros((384, 4), np.float16),
        },
        str(folder / "adapter.safetensors"),
    )
    with pytest.raises(EncoderError, match="does not fit"):
        load_encoder("cpu", folder)
    (folder / "adapter.safetensors").write_bytes(b"junk")
    with pytest.raises(EncoderError, match="cannot read model weights"):
        load_encoder("cpu", folder)

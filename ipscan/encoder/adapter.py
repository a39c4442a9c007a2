"""Fine-tuned encoders stored as a small adapter over the base model's weights.

``adapter.safetensors`` holds, per adapted linear map ``<name>``, two low-rank factors
``<name>.lora_a`` (rank x in) and ``<name>.lora_b`` (out x rank, already scaled), so the merged
weight is ``W + lora_b @ lora_a``; any other tensor replaces the base tensor of the same name
(LayerNorm parameters). Layers from ``layers`` on are dropped (a shallower, faster student).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ipscan.errors import EncoderError

ADAPTER_FILE = "adapter.safetensors"
_LORA_A = ".lora_a"
_LORA_B = ".lora_b"


def read_safetensors(paths: list[Path]) -> dict[str, np.ndarray]:
    """All tensors of safetensors files, as numpy arrays (no pickle anywhere)."""
    from safetensors.numpy import load_file

    out: dict[str, np.ndarray] = {}
    for f in paths:
        try:
            out.update(load_file(str(f)))
        except Exception as exc:  # safetensors raises its own error types
            raise EncoderError(f"{f}: cannot read model weights ({exc})") from None
    return out


def _drop_layers(weights: dict[str, np.ndarray], layers: int) -> dict[str, np.ndarray]:
    out = {}
    for key, value in weights.items():
        bare = key.removeprefix("bert.")
        if bare.startswith("encoder.layer.") and int(bare.split(".")[2]) >= layers:
            continue
        out[bare] = value
    return out


def merge_adapter(
    base: Mapping[str, np.ndarray], adapter: Mapping[str, np.ndarray], layers: int, where: Path
) -> dict[str, np.ndarray]:
    """Base weights cut to ``layers`` layers with the adapter applied (float32)."""
    weights = _drop_layers(dict(base), layers)
    for key, value in adapter.items():
        if key.endswith(_LORA_B):
            continue
        if key.endswith(_LORA_A):
            name = key[: -len(_LORA_A)]
            b = adapter.get(name + _LORA_B)
            target = weights.get(name + ".weight")
            if b is None or target is None:
                raise EncoderError(f"{where}: adapter tensor {key} has no matching weight")
            delta = b.astype(np.float32) @ value.astype(np.float32)
            if delta.shape != target.shape:
                raise EncoderError(f"{where}: adapter tensor {key} does not fit {name}")
            weights[name + ".weight"] = target.astype(np.float32) + delta
        else:
            target = weights.get(key)
            if target is None or target.shape != value.shape:
                raise EncoderError(f"{where}: adapter tensor {key} does not fit the base model")
            weights[key] = value.astype(np.float32)
    return weights

"""The code encoder: text -> L2-normalized mean-pooled vectors.

Runtimes: plain numpy on the CPU (the default; never imports torch or transformers), transformers
on CUDA in fp16, or transformers on the CPU when asked for ("torch-cpu").
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ipscan.encoder.model_dir import ModelInfo
from ipscan.encoder.model_dir import resolve_model
from ipscan.encoder.model_dir import weights_sha256
from ipscan.errors import EncoderError

DEVICES = ("auto", "cpu", "cuda", "torch-cpu")

__all__ = ["DEVICES", "Encoder", "EncoderError", "ModelInfo", "Runtime", "load_encoder"]


class Runtime(Protocol):
    """A model forward pass: token ids + attention mask -> mean-pooled (batch, dim) float32."""

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


class Encoder:
    """A loaded encoder model with its tokenizer and runtime."""

    def __init__(self, info: ModelInfo, runtime: Runtime, device: str, sha256: str) -> None:
        from tokenizers import Tokenizer

        self.info = info
        self.encoder_id = info.encoder_id
        self.weights_sha256 = sha256
        self.dim = info.dim
        self.max_length = info.max_length
        self.input_format = info.input_format
        self.device = device
        self.runtime = runtime
        try:
            tok = Tokenizer.from_file(str(info.tokenizer_file))
        except Exception as exc:  # tokenizers raises a bare Exception on bad files
            raise EncoderError(f"{info.tokenizer_file}: cannot load tokenizer ({exc})") from None
        tok.no_padding()
        tok.enable_truncation(self.max_length)
        self._tokenizer = tok
        pad = tok.token_to_id("[PAD]")
        self._pad_id = int(info.config.get("pad_token_id", 0) if pad is None else pad)

    def __repr__(self) -> str:
        return f"Encoder({self.encoder_id!r}, device={self.device!r}, path={str(self.info.path)!r})"

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with [CLS]/[SEP], truncated to ``max_length``."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(n, dim) float32 L2-normalized vectors, in the order of ``texts``.

        Texts are batched by token count (longest first) so batches carry little padding.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a string")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        if not ids:
            return out
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = int(lengths[idx].max())
            batch = np.full((len(idx), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = lengths[i]
                batch[row, :n] = ids[i]
                mask[row, :n] = 1
            pooled = np.asarray(self.runtime.pooled(batch, mask), dtype=np.float32)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            np.maximum(norms, np.float32(1e-12), out=norms)
            out[idx] = pooled / norms
        return out


def _nvidia_gpu_visible() -> bool:
    """A cheap look for an NVIDIA GPU, without importing torch."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    if Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi"):
        return True
    try:
        return any(Path("/dev").glob("nvidia[0-9]*"))
    except OSError:
        return False


def _torch_installed() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


# On a CPU, torch runs the encoder about twice as fast as numpy (65 vs 30 functions/s on 2 cores,
# bench/encoder_speed.py) but costs 3-6 s to import: worth it from about this many texts on.
BULK_TEXTS = 200


def bulk_device(device: str, n_texts: int) -> str:
    """The device for encoding ``n_texts`` at once: "auto" on a CPU prefers torch for bulk work."""
    chosen = choose_device(device)
    if device == "auto" and chosen == "cpu" and n_texts >= BULK_TEXTS and _torch_installed():
        return "torch-cpu"
    return chosen


def choose_device(device: str = "auto") -> str:
    """The concrete device for a requested one: "cpu" (numpy), "cuda" or "torch-cpu"."""
    if device not in DEVICES:
        raise EncoderError(f"unknown encoder device {device!r} (one of {', '.join(DEVICES)})")
    if device != "auto":
        return device
    if _torch_installed() and _nvidia_gpu_visible():
        from ipscan.encoder.torch_runtime import cuda_available

        if cuda_available():
            return "cuda"
    return "cpu"


def model_weights(info: ModelInfo) -> dict[str, np.ndarray]:
    """The model's float32 weights by name, an adapter merged into its base weights."""
    from ipscan.encoder.adapter import merge_adapter
    from ipscan.encoder.adapter import read_safetensors

    base = read_safetensors(list(info.base_weight_files))
    if info.adapter_file is None:
        return base
    adapter = read_safetensors([info.adapter_file])
    layers = int(info.config["num_hidden_layers"])
    return merge_adapter(base, adapter, layers, info.path)


def load_encoder(device: str = "auto", model_dir: str | Path | None = None) -> Encoder:
    """Load the encoder model (see ``model_dir`` for where it is looked for) on ``device``.

    ``device``: "auto" (CUDA when torch sees an NVIDIA GPU, else numpy), "cpu" (numpy),
    "cuda" (transformers, fp16) or "torch-cpu" (transformers, float32).
    """
    chosen = choose_device(device)
    info = resolve_model(model_dir)
    runtime: Runtime
    if chosen == "cpu":
        from ipscan.encoder.numpy_bert import NumpyBert

        runtime = NumpyBert(model_weights(info), info.config)
        if runtime.hidden != info.dim:
            raise EncoderError(
                f"{info.path}: weights have dim {runtime.hidden}, expected {info.dim}"
            )
    else:
        from ipscan.encoder.torch_runtime import TorchRuntime

        runtime = TorchRuntime(info, "cuda" if chosen == "cuda" else "cpu")
    return Encoder(info, runtime, chosen, weights_sha256(info))

"""The int8 encoder's arithmetic (``ipscan.encoder.int8``) in torch, for CUDA (the gpu extra).

The same steps as ``NumpyInt8Bert``: each linear map's input quantized to uint8 with one scale
and zero point per tensor, products of integers (exact in float32 below 2**24), both scales,
then the float parts (attention, LayerNorm, GELU) in float32. What differs is the batch: the
CPU runtimes run each text alone, so that its scale is its own; here a whole batch runs at once
and each text's scale is taken over its own tokens only (padding left out), which is the same
scale, so a text's vector does not depend on its batch either.

torch is imported here only, when this runtime is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ipscan.encoder.int8 import SCALE_SUFFIX
from ipscan.encoder.int8 import WORD_TABLE

_A_MAX = 255.0


class TorchInt8Bert:
    """BERT with int8 linear maps (dynamic uint8 activations per text), mean pooled."""

    def __init__(self, weights: Mapping[str, np.ndarray], config: Mapping[str, Any], device: str):
        import torch

        self._torch = torch
        self.device = torch.device(device)
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        w = {k.removeprefix("bert."): v for k, v in weights.items()}

        def t(name: str) -> Any:
            return torch.from_numpy(np.asarray(w[name], dtype=np.float32)).to(self.device)

        self.word = t(WORD_TABLE)
        if WORD_TABLE + SCALE_SUFFIX in w:  # int8 rows: the same products as ``word_rows``
            self.word = self.word * t(WORD_TABLE + SCALE_SUFFIX)[:, None]
        self.pos = t("embeddings.position_embeddings.weight")
        self.tok_type0 = t("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))

        def linear(prefix: str, *names: str) -> tuple[Any, Any, Any]:
            def cat(suffix: str) -> Any:
                return torch.cat([t(prefix + n + suffix) for n in names])

            # (in, out) float32 of int8 values, float32 scale per output, bias.
            return cat(".weight").T.contiguous(), cat(".weight" + SCALE_SUFFIX), cat(".bias")

        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(
                {
                    "qkv": linear(
                        p, "attention.self.query", "attention.self.key", "attention.self.value"
                    ),
                    "out": linear(p, "attention.output.dense"),
                    "ff1": linear(p, "intermediate.dense"),
                    "ff2": linear(p, "output.dense"),
                    "ln1": (
                        t(p + "attention.output.LayerNorm.weight"),
                        t(p + "attention.output.LayerNorm.bias"),
                    ),
                    "ln2": (t(p + "output.LayerNorm.weight"), t(p + "output.LayerNorm.bias")),
                }
            )

    def _linear(self, x: Any, valid: Any, maps: tuple[Any, Any, Any]) -> Any:
        """``DynamicQuantizeLinear`` + ``MatMulInteger`` of (batch, seq, in), one scale per
        text over its ``valid`` tokens."""
        torch = self._torch
        weight_t, w_scale, bias = maps
        big = torch.finfo(torch.float32).max
        lo = torch.where(valid, x, big).amin(dim=(1, 2)).clamp(max=0.0)
        hi = torch.where(valid, x, -big).amax(dim=(1, 2)).clamp(min=0.0)
        scale = torch.where(hi > lo, (hi - lo) / _A_MAX, torch.ones_like(hi))
        zero = torch.round(torch.clamp(-lo / scale, 0.0, _A_MAX))
        s = scale[:, None, None]
        q = torch.round(x / s)
        q = torch.maximum(torch.minimum(q, (_A_MAX - zero)[:, None, None]), -zero[:, None, None])
        y = q @ weight_t
        return y * (s * w_scale) + bias

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over the attention mask: (batch, hidden) float32."""
        torch = self._torch
        fn = torch.nn.functional
        b, s = ids.shape
        h, nh = self.hidden, self.heads
        hd = h // nh
        with torch.inference_mode():
            t_ids = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64)).to(self.device)
            m = torch.from_numpy(np.ascontiguousarray(mask) > 0).to(self.device)
            valid = m[:, :, None]
            x = self.word[t_ids] + self.pos[:s] + self.tok_type0
            x = fn.layer_norm(x, (h,), *self.emb_ln, eps=self.eps)
            key_bias = torch.where(m, 0.0, -1e30)[:, None, None, :]
            for layer in self.layers:
                qkv = self._linear(x, valid, layer["qkv"]).reshape(b, s, 3, nh, hd)
                q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
                scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-1, -2) + key_bias
                ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, s, h)
                x = fn.layer_norm(
                    self._linear(ctx, valid, layer["out"]) + x, (h,), *layer["ln1"], eps=self.eps
                )
                inter = fn.gelu(self._linear(x, valid, layer["ff1"]))
                x = fn.layer_norm(
                    self._linear(inter, valid, layer["ff2"]) + x, (h,), *layer["ln2"], eps=self.eps
                )
            mf = m.to(torch.float32)[:, :, None]
            pooled = (x * mf).sum(dim=1) / mf.sum(dim=1).clamp(min=1e-9)
            out: np.ndarray = pooled.cpu().numpy()
            return out.astype(np.float32)

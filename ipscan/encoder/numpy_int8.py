"""The int8 encoder's forward pass in numpy: ``NumpyBert`` with ONNX Runtime's dynamic int8
linear maps (``ipscan.encoder.int8``), so a CPU without ONNX Runtime gives the same vectors."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ipscan.encoder.int8 import SCALE_SUFFIX
from ipscan.encoder.int8 import Int8Linear
from ipscan.encoder.int8 import per_sequence
from ipscan.encoder.numpy_bert import NumpyBert
from ipscan.encoder.numpy_bert import attend
from ipscan.encoder.numpy_bert import gelu_
from ipscan.encoder.numpy_bert import layer_norm_


class _Int8Layer:
    """One layer: its four int8 linear maps (query, key and value as one) and LayerNorms."""

    def __init__(self, w: Mapping[str, np.ndarray], prefix: str, heads: int) -> None:
        def linear(*names: str) -> Int8Linear:
            def part(suffix: str) -> np.ndarray:
                return np.concatenate([np.asarray(w[prefix + n + suffix]) for n in names])

            return Int8Linear(part(".weight"), part(".weight" + SCALE_SUFFIX), part(".bias"))

        # One input, so one quantization of it: the three maps are one product.
        self.qkv = linear("attention.self.query", "attention.self.key", "attention.self.value")
        hidden = self.qkv.weight_t.shape[1] // 3
        self.score_scale = np.float32(1.0 / math.sqrt(hidden // heads))
        self.out = linear("attention.output.dense")
        self.ff1 = linear("intermediate.dense")
        self.ff2 = linear("output.dense")

        def vec(name: str) -> np.ndarray:
            return np.asarray(w[prefix + name], dtype=np.float32)

        self.ln1_g = vec("attention.output.LayerNorm.weight")
        self.ln1_b = vec("attention.output.LayerNorm.bias")
        self.ln2_g = vec("output.LayerNorm.weight")
        self.ln2_b = vec("output.LayerNorm.bias")


class NumpyInt8Bert(NumpyBert):
    """BERT with int8 linear maps; embeddings, attention scores, LayerNorm and GELU in float32.

    No row chunking of the feed-forward block: an activation's quantization scale is taken over
    the whole tensor, as ONNX Runtime does; and one text at a time (``per_sequence``).
    """

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states of each text run alone: (batch, hidden) float32."""
        return per_sequence(super().pooled, ids, mask)

    def _make_layer(self, w: Mapping[str, np.ndarray], prefix: str) -> _Int8Layer:
        return _Int8Layer(w, prefix, self.heads)

    def _layer(
        self, x: np.ndarray, layer: _Int8Layer, b: int, s: int, bias: np.ndarray
    ) -> np.ndarray:
        h, nh = self.hidden, self.heads
        hd = h // nh
        # Contiguous heads: numpy's batched matmul over strided views skips BLAS (10x slower).
        qkv = np.ascontiguousarray(layer.qkv(x).reshape(b, s, 3, nh, hd).transpose(2, 0, 3, 1, 4))
        q = qkv[0] * layer.score_scale  # the graph scales the scores: the same up to rounding
        ctx = attend(q, qkv[1], qkv[2], bias).transpose(0, 2, 1, 3).reshape(b * s, h)
        attn = layer.out(ctx)
        attn += x
        x = layer_norm_(attn, layer.ln1_g, layer.ln1_b, self.eps)
        inter = gelu_(layer.ff1(x))
        out = layer.ff2(inter)
        out += x
        return layer_norm_(out, layer.ln2_g, layer.ln2_b, self.eps)

"""A BERT encoder forward pass in plain numpy (float32), so a CPU scan never imports torch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ipscan.encoder.int8 import SCALE_SUFFIX
from ipscan.encoder.int8 import WORD_TABLE
from ipscan.encoder.int8 import word_rows
from ipscan.errors import EncoderError

# erf(t) = t * P(t^2) / Q(t^2) on |t| <= _ERF_CLAMP (t clamped beyond: erf(4) = 1 - 1.5e-8).
# Coefficients fitted for ipscan by weighted linear least squares (Sanathanan-Koerner iteration)
# against math.erf; max abs error 2.2e-8 in float64 arithmetic, 4.6e-7 in float32.
_ERF_CLAMP = 4.0
_ERF_P = (
    1.1283789764758327,
    0.19624824342603964,
    0.053467379905045596,
    0.004003614318429449,
    0.0002880406965921111,
    1.974835161646289e-06,
)
_ERF_Q = (
    1.0,
    0.5072516365694171,
    0.11647612193967939,
    0.015444358407814418,
    0.0012163522507763547,
    3.7480877912685115e-05,
)
_SQRT_HALF = 1.0 / math.sqrt(2.0)
# Rows of the feed-forward block computed at once: keeps the 4x-wide intermediate in cache.
_FFN_ROWS = 256
_MASKED = -1e30


def _horner(coeffs: tuple[float, ...], u: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sum(coeffs[i] * u**i) into ``out`` (same dtype as ``u``)."""
    dt = u.dtype.type
    out.fill(dt(coeffs[-1]))
    for c in coeffs[-2::-1]:
        out *= u
        out += dt(c)
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorized erf in float32 or float64 (|error| < 5e-7 in float32, 3e-8 in float64)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    t = np.clip(x, -_ERF_CLAMP, _ERF_CLAMP)
    u = t * t
    p = _horner(_ERF_P, u, np.empty_like(u))
    q = _horner(_ERF_Q, u, np.empty_like(u))
    p /= q
    p *= t
    return p


def gelu_(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, in place: x * (1 + erf(x / sqrt 2)) / 2."""
    dt = x.dtype.type
    t = np.clip(x, -_ERF_CLAMP / _SQRT_HALF, _ERF_CLAMP / _SQRT_HALF)
    t *= dt(_SQRT_HALF)
    u = t * t
    # 0.5 * erf folded into P: phi = 0.5 + t * (P/2)(u) / Q(u)
    p = _horner(tuple(c * 0.5 for c in _ERF_P), u, np.empty_like(u))
    q = _horner(_ERF_Q, u, np.empty_like(u))
    p /= q
    p *= t
    p += dt(0.5)
    x *= p
    return x


def layer_norm_(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis, in place."""
    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    var = np.einsum("...i,...i->...", x, x)[..., None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= gamma
    x += beta
    return x


def _table(value: np.ndarray) -> np.ndarray:
    value = np.asarray(value)
    kept = (np.float16, np.float32, np.int8)  # int8: rows scaled when read (``word_rows``)
    return value if value.dtype in kept else value.astype(np.float32)


class _Layer:
    """One transformer layer's weights, laid out for ``x @ W``."""

    def __init__(self, w: Mapping[str, np.ndarray], prefix: str, heads: int) -> None:
        def get(name: str) -> np.ndarray:
            return np.asarray(w[prefix + name], dtype=np.float32)

        hidden = get("attention.self.query.weight").shape[0]
        scale = np.float32(1.0 / math.sqrt(hidden // heads))
        self.qkv_w = np.ascontiguousarray(
            np.concatenate(
                [
                    get("attention.self.query.weight") * scale,
                    get("attention.self.key.weight"),
                    get("attention.self.value.weight"),
                ]
            ).T
        )
        self.qkv_b = np.concatenate(
            [
                get("attention.self.query.bias") * scale,
                get("attention.self.key.bias"),
                get("attention.self.value.bias"),
            ]
        )
        self.out_w = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_b = get("attention.output.dense.bias")
        self.ln1_g = get("attention.output.LayerNorm.weight")
        self.ln1_b = get("attention.output.LayerNorm.bias")
        self.ff1_w = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.ff1_b = get("intermediate.dense.bias")
        self.ff2_w = np.ascontiguousarray(get("output.dense.weight").T)
        self.ff2_b = get("output.dense.bias")
        self.ln2_g = get("output.LayerNorm.weight")
        self.ln2_b = get("output.LayerNorm.bias")


def attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Softmax attention per head, (batch, heads, seq, head_dim); ``q`` already scaled."""
    scores = q @ k.transpose(0, 1, 3, 2)
    scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    denom = scores.sum(axis=-1, keepdims=True)
    np.reciprocal(denom, out=denom)
    scores *= denom
    ctx: np.ndarray = scores @ v
    return ctx


class NumpyBert:
    """BERT encoder (absolute positions, post-LayerNorm, GELU) with mean pooling."""

    def __init__(self, weights: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> None:
        if config.get("model_type", "bert") != "bert":
            raise EncoderError(
                f"the numpy runtime runs BERT models only, not {config.get('model_type')!r}; "
                "use --device torch-cpu"
            )
        act = config.get("hidden_act", "gelu")
        if act != "gelu":
            raise EncoderError(f"the numpy runtime supports hidden_act 'gelu' only, not {act!r}")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise EncoderError("the numpy runtime supports absolute position embeddings only")
        w = dict(weights)
        if "bert.embeddings.word_embeddings.weight" in w:
            w = {k.removeprefix("bert."): v for k, v in w.items()}
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        n_layers = int(config["num_hidden_layers"])
        try:
            # float16 (and int8) tables stay as stored; the rows read are made float32 (and
            # scaled), as the graph's Cast (and Mul) does.
            self.word = _table(w[WORD_TABLE])
            scale = w.get(WORD_TABLE + SCALE_SUFFIX)
            self.word_scale = None if scale is None else np.asarray(scale, dtype=np.float32)
            self.pos = np.asarray(w["embeddings.position_embeddings.weight"], dtype=np.float32)
            self.tok_type0 = np.asarray(
                w["embeddings.token_type_embeddings.weight"][0], dtype=np.float32
            )
            self.emb_ln_g = np.asarray(w["embeddings.LayerNorm.weight"], dtype=np.float32)
            self.emb_ln_b = np.asarray(w["embeddings.LayerNorm.bias"], dtype=np.float32)
            self.layers = [self._make_layer(w, f"encoder.layer.{i}.") for i in range(n_layers)]
        except KeyError as exc:
            raise EncoderError(f"model weights lack tensor {exc.args[0]}") from None
        if self.word.shape[1] != self.hidden or self.hidden % self.heads:
            raise EncoderError("model weights do not match config.json (hidden_size)")
        self.max_positions = self.pos.shape[0]

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, seq, hidden) for token ids with an attention mask."""
        b, s = ids.shape
        if s > self.max_positions:
            raise ValueError(f"sequence of {s} tokens exceeds {self.max_positions} positions")
        x = word_rows(self.word, self.word_scale, ids)
        x += self.pos[:s]
        x += self.tok_type0
        layer_norm_(x, self.emb_ln_g, self.emb_ln_b, self.eps)
        x = x.reshape(b * s, self.hidden)
        bias = np.where(mask[:, None, None, :] > 0, np.float32(0), np.float32(_MASKED))
        bias = bias.astype(np.float32)
        for layer in self.layers:
            x = self._layer(x, layer, b, s, bias)
        return x.reshape(b, s, self.hidden)

    def _make_layer(self, w: Mapping[str, np.ndarray], prefix: str) -> Any:
        """One layer's weights, as ``_layer`` reads them."""
        return _Layer(w, prefix, self.heads)

    def _layer(self, x: np.ndarray, layer: Any, b: int, s: int, bias: np.ndarray) -> np.ndarray:
        h, nh = self.hidden, self.heads
        hd = h // nh
        qkv = x @ layer.qkv_w
        qkv += layer.qkv_b
        qkv = qkv.reshape(b, s, 3, nh, hd).transpose(2, 0, 3, 1, 4)
        ctx = attend(qkv[0], qkv[1], qkv[2], bias).transpose(0, 2, 1, 3).reshape(b * s, h)
        attn = ctx @ layer.out_w
        attn += layer.out_b
        attn += x
        x = layer_norm_(attn, layer.ln1_g, layer.ln1_b, self.eps)
        out = np.empty_like(x)
        for start in range(0, b * s, _FFN_ROWS):
            rows = x[start : start + _FFN_ROWS]
            inter = rows @ layer.ff1_w
            inter += layer.ff1_b
            gelu_(inter)
            o = np.matmul(inter, layer.ff2_w, out=out[start : start + _FFN_ROWS])
            o += layer.ff2_b
            o += rows
        return layer_norm_(out, layer.ln2_g, layer.ln2_b, self.eps)

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over the attention mask: (batch, hidden) float32."""
        hs = self.hidden_states(ids, mask)
        m = mask.astype(np.float32)
        summed: np.ndarray = np.einsum("bsh,bs->bh", hs, m)
        counts = np.maximum(m.sum(axis=1, keepdims=True), np.float32(1e-9))
        mean: np.ndarray = summed / counts
        return mean.astype(np.float32)

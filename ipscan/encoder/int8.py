"""The int8 encoder's arithmetic: ONNX Runtime's dynamic quantization, in numpy (issue #18).

An int8 folder (``"quantization": {"recipe": RECIPE}`` in its manifest) stores each of the 18
linear maps (query, key, value, attention output and both feed-forward maps of every layer) as
int8 weights with one float32 scale per output channel; everything else stays as the float
folder has it. At run time each linear map's input is quantized per tensor to uint8, the product
is taken in integers and scaled back: ONNX Runtime's ``DynamicQuantizeLinear`` + ``MatMulInteger``
(what ``onnxruntime.quantization.quantize_dynamic(per_channel=True, reduce_range=False,
weight_type=QInt8)`` writes; its int8 weights and scales equal ``quantize_matrix``'s, checked on
ONNX Runtime 1.32). The numpy runtime computes the same. Each text runs on its own
(``per_sequence``), so its vector does not depend on the batch it came in.

The rounding is ONNX's: to nearest, ties to even (``np.rint``), as the operator specification
says (onnx.ai, DynamicQuantizeLinear-11).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping

import numpy as np

# Bumped whenever the arithmetic or the stored layout changes: it is written into the weights
# file's metadata, so it is part of the weights digest an index and the embedding cache key on.
RECIPE = "ort-dynamic-int8-v1"
SCALE_SUFFIX = "_scale"  # "<linear>.weight" int8 (out, in) + "<linear>.weight_scale" float32 (out,)
LINEAR_MAPS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
# The word embedding table in int8 (``quantize_standalone(..., int8_embeddings=True)``): one
# float32 scale per token, its row read as ``q * scale`` (the same symmetric recipe per row).
WORD_TABLE = "embeddings.word_embeddings.weight"
WORD_TABLE_RECIPE = "int8-rows-v1"
_W_MAX = 127  # symmetric int8 weights: [-127, 127]
U8_ZERO = 128  # the zero point of the weights handed over as uint8 (``as_u8``)
_A_MAX = 255  # uint8 activations: [0, 255]


def is_linear_weight(name: str) -> bool:
    """Whether ``name`` is the weight matrix of a quantized linear map."""
    if not name.startswith("encoder.layer.") or not name.endswith(".weight"):
        return False
    inner = name.removesuffix(".weight").split(".", 3)
    return len(inner) == 4 and inner[3] in LINEAR_MAPS


def quantize_matrix(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, float32 scale per row) of a float (out, in) matrix: symmetric per output
    channel, ``scale = 2 max|w| / 254``, ``q = round(w / scale)`` (ONNX Runtime's quantizer)."""
    w = np.asarray(w, dtype=np.float32)
    absmax = np.abs(w).max(axis=1)
    scale = (absmax * np.float32(2.0) / np.float32(2 * _W_MAX)).astype(np.float32)
    scale[scale == 0] = np.float32(1.0)  # an all-zero row: any scale gives zeros
    q = np.clip(np.rint(w / scale[:, None]), -_W_MAX, _W_MAX).astype(np.int8)
    return q, scale


def quantize_word_table(tables: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The embedding tables with the word table as int8 rows plus a float32 scale per token;
    the position and token-type tables as given."""
    out = dict(tables)
    out[WORD_TABLE], out[WORD_TABLE + SCALE_SUFFIX] = quantize_matrix(tables[WORD_TABLE])
    return dict(sorted(out.items()))


def word_rows(table: np.ndarray, scale: np.ndarray | None, ids: np.ndarray) -> np.ndarray:
    """The float32 rows of token ``ids`` (any shape) of a word table stored as float16, float32,
    or int8 with a ``scale`` per token (``quantize_word_table``)."""
    rows: np.ndarray = table[ids].astype(np.float32, copy=False)  # indexing made a new array
    if scale is not None:
        rows *= scale[ids][..., None]
    return rows


def quantize_tensors(tensors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The tensors of an int8 weights file: linear matrices quantized, the rest as given."""
    out: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        if is_linear_weight(name):
            out[name], out[name + SCALE_SUFFIX] = quantize_matrix(value)
        else:
            out[name] = value
    return dict(sorted(out.items()))


def as_u8(tensors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The tensors with each int8 linear weight as uint8 plus ``U8_ZERO``, for the graph built
    with ``u8_weights``: (a - a0)(w + 128 - 128) is the same integer product. ONNX Runtime's
    uint8 x int8 kernel on a CPU without VNNI (AVX2, AVX-512 without VNNI) adds pairs of
    products in 16 bits with saturation: vectors at cosine median 0.980, min 0.956 from the
    exact ones on an AVX2 EPYC (300 functions), against 0.9999999 with uint8 x uint8."""
    out = dict(tensors)
    for name, value in tensors.items():
        if is_linear_weight(name) and value.dtype == np.int8:
            out[name] = (value.astype(np.int16) + U8_ZERO).astype(np.uint8)
    return out


def dynamic_quantize(x: np.ndarray) -> tuple[np.ndarray, np.float32]:
    """``DynamicQuantizeLinear`` of a float32 tensor: (quantized values minus the zero point,
    as float32 integers in [-255, 255], and the scale)."""
    lo = min(np.float32(x.min()), np.float32(0.0))
    hi = max(np.float32(x.max()), np.float32(0.0))
    scale = np.float32(1.0) if hi == lo else np.float32((hi - lo) / np.float32(_A_MAX))
    zero = np.float32(np.rint(np.clip(np.float32(0.0) - lo / scale, 0, _A_MAX)))
    q = np.rint(x / scale)
    np.clip(q, -zero, np.float32(_A_MAX) - zero, out=q)
    return q, scale


def per_sequence(
    pooled: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ids: np.ndarray,
    mask: np.ndarray,
    mapper: Callable[..., Iterable[np.ndarray]] = map,
) -> np.ndarray:
    """``pooled`` of each sequence of a batch on its own, without its padding.

    An activation's quantization scale is taken over the whole tensor run: in a batch of 32
    it depends on the other texts and on the padding, and the same text's vector moved to cosine
    0.975 (min; median 0.988) between batch 32 and alone (300 standard-library functions), as
    far as int8 is from float. Alone, a text's vector depends on the text only.
    ``mapper`` (``map`` or a thread pool's) runs ``pooled`` over the sequences.
    """
    lengths = [max(1, int(n)) for n in mask.sum(axis=1)]
    seqs = [ids[row : row + 1, :n] for row, n in enumerate(lengths)]
    masks = [mask[row : row + 1, :n] for row, n in enumerate(lengths)]
    return np.vstack(list(mapper(pooled, seqs, masks))).astype(np.float32, copy=False)


class Int8Linear:
    """``x @ W.T + b`` as ONNX Runtime computes it with int8 weights and uint8 activations.

    The integer products are summed by float32 BLAS (exact below 2**24, within 1e-7 relative
    above), which keeps numpy's speed; ONNX Runtime sums them in int32.
    """

    def __init__(self, q: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> None:
        self.weight_t = np.ascontiguousarray(np.asarray(q, dtype=np.float32).T)
        self.scale = np.asarray(scale, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        a, a_scale = dynamic_quantize(x)
        y: np.ndarray = a @ self.weight_t
        y *= a_scale * self.scale  # float32, as ONNX Runtime's Mul of the two scales
        y += self.bias
        return y

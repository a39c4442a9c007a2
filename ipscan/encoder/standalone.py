"""A self-contained encoder folder: merged weights, a tokenizer and a graph, no base package.

The merged model's tensors, in BERT's names, are split over two files: ``embeddings.safetensors``
(the token, position and token-type embedding tables, which fine-tuning leaves as the base
model's, so a retrained encoder adds no new copy of them to git history) and
``encoder.safetensors`` (everything fine-tuning changes). Matrices are float16 (the embeddings
stay within cosine 0.99999 of float32 ones), vectors float32. Position embeddings are cut to the
model's ``max_length`` and token types to the one type ipscan uses. ``encoder.onnx`` is the
forward pass as an ONNX graph without weights (``ipscan.encoder.ort_runtime`` hands them over).

An int8 folder (``ipscan model quantize``, issue #18) replaces ``encoder.safetensors`` with
``encoder.int8.safetensors`` (``ipscan.encoder.int8``) and ``encoder.onnx`` with
``encoder.int8.onnx``; its tensors are handed over as stored (int8, float16 tables, float32),
the graph casts them. Its vectors are a new encoder's (cosine 0.96-0.98 to the float ones).

Measured before choosing, with one-off scripts that are not kept (AMD EPYC, 2 cores): a
vocabulary pruned to the tokens seen in 92,302 units of real code reads one in ten new units
with an [UNK], which moves those to a median cosine of 0.95; not kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ipscan.errors import EncoderError

EMBEDDINGS_FILE = "embeddings.safetensors"
WEIGHTS_FILE = "encoder.safetensors"
TOKENIZER_FILE = "tokenizer.json"
GRAPH_FILE = "encoder.onnx"
INT8_WEIGHTS_FILE = "encoder.int8.safetensors"
INT8_GRAPH_FILE = "encoder.int8.onnx"
# The same graph taking the int8 weights as uint8 (``ipscan.encoder.int8.as_u8``): what ONNX
# Runtime runs on CPUs whose int8 kernels saturate (``ipscan.encoder.cpu``).
INT8_U8_GRAPH_FILE = "encoder.int8.u8.onnx"
TABLES = (
    "embeddings.word_embeddings.weight",
    "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight",
)


def read_weights(paths: Sequence[Path]) -> dict[str, np.ndarray]:
    """The float32 weights of a standalone folder's weight files."""
    return {k: v.astype(np.float32) for k, v in read_stored_weights(paths).items()}


def read_stored_weights(paths: Sequence[Path]) -> dict[str, np.ndarray]:
    """The tensors of a standalone folder's weight files in their stored types."""
    from ipscan.encoder.adapter import read_safetensors

    stored = read_safetensors(list(paths))
    if TABLES[0] not in stored:
        where = ", ".join(str(p) for p in paths)
        raise EncoderError(f"{where}: not a standalone encoder (no word embedding)")
    return stored


def split_tensors(tensors: Mapping[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The tensors of each weight file: the embedding tables, and the rest."""
    tables = {k: v for k, v in tensors.items() if k in TABLES}
    rest = {k: v for k, v in tensors.items() if k not in TABLES}
    return {EMBEDDINGS_FILE: tables, WEIGHTS_FILE: rest}


def pack_weights(weights: Mapping[str, np.ndarray], max_length: int) -> dict[str, np.ndarray]:
    """The tensors of a standalone weights file for merged float32 ``weights``."""
    w = {k.removeprefix("bert."): np.asarray(v, dtype=np.float32) for k, v in weights.items()}
    positions = "embeddings.position_embeddings.weight"
    types = "embeddings.token_type_embeddings.weight"
    w[positions] = w[positions][:max_length]
    w[types] = w[types][:1]
    return {
        name: np.ascontiguousarray(value if value.ndim == 1 else value.astype(np.float16))
        for name, value in sorted(w.items())
        if not name.endswith("position_ids") and not name.startswith("pooler.")
    }


def write_weights(
    tensors: Mapping[str, np.ndarray], path: Path, metadata: Mapping[str, str] | None = None
) -> None:
    """Write a safetensors file atomically (a temporary file renamed into place)."""
    from safetensors.numpy import save_file

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
        save_file(arrays, str(tmp), metadata=None if metadata is None else dict(metadata))
        os.chmod(tmp, 0o644)  # a model file anyone may read, as git would check it out
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

"""Quantize a standalone encoder folder to int8 (issue #18): a new encoder, about 1.7x faster on
ONNX Runtime on a 2-core CPU, whose vectors are within cosine 0.96-0.98 of the float model's.

The folder written keeps the source's ``embeddings.safetensors`` (float16 tables, the same
file byte for byte) and tokenizer, and replaces ``encoder.safetensors`` and ``encoder.onnx`` by
``encoder.int8.safetensors`` (``ipscan.encoder.int8``: int8 linear matrices with float32 scales
per output channel, the recipe in the file's metadata) and ``encoder.int8.onnx``. Its id gets
``+int8`` and its weights digest is new, so indexes and cached embeddings of the float model are
never mixed with its vectors. The weights stay in safetensors rather than in the graph so that
the numpy and torch runtimes, which run without the ``onnx`` package, read the same int8 values.

The quantization measures, on real units, how far the int8 vectors are from the source's
(recorded) and that the numpy runtime reproduces ONNX Runtime's (required, else nothing is
written: a CPU where ONNX Runtime's int8 products differ from exact ones, such as AVX2 without
VNNI, whose u8s8 products can saturate, would show here).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.encoder import load_encoder
from ipscan.encoder.int8 import LINEAR_MAPS
from ipscan.encoder.int8 import RECIPE
from ipscan.encoder.int8 import WORD_TABLE_RECIPE
from ipscan.encoder.int8 import quantize_tensors
from ipscan.encoder.int8 import quantize_word_table
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import ModelInfo
from ipscan.encoder.model_dir import weights_sha256
from ipscan.encoder.standalone import EMBEDDINGS_FILE
from ipscan.encoder.standalone import INT8_GRAPH_FILE
from ipscan.encoder.standalone import INT8_U8_GRAPH_FILE
from ipscan.encoder.standalone import INT8_WEIGHTS_FILE
from ipscan.encoder.standalone import TOKENIZER_FILE
from ipscan.encoder.standalone import WEIGHTS_FILE
from ipscan.encoder.standalone import read_stored_weights
from ipscan.encoder.standalone import split_tensors
from ipscan.encoder.standalone import write_weights
from ipscan.errors import EncoderError
from ipscan.training.export_standalone import MEASURED_UNITS
from ipscan.training.export_standalone import agreement
from ipscan.training.export_standalone import spread
from ipscan.training.export_standalone import staged_folder
from ipscan.training.export_standalone import write_manifest

ID_SUFFIX = "+int8"
ID_SUFFIX_EMBEDDINGS = "+int8e"  # the word table in int8 too
# The numpy runtime must give ONNX Runtime's int8 vectors: most units bit for bit (median), and
# none far off. Not every unit within 0.9999: both runtimes quantize the same floats the same
# way, but their LayerNorm, softmax and GELU differ in the last bit, and one activation rounded
# the other way moves later ones (a cascade through the layers): 300 standard-library functions
# gave median 0.9999999, 80 % >= 0.9999, min 0.994; 2,000 of the stdlib median 0.9999995,
# 74 % >= 0.9999, min 0.991. A wrong emulation (or saturating int8 products) moves the median.
RUNTIMES_AGREE_MEDIAN = 0.99999
RUNTIMES_AGREE_MIN = 0.98
_DROPPED_KEYS = ("same_embeddings_as", "agreement_with_source")


def quantization_record(source: ModelInfo, int8_embeddings: bool = False) -> dict[str, Any]:
    """The manifest's ``quantization``: the recipe, in words, and what was quantized."""
    tables = "position and type tables" if int8_embeddings else "embedding tables"
    record = {
        "recipe": RECIPE,
        "linear_maps": [f"encoder.layer.*.{name}" for name in LINEAR_MAPS],
        "weights": "int8 per output channel, symmetric: scale = 2 max|w| / 254, "
        "q = round_half_even(w / scale) in [-127, 127]",
        "activations": "uint8 per tensor (the whole batch), asymmetric, at run time "
        "(ONNX DynamicQuantizeLinear); integer products, then both scales (MatMulInteger)",
        "float": f"{tables} (float16), attention scores and context, LayerNorm, GELU",
        "same_as": "onnxruntime.quantization.quantize_dynamic(per_channel=True, "
        "reduce_range=False, weight_type=QInt8) on the 18 linear MatMuls",
        "quantized_from": {"id": source.encoder_id, "weights_sha256": weights_sha256(source)},
    }
    if int8_embeddings:
        record["word_table"] = (
            f"{WORD_TABLE_RECIPE}: int8 per token, symmetric (the weights' recipe per row), "
            "read as q * scale"
        )
    return record


def quantize_standalone(
    source: ModelInfo,
    out: Path,
    texts: Sequence[str],
    say: Callable[[str], None],
    units: int = MEASURED_UNITS,
    int8_embeddings: bool = False,
) -> dict[str, Any]:
    """Write the int8 folder ``out`` of the float standalone folder ``source``; the manifest.
    ``int8_embeddings``: the word table in int8 rows too (half the size of float16)."""
    from ipscan.training.onnx_graph import build_graph

    if not source.standalone or source.quantization is not None:
        raise EncoderError(
            f"{source.path}: not a float standalone encoder folder (ipscan model export)"
        )
    stored = read_stored_weights(source.weight_files)
    parts = split_tensors(stored)
    int8 = quantize_tensors(parts[WEIGHTS_FILE])
    tables = (
        quantize_word_table(parts[EMBEDDINGS_FILE]) if int8_embeddings else parts[EMBEDDINGS_FILE]
    )
    tensors = {**tables, **int8}
    with staged_folder(out) as tmp:
        embeddings = [f for f in source.weight_files if f.name == EMBEDDINGS_FILE]
        if int8_embeddings:
            write_weights(tables, tmp / EMBEDDINGS_FILE, {"quantization": WORD_TABLE_RECIPE})
        elif embeddings:  # the same file, so a folder of each kind adds one copy to git history
            shutil.copyfile(embeddings[0], tmp / EMBEDDINGS_FILE)
        else:
            write_weights(parts[EMBEDDINGS_FILE], tmp / EMBEDDINGS_FILE)
        write_weights(int8, tmp / INT8_WEIGHTS_FILE, {"quantization": RECIPE})
        for name, u8 in ((INT8_GRAPH_FILE, False), (INT8_U8_GRAPH_FILE, True)):
            graph = build_graph(
                {k: v.shape for k, v in tensors.items()},
                source.config,
                {k: v.dtype for k, v in tensors.items()},
                int8=True,
                u8_weights=u8,
            )
            (tmp / name).write_bytes(graph)
        shutil.copyfile(source.tokenizer_file, tmp / TOKENIZER_FILE)
        manifest = _manifest(source, int8_embeddings)
        write_manifest(tmp, manifest)
        manifest.update(_measure(source, tmp, spread(texts, units), say))
        write_manifest(tmp, manifest)
    return manifest


def _manifest(source: ModelInfo, int8_embeddings: bool = False) -> dict[str, Any]:
    given: dict[str, Any] = json.loads((source.path / MANIFEST).read_text(encoding="utf-8"))
    manifest = {k: v for k, v in given.items() if k not in _DROPPED_KEYS}
    tables = "float16 embedding tables"
    if int8_embeddings:
        tables = (
            "an int8 word table with a float32 scale per token, float16 position and type tables"
        )
    manifest.update(
        id=source.encoder_id + (ID_SUFFIX_EMBEDDINGS if int8_embeddings else ID_SUFFIX),
        weights=[EMBEDDINGS_FILE, INT8_WEIGHTS_FILE],
        graph=INT8_GRAPH_FILE,
        tokenizer=TOKENIZER_FILE,
        storage=f"int8 linear matrices with float32 scales per output channel, {tables}, "
        "float32 vectors",
        quantization=quantization_record(source, int8_embeddings),
    )
    return manifest


def _measure(
    source: ModelInfo, folder: Path, sample: Sequence[str], say: Callable[[str], None]
) -> dict[str, Any]:
    """``agreement_with_source`` (int8 vs float, recorded) and ``runtimes_agree`` (numpy vs
    ONNX Runtime on the int8 model, required)."""
    if not sample:
        raise EncoderError("no units to measure the int8 encoder on")
    expected = load_encoder("cpu", source.path).encode(sample)
    ort = load_encoder("cpu", folder)
    if ort.runtime_name != "onnxruntime":
        raise EncoderError("quantizing needs ONNX Runtime: pip install onnxruntime")
    got = ort.encode(sample)
    emulated = load_encoder("numpy", folder).encode(sample)
    vs_source = agreement(expected, got)
    runtimes: dict[str, float] = agreement(got, emulated)
    cos = np.einsum("ij,ij->i", got, emulated)
    runtimes.update(
        median_cosine=round(float(np.median(cos)), 7),
        share_at_least_0_9999=round(float(np.mean(cos >= 0.9999)), 4),
    )
    say(f"int8 (onnxruntime) vs float embeddings: {vs_source}")
    say(f"int8 numpy vs onnxruntime embeddings: {runtimes}")
    if runtimes["median_cosine"] < RUNTIMES_AGREE_MEDIAN or cos.min() < RUNTIMES_AGREE_MIN:
        raise EncoderError(
            f"the int8 numpy runtime differs from ONNX Runtime here (cosine median "
            f"{runtimes['median_cosine']}, min {runtimes['min_cosine']}); nothing written"
        )
    return {
        "agreement_with_source": {"units": len(sample), "onnxruntime": vs_source},
        "runtimes_agree": {"units": len(sample), "numpy_vs_onnxruntime": runtimes},
    }

"""Export a trained encoder as a standalone folder that scans load without the base package.

The folder holds the merged weights (``ipscan.encoder.standalone``), the tokenizer, and the
forward pass as an ONNX graph without weights (``ipscan.training.onnx_graph``). The export
measures how far the exported model's embeddings are from the source model's, on both CPU
runtimes; when every measured unit agrees within ``SAME_EMBEDDINGS_COSINE``, the manifest says
so (``same_embeddings_as``) and indexes built with the source model stay valid.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.encoder import Encoder
from ipscan.encoder import load_encoder
from ipscan.encoder import model_weights
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import ModelInfo
from ipscan.encoder.standalone import GRAPH_FILE
from ipscan.encoder.standalone import TOKENIZER_FILE
from ipscan.encoder.standalone import pack_weights
from ipscan.encoder.standalone import split_tensors
from ipscan.encoder.standalone import write_weights

# An exported model whose embeddings are at least this close (cosine, every measured unit) to
# the source model's computes the same function for every purpose of an index.
SAME_EMBEDDINGS_COSINE = 0.9999
# Units whose embeddings are compared, spread evenly over the texts given.
MEASURED_UNITS = 2000
_KEPT_KEYS = ("id", "input", "pooling", "normalize", "max_length", "dim", "layers", "training")


def spread(texts: Sequence[str], n: int) -> list[str]:
    if len(texts) <= n:
        return list(texts)
    step = len(texts) / n
    return [texts[int(i * step)] for i in range(n)]


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = np.einsum("ij,ij->i", a, b)
    return {"min_cosine": round(float(cos.min()), 7), "mean_cosine": round(float(cos.mean()), 7)}


def export_standalone(
    source: ModelInfo, out: Path, texts: Sequence[str], say: Callable[[str], None]
) -> dict[str, Any]:
    """Write ``out`` (weights, graph, tokenizer, manifest) from ``source``; returns the manifest."""
    from ipscan.training.onnx_graph import build_graph

    src = load_encoder("numpy", source.path)
    tensors = pack_weights(model_weights(source), source.max_length)
    config = {k: v for k, v in source.config.items() if not k.startswith("_")}
    config.update(max_position_embeddings=source.max_length, type_vocab_size=1)
    with staged_folder(out) as tmp:
        files = split_tensors(tensors)
        for name, part in files.items():
            write_weights(part, tmp / name)
        (tmp / GRAPH_FILE).write_bytes(
            build_graph({k: v.shape for k, v in tensors.items()}, config)
        )
        shutil.copyfile(source.tokenizer_file, tmp / TOKENIZER_FILE)
        manifest = _manifest(source, src, config, sorted(files))
        write_manifest(tmp, manifest)
        sample = spread(texts, MEASURED_UNITS)
        expected = src.encode(sample)
        measured: dict[str, Any] = {"units": len(sample)}
        for device in ("numpy", "cpu"):
            exported = load_encoder(device, tmp)
            agreed = agreement(expected, exported.encode(sample))
            measured[exported.runtime_name] = agreed
            say(f"{exported.runtime_name} embeddings vs the source: {agreed}")
        manifest["agreement_with_source"] = measured
        worst = min(v["min_cosine"] for v in measured.values() if isinstance(v, dict))
        if worst >= SAME_EMBEDDINGS_COSINE:
            manifest["same_embeddings_as"] = sorted({src.weights_sha256, *src.same_embeddings_as})
        write_manifest(tmp, manifest)
    return manifest


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A fresh folder beside ``out`` to write a model into: it replaces ``out`` as a whole when
    the block ends without an error, and is removed either way."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measured_texts(corpus: Path | None, trees: Sequence[Path]) -> list[str]:
    """What an export or a quantization is measured on: the canonical text of the corpus's
    functions (the standard library's alone without one) and of the units under ``trees``."""
    from ipscan.training.code_corpus import LANGUAGES
    from ipscan.training.code_corpus import corpus_functions

    return [f.unit.canonical for f in corpus_functions(corpus, LANGUAGES)] + tree_texts(trees)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def _manifest(
    source: ModelInfo, src: Encoder, config: dict[str, Any], weights: list[str]
) -> dict[str, Any]:
    path = source.path / MANIFEST
    given: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    manifest = {k: given[k] for k in _KEPT_KEYS if k in given}
    manifest.setdefault("id", source.encoder_id)
    manifest.setdefault("input", source.input_format)
    manifest.setdefault("max_length", source.max_length)
    manifest.setdefault("dim", source.dim)
    base = given.get("base") or {"package": source.base_package, "version": source.base_version}
    manifest.update(
        weights=weights,
        graph=GRAPH_FILE,
        tokenizer=TOKENIZER_FILE,
        config=config,
        storage="float16 matrices, float32 vectors",
        base=base,
        exported_from={"id": src.encoder_id, "weights_sha256": src.weights_sha256},
    )
    return manifest


def tree_texts(roots: Sequence[Path]) -> list[str]:
    """Canonical text of every evidence unit in the source files under ``roots``."""
    from ipscan.extract.analyze import AnalyzedFile
    from ipscan.extract.analyze import analyze_bytes
    from ipscan.extract.languages import language_for_path

    texts: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or language_for_path(path.name) is None:
                continue
            try:
                analyzed = analyze_bytes(str(path.relative_to(root)), path.read_bytes())
            except (OSError, RecursionError, ValueError):
                continue
            if isinstance(analyzed, AnalyzedFile):
                texts.extend(au.canonical for au in analyzed.units)
    return texts

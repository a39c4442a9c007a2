"""Contrastive fine-tuning of the encoder on canonical code (``ipscan model train``).

Student: the base all-MiniLM-L6-v2 cut to its first ``layers`` layers, with low-rank adapters
(LoRA) on every linear map of those layers and its LayerNorms trainable; the word embeddings stay
the base package's. Only the adapter is saved (see ``ipscan.encoder.adapter``), so the artifact
is small and the base weights are never copied.

Data: functions of training packages (``code_corpus.package_split`` below the eval's held-out
share), each paired with a copy rewritten by ``ts_rewrites`` (renamed, reformatted, a statement
deleted or a dead one added; with ``--control-swapped`` also a control structure rewritten), all
in canonical form. Loss: symmetric InfoNCE over the batch; batches hold one language and few
packages, so the in-batch negatives are look-alikes (same language, same authors' style). With
``hard_negatives`` each anchor also brings its nearest other function by the starting encoder
(mined over all training functions of its language: look-alike boilerplate, overloads, sibling
methods) as an extra negative for its row.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.encoder.adapter import ADAPTER_FILE
from ipscan.encoder.int8 import LINEAR_MAPS
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.torch_runtime import cpu_has_bf16_matrix_units
from ipscan.training.code_corpus import CodeFunction
from ipscan.training.encoder_eval import MAX_REWRITE_FILE_CHARS
from ipscan.training.encoder_eval import is_held_out
from ipscan.training.encoder_eval import rewritten

TRAIN_LEVELS = ("reformatted", "renamed", "renamed-edited", "statement-added")
# Nearest functions more alike than this are taken for copies (vendored twins), not negatives.
HARD_NEGATIVE_MAX_COSINE = 0.995
LORA_TARGETS = LINEAR_MAPS  # every linear map of a layer (the int8 encoder's too)


@dataclass(frozen=True)
class Pair:
    """An anchor function and a rewritten copy of it, both canonical."""

    language: str
    package: str
    anchor: str
    positive: str
    negative: str = ""


@dataclass(frozen=True)
class TrainOptions:
    layers: int = 3
    rank: int = 16
    alpha: float = 32.0
    max_length: int = 256
    batch_pairs: int = 32
    epochs: int = 1
    lr: float = 1e-3
    temperature: float = 0.05
    seed: int = 0
    bf16: bool = True
    hard_negatives: bool = False


def training_pairs(
    functions: Sequence[CodeFunction],
    per_language: int,
    seed: int = 0,
    say: Callable[[str], None] = lambda _: None,
    levels: Sequence[str] = TRAIN_LEVELS,
) -> list[Pair]:
    """Up to ``per_language`` (anchor, rewritten copy) pairs per language, training packages only.

    Functions whose canonical text also occurs in a held-out package are left out, so vendored
    copies cannot leak evaluation functions into training.
    """
    rng = random.Random(seed)
    held = {fn.unit.canonical for fn in functions if is_held_out(fn.package)}
    by_language: dict[str, list[CodeFunction]] = defaultdict(list)
    seen: set[str] = set()
    for fn in functions:
        canonical = fn.unit.canonical
        if is_held_out(fn.package) or canonical in held or canonical in seen:
            continue
        if len(fn.file.text) > MAX_REWRITE_FILE_CHARS:
            continue
        seen.add(canonical)
        by_language[fn.language].append(fn)
    pairs: list[Pair] = []
    for language in sorted(by_language):
        fns = by_language[language]
        rng.shuffle(fns)
        made = 0
        started = time.perf_counter()
        for fn in fns:
            if made >= per_language:
                break
            # A function with no control structure to rewrite is renamed instead.
            sample = rewritten(fn, rng.choice(levels), rng) or rewritten(fn, "renamed", rng)
            if sample is None or not sample.canonical:
                continue
            pairs.append(Pair(language, fn.package, fn.unit.canonical, sample.canonical))
            made += 1
        say(f"{language}: {made} pairs ({time.perf_counter() - started:.0f} s)")
    return pairs


def batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of one language each, packages kept together (hard in-batch negatives)."""
    by_language: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_language[p.language].append(p)
    out: list[list[Pair]] = []
    for language in sorted(by_language):
        items = by_language[language]
        packages = sorted({p.package for p in items})
        rng.shuffle(packages)
        rank = {pkg: i for i, pkg in enumerate(packages)}
        rng.shuffle(items)
        items.sort(key=lambda p: rank[p.package])
        # Consecutive cuts of the package-sorted list: a batch holds one to a few packages
        # (the last, incomplete batch of a language is dropped).
        for start in range(0, len(items) - size + 1, size):
            out.append(items[start : start + size])
    rng.shuffle(out)
    return out


def with_hard_negatives(pairs: Sequence[Pair], anchors: np.ndarray) -> list[Pair]:
    """Each pair with the anchor of its nearest other pair of the same language as negative.

    ``anchors`` are the unit vectors of the pairs' anchors by the starting encoder. Neighbours
    above ``HARD_NEGATIVE_MAX_COSINE`` are skipped as likely copies of the anchor.
    """
    out = list(pairs)
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_language[p.language].append(i)
    for rows in by_language.values():
        if len(rows) < 2:
            continue
        sims = anchors[rows] @ anchors[rows].T
        np.fill_diagonal(sims, -1.0)
        sims[sims > HARD_NEGATIVE_MAX_COSINE] = -1.0
        for k, j in enumerate(sims.argmax(1)):
            if sims[k, j] > -1.0:
                i = rows[k]
                out[i] = replace(pairs[i], negative=pairs[rows[j]].anchor)
    return out


def _embed(model: Any, tokenizer: Any, texts: Sequence[str], options: TrainOptions) -> Any:
    """Unit vectors of ``texts`` by ``model`` (gradients kept: the caller decides)."""
    import torch

    device = next(model.parameters()).device.type
    enc = tokenizer(
        list(texts),
        padding=True,
        truncation=True,
        max_length=options.max_length,
        return_tensors="pt",
    ).to(device)
    with torch.autocast(device, dtype=torch.bfloat16, enabled=_bf16(device, options)):
        return _pool(model, dict(enc))


def _bf16(device: str, options: TrainOptions) -> bool:
    """Whether to compute in bfloat16: asked for, and on a device that multiplies in it (a GPU,
    a CPU with AMX). Elsewhere torch emulates it, far slower than float32: on an AMD EPYC with
    AVX2 only (2 cores), a step of 64 texts of 128 tokens through 2 layers took 42 s in
    bfloat16 against 2-4 s in float32 (2026-12-04)."""
    return options.bf16 and (device != "cpu" or cpu_has_bf16_matrix_units())


def _anchor_vectors(
    model: Any, tokenizer: Any, pairs: Sequence[Pair], options: TrainOptions
) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), 64):
            chunk = [p.anchor for p in pairs[start : start + 64]]
            out.append(_embed(model, tokenizer, chunk, options).float().cpu().numpy())
    model.train()
    return np.concatenate(out) if out else np.zeros((0, 1), dtype=np.float32)


def _lora_model(base_dir: str, options: TrainOptions) -> tuple[Any, list[Any]]:
    """The truncated base model with LoRA on its linear maps; returns (model, trainable params)."""
    import torch
    from transformers import AutoModel

    model: Any = AutoModel.from_pretrained(base_dir, local_files_only=True)
    model.encoder.layer = model.encoder.layer[: options.layers]
    model.config.num_hidden_layers = options.layers
    for p in model.parameters():
        p.requires_grad_(False)
    trainable = []
    torch.manual_seed(options.seed)
    for layer in model.encoder.layer:
        for target in LORA_TARGETS:
            parent = layer
            *path, last = target.split(".")
            for part in path:
                parent = getattr(parent, part)
            lora = LoraLinear(getattr(parent, last), options.rank, options.alpha)
            setattr(parent, last, lora)
            trainable += [lora.lora_a, lora.lora_b]
        for module in layer.modules():
            if isinstance(module, torch.nn.LayerNorm):
                for p in module.parameters():
                    p.requires_grad_(True)
                    trainable.append(p)
    return model, trainable


def _lora_class() -> Any:
    import torch

    class _LoraLinear(torch.nn.Module):
        """y = W x + b + (B A x) * alpha / rank, with W, b frozen."""

        def __init__(self, base: Any, rank: int, alpha: float) -> None:
            super().__init__()
            self.base = base
            self.scale = alpha / rank
            self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    return _LoraLinear


def LoraLinear(base: Any, rank: int, alpha: float) -> Any:
    """A LoRA wrapper around a frozen ``torch.nn.Linear`` (torch imported on use)."""
    return _lora_class()(base, rank, alpha)


def _pool(model: Any, enc: dict[str, Any]) -> Any:
    import torch

    hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled.float(), dim=-1)


def train_adapter(
    pairs: Sequence[Pair],
    base_dir: str,
    options: TrainOptions,
    say: Callable[[str], None] = lambda _: None,
    time_budget_s: float | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fine-tune; returns the adapter tensors (float32 numpy) and a training summary."""
    import torch
    from transformers import AutoTokenizer

    rng = random.Random(options.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    model, trainable = _lora_model(base_dir, options)
    model.to(device).train()
    if options.hard_negatives:
        started = time.perf_counter()
        pairs = with_hard_negatives(pairs, _anchor_vectors(model, tokenizer, pairs, options))
        mined = sum(1 for p in pairs if p.negative)
        say(f"hard negatives: {mined} of {len(pairs)} ({time.perf_counter() - started:.0f} s)")
    steps_per_epoch = len(batches(pairs, options.batch_pairs, random.Random(0)))
    total = max(1, steps_per_epoch * options.epochs)
    opt = torch.optim.AdamW(trainable, lr=options.lr, weight_decay=0.01)
    warmup = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))),
    )
    step = 0
    started = time.perf_counter()
    losses: list[float] = []
    stopped_early = False
    for epoch in range(options.epochs):
        for batch in batches(pairs, options.batch_pairs, rng):
            negatives = [p.negative for p in batch if p.negative]
            texts = [p.anchor for p in batch] + [p.positive for p in batch] + negatives
            emb = _embed(model, tokenizer, texts, options)
            n = len(batch)
            a, b, h = emb[:n], emb[n : 2 * n], emb[2 * n :]
            logits = a @ b.T / options.temperature
            labels = torch.arange(n, device=device)
            # Anchors against every copy and every mined negative; copies against anchors.
            wide = torch.cat([logits, a @ h.T / options.temperature], dim=1)
            loss = (
                torch.nn.functional.cross_entropy(wide, labels)
                + torch.nn.functional.cross_entropy(logits.T, labels)
            ) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.append(float(loss.detach()))
            if step % 20 == 0 or step == total:
                elapsed = time.perf_counter() - started
                say(
                    f"epoch {epoch + 1} step {step}/{total} loss {np.mean(losses[-20:]):.4f} "
                    f"({elapsed:.0f} s)"
                )
            if time_budget_s is not None and time.perf_counter() - started > time_budget_s:
                stopped_early = True
                break
        if stopped_early:
            break
    summary = {
        "pairs": len(pairs),
        "steps": step,
        "final_loss": round(float(np.mean(losses[-50:])), 4) if losses else None,
        "seconds": round(time.perf_counter() - started, 1),
        "device": device,
        "stopped_at_time_budget": stopped_early,
    }
    return adapter_tensors(model), summary


def adapter_tensors(model: Any) -> dict[str, np.ndarray]:
    """The LoRA matrices and LayerNorm parameters of the trained layers, by base tensor name."""
    import torch

    out: dict[str, np.ndarray] = {}
    for i, layer in enumerate(model.encoder.layer):
        prefix = f"encoder.layer.{i}."
        for target in LORA_TARGETS:
            module: Any = layer
            for part in target.split("."):
                module = getattr(module, part)
            out[f"{prefix}{target}.lora_a"] = module.lora_a.detach().float().cpu().numpy()
            out[f"{prefix}{target}.lora_b"] = (
                module.lora_b.detach().float().cpu().numpy() * module.scale
            )
        for name, module in layer.named_modules():
            if isinstance(module, torch.nn.LayerNorm):
                out[f"{prefix}{name}.weight"] = module.weight.detach().float().cpu().numpy()
                out[f"{prefix}{name}.bias"] = module.bias.detach().float().cpu().numpy()
    return out


def save_adapter(out_dir: Path, tensors: dict[str, np.ndarray], manifest: dict[str, Any]) -> Path:
    """Write ``adapter.safetensors`` (float16) and ``ipscan-encoder.json`` atomically."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / ADAPTER_FILE
    tmp = weights.with_name(weights.name + ".tmp")
    save_file({k: v.astype(np.float16) for k, v in sorted(tensors.items())}, str(tmp))
    os.chmod(tmp, 0o644)  # safetensors creates it private; a model folder is for everyone
    os.replace(tmp, weights)
    meta = out_dir / MANIFEST
    tmp = meta.with_name(meta.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, meta)
    return weights

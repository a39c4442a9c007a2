"""Distil the encoder into a cheaper student: fewer layers, narrower feed-forward maps.

Teacher: a standalone float folder (``models/encoder-float32``). Student: some of the teacher's
layers, each feed-forward map cut to the neurons that carry the most on the training texts
(mean |GELU output| times the norm of the neuron's output weights), then trained to give the
teacher's vector for every text (cosine) and the teacher's cosines between the texts of a batch
(so unrelated code stays as far apart as the teacher puts it, and copies as close). The
embedding tables stay the teacher's and are not trained: the student's
``embeddings.safetensors`` is the teacher's file, byte for byte (no new blob in git history).

Reads the .npz of ``distill_data`` and writes each student's float32 tensors (the teacher's
names, layers numbered from 0) and what was measured; needs numpy, torch and safetensors only,
so it runs on a GPU machine as it is. ``write_student_folder`` (here, with ipscan's export
code) turns a student's tensors into a standalone folder for ``ipscan model quantize``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.encoder.adapter import read_safetensors
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.standalone import EMBEDDINGS_FILE
from ipscan.encoder.standalone import GRAPH_FILE
from ipscan.encoder.standalone import TABLES
from ipscan.encoder.standalone import TOKENIZER_FILE
from ipscan.encoder.standalone import WEIGHTS_FILE
from ipscan.encoder.standalone import pack_weights
from ipscan.encoder.standalone import read_weights
from ipscan.encoder.standalone import write_weights

TRAIN, EVAL = 0, 1  # a text's split in the data file (``distill_data``)
_FF1 = "intermediate.dense"
_FF2 = "output.dense"


@dataclass(frozen=True)
class Student:
    """Which teacher layers a student keeps, and how many feed-forward neurons in each."""

    name: str
    layers: tuple[int, ...]
    ffn: int
    steps: int = 3000
    batch: int = 256
    lr: float = 2e-4
    relation_weight: float = 1.0


@dataclass(frozen=True)
class _Data:
    """Tokenized texts, their splits, and the teacher's vector of each (``target``)."""

    texts: list[np.ndarray]
    train: list[int]
    train_pairs: np.ndarray
    evals: list[int]
    eval_pairs: np.ndarray
    target: Any

    def measure(self, net: Net, device: str) -> dict[str, float]:
        """``_eval`` of ``net``'s vectors on the held-out texts."""
        vectors = _embed_all(net, self.texts, self.evals, device)
        return _eval(vectors, self.target, self.eval_pairs, self.evals)


@dataclass(frozen=True)
class Net:
    """Weights and shape of a post-LayerNorm BERT, called as ``forward``."""

    params: dict[str, Any]
    layers: int
    heads: int
    eps: float

    def __call__(self, ids: Any, mask: Any, taps: list[Any] | None = None) -> Any:
        return forward(self.params, self.layers, self.heads, ids, mask, self.eps, taps)


def load_float_folder(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A standalone folder's float32 weights and its manifest."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return read_weights([folder / name for name in manifest["weights"]]), manifest


def _texts(data: Any) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    ids, offsets = data["ids"], data["offsets"]
    texts = [ids[offsets[i] : offsets[i + 1]].astype(np.int64) for i in range(len(offsets) - 1)]
    return texts, data["split"], data["pairs"]


def _batch(texts: Sequence[np.ndarray], rows: Sequence[int], device: str) -> tuple[Any, Any]:
    import torch

    width = max(len(texts[i]) for i in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.float32)
    for r, i in enumerate(rows):
        ids[r, : len(texts[i])] = texts[i]
        mask[r, : len(texts[i])] = 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def forward(
    p: dict[str, Any],
    n_layers: int,
    heads: int,
    ids: Any,
    mask: Any,
    eps: float,
    taps: list[Any] | None = None,
) -> Any:
    """Mean-pooled, L2-normalized vectors of a post-LayerNorm BERT with weights ``p``;
    ``taps``: per layer, |GELU output| summed over tokens is added to it."""
    import torch
    import torch.nn.functional as F

    b, s = ids.shape
    x = p[TABLES[0]][ids] + p[TABLES[1]][:s] + p[TABLES[2]][0]
    h = x.shape[-1]
    x = F.layer_norm(x, (h,), p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], eps)
    bias = ((1.0 - mask) * -1e9)[:, None, None, :]
    for i in range(n_layers):
        pre = f"encoder.layer.{i}."

        def lin(name: str, t: Any, pre: str = pre) -> Any:
            return F.linear(t, p[pre + name + ".weight"], p[pre + name + ".bias"])

        q, k, v = (
            lin(f"attention.self.{n}", x).view(b, s, heads, h // heads).transpose(1, 2)
            for n in ("query", "key", "value")
        )
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        ctx = ctx.transpose(1, 2).reshape(b, s, h)
        ln1 = pre + "attention.output.LayerNorm."
        x = F.layer_norm(
            lin("attention.output.dense", ctx) + x, (h,), p[ln1 + "weight"], p[ln1 + "bias"], eps
        )
        inter = F.gelu(lin(_FF1, x))
        if taps is not None:
            taps[i] += (inter.abs() * mask[:, :, None]).sum(dim=(0, 1))
        ln2 = pre + "output.LayerNorm."
        x = F.layer_norm(lin(_FF2, inter) + x, (h,), p[ln2 + "weight"], p[ln2 + "bias"], eps)
    pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp_min(1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _embed_all(net: Net, texts: Sequence[np.ndarray], rows: Sequence[int], device: str) -> Any:
    import torch

    order = sorted(rows, key=lambda i: len(texts[i]))
    out = torch.empty((len(texts), net.params[TABLES[0]].shape[1]), device=device)
    with torch.no_grad():
        for start in range(0, len(order), 1024):
            chunk = order[start : start + 1024]
            ids, mask = _batch(texts, chunk, device)
            out[torch.tensor(chunk, device=device)] = net(ids, mask)
    return out


def _neuron_importance(
    net: Net, texts: Sequence[np.ndarray], rows: Sequence[int], device: str
) -> list[Any]:
    """Per layer: mean |GELU output| of each feed-forward neuron × its output weights' norm."""
    import torch

    p = net.params
    sums = [
        torch.zeros(p[f"encoder.layer.{i}.{_FF1}.bias"].shape[0], device=device)
        for i in range(net.layers)
    ]
    with torch.no_grad():
        for start in range(0, len(rows), 512):
            ids, mask = _batch(texts, rows[start : start + 512], device)
            net(ids, mask, sums)
    return [sums[i] * p[f"encoder.layer.{i}.{_FF2}.weight"].norm(dim=0) for i in range(net.layers)]


def student_init(
    teacher: dict[str, Any], importance: Sequence[Any], spec: Student
) -> dict[str, Any]:
    """The student's starting weights: the kept layers renumbered, each FFN cut to its top
    ``spec.ffn`` neurons (kept in their original order)."""
    import torch

    out = {k: v.clone() for k, v in teacher.items() if not k.startswith("encoder.layer.")}
    for new, old in enumerate(spec.layers):
        keep = torch.sort(torch.topk(importance[old], spec.ffn).indices).values
        for k, v in teacher.items():
            pre = f"encoder.layer.{old}."
            if not k.startswith(pre):
                continue
            rest = k[len(pre) :]
            if rest in (f"{_FF1}.weight", f"{_FF1}.bias"):
                v = v[keep]
            elif rest == f"{_FF2}.weight":
                v = v[:, keep]
            name = f"encoder.layer.{new}.{rest}"
            out[name] = v.clone()
    return out


def _eval(vec: Any, teacher_vec: Any, pairs: np.ndarray, rows: Sequence[int]) -> dict[str, float]:
    """Cosine to the teacher over ``rows``; recall@1 of each pair's copy among every eval text."""
    import torch

    idx = torch.tensor(list(rows), device=vec.device)
    cos = (vec[idx] * teacher_vec[idx]).sum(-1)
    out = {
        "cos_mean": float(cos.mean()),
        "cos_p01": float(torch.quantile(cos, 0.01)),
        "cos_min": float(cos.min()),
    }
    if len(pairs):
        a = torch.tensor(pairs[:, 0], device=vec.device)
        b = torch.tensor(pairs[:, 1], device=vec.device)
        sims = vec[a] @ vec[idx].T
        sims[torch.arange(len(a)), torch.searchsorted(idx, a)] = -2  # not itself
        hit = idx[sims.argmax(dim=1)] == b
        out["copy_recall_at_1"] = float(hit.float().mean())
        out["copy_cos_mean"] = float((vec[a] * vec[b]).sum(-1).mean())
    return out


def distill(
    data_file: Path,
    teacher_dir: Path,
    out_dir: Path,
    students: Sequence[Student],
    device: str = "cuda",
    seed: int = 0,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train each student in ``students``; write ``<name>.safetensors`` (float32) and
    ``distill.json`` (what was measured) into ``out_dir``."""
    import torch

    torch.manual_seed(seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    rng = np.random.default_rng(seed)
    weights, manifest = load_float_folder(teacher_dir)
    config = manifest["config"]
    heads, eps = int(config["num_attention_heads"]), float(config.get("layer_norm_eps", 1e-12))
    n_teacher = int(config["num_hidden_layers"])
    teacher = {k: torch.from_numpy(v).to(device) for k, v in weights.items()}
    texts, split, pairs = _texts(np.load(data_file))
    train = [i for i in range(len(texts)) if split[i] == TRAIN]
    evals = [i for i in range(len(texts)) if split[i] == EVAL]
    train_pairs = pairs[split[pairs[:, 0]] == TRAIN]
    eval_pairs = pairs[split[pairs[:, 0]] == EVAL]
    t0 = time.perf_counter()
    teacher_net = Net(teacher, n_teacher, heads, eps)
    target = _embed_all(teacher_net, texts, range(len(texts)), device)
    say(f"teacher: {len(texts)} texts embedded in {time.perf_counter() - t0:.1f} s")
    sample = [int(i) for i in rng.choice(train, size=min(20000, len(train)), replace=False)]
    importance = _neuron_importance(teacher_net, texts, sample, device)
    data = _Data(texts, train, train_pairs, evals, eval_pairs, target)
    report: dict[str, Any] = {
        "data": {
            "texts": len(texts),
            "train": len(train),
            "eval": len(evals),
            "train_pairs": len(train_pairs),
            "eval_pairs": len(eval_pairs),
        },
        "teacher": _eval(target, target, eval_pairs, evals),
        "students": {},
    }
    say(f"teacher on held-out texts: {report['teacher']}")
    for spec in students:
        student = Net(student_init(teacher, importance, spec), len(spec.layers), heads, eps)
        report["students"][spec.name] = _train_one(spec, student, data, device, rng, out_dir, say)
        (out_dir / "distill.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _train_one(
    spec: Student,
    student: Net,
    data: _Data,
    device: str,
    rng: np.random.Generator,
    out_dir: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Train ``student`` (its weights in place) toward the teacher's vectors; save it."""
    import torch
    from safetensors.torch import save_file

    params = student.params
    before = data.measure(student, device)
    trainable = [v.requires_grad_() for k, v in params.items() if k not in TABLES]
    opt = torch.optim.AdamW(trainable, lr=spec.lr, weight_decay=0.01)
    warm = max(1, spec.steps // 20)

    def rate(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, spec.steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    n_pairs = spec.batch * 3 // 8  # 3/4 of a batch are (anchor, copy) pairs, the rest plain
    t0 = time.perf_counter()
    loss_v = 0.0
    for step in range(spec.steps):
        chosen = data.train_pairs[rng.integers(0, len(data.train_pairs), n_pairs)].reshape(-1)
        plain = np.asarray(data.train)[rng.integers(0, len(data.train), spec.batch - len(chosen))]
        rows = [int(i) for i in np.concatenate([chosen, plain])]
        ids, mask = _batch(data.texts, rows, device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            vec = student(ids, mask).float()
        t = data.target[torch.tensor(rows, device=device)]
        loss = (1 - (vec * t).sum(-1)).mean()
        loss = loss + spec.relation_weight * ((vec @ vec.T - t @ t.T) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        loss_v = float(loss.detach()) if step % 200 == 0 or step == spec.steps - 1 else loss_v
        if step % 500 == 0:
            say(f"{spec.name} step {step}: loss {loss_v:.5f}")
    seconds = time.perf_counter() - t0
    for v in params.values():
        v.requires_grad_(False)
    after = data.measure(student, device)
    say(f"{spec.name}: before {before}, after {after} ({seconds:.0f} s)")
    kept = {k: v.detach().float().cpu().contiguous() for k, v in params.items() if k not in TABLES}
    save_file(kept, str(out_dir / f"{spec.name}.safetensors"))
    return {
        "spec": asdict(spec),
        "before": before,
        "after": after,
        "seconds": round(seconds, 1),
        "final_loss": loss_v,
    }


def write_student_folder(
    teacher_dir: Path, student_file: Path, out: Path, spec: Student, record: dict[str, Any]
) -> None:
    """A standalone float folder for a student: the teacher's tables and tokenizer, the
    student's layers, the ONNX graph, and a manifest naming what it was distilled from."""
    import shutil

    from ipscan.training.export_standalone import staged_folder
    from ipscan.training.export_standalone import write_manifest
    from ipscan.training.onnx_graph import build_graph

    weights, manifest = load_float_folder(teacher_dir)
    student = {k: v.astype(np.float32) for k, v in read_safetensors([student_file]).items()}
    merged = {**{k: weights[k] for k in TABLES}, **student}
    tensors = pack_weights(merged, int(manifest["max_length"]))
    config = {
        **manifest["config"],
        "num_hidden_layers": len(spec.layers),
        "intermediate_size": spec.ffn,
    }
    with staged_folder(out) as tmp:
        shutil.copyfile(teacher_dir / EMBEDDINGS_FILE, tmp / EMBEDDINGS_FILE)
        write_weights({k: v for k, v in tensors.items() if k not in TABLES}, tmp / WEIGHTS_FILE)
        (tmp / GRAPH_FILE).write_bytes(
            build_graph({k: v.shape for k, v in tensors.items()}, config)
        )
        shutil.copyfile(teacher_dir / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
        new = {
            k: manifest[k] for k in ("input", "pooling", "normalize", "max_length", "dim", "base")
        }
        new.update(
            id=f"{manifest['id']}-distilled-l{len(spec.layers)}f{spec.ffn}",
            layers=len(spec.layers),
            config=config,
            weights=[EMBEDDINGS_FILE, WEIGHTS_FILE],
            graph=GRAPH_FILE,
            tokenizer=TOKENIZER_FILE,
            storage="float16 matrices, float32 vectors",
            distilled_from={"id": manifest["id"], "layers_kept": list(spec.layers), **record},
        )
        write_manifest(tmp, new)


# What one GPU run trains: two layers or three, feed-forward maps of 1/4 to 1/2 the teacher's.
STUDENTS = (
    Student("l2f768", (0, 2), 768),
    Student("l2f768-01", (0, 1), 768),
    Student("l2f384", (0, 2), 384),
    Student("l3f512", (0, 1, 2), 512),
    Student("l2f1536", (0, 2), 1536),
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ipscan.training.distill DATA TEACHER OUT [--steps N] [--only NAME,...]``"""
    import argparse
    from dataclasses import replace

    ap = argparse.ArgumentParser(prog="python -m ipscan.training.distill")
    ap.add_argument("data", type=Path)
    ap.add_argument("teacher", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--steps", type=int, default=Student.steps)
    ap.add_argument("--only", default="", help="comma-separated student names")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args(argv)
    wanted = set(filter(None, args.only.split(",")))
    chosen = [replace(s, steps=args.steps) for s in STUDENTS if not wanted or s.name in wanted]
    args.out.mkdir(parents=True, exist_ok=True)
    distill(args.data, args.teacher, args.out, chosen, device=args.device)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

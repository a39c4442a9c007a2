"""Encoder speed: cold start to first embedding, functions/s per runtime and batch size, agreement.

Usage: python bench/encoder_speed.py [--n 300] [--batch-sizes 8,16,32,64]
                                    [--runtimes cpu,numpy,torch-cpu] [--model-dir DIR]
                                    [--compare-dir DIR]

"cpu" is ONNX Runtime where installed, "numpy" ipscan's numpy forward pass, "torch-cpu" torch
(skipped when torch is not installed). The CPU model and core count are printed first.
``--compare-dir`` also prints each runtime's cosine to another encoder folder's vectors (ONNX
Runtime), e.g. an int8 folder (``ipscan model quantize``) against the float one.

Functions come from the Python standard library (parsed by ipscan), so runs are repeatable; each
is embedded as the encoder reads it (its text, or its canonical text for a fine-tuned encoder).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ipscan.extract.analyze import AnalyzedUnit  # noqa: E402
from ipscan.extract.analyze import analyze_file  # noqa: E402
from ipscan.records import SourceFile  # noqa: E402

_COLD = """
import sys, time
t0 = time.perf_counter()
from ipscan.encoder import load_encoder
enc = load_encoder(sys.argv[1], sys.argv[2] or None)
t1 = time.perf_counter()
vec = enc.encode(sys.argv[3:])
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {vec.shape[0]} {int('torch' in sys.modules)}")
"""


def stdlib_units(n: int, min_lines: int = 3, max_chars: int = 6000) -> list[AnalyzedUnit]:
    """``n`` function units spread evenly over the standard library (deterministic)."""
    from ipscan.records import UnitKind
    from ipscan.training.code_corpus import stdlib_files

    found: list[AnalyzedUnit] = []
    for path in stdlib_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for au in analyze_file(SourceFile(path.name, text, "python")).units:
            lines = au.unit.span.end_line - au.unit.span.start_line + 1
            big_enough = au.unit.kind != UnitKind.TOP_LEVEL and lines >= min_lines
            if big_enough and len(au.unit.text) <= max_chars:
                found.append(au)
    if len(found) <= n:
        return found
    step = len(found) / n
    return [found[int(i * step)] for i in range(n)]


def cold_start(
    device: str, texts: list[str], model_dir: str | None
) -> tuple[float, float, float, bool]:
    """(process wall s, load s, first encode s, torch imported) in a fresh interpreter."""
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", _COLD, device, model_dir or "", *texts],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    wall = time.perf_counter() - start
    load_s, enc_s, _, torch_loaded = res.stdout.split()
    return wall, float(load_s), float(enc_s), torch_loaded == "1"


def throughput(encoder, texts: list[str], batch_size: int) -> tuple[float, np.ndarray]:  # type: ignore[no-untyped-def]
    """(functions/s, vectors) for one pass after a small warm-up."""
    encoder.encode(texts[:batch_size], batch_size=batch_size)
    start = time.perf_counter()
    vecs = encoder.encode(texts, batch_size=batch_size)
    return len(texts) / (time.perf_counter() - start), vecs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--batch-sizes", default="8,16,32,64")
    parser.add_argument("--runtimes", default="cpu,numpy,torch-cpu")
    parser.add_argument("--model-dir", default=None, help="encoder folder (default: the scan's)")
    parser.add_argument("--compare-dir", default=None, help="encoder folder to compare with")
    args = parser.parse_args()
    import importlib.util

    from ipscan.encoder import load_encoder

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from machine import machine_line

    print(machine_line())
    probe = load_encoder("cpu", args.model_dir)
    units = stdlib_units(args.n)
    texts = [au.encoder_input(probe.input_format) for au in units]
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    runtimes = [r for r in args.runtimes.split(",") if r]
    if importlib.util.find_spec("torch") is None:
        runtimes = [r for r in runtimes if r not in ("torch-cpu", "cuda")]
    tokens = [len(x) for x in probe.token_ids(texts)]
    print(
        f"encoder {probe.encoder_id} ({probe.input_format} input, "
        f"{probe.info.config['num_hidden_layers']} layers)\n"
        f"{len(texts)} stdlib functions, tokens/function mean {np.mean(tokens):.0f}, "
        f"median {np.median(tokens):.0f}, truncated at {probe.max_length}: "
        f"{sum(t >= probe.max_length for t in tokens)}"
    )
    five = [au.encoder_input(probe.input_format) for au in stdlib_units(5, 5, 800)]
    for device in runtimes:
        wall, load_s, enc_s, torch_loaded = cold_start(device, five, args.model_dir)
        print(
            f"[{device}] cold start to first embedding (5 functions): {wall:.2f} s "
            f"(load {load_s:.2f} s, encode {enc_s:.3f} s, torch imported: {torch_loaded})"
        )
    vectors: dict[str, np.ndarray] = {}
    for device in runtimes:
        encoder = probe if device == "cpu" else load_encoder(device, args.model_dir)
        for bs in sizes:
            rate, vecs = throughput(encoder, texts, bs)
            vectors.setdefault(device, vecs)
            print(f"[{device}: {encoder.runtime_name}] batch {bs:3d}: {rate:7.1f} functions/s")
    if "cpu" in vectors and len(vectors) > 1:
        for device, vecs in vectors.items():
            if device != "cpu":
                cos = np.sum(vectors["cpu"] * vecs, axis=1)
                name = probe.runtime_name
                print(f"cosine {name} vs {device}: mean {cos.mean():.7f}, min {cos.min():.7f}")
    if args.compare_dir:
        other = load_encoder("cpu", args.compare_dir)
        reference = other.encode(texts)
        for device, vecs in vectors.items():
            cos = np.sum(reference * vecs, axis=1)
            print(
                f"cosine {other.encoder_id} vs [{device}]: mean {cos.mean():.7f}, "
                f"median {np.median(cos):.7f}, min {cos.min():.7f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

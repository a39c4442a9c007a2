"""Encoder speed: cold start to first embedding, functions/s per runtime and batch size, agreement.

Usage: python bench/encoder_speed.py [--n 300] [--batch-sizes 16,32,64] [--runtimes cpu,torch-cpu]

Functions come from the Python standard library (parsed with ``ast``), so runs are repeatable.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_COLD = """
import sys, time
t0 = time.perf_counter()
from ipscan.encoder import load_encoder
enc = load_encoder(sys.argv[1])
t1 = time.perf_counter()
vec = enc.encode(sys.argv[2:])
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {vec.shape[0]} {int('torch' in sys.modules)}")
"""


def stdlib_functions(n: int, min_lines: int = 3, max_chars: int = 6000) -> list[str]:
    """``n`` function sources spread evenly over the standard library (deterministic)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if rel[0] in ("site-packages", "test", "idlelib", "lib2to3") or "tests" in rel:
            continue
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                seg = ast.get_source_segment(source, node)
                if seg and seg.count("\n") + 1 >= min_lines and len(seg) <= max_chars:
                    found.append(seg)
    if len(found) <= n:
        return found
    step = len(found) / n
    return [found[int(i * step)] for i in range(n)]


def cold_start(device: str, texts: list[str]) -> tuple[float, float, float, bool]:
    """(process wall s, load s, first encode s, torch imported) in a fresh interpreter."""
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", _COLD, device, *texts],
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
    parser.add_argument("--batch-sizes", default="16,32,64")
    parser.add_argument("--runtimes", default="cpu,torch-cpu")
    args = parser.parse_args()
    from ipscan.encoder import load_encoder

    texts = stdlib_functions(args.n)
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    runtimes = [r for r in args.runtimes.split(",") if r]
    probe = load_encoder("cpu")
    tokens = [len(x) for x in probe.token_ids(texts)]
    print(
        f"{len(texts)} stdlib functions, tokens/function mean {np.mean(tokens):.0f}, "
        f"median {np.median(tokens):.0f}, truncated at {probe.max_length}: "
        f"{sum(t >= probe.max_length for t in tokens)}"
    )
    five = stdlib_functions(5, min_lines=5, max_chars=800)
    for device in runtimes:
        wall, load_s, enc_s, torch_loaded = cold_start(device, five)
        print(
            f"[{device}] cold start to first embedding (5 functions): {wall:.2f} s "
            f"(load {load_s:.2f} s, encode {enc_s:.3f} s, torch imported: {torch_loaded})"
        )
    vectors: dict[str, np.ndarray] = {}
    for device in runtimes:
        encoder = probe if device == "cpu" else load_encoder(device)
        for bs in sizes:
            rate, vecs = throughput(encoder, texts, bs)
            vectors.setdefault(device, vecs)
            print(f"[{device}] batch {bs:3d}: {rate:7.1f} functions/s")
    if "cpu" in vectors and len(vectors) > 1:
        for device, vecs in vectors.items():
            if device != "cpu":
                cos = np.sum(vectors["cpu"] * vecs, axis=1)
                print(f"cosine numpy vs {device}: mean {cos.mean():.7f}, min {cos.min():.7f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

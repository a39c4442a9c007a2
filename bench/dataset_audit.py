"""Dataset audit benchmark (issue #21): a JSON Lines dataset of real Python functions with
planted copies of the default index's code, audited under a permissive-only policy.

Planted: functions of the indexed Python packages (the pinned versions, read from their
wheels: ``--wheels DIR``, filled by ``pip download --no-deps -d DIR`` with the versions of
``ipscan/data/default_sources.json``), under GPL, LGPL, MPL, Apache, MIT and BSD licenses, in
three kinds: ``exact`` (the whole function), ``renamed`` (its local names renamed) and
``partial`` (10 to 30 lines of a longer function's body, wrapped in a new function, local
names renamed: what an assistant pastes). Clean: functions of installed packages that are not
in the index (never pip or setuptools). A sample is *detected* when a finding names the
planted package; a clean sample with any finding is a false positive (or a real copy between
packages: they are listed).

Throughput: each configuration is a new process with an empty embedding cache, pinned to as
many cores as it uses (CPU affinity, which worker processes and a local Ray inherit), timing
the audit alone (a local Ray's start is printed apart). The first run's numbers are cold.

    .venv/bin/python bench/dataset_audit.py --wheels DIR [--clean 1200] [--per-package 30]
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
import tokenize
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine_line  # noqa: E402

POLICY = """\
project-license = "MIT"
allowed-licenses = ["MIT", "Apache-2.0", "BSD-*", "ISC"]
denied-licenses = ["GPL-*", "AGPL-*", "LGPL-*", "MPL-*"]
fail-on = ["denied", "copyleft-conflict", "incompatible", "no-license", "restricted"]
"""
PERMISSIVE = ("MIT", "Apache-2.0", "BSD-3-Clause")
# Installed packages not in the default index: the clean samples.
CLEAN_PACKAGES = (
    "packaging",
    "idna",
    "jinja2",
    "pygments",
    "pluggy",
    "_pytest",
    "yaml",
    "filelock",
    "platformdirs",
    "identify",
    "rich",
    "tqdm",
    "networkx",
    "sympy",
    "jsonschema",
)
KINDS = ("exact", "renamed", "partial")


def _functions(text: str, min_lines: int) -> list[ast.FunctionDef]:
    """Functions with ``min_lines`` lines of code after their docstring (shorter ones hold too
    few tokens to be a unit: trivial code is not evidence of copying)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and (n.end_lineno or 0) - _code_start(n) + 1 >= min_lines
    ]


def _code_start(fn: ast.FunctionDef) -> int:
    """The first line of ``fn``'s body after its docstring."""
    body = fn.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        return body[1].lineno
    return body[0].lineno


def _source(text: str, fn: ast.FunctionDef) -> str:
    lines = text.splitlines()
    start = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
    return textwrap.dedent("\n".join(lines[start - 1 : fn.end_lineno])) + "\n"


def _rename_locals(code: str) -> str:
    """``code`` with its local names (arguments, assigned names) renamed, as a person renames:
    attributes, globals and builtins are kept."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
    local -= {"self", "cls"}
    names = {n: f"{n.strip('_')[:3] or 'x'}_{i}" for i, n in enumerate(sorted(local))}
    out = []
    prev = ""
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        s = tok.string
        if tok.type == tokenize.NAME and s in names and prev != ".":
            s = names[s]
        out.append((tok.type, s, tok.start, tok.end, tok.line))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            prev = tok.string
    return tokenize.untokenize(out)


def _partial(text: str, fn: ast.FunctionDef, rng: random.Random) -> str | None:
    """10 to 30 lines of consecutive body statements of ``fn``, in a new function."""
    body = fn.body[1:] if isinstance(fn.body[0], ast.Expr) else fn.body
    if len(body) < 3:
        return None
    want = rng.randint(10, 30)
    lines = text.splitlines()
    for first in rng.sample(range(len(body)), len(body)):
        start = body[first].lineno
        for s in body[first:]:
            n = (s.end_lineno or 0) - start + 1
            if n > 30:
                break
            if n >= want or (n >= 10 and s is body[-1]):
                chunk = textwrap.dedent("\n".join(lines[start - 1 : s.end_lineno]))
                args = ", ".join(a.arg for a in fn.args.args) or ""
                code = f"def helper({args}):\n" + textwrap.indent(chunk, "    ") + "\n"
                try:
                    ast.parse(code)
                except SyntaxError:
                    break
                return _rename_locals(code)
    return None


def planted(wheels: Path, per_package: int, rng: random.Random) -> list[dict[str, Any]]:
    pinned = json.loads((ROOT / "ipscan/data/default_sources.json").read_text(encoding="utf-8"))
    out: list[dict[str, Any]] = []
    for src in pinned["sources"]:
        if src["registry"] != "pypi":
            continue
        stem = src["name"].replace("-", "_")
        (wheel,) = wheels.glob(f"{stem}-{src['version']}-*.whl") or [None]
        if wheel is None:
            sys.exit(
                f"no wheel of {src['name']} {src['version']} in {wheels}: run "
                f"pip download --no-deps -d {wheels} '{src['name']}=={src['version']}'"
            )
        with zipfile.ZipFile(wheel) as zf:
            files = sorted(n for n in zf.namelist() if n.endswith(".py") and "/tests/" not in n)
            fns = [
                (n, t, f) for n in files for t in [zf.read(n).decode()] for f in _functions(t, 8)
            ]
        rng.shuffle(fns)
        long_fns = [x for x in fns if (x[2].end_lineno or 0) - x[2].lineno >= 25]
        for i in range(per_package):
            kind = KINDS[i % 3]
            pool = long_fns if kind == "partial" else fns
            if not pool:
                continue
            name, text, fn = pool[(i // 3) % len(pool)]
            code = _source(text, fn)
            if kind == "renamed":
                code = _rename_locals(code)
            elif kind == "partial":
                code = _partial(text, fn, rng) or ""
            if code:
                ident = f"planted/{src['name']}/{kind}/{name}:{fn.lineno}"
                out.append({"id": ident, "content": code, "lang": "python", "_pkg": src["name"]})
    return out


def clean(n: int, rng: random.Random) -> list[dict[str, Any]]:
    import importlib.util

    fns = []
    for pkg in CLEAN_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        for path in sorted(root.rglob("*.py")):
            if "vendor" in path.parts or "_vendor" in path.parts or "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            rel = path.relative_to(root.parent).as_posix()
            fns += [(rel, text, f) for f in _functions(text, 6)]
    picked = rng.sample(fns, min(n, len(fns)))
    return [
        {"id": f"clean/{rel}:{f.lineno}", "content": _source(t, f), "lang": "python"}
        for rel, t, f in picked
    ]


def one(args: argparse.Namespace) -> None:
    """One timed audit in this process (``--one``): print its numbers as JSON."""
    cores = args.cores
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))
    from ipscan.dataset.audit import RunSettings
    from ipscan.dataset.audit import audit_dataset
    from ipscan.dataset.check import AuditSettings
    from ipscan.dataset.formats import detect_format
    from ipscan.dataset.samples import Fields

    ray_start = 0.0
    if args.mode == "ray":
        from ipscan.index.distributed import import_ray

        ray = import_ray(local=True)
        t = time.perf_counter()
        ray.init(
            address="local", num_cpus=cores, include_dashboard=False, logging_level=logging.WARNING
        )
        ray_start = time.perf_counter() - t
    data = Path(args.one)
    run = RunSettings(
        jobs=cores if args.mode == "pool" else 1,
        ray=args.mode == "ray",
        chunk_size=args.chunk_size,
        report=Path(args.report) if args.report else None,
        checkpoint=Path(tempfile.mkdtemp()) / "ckpt",
    )
    settings = AuditSettings(policy_file=Path(args.policy))
    t = time.perf_counter()
    result = audit_dataset(data, detect_format(data), Fields(), settings, run)
    took = time.perf_counter() - t
    n = result.summary.samples
    print(json.dumps({"samples": n, "seconds": took, "ray_start": ray_start, "rate": n / took}))


def _timed(
    data: Path, policy: Path, mode: str, cores: int, chunk: int, report: Path | None = None
) -> dict[str, Any]:
    env = {**os.environ, "IPSCAN_CACHE_DIR": tempfile.mkdtemp(prefix="ipscan-bench-cache-")}
    cmd = [sys.executable, __file__, "--one", str(data), "--policy", str(policy), "--mode", mode]
    cmd += ["--cores", str(cores), "--chunk-size", str(chunk)]
    if report is not None:
        cmd += ["--report", str(report)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if run.returncode != 0:
        sys.exit(f"{mode} x{cores} failed:\n{run.stderr[-3000:]}")
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--wheels", type=Path)
    ap.add_argument("--clean", type=int, default=1200)
    ap.add_argument("--per-package", type=int, default=30)
    ap.add_argument("--chunk-size", type=int, default=128)
    ap.add_argument("--subset", type=int, default=300, help="samples for the batching comparison")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--policy", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="serial", help=argparse.SUPPRESS)
    ap.add_argument("--cores", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args)
        return
    if args.wheels is None:
        ap.error("--wheels DIR is required")
    print(machine_line())
    rng = random.Random(21)
    rows = planted(args.wheels, args.per_package, rng) + clean(args.clean, rng)
    rng.shuffle(rows)
    work = Path(tempfile.mkdtemp(prefix="ipscan-dataset-bench-"))
    data, policy = work / "data.jsonl", work / "permissive-only.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with data.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}) + "\n")
    subset = work / "subset.jsonl"
    subset.write_text(
        "".join(data.read_text(encoding="utf-8").splitlines(keepends=True)[: args.subset]),
        encoding="utf-8",
    )
    licenses = _licenses()
    n_planted = sum(1 for r in rows if "_pkg" in r)
    print(f"dataset: {len(rows)} samples ({n_planted} planted, {len(rows) - n_planted} clean)")

    # Detection (and the first throughput figure): one process, one core.
    report = work / "report.jsonl"
    first = _timed(data, policy, "serial", 1, args.chunk_size, report)
    results = {r["id"]: r for r in map(json.loads, report.read_text(encoding="utf-8").splitlines())}
    _detection(rows, results, licenses)

    print(f"\nbatching ({args.subset} samples, one core, cold cache):")
    for chunk in (1, args.chunk_size):
        t = _timed(subset, policy, "serial", 1, chunk)
        print(f"  {chunk:>4} samples a scan: {t['rate']:.1f} samples/s")

    print(f"\nthroughput ({len(rows)} samples, cold cache, chunk {args.chunk_size}):")
    print(f"  --jobs 1        : {first['rate']:.1f} samples/s ({first['rate']:.1f} per core)")
    t = _timed(data, policy, "pool", 2, args.chunk_size)
    print(f"  --jobs 2        : {t['rate']:.1f} samples/s ({t['rate'] / 2:.1f} per core)")
    for cores in (1, 2):
        t = _timed(data, policy, "ray", cores, args.chunk_size)
        print(
            f"  --ray, {cores} worker{'s' if cores > 1 else ' '}: {t['rate']:.1f} samples/s "
            f"({t['rate'] / cores:.1f} per core; "
            f"local Ray start {t['ray_start']:.1f} s, not counted)"
        )


def _licenses() -> dict[str, str]:
    from ipscan.index.open import open_index

    with open_index(None) as reader:
        return {str(s["name"]): str(s.get("license", "")) for s in reader.sources}


def _detection(
    rows: list[dict[str, Any]], results: dict[str, Any], licenses: dict[str, str]
) -> None:
    print("\ndetection (permissive-only policy, project license MIT):")
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    by_license: dict[str, list[int]] = {}
    wrong_fail = 0
    missed: list[str] = []
    for r in rows:
        if "_pkg" not in r:
            continue
        res = results[r["id"]]
        kind = r["id"].split("/")[2]
        hit = any(f["source"]["package"] == r["_pkg"] for f in res["findings"])
        by_kind[kind][0] += hit
        if not hit:
            found = {f["source"]["package"] for f in res["findings"]}
            missed.append(f"{r['id']} ({res['status']}{', found ' if found else ''}{found or ''})")
        by_kind[kind][1] += 1
        lic = licenses.get(r["_pkg"], "?")
        cell = by_license.setdefault(lic, [0, 0, 0])
        cell[0] += hit
        cell[1] += 1
        cell[2] += res["status"] == "fail"
        wrong_fail += lic in PERMISSIVE and res["status"] == "fail"
    total = [sum(v[0] for v in by_kind.values()), sum(v[1] for v in by_kind.values())]
    print(f"  recall, planted: {total[0]}/{total[1]} = {total[0] / max(total[1], 1):.3f}")
    for kind, (hit, n) in by_kind.items():
        print(f"    {kind:<8} {hit}/{n} = {hit / max(n, 1):.3f}")
    for lic, (hit, n, failed) in sorted(by_license.items()):
        print(f"    {lic:<20} detected {hit}/{n}, failing {failed}/{n}")
    print(f"  permissive planted samples failing: {wrong_fail}")
    for line in missed[:12]:
        print(f"    missed: {line}")
    clean_rows = [r for r in rows if "_pkg" not in r]
    flagged = [r["id"] for r in clean_rows if results[r["id"]]["findings"]]
    failing = [r["id"] for r in clean_rows if results[r["id"]]["status"] == "fail"]
    n = len(clean_rows)
    print(
        f"  false positives, clean: flagged {len(flagged)}/{n} = "
        f"{len(flagged) / max(n, 1):.4f}, failing {len(failing)}/{n}"
    )
    for ident in flagged[:10]:
        f = results[ident]["findings"][0]
        print(
            f"    {ident}: {f['verdict']} {f['source']['package']} "
            f"{f['source']['path']} ({f['similarity']})"
        )


if __name__ == "__main__":
    main()

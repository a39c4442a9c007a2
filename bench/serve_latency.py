"""Latency of ``ipscan serve`` (issue #21): one ``check_code`` call per 30-line snippet, through
the MCP SDK's stdio client, as an editor or a coding agent would call it.

Snippets are 30 consecutive lines from the start of real functions: half from installed packages
the default index holds (requests, attrs, click, urllib3, pathspec; the installed version may
differ a little from the indexed one), half from standard-library modules it does not hold. The
server runs with the embedding cache off (``IPSCAN_NO_CACHE=1``), so every call runs the
encoder. Each call's time is measured twice: the client's round trip (what an editor waits
for) and the server's own ``elapsed_s`` (the check, without the protocol).

    .venv/bin/python bench/serve_latency.py [--calls 200] [--units 1000000] [--keep DIR]
        [--index DIR] [--profile]

``--units N`` also measures an index tiled to N units from the default one (``bench/scale.py``
builds it; about 1 min and 1.5 GB of /tmp at 1M on 2 cores). ``--profile`` runs one check of
each kind under cProfile in this process and prints where the time goes.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import hashlib
import importlib.util
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from machine import machine_line

REPO = Path(__file__).resolve().parent.parent
LINES = 30
# Installed packages that the default index holds (as the index names them), and stdlib
# modules it does not.
INDEXED = {"requests": "requests", "attr": "attrs", "click": "click", "urllib3": "urllib3"}
INDEXED["pathspec"] = "pathspec"
STDLIB = [
    "argparse.py",
    "textwrap.py",
    "shlex.py",
    "configparser.py",
    "csv.py",
    "difflib.py",
    "calendar.py",
    "tarfile.py",
    "zipfile.py",
    "smtplib.py",
    "ftplib.py",
    "pprint.py",
    "string.py",
    "inspect.py",
    "gettext.py",
    "locale.py",
]


@dataclass(frozen=True)
class Snippet:
    """30 lines of real code, and the package the index knows it from ('' when none)."""

    code: str
    origin: str  # "package/path.py:line"
    package: str


def windows(path: Path, package: str, origin: str) -> list[Snippet]:
    """A 30-line window from the first line of every function at least 30 lines long."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    lines = text.splitlines()
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        end = node.end_lineno or node.lineno
        if end - node.lineno + 1 < LINES:
            continue
        code = textwrap.dedent("\n".join(lines[node.lineno - 1 : node.lineno - 1 + LINES]))
        out.append(Snippet(code + "\n", f"{origin}:{node.lineno}", package))
    return out


def snippets(n: int, seed: int = 21) -> list[Snippet]:
    """``n`` snippets, half from indexed packages, half from the standard library, shuffled."""
    indexed: list[Snippet] = []
    for module, package in sorted(INDEXED.items()):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            indexed += windows(path, package, f"{package}/{path.relative_to(root)}")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    plain: list[Snippet] = []
    for name in STDLIB:
        plain += windows(stdlib / name, "", f"stdlib/{name}")
    rng = random.Random(seed)
    half = n // 2
    chosen = rng.sample(indexed, min(half, len(indexed)))
    chosen += rng.sample(plain, min(n - len(chosen), len(plain)))
    rng.shuffle(chosen)
    return chosen


def installed_versions() -> str:
    """The installed versions of the indexed packages the snippets come from."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    out = []
    for package in sorted(set(INDEXED.values())):
        try:
            out.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    return ", ".join(out)


@dataclass
class Call:
    snippet: Snippet
    round_trip_s: float
    server_s: float
    packages: tuple[str, ...]
    error: str = ""


async def measure(
    index_dir: Path | None, chosen: list[Snippet], errlog: Path, language: str | None
) -> dict[str, Any]:
    """Start ``ipscan serve`` through the SDK's stdio client and time one call per snippet."""
    from mcp import Client
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    args = ["-m", "ipscan.cli", "serve"]
    if index_dir is not None:
        args += ["--index", str(index_dir)]
    env = {
        "PYTHONPATH": str(REPO),
        "IPSCAN_NO_CACHE": "1",
        **{k: v for k, v in os.environ.items() if k.startswith("IPSCAN_") and k != "IPSCAN_INDEX"},
    }
    params = StdioServerParameters(command=sys.executable, args=args, env=env, cwd=str(REPO))
    calls: list[Call] = []
    with errlog.open("w", encoding="utf-8") as err:
        started = time.perf_counter()
        async with Client(stdio_client(params, errlog=err), read_timeout_seconds=300) as client:
            ready_s = time.perf_counter() - started
            info = await client.call_tool("index_info", {})
            for snip in chosen:
                t0 = time.perf_counter()
                arguments = {"code": snip.code}
                if language:
                    arguments["language"] = language
                result = await client.call_tool("check_code", arguments)
                took = time.perf_counter() - t0
                content = result.structured_content or {}
                found = tuple(f["source"]["package"] for f in content.get("findings", ()))
                error = result.content[0].text if result.is_error else ""  # type: ignore[union-attr]
                calls.append(Call(snip, took, float(content.get("elapsed_s", 0)), found, error))
    return {
        "ready_s": ready_s,
        "index": (info.structured_content or {}).get("index"),
        "calls": calls,
    }


def quantile(values: list[float], q: float) -> float:
    """The nearest-rank quantile (q in 0-1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def summary(label: str, run: dict[str, Any]) -> dict[str, Any]:
    calls: list[Call] = run["calls"]
    ok = [c for c in calls if not c.error]
    rt = [c.round_trip_s * 1000 for c in ok[1:]]  # the first call aside: reported on its own
    sv = [c.server_s * 1000 for c in ok[1:]]
    indexed = [c for c in ok if c.snippet.package]
    hits = [c for c in indexed if c.snippet.package in c.packages]
    wrong = [c for c in ok if not c.snippet.package and c.packages]
    row = {
        "index": label,
        "units": (run["index"] or {}).get("units"),
        "calls": len(calls),
        "errors": len(calls) - len(ok),
        "ready_s": round(run["ready_s"], 2),
        "first_call_ms": round(calls[0].round_trip_s * 1000, 1) if calls else None,
        "round_trip_ms": {
            "p50": round(quantile(rt, 0.5), 1),
            "p90": round(quantile(rt, 0.9), 1),
            "p99": round(quantile(rt, 0.99), 1),
            "max": round(max(rt), 1),
            "mean": round(statistics.fmean(rt), 1),
        },
        "server_ms": {
            "p50": round(quantile(sv, 0.5), 1),
            "p99": round(quantile(sv, 0.99), 1),
        },
        "indexed_snippets_found": f"{len(hits)}/{len(indexed)}",
        "stdlib_snippets_with_findings": len(wrong),
    }
    return row


def print_row(row: dict[str, Any]) -> None:
    rt, sv = row["round_trip_ms"], row["server_ms"]
    print(
        f"{row['index']}: {row['units']:,} units, {row['calls']} calls ({row['errors']} errors); "
        f"ready in {row['ready_s']:.2f} s; first call {row['first_call_ms']} ms\n"
        f"  round trip ms: p50 {rt['p50']}  p90 {rt['p90']}  p99 {rt['p99']}  max {rt['max']}  "
        f"mean {rt['mean']}\n"
        f"  in the server ms: p50 {sv['p50']}  p99 {sv['p99']}\n"
        f"  snippets of indexed packages found: {row['indexed_snippets_found']}; "
        f"stdlib snippets with findings: {row['stdlib_snippets_with_findings']}",
        flush=True,
    )


def build_tiled(units: int, parent: Path) -> Path:
    """An index of ``units`` units tiled from the default one by bench/scale.py."""
    index_dir = parent / f"index-{units}"
    if index_dir.exists():
        print(f"reusing {index_dir}", flush=True)
        return index_dir
    cmd = [sys.executable, str(REPO / "bench" / "scale.py"), "--child-build", str(index_dir)]
    cmd += ["--child-units", str(units), "--shared-df", "0"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    made = json.loads(out.stdout)
    print(f"built {units:,} units in {time.perf_counter() - t0:.0f} s: {made}", flush=True)
    return index_dir


def profile(index_dir: Path | None, chosen: list[Snippet]) -> None:
    """cProfile one check of an indexed snippet and one of a stdlib snippet, after warming."""
    os.environ["IPSCAN_NO_CACHE"] = "1"
    from ipscan.scan import ScanOptions
    from ipscan.serve.state import open_state

    state = open_state(ScanOptions(index_dir=index_dir, jobs=1), None)
    state.warm()
    for kind in ("indexed", "stdlib"):
        snip = next(s for s in chosen if bool(s.package) == (kind == "indexed"))
        state.check(snip.code, None, None)  # its own parsers warm on the worker too
        prof = cProfile.Profile()
        prof.enable()
        state._check(snip.code, None, None)
        prof.disable()
        stream = io.StringIO()
        pstats.Stats(prof, stream=stream).sort_stats("cumulative").print_stats(28)
        print(f"--- profile of one check ({kind}: {snip.origin}) ---\n{stream.getvalue()}")
    state.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="check_code calls per index")
    ap.add_argument("--index", type=Path, help="measure this index instead of the default one")
    ap.add_argument("--units", type=int, nargs="*", default=[], help="tiled sizes to measure")
    ap.add_argument("--keep", type=Path, help="build the tiled indexes here and keep them")
    ap.add_argument("--profile", action="store_true", help="profile one check per index")
    ap.add_argument(
        "--language", help="send this language with each call (default: none, guessed by parsing)"
    )
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    print(machine_line(), flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    chosen = snippets(args.calls)
    digest = hashlib.sha256("".join(s.origin for s in chosen).encode()).hexdigest()[:12]
    print(
        f"{len(chosen)} snippets of {LINES} lines (set {digest}); language sent: "
        f"{args.language or 'none'}",
        flush=True,
    )
    print(f"installed versions (the index holds others): {installed_versions()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ipscan-serve-bench-"))
    rows = []
    try:
        targets: list[tuple[str, Path | None]] = [(str(args.index or "default"), args.index)]
        for n in args.units:
            targets.append((f"tiled {n:,}", build_tiled(n, args.keep or work)))
        for label, index_dir in targets:
            run = anyio.run(measure, index_dir, chosen, work / "serve.log", args.language)
            row = summary(label, run)
            rows.append(row)
            print_row(row)
            if args.profile:
                profile(index_dir, chosen)
            if index_dir is not None and args.keep is None and index_dir.is_relative_to(work):
                shutil.rmtree(index_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        meta = {"machine": machine_line(), "snippet_set": digest, "rows": rows}
        args.json.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

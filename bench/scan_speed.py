"""Scan speed against the default index, in fresh processes, as a user or a hook would run it.

- cold: a git repo holding 5 typical functions, empty embedding cache, new process (imports,
  index load, encoder load, embedding, matching, report);
- repo: a git repo of about 1,000 units of the standard library (issue #18: ``ipscan repo`` of a
  1,000-unit repository with an empty cache, target 5 s), then scanned again with every
  embedding in the cache, which measures parsing, fingerprinting and matching;
- big file: one Python file of 50,000 lines (standard-library modules end to end, each once),
  empty cache (target 30 s).

"Empty cache" is the embedding cache (``IPSCAN_NO_CACHE=1``, or a fresh one for the warm run);
the default index is unpacked once before the runs, as a machine's first scan does, and not
timed here (``bench/hook_speed.py`` times it).

``--without-faiss`` runs every scan as an install without FAISS does (the pre-commit hook's
environment, ``pip install ipscan-code`` without ``[cpu]``): the module is blocked in each
process, so vectors are searched exactly.

    python bench/scan_speed.py [--repeat 3] [--skip-big-file] [--without-faiss]
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from machine import machine_line
from machine import user_env

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = [
    "argparse.py",
    "ast.py",
    "calendar.py",
    "configparser.py",
    "csv.py",
    "difflib.py",
    "ftplib.py",
    "gettext.py",
    "inspect.py",
    "pprint.py",
    "shutil.py",
    "smtplib.py",
    "tarfile.py",
    "textwrap.py",
    "zipfile/__init__.py",
    "subprocess.py",
    "typing.py",
]


def git_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(path), *cmd], check=True, env=env)
    return path


def five_functions() -> str:
    src = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    fns = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)][:5]
    return "\n\n".join(ast.get_source_segment(src, f) or "" for f in fns) + "\n"


def fifty_thousand_lines() -> str:
    """Standard-library modules end to end, each once, up to 50,000 lines."""
    lines: list[str] = []
    for path in sorted(STDLIB.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        lines += text.splitlines()
        if len(lines) >= 50_000:
            break
    return "\n".join(lines[:50_000]) + "\n"


# Set by --without-faiss: a folder whose sitecustomize.py blocks ``import faiss``.
BLOCK_FAISS: Path | None = None


def scan(repo: Path, cache: Path | None) -> tuple[float, str]:
    """Wall time and summary line of ``ipscan repo``: with the embedding cache in ``cache``,
    or with none (``IPSCAN_NO_CACHE``) when it is None."""
    env = user_env()
    if BLOCK_FAISS is not None:
        env["PYTHONPATH"] = str(BLOCK_FAISS)
    if cache is None:
        env["IPSCAN_NO_CACHE"] = "1"
    else:
        env["IPSCAN_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "ipscan.cli", "repo", str(repo), "--device", "cpu"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({res.returncode}): {res.stderr.strip()}")
    return wall, res.stderr.strip().splitlines()[-1]


def unpack_default_index(work: Path) -> None:
    """Open the default index once (the first scan on a machine unpacks it)."""
    subprocess.run(
        [sys.executable, "-m", "ipscan.cli", "index", "info"],
        capture_output=True,
        check=True,
        cwd=work,
        env=user_env(),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-big-file", action="store_true")
    ap.add_argument("--without-faiss", action="store_true")
    args = ap.parse_args()
    print(machine_line())
    work = Path(tempfile.mkdtemp(prefix="ipscan-speed-"))
    if args.without_faiss:
        global BLOCK_FAISS
        BLOCK_FAISS = work / "no-faiss"
        BLOCK_FAISS.mkdir()
        (BLOCK_FAISS / "sitecustomize.py").write_text("import sys\nsys.modules['faiss'] = None\n")
        print("faiss blocked: vectors searched exactly, as in an install without it")
    unpack_default_index(work)
    small = git_repo(work / "small", {"five.py": five_functions()})
    colds = [scan(small, None)[0] for _ in range(args.repeat)]
    summary = scan(small, None)[1]
    print(
        f"cold 5-function scan: median {statistics.median(colds):.2f} s "
        f"(runs: {', '.join(f'{c:.2f}' for c in colds)}) — {summary}"
    )

    texts = {m: (STDLIB / m).read_text(encoding="utf-8") for m in MODULES if (STDLIB / m).is_file()}
    big = git_repo(work / "big", texts)
    empties = [scan(big, None) for _ in range(args.repeat)]
    summary = empties[-1][1]
    units = int(summary.split(" units")[0].split()[-1])
    e = statistics.median(w for w, _ in empties)
    print(
        f"repo of {units} units, empty embedding cache: median {e:.1f} s "
        f"(runs: {', '.join(f'{w:.1f}' for w, _ in empties)}) — {summary}"
    )
    cache = work / "cache-warm"
    scan(big, cache)
    warms = [scan(big, cache)[0] for _ in range(args.repeat)]
    w = statistics.median(warms)
    print(
        f"same repo, warm cache: median {w:.2f} s for {units} units = {units / w:.0f} units/s "
        f"(whole process, imports and index load included)"
    )
    if not args.skip_big_file:
        one = git_repo(work / "one", {"big.py": fifty_thousand_lines()})
        wall, summary = scan(one, None)
        print(f"one 50,000-line file, empty embedding cache: {wall:.1f} s — {summary}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

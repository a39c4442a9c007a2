"""Pre-commit hook wall time: `ipscan check` on a typical commit, cold, against the default index.

A git repository holds five standard-library modules; the commit under test edits one function
in each (a line added to its body) and stages the five files. Each run is a new process with an
empty embedding cache (the worst case: nothing seen before), as pre-commit would start it. The
default index ships as a pack that the first scan on a machine unpacks into the cache folder;
that one-time cost is measured and printed first, and every timed run finds the unpacked index
(its own cache folder links to it) and the recorded digest of the encoder's weights, as every
commit after the first does.

    python bench/hook_speed.py [--repeat 5]
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

from ipscan.encoder.model_dir import HASH_CACHE

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ["textwrap.py", "shlex.py", "fnmatch.py", "glob.py", "bisect.py"]


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def edit_one_function(text: str) -> str:
    """Add a statement at the top of the body of the module's longest function."""
    fns = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef)]
    fn = max(fns, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
    lines = text.splitlines(keepends=True)
    first = fn.body[0]
    indent = " " * first.col_offset
    lines.insert(first.lineno - 1, f"{indent}_edited = True\n")
    return "".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipscan-hook-"))
    repo = work / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for m in MODULES:
        (repo / m).write_text((STDLIB / m).read_text(encoding="utf-8"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    for m in MODULES:
        (repo / m).write_text(edit_one_function((repo / m).read_text(encoding="utf-8")))
    git(repo, "add", "-A")

    print(machine_line())
    unpacked = work / "unpacked"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ipscan.cli", "index", "info"],
        env=user_env(IPSCAN_CACHE_DIR=str(unpacked)),
        capture_output=True,
        check=True,
    )
    took = time.perf_counter() - t0
    print(f"first scan on a machine: the default index unpacked in {took:.2f} s")
    # The first scan also records the digest of the encoder's weights (a sha256 of 29 MB), as it
    # does on a user's machine; every later run starts from that record.
    subprocess.run(
        [sys.executable, "-m", "ipscan.cli", "check", *MODULES],
        cwd=repo,
        env=user_env(IPSCAN_CACHE_DIR=str(unpacked)),
        capture_output=True,
        check=False,
    )
    times = []
    summary = ""
    for i in range(args.repeat):
        cache = work / f"cache-{i}"
        cache.mkdir()
        if (unpacked / "indexes").is_dir():
            (cache / "indexes").symlink_to(unpacked / "indexes")
        if (unpacked / HASH_CACHE).is_file():
            shutil.copyfile(unpacked / HASH_CACHE, cache / HASH_CACHE)
        env = user_env(IPSCAN_CACHE_DIR=str(cache))
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-m", "ipscan.cli", "check", *MODULES],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - t0)
        if res.returncode not in (0, 1):
            raise SystemExit(f"check failed: {res.stderr.strip()}")
        summary = res.stderr.strip().splitlines()[-1]
        shutil.rmtree(cache, ignore_errors=True)
    print(
        f"ipscan check, 5 staged files, cold process and cache: median "
        f"{statistics.median(times):.2f} s, min {min(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}) — {summary}"
    )


if __name__ == "__main__":
    main()

"""Scan speed against the default index, in fresh processes, as a user or a hook would run it.

- cold: a git repo holding 5 typical functions, empty embedding cache, new process (imports,
  index load, encoder load, embedding, matching, report);
- warm: a git repo of about 1,000 functions of the standard library, scanned twice; the second
  run finds every embedding in the cache, so it measures parsing, fingerprinting and matching.

    python bench/scan_speed.py [--repeat 3]
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


def scan(repo: Path, cache: Path) -> tuple[float, str]:
    env = {**os.environ, "IPSCAN_CACHE_DIR": str(cache)}
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipscan-speed-"))
    small = git_repo(work / "small", {"five.py": five_functions()})
    colds = []
    for i in range(args.repeat):
        cache = work / f"cache-cold-{i}"
        wall, summary = scan(small, cache)
        colds.append(wall)
        shutil.rmtree(cache)
    print(
        f"cold 5-function scan: median {statistics.median(colds):.2f} s "
        f"(runs: {', '.join(f'{c:.2f}' for c in colds)}) — {summary}"
    )

    texts = {m: (STDLIB / m).read_text(encoding="utf-8") for m in MODULES if (STDLIB / m).is_file()}
    big = git_repo(work / "big", texts)
    cache = work / "cache-warm"
    first, summary = scan(big, cache)
    print(f"first scan of the stdlib repo (embeds everything): {first:.1f} s — {summary}")
    warms = [scan(big, cache)[0] for _ in range(args.repeat)]
    units = int(summary.split(" units")[0].split()[-1])
    w = statistics.median(warms)
    print(
        f"warm-cache scan: median {w:.2f} s for {units} units = {units / w:.0f} units/s "
        f"(whole process, imports and index load included)"
    )


if __name__ == "__main__":
    main()

"""Install size and time: a fresh venv, `pip install` of this checkout as a user or a hook gets it.

Usage: python bench/install_size.py [--spec ".[cpu]"] [--hook [ID]] [--keep DIR]

- default: `pip install '<checkout>[cpu]'` (a wheel built from this checkout, as `pip install
  'ipscan-code[cpu]'` would install it);
- `--hook [ID]`: what pre-commit's environment for hook ID (default `ipscan`, the pre-commit
  hook; `ipscan-push` for the pre-push one) installs (`pip install <checkout>` plus the hook's
  `additional_dependencies`, read from .pre-commit-hooks.yaml).

Prints the CPU model and core count, the wall time of the install (pip's cache as it is: run
twice for a warm cache), the size of site-packages, whether torch, transformers, scipy or
scikit-learn got in, and the ten largest packages.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

HEAVY = ("torch", "transformers", "scipy", "sklearn", "sympy", "nvidia", "triton")


def tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / f).lstat().st_size
    return total


def hook_dependencies(hook_id: str) -> list[str]:
    """The ``additional_dependencies`` of hook ``hook_id`` in .pre-commit-hooks.yaml."""
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == hook_id]
    return [str(d) for d in hook.get("additional_dependencies", [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=f"{REPO}[cpu]")
    parser.add_argument("--hook", nargs="?", const="ipscan", metavar="ID")
    parser.add_argument("--keep", type=Path, help="Make the venv here and keep it.")
    args = parser.parse_args()
    print(machine_line())
    work = args.keep or Path(tempfile.mkdtemp(prefix="ipscan-install-"))
    venv = work / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    spec = [str(REPO), *hook_dependencies(args.hook)] if args.hook else [args.spec]
    started = time.perf_counter()
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *spec],
        check=True,
    )
    seconds = time.perf_counter() - started
    site = next((venv / "lib").glob("python3*/site-packages"))
    sizes = sorted(
        ((tree_size(p), p.name) for p in site.iterdir() if not p.name.endswith(".dist-info")),
        reverse=True,
    )
    total = tree_size(site)
    heavy = sorted({n for _, n in sizes if n.lower().startswith(HEAVY)})
    label = "hook environment" if args.hook else "install"
    print(f"{label} of {' '.join(spec)}: {seconds:.1f} s, site-packages {total / 1e6:.0f} MB")
    print(f"torch/transformers/scipy/scikit-learn/CUDA packages: {', '.join(heavy) or 'none'}")
    for size, name in sizes[:10]:
        print(f"  {size / 1e6:7.1f} MB  {name}")
    check = subprocess.run(
        [str(venv / "bin" / "ipscan"), "--version"], capture_output=True, text=True, check=False
    )
    print(f"ipscan --version: {check.stdout.strip() or check.stderr.strip()}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

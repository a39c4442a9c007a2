"""Download the license benchmark corpus: one release archive per package in license_packages.txt.

PyPI packages come as wheels (their dist-info holds METADATA and the license files), npm packages
as the tarball `npm pack` fetches. Nothing is committed: the archives land in a cache folder, and
`corpus.lock` there records name, version, file and sha256 of what was measured.

    python bench/license_corpus.py --dest ~/.cache/ipscan-bench/licenses
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DEST = Path.home() / ".cache" / "ipscan-bench" / "licenses"


def read_list(path: Path) -> list[tuple[str, str]]:
    """(ecosystem, name) pairs from the package list."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            kind, name = line.split()
            out.append((kind, name))
    return out


def fetch(kind: str, name: str, dest: Path) -> Path | None:
    """Download one package's latest release into ``dest``; None when it cannot be had."""
    target = dest / kind
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
            cmd += ["--only-binary", ":all:", "--dest", tmp, name]
        else:
            cmd = ["npm", "pack", "--silent", "--pack-destination", tmp, name]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        got = sorted(Path(tmp).iterdir())
        if done.returncode != 0 or not got:
            return None
        final = target / got[0].name
        got[0].replace(final)
        return final


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    ap.add_argument("--list", type=Path, default=HERE / "license_packages.txt")
    ap.add_argument("--jobs", type=int, default=6)
    args = ap.parse_args()
    packages = read_list(args.list)
    args.dest.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda p: (p, fetch(p[0], p[1], args.dest)), packages))
    lock = []
    for (kind, name), path in results:
        if path is None:
            print(f"could not fetch {kind} {name}", file=sys.stderr)
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lock.append(
            {"ecosystem": kind, "name": name, "file": f"{kind}/{path.name}", "sha256": digest}
        )
    (args.dest / "corpus.lock").write_text(json.dumps(lock, indent=1) + "\n", encoding="utf-8")
    print(f"{len(lock)} of {len(packages)} packages in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

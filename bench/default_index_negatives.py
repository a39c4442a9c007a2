"""Unrelated real C projects scanned against the shipped default index: what a user sees.

The natural-copies benchmark builds its own index of each case's upstreams; this one asks what
the index that ships with ipscan (134 packages, C, C++, Java, Go, Rust, JavaScript and Python)
claims in real projects that copy none of them. Four Debian source packages, ``debian/`` left
out: curl, libarchive, Lua 5.4 and Redis (with what Redis vendors: hiredis, jemalloc, Lua 5.1,
linenoise; none of it is in the index). Each is scanned with ``ipscan repo`` and default
options; the findings are printed one a line, grouped by project, with the files flagged.

Some findings are shared code of a common ancestor, not false: libarchive's ``xxhash.c`` and
lz4's are both Yann Collet's xxHash; Redis's ``sha1.c`` and SQLite's ``ext/misc/sha1.c`` are
both Steve Reid's public-domain SHA-1; Redis's ``siphash.c`` and expat's ``siphash.h`` both
follow the SipHash reference code; libarchive's ``archive_blake2s_ref.c`` and libsodium's BLAKE2b
are both the BLAKE2 reference implementation. The rest are the measure: tables and idioms the
index holds in few packages (an alphabet as character literals, a ``qsort`` comparator's casts,
a run of ``#define NAME VALUE`` lines, SHA-256's round constants), claimed because the index is
small or because a standard fixes them.

    python bench/default_index_negatives.py [--keep DIR]

Downloads (about 20 MB, once) go to ~/.cache/ipscan-bench/default-negatives; each archive is
pinned by the sha256 of its Debian ``.dsc``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import machine_line  # noqa: E402
from machine import user_env  # noqa: E402

from ipscan.sources.debian_source import fetch_debian_source  # noqa: E402

IPSCAN = Path(sys.executable).parent / "ipscan"
CACHE = Path.home() / ".cache" / "ipscan-bench" / "default-negatives"
# (Debian source package, version, sha256 of its .dsc)
PROJECTS = [
    (
        "curl",
        "7.88.1-10+deb12u15",
        "2744f12e3aef161c0361743fa1b318296b122e566e47f381e4a63320fbcc23f4",
    ),
    (
        "libarchive",
        "3.6.2-1+deb12u5",
        "aa86e919d6899ed11cc78c812d25a99b0493cbcc0e89b303507bf66d7dbda216",
    ),
    (
        "lua5.4",
        "5.4.4-3+deb12u1",
        "d47c50154294a68c8a209c5d61bc09e5b22891c01b7c47501ac3f9725eb4a813",
    ),
    (
        "redis",
        "5:7.0.15-1~deb12u10",
        "6416560d9f6e692a524867d8a437d97c9310c374a70d0bac1fee9259bf5e9463",
    ),
]
# Files whose findings are a common ancestor's code (see above), listed apart.
COMMON_ANCESTOR = {
    ("libarchive", "libarchive/xxhash.c"),
    ("libarchive", "libarchive/archive_blake2s_ref.c"),
    ("redis", "src/sha1.c"),
    ("redis", "src/siphash.c"),
}


def tree(name: str, version: str, pin: str) -> Path:
    """The unpacked source package, fetched once and checked against its pin."""
    CACHE.mkdir(parents=True, exist_ok=True)
    unpacked = CACHE / f"{name}_{version.split(':')[-1]}"
    if unpacked.is_dir():
        return unpacked
    archive, dsc_sha = fetch_debian_source(name, version, CACHE)
    if pin and dsc_sha != pin:
        archive.unlink()
        sys.exit(f"{name} {version}: .dsc sha256 {dsc_sha}, pinned {pin}")
    work = Path(tempfile.mkdtemp(dir=CACHE))
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    [top] = [p for p in work.iterdir() if p.is_dir()]
    shutil.rmtree(top / "debian", ignore_errors=True)
    top.rename(unpacked)
    shutil.rmtree(work)
    archive.unlink()
    return unpacked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", type=Path, help="write each project's JSON report here")
    args = ap.parse_args()
    print(machine_line())
    totals: Counter[str] = Counter()
    for name, version, pin in PROJECTS:
        root = tree(name, version, pin)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(args.keep or tmp) / f"{name}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            run = subprocess.run(
                [str(IPSCAN), "repo", str(root), "-q", "--format", "json", "-o", str(out)],
                env=user_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - started
            if run.returncode not in (0, 1):
                sys.exit(f"ipscan failed on {name}: {run.stderr.strip()}")
            doc = json.loads(out.read_text())
        findings = [f for f in doc["findings"] if f["verdict"] != "similar"]
        ancestor = [f for f in findings if (name, f["path"]) in COMMON_ANCESTOR]
        rest = [f for f in findings if (name, f["path"]) not in COMMON_ANCESTOR]
        files = doc["summary"].get("files_scanned", doc["summary"].get("files", 0))
        print(
            f"\n{name} {version}: {files} files, {seconds:.1f} s; {len(rest)} findings on "
            f"{len({f['path'] for f in rest})} files, and {len(ancestor)} on "
            f"{len({f['path'] for f in ancestor})} files of a common ancestor"
        )
        for f in sorted(rest, key=lambda f: (f["path"], f["start_line"])):
            s = f["source"]
            print(
                f"  {f['path']}:{f['start_line']}-{f['end_line']} {f['verdict']} "
                f"{f['similarity']:.2f} <- {s['package']} {s['path']}:"
                f"{s['start_line']}-{s['end_line']}"
            )
        totals["findings"] += len(rest)
        totals["files"] += len({f["path"] for f in rest})
        totals["ancestor"] += len(ancestor)
    print(
        f"\nall: {totals['findings']} findings on {totals['files']} files besides "
        f"{totals['ancestor']} of a common ancestor"
    )


if __name__ == "__main__":
    main()

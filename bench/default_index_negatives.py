"""Unrelated real projects scanned against the shipped default index: what a user sees.

The natural-copies benchmark builds its own index of each case's upstreams; this one asks what
the index that ships with ipscan (134 packages, C, C++, Java, Go, Rust, JavaScript and Python)
claims in real projects that copy none of them. Four C projects as Debian source packages,
``debian/`` left out: curl, libarchive, Lua 5.4 and Redis (with what Redis vendors: hiredis,
jemalloc, Lua 5.1, linenoise; none of it is in the index). Since 2026-12-05 night, 18 small and
mid-sized projects in the other languages too: Go as Debian source packages (fatih/color,
olekukonko/tablewriter, spf13/afero, mattn/go-runewidth), Python as PyPI sdists (tqdm,
tabulate, cachetools, humanize) and Debian's toolz, JavaScript as npm tarballs (minimist,
yargs-parser, async) and Rust crates as Debian ships them (either, itertools, unicode-width,
heck). Each is scanned with ``ipscan repo`` and default options; the findings are printed one
a line, grouped by project, with the files flagged.

Some findings are shared code of a common ancestor, not false: libarchive's ``xxhash.c`` and
lz4's are both Yann Collet's xxHash; Redis's ``sha1.c`` and SQLite's ``ext/misc/sha1.c`` are
both Steve Reid's public-domain SHA-1; Redis's ``siphash.c`` and expat's ``siphash.h`` both
follow the SipHash reference code; libarchive's ``archive_blake2s_ref.c`` and libsodium's BLAKE2b
are both the BLAKE2 reference implementation; afero's ``Walk`` and golang.org/x/net's webdav
``walkFS`` both follow Go's ``filepath.Walk``. The rest are the measure: tables and idioms the
index holds in few packages (an alphabet as character literals, a ``qsort`` comparator's casts,
a run of ``#define NAME VALUE`` lines, SHA-256's round constants, a trait's method signature),
claimed because the index is small or because a standard fixes them.

    python bench/default_index_negatives.py [--keep DIR]

Downloads (about 25 MB, once) go to ~/.cache/ipscan-bench/default-negatives (each Debian source
archive pinned by the sha256 of its ``.dsc``) and, for the registry packages, to the
natural-copies cache (/tmp/natural/cache, ``bench/natural_copies.py``).
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import machine_line  # noqa: E402
from machine import user_env  # noqa: E402
from natural_copies import parse_artifact  # noqa: E402
from natural_copies import unpack  # noqa: E402

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
    (
        "golang-github-fatih-color",
        "1.7.0-1",
        "f40ebcf98b213a97a26b47d66a6a1e083863b404b21229fb1d1005e540c22e58",
    ),
    (
        "golang-github-olekukonko-tablewriter",
        "0.0.5-2",
        "08179b767ab2e7736162949cfbcd0a3b2da0f018a727d9506b6f3ffd8a9bbe18",
    ),
    (
        "golang-github-spf13-afero",
        "1.9.3-1",
        "036d4bc57ab1ce9ec89a18a8f0cb44a17779afd13b4eeb46639f6070bcf5cded",
    ),
    (
        "golang-github-mattn-go-runewidth",
        "0.0.14-1",
        "b7f4b2c55804a9af58da7578879583a84905696f514c07bd80757864b48d6f96",
    ),
    ("toolz", "0.12.0-1", "b0fca01a4e638e2a515b2bc27762fa6b99a15bdf537e65aa8b2605c9977e7bb5"),
]
# Registry packages (``bench/natural_copies.py``'s artifacts): a Debian binary package of a
# Rust crate holds its source, trimmed to the crate.
ARTIFACTS = [
    "sdist:tqdm==4.66.5",
    "sdist:tabulate==0.9.0",
    "sdist:cachetools==5.5.0",
    "sdist:humanize==4.11.0",
    "npm:minimist@1.2.8",
    "npm:yargs-parser@21.1.1",
    "npm:async@3.2.6",
    "deb:librust-either-dev",
    "deb:librust-itertools-dev",
    "deb:librust-unicode-width-dev",
    "deb:librust-heck-dev",
]
CRATES = ("usr/share/cargo/registry",)
# Findings that are a common ancestor's code (see above), listed apart: (project, scanned file)
# -> the tails of the indexed files that hold the same ancestor's code.
COMMON_ANCESTOR = {
    ("libarchive", "libarchive/xxhash.c"): ("lib/xxhash.c",),
    ("libarchive", "libarchive/archive_blake2s_ref.c"): ("blake2b-ref.c", "blake2b-compress-ref.c"),
    ("redis", "src/sha1.c"): ("ext/misc/sha1.c",),
    ("redis", "src/siphash.c"): ("siphash.h", "shorthash_siphash24_ref.c"),
    ("golang-github-spf13-afero", "path.go"): ("webdav/file.go",),
    # rayon's InterleaveSeq is "taken more or less verbatim from itertools" (its comment).
    (
        "librust-itertools-dev",
        "usr/share/cargo/registry/itertools-0.10.3/src/adaptors/mod.rs",
    ): ("iter/interleave.rs",),
    (
        "librust-itertools-dev",
        "usr/share/cargo/registry/itertools-0.10.3/src/size_hint.rs",
    ): ("iter/interleave.rs",),
}


def of_ancestor(project: str, finding: dict[str, Any]) -> bool:
    """Whether ``finding`` names an indexed file holding a common ancestor's code."""
    tails = COMMON_ANCESTOR.get((project, finding["path"]), ())
    return any(str(finding["source"]["path"]).endswith(t) for t in tails)


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


def projects() -> Iterator[tuple[str, str, Path]]:
    """(name, version, unpacked tree) of every project, fetched once."""
    for name, version, pin in PROJECTS:
        yield name, version, tree(name, version, pin)
    for spec in ARTIFACTS:
        art = parse_artifact(spec, CRATES if spec.startswith("deb:") else ())
        root, version = unpack(art)
        yield art.name, version, root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", type=Path, help="write each project's JSON report here")
    args = ap.parse_args()
    print(machine_line())
    totals: Counter[str] = Counter()
    for name, version, root in projects():
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
        ancestor = [f for f in findings if of_ancestor(name, f)]
        rest = [f for f in findings if not of_ancestor(name, f)]
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

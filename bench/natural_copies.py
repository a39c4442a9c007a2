"""Natural-copy benchmark: ipscan and copydetect on real vendored, bundled and forked files.

Each case of bench/natural_copies.toml names a published package that vendors code (a PyPI sdist
or wheel, an npm tarball, a Debian package), the folders inside it that came from elsewhere, and
the upstream packages they came from. Everything is fetched from the package registries (cached
under /tmp/natural/cache) and unpacked.

Ground truth, from provenance and the text alone:
- positive: a code file under a vendored folder whose best upstream file (same basename first,
  else any upstream file of the same language) holds at least half of its non-blank stripped
  lines that hold code (a line with one of tree-sitter's tokens: a license header shared by
  every file of a project does not make a fork's own file a copy of upstream's), one of 8+
  characters among them (a docstring's opening quotes alone are no code to trace); "verbatim"
  when identical up to trailing whitespace and line endings, else "patched", and a patched one
  must share such a line that fewer than 5 files of its upstream hold (``package uuid`` or
  ``} // namespace mp11`` alone is boilerplate, not provenance: such a file is left out); any
  other file of its upstream that shares as many lines, or at least 0.95 of as many
  (``NEAR_TIE``), is as right a source to name; and a claim naming another file of its
  upstream that it holds a part of (a run of ``PART_MIN_LINES`` consecutive distinctive code
  lines that file holds and its source does not: a merge, or code moved between files from
  one release to the next) is right too, though it does not find the file;
- negative: a scanned file outside the vendored folders that shares under 10% of its distinctive
  lines (8+ characters) with every upstream file and holds no run of ``PART_MIN_LINES`` of them
  consecutive (``holds_block``: a function copied into a larger file), and in a fork (a case
  with ``fork = true``, the whole package from its upstream: thefuzz from fuzzywuzzy, hashlink
  from linked-hash-map, gofrs/uuid from satori/go.uuid) any such file of the package, its own
  code; other files count for neither side.

Every tool gets every upstream of the run: ipscan as one index (`ipscan index build`, run
without its embedding cache, then one `ipscan repo` per case, and, timed only, one more over a
folder holding every case's tree: one project vendoring all of them), copydetect as reference
files (CopyDetector, default noise and guarantee thresholds, one run per language) and, when
installed, Dolos (@dodona/dolos-lib, default options, one run per language). A file-pair tool
claims a (scanned, upstream) pair when the share of the scanned file it covers exceeds
copydetect's default display threshold, 0.33. All are scored by the same rules: a positive
file is found when a claim on it names its upstream file (same package, path ending in that
file's path); a claim on a negative file or naming another file is false; claims on files that
are neither are not counted. ipscan's claims are its findings (a file-scope finding that repeats
a unit finding's source file counts once).

Setup, once: `python3 -m venv /tmp/natural/cdvenv && /tmp/natural/cdvenv/bin/pip install
copydetect`; optionally Dolos in /tmp/natural/dolos (`bench/dolos_runner.mjs` says how). Then:

    nice -n 10 .venv/bin/python bench/natural_copies.py [--full] [--only LANG] [--keep]

Prints a markdown table; /tmp/natural/result.json lists every miss and false positive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from license_corpus import fetch as fetch_archive  # noqa: E402
from machine import cpu_features  # noqa: E402
from machine import cpu_model  # noqa: E402
from machine import user_env  # noqa: E402

from ipscan.extract.languages import language_for_path  # noqa: E402
from ipscan.extract.parse import parse_source  # noqa: E402
from ipscan.index.reader import IndexReader  # noqa: E402
from ipscan.records import SourceFile  # noqa: E402
from ipscan.sources.paths import SKIP_DIRS  # noqa: E402
from ipscan.sources.paths import shared_tail  # noqa: E402
from ipscan.sources.records import MAX_FILE_BYTES  # noqa: E402

WORK = Path("/tmp/natural")
CACHE = WORK / "cache"
CASES = HERE / "natural_copies.toml"
IPSCAN = Path(sys.executable).parent / "ipscan"
CD_PYTHON = WORK / "cdvenv" / "bin" / "python"  # python3 -m venv; pip install copydetect
DOLOS_DIR = WORK / "dolos"  # npm install @dodona/dolos-lib
DISPLAY_T = 0.33  # copydetect's default display threshold, on the test file's side
POSITIVE_T = 0.5  # share of a vendored file's lines found in its upstream file
# Another file of the same upstream holding at least this share of what the best one holds (and
# POSITIVE_T itself) is as good an answer: golang-jwt's ``ed25519_utils.go`` shares 0.739 of its
# code lines with jwt-go's ``rsa_utils.go`` and 0.717 with ``ecdsa_utils.go``, whose private-key
# parser its own follows line for line; a few lines' difference says nothing about which it is.
NEAR_TIE = 0.95
# ... of which at least this many distinct lines of DISTINCT_CHARS or more characters: a module
# whose only code is a docstring's opening quotes says nothing about where its code came from
# (a one-line version module's line does).
POSITIVE_MIN_LINES = 1
# ... and for a patched file, lines that fewer than this many files of its upstream hold: a file
# sharing only its upstream's boilerplate (``package uuid``, ``import (``, ``} // namespace mp11``,
# an ``#include`` every header has) may be new code in that project's style (mp11's
# ``mp_is_value_list.hpp``, new in Boost 1.83, "shares" 0.72 with 1.81's ``function.hpp``).
COMMON_LINE_FILES = 5
# A claim holds by the text when at least this share of its lines (of 4+ characters), and at
# least VERIFY_MIN_LINES of them, are lines of the upstream file it names, blanks and quote
# characters aside (``Verifier``).
VERIFY_T = 0.6
VERIFY_MIN_LINES = 3
# A vendored file holding this many consecutive distinctive code lines (DISTINCT_CHARS or more
# characters, held by fewer than COMMON_LINE_FILES files of the upstream) of another file of its
# upstream, none of them in its source file, holds a part of that file (``parts_of``).
PART_MIN_LINES = 5
NEGATIVE_T = 0.1  # a negative shares less than this with every upstream file
BIG_FILE = 20  # recall is also shown for vendored files of at least this many non-blank lines
DISTINCT_CHARS = 8  # lines shorter than this ("}", "else:") say nothing about provenance

# Never fetched, indexed or scanned, not even as negatives: the sources DEVELOPERS.md reserves
# for the held-out evaluation, held as sha256 prefixes of their normalized names so that this
# file does not name them; package families (NAME.<name>, a distribution's versioned trees) by
# the digest of their stem.
OFF_LIMITS_DIGESTS = frozenset(
    {
        "123250de27d35775",
        "1d1c60ee43e7bd52",
        "234479a0d84ca8ac",
        "265ee18afa3b103c",
        "380ac83887d6ccae",
        "3d7f3aff999c8917",
        "4eecba34e0596e64",
        "56f37cdeb76471ba",
        "69fa88b1a00f9d12",
        "6fcd351889eb0caf",
        "7b1ea66b2ec90efe",
        "807eb51945b440dd",
        "8e58c6be0056f0a4",
        "949fa0e22d0d5444",
        "99d5fd97c8630a67",
        "9ee3a07916ebb661",
        "a83919e81ca11b2f",
        "a84a8e898d5a4ef4",
        "a877d887ba8e1158",
        "a8da1c279ba6233b",
        "b1fb78f9bcf07f8b",
        "b79d8d4cc2c3a9e7",
        "b87920dbdafc8efe",
        "ba906758bb949b79",
        "bc18f7068971a44e",
        "dbf529c6cb5877fc",
        "e5c88646ded366cf",
        "f23dc93825dd705f",
        "f47b1ee40fde7609",
        "fbf9ba918f12ba17",
        "fed5038bf2f427ab",
    }
)
_STEMS = (re.compile(r"^([a-z]+)\.[a-z]+$"), re.compile(r"^(golang)-1\.\d+(-src|-go)?$"))
OFF_LIMITS_STEMS = frozenset({"94a755535d135f12", "d754ed9f64ac293b"})


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def off_limits(name: str) -> bool:
    """Whether ``name`` (normalized) is a source reserved for the held-out evaluation."""
    if _digest(name) in OFF_LIMITS_DIGESTS or ("plag" in name.replace("-", "") and "ir" in name):
        return True
    stems = (m.group(1) for p in _STEMS if (m := p.match(name)))
    return any(_digest(stem) in OFF_LIMITS_STEMS for stem in stems)


@dataclass(frozen=True)
class Artifact:
    """One registry package: KIND:SPEC (sdist:six==1.16.0, npm:chalk@5.3.0, deb:libxxhash-dev)."""

    kind: str
    spec: str
    keep: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return re.split(r"==|(?<=.)@|=", self.spec, maxsplit=1)[0]

    @property
    def slug(self) -> str:
        tail = "+".join(self.keep)
        return slugify(f"{self.kind}-{self.spec}{'-' + tail if tail else ''}")


@dataclass(frozen=True)
class Case:
    id: str
    langs: tuple[str, ...]
    copy: Artifact
    vendored: tuple[str, ...]
    upstream: tuple[Artifact, ...]
    scan: tuple[str, ...]
    ignore: tuple[str, ...]
    full: bool
    note: str
    # A fork: the whole package came from the upstreams, so a file of it that shares little with
    # every upstream file (NEGATIVE_T) is the fork's own code and a negative, like the rest of a
    # package that vendors.
    fork: bool = False


@dataclass(frozen=True)
class Truth:
    """A positive: a vendored file and the upstream file it came from."""

    case: str
    path: str
    language: str
    upstream: str  # the upstream artifact, KIND:SPEC
    package: str  # the upstream's name as ipscan's index records it (once it is built)
    source: str  # the upstream file, relative to the upstream's root
    overlap: float
    label: str  # verbatim | patched
    lines: int  # non-blank lines of the vendored file
    # Other files of the same upstream sharing as many of its lines, or nearly (NEAR_TIE;
    # htmlparser's ``runtests.js`` and ``runtests.min.js`` differ in one ``require``): naming
    # one is right.
    ties: tuple[str, ...] = ()
    # Other files of the same upstream that the vendored file holds a block of (``parts_of``):
    # pytest's ``_py/path.py`` is py's ``local.py`` with much of ``common.py`` merged in.
    # Naming one is a right claim, though not the file's source (recall counts ``source`` and
    # ``ties`` only).
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """What a tool says about one scanned file: copied from this package's file."""

    case: str
    path: str
    package: str
    source: str
    license: str = ""
    detail: str = ""
    lines: tuple[int, int] | None = None  # the scanned lines claimed; None: the whole file


@dataclass
class Labels:
    positives: dict[tuple[str, str], Truth] = field(default_factory=dict)  # (case, path) ->
    negatives: dict[tuple[str, str], str] = field(default_factory=dict)  # (case, path) -> lang
    # Cases that vendor nothing: unrelated projects, whose files are all negatives. The other
    # negatives are the rest of a package that vendors, forks or ports an upstream (gogo's own
    # generated code, pytest's assertion rewriter beside py), where a derivation the line rule
    # does not see is likelier than anywhere.
    unrelated: set[str] = field(default_factory=set)


def slugify(text: str) -> str:
    return re.sub(r"[^\w.+-]+", "_", text)


def norm_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def refuse_off_limits(case: Case) -> None:
    """Stop on a case that names a package or vendored tree that is off limits."""
    names = [case.copy.name, *(u.name for u in case.upstream)]
    parts = [p for path in (*case.vendored, *case.scan) for p in path.split("/")]
    for raw in (*names, *parts):
        name = norm_name(raw)
        bare = re.sub(r"^(librust-|golang-github-[^-]+-|python3?-|node-)|-dev$", "", name)
        if any(off_limits(n) for n in (name, bare, raw.lower())):
            raise SystemExit(f"case {case.id}: {raw} is off limits for this benchmark")


def parse_artifact(text: str, keep: Iterable[str] = ()) -> Artifact:
    kind, _, spec = text.partition(":")
    if kind not in ("sdist", "wheel", "npm", "deb") or not spec:
        raise SystemExit(f"bad artifact {text!r}: expected sdist:|wheel:|npm:|deb:SPEC")
    return Artifact(kind, spec, tuple(keep) if kind == "deb" else ())


def load_cases(path: Path, full: bool, only: str | None) -> list[Case]:
    cases = []
    for raw in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
        case = Case(
            id=raw["id"],
            langs=tuple(raw["lang"]),
            copy=parse_artifact(raw["copy"]),
            vendored=tuple(raw["vendored"]),
            upstream=tuple(parse_artifact(u, raw.get("keep", ())) for u in raw["upstream"]),
            scan=tuple(raw.get("scan", ())),
            ignore=tuple(raw.get("ignore", ())),
            full=bool(raw.get("full", False)),
            note=raw.get("note", ""),
            fork=bool(raw.get("fork", False)),
        )
        refuse_off_limits(case)
        if (full or not case.full) and (only is None or only in case.langs):
            cases.append(case)
    return cases


# --- fetching and unpacking ------------------------------------------------------------------


def fetch(art: Artifact) -> tuple[Path, str]:
    """The artifact's archive in the cache (downloaded once) and its version."""
    lock = CACHE / "fetched.json"
    known = json.loads(lock.read_text()) if lock.exists() else {}
    key = f"{art.kind}:{art.spec}"
    if key in known and Path(known[key][0]).exists():
        return Path(known[key][0]), known[key][1]
    kind = {"wheel": "pypi"}.get(art.kind, art.kind)  # license_corpus's name for wheels
    got = fetch_archive(kind, art.spec, CACHE / "archives")
    if got is None:
        raise SystemExit(f"cannot fetch {key}")
    known[key] = [str(got[0]), got[1]]
    lock.write_text(json.dumps(known, indent=1))
    return got


def wanted(rel: str, keep: tuple[str, ...]) -> bool:
    if not keep or re.fullmatch(r"usr/share/doc/[^/]+/copyright", rel):
        return True
    return any(rel == k or rel.startswith(k.rstrip("/") + "/") for k in keep)


def archive_members(archive: Path) -> Iterable[tuple[str, bytes]]:
    """(path, bytes) of the regular files of a tar or zip archive."""
    import tarfile
    import zipfile

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)
        return
    with tarfile.open(archive) as tf:
        for member in tf:
            fh = tf.extractfile(member) if member.isreg() else None
            if fh is not None:
                yield member.name, fh.read()


def unpack(art: Artifact) -> tuple[Path, str]:
    """The artifact unpacked under the cache as NAME-VERSION (without an sdist's or npm
    tarball's wrapper folder; a Debian package trimmed to its `keep` paths), and its version."""
    archive, version = fetch(art)
    dest = CACHE / "unpacked" / art.slug / slugify(f"{art.name}-{version}")
    if dest.exists():
        return dest, version
    files = [(n.removeprefix("./"), data) for n, data in archive_members(archive)]
    files = [(n, d) for n, d in files if n and not n.startswith("/") and ".." not in n.split("/")]
    tops = {n.split("/", 1)[0] for n, _ in files}
    strip = art.kind in ("sdist", "npm") and len(tops) == 1 and all("/" in n for n, _ in files)
    tmp = Path(tempfile.mkdtemp(dir=CACHE))
    for name, data in files:
        rel = name.split("/", 1)[1] if strip else name
        if wanted(rel, art.keep):
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    return dest, version


def expand(root: Path, patterns: Iterable[str]) -> list[str]:
    """The relative paths below ``root`` that glob patterns name ("." for the root itself)."""
    out = []
    for pattern in patterns:
        hits = [root] if pattern in (".", "") else sorted(root.glob(pattern))
        if not hits:
            raise SystemExit(f"{root}: nothing matches {pattern!r}")
        out += [h.relative_to(root).as_posix() for h in hits]
    return out


def under(rel: str, prefixes: Iterable[str]) -> bool:
    return any(p == "." or rel == p or rel.startswith(p + "/") for p in prefixes)


def code_files(root: Path) -> dict[str, str]:
    """Relative path -> language of the code files below ``root`` that ipscan would read."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != "node_modules")
        for fn in filenames:
            p = Path(dirpath) / fn
            spec = language_for_path(fn)
            if spec and p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_FILE_BYTES:
                lang = "typescript" if spec.name == "tsx" else spec.name
                out[p.relative_to(root).as_posix()] = lang
    return out


def scan_tree(case: Case, copy_root: Path) -> Path:
    """The part of the copying package that is scanned, as its own folder."""
    if not case.scan:
        return copy_root
    tree = WORK / "work" / "trees" / slugify(case.id)
    shutil.rmtree(tree, ignore_errors=True)
    for rel in expand(copy_root, case.scan):
        src, dst = copy_root / rel, tree / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst)
    return tree


# --- ground truth ----------------------------------------------------------------------------


@dataclass
class Upstream:
    art: Artifact
    root: Path
    version: str
    files: dict[str, str]  # relative path -> language
    package: str = ""  # filled from the index
    licenses: dict[str, str] = field(default_factory=dict)  # path -> license, from the index
    license: str = ""  # the package's license, from the index


def layout_free(line: str) -> str:
    """A line without its blanks and with one quote character: the same line after a formatter
    (black, prettier, gofmt) re-spaced it or swapped its quotes."""
    return "".join(line.split()).replace("'", '"')


class Lines:
    """Stripped non-blank lines of files, read once."""

    def __init__(self) -> None:
        self._lines: dict[Path, list[str]] = {}
        self._sets: dict[Path, frozenset[str]] = {}
        self._layout_free: dict[Path, frozenset[str]] = {}
        self._code: dict[Path, list[str]] = {}
        self._common: dict[Path, frozenset[str]] = {}

    def of(self, path: Path) -> list[str]:
        if path not in self._lines:
            text = path.read_text(encoding="utf-8", errors="replace")
            self._lines[path] = [s for s in (line.strip() for line in text.splitlines()) if s]
        return self._lines[path]

    def set_of(self, path: Path) -> frozenset[str]:
        if path not in self._sets:
            self._sets[path] = frozenset(self.of(path))
        return self._sets[path]

    def layout_free_set(self, path: Path) -> frozenset[str]:
        """``set_of`` with each line ``layout_free``: what a formatter leaves of it."""
        if path not in self._layout_free:
            self._layout_free[path] = frozenset(layout_free(line) for line in self.of(path))
        return self._layout_free[path]

    def code_of(self, path: Path) -> list[str]:
        """``of`` less the lines that hold no code (comments: a license header that every file
        of a project repeats says nothing about where the file's code came from), by the rows
        of tree-sitter's tokens."""
        if path not in self._code:
            text = path.read_text(encoding="utf-8", errors="replace")
            spec = language_for_path(path.name)
            rows = None
            if spec is not None:
                parsed = parse_source(SourceFile(path.name, text, spec.name))
                rows = set(parsed.columns.lines)
            self._code[path] = [
                s
                for number, line in enumerate(text.split("\n"), start=1)  # tree-sitter rows
                if (s := line.strip()) and (rows is None or number in rows)
            ]
        return self._code[path]

    def telling(self, path: Path, source: Path, common: frozenset[str] = frozenset()) -> bool:
        """Whether ``path`` shares at least POSITIVE_MIN_LINES distinct code lines of
        DISTINCT_CHARS or more characters with ``source``, not counting ``common`` ones."""
        have = self.set_of(source) - common
        shared = {s for s in self.code_of(path) if len(s) >= DISTINCT_CHARS and s in have}
        return len(shared) >= POSITIVE_MIN_LINES

    def common_in(self, up: Upstream) -> frozenset[str]:
        """The lines that COMMON_LINE_FILES or more files of ``up`` hold."""
        if up.root not in self._common:
            counts = Counter(line for rel in up.files for line in self.set_of(up.root / rel))
            self._common[up.root] = frozenset(
                line for line, n in counts.items() if n >= COMMON_LINE_FILES
            )
        return self._common[up.root]

    def overlap(self, path: Path, source: Path) -> float:
        """The share of ``path``'s code lines that are lines of ``source``."""
        lines, have = self.code_of(path), self.set_of(source)
        return sum(line in have for line in lines) / len(lines) if lines else 0.0


class LineIndex:
    """Distinctive line -> the upstream files holding it, to find what a file shares."""

    def __init__(self, lines: Lines, files: list[Path]) -> None:
        self.files = files
        self.index: dict[str, list[int]] = {}
        for i, path in enumerate(files):
            for line in lines.set_of(path):
                if len(line) >= DISTINCT_CHARS:
                    self.index.setdefault(line, []).append(i)

    def max_share(self, lines: list[str]) -> float:
        distinct = {line for line in lines if len(line) >= DISTINCT_CHARS}
        counts: dict[int, int] = {}
        for line in distinct:
            for i in self.index.get(line, ()):
                counts[i] = counts.get(i, 0) + 1
        return max(counts.values(), default=0) / len(distinct) if distinct else 0.0


def same_text(a: Path, b: Path) -> bool:
    """Identical up to trailing whitespace and line endings."""

    def norm(p: Path) -> list[str]:
        lines = [x.rstrip() for x in p.read_text(encoding="utf-8", errors="replace").splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    return norm(a) == norm(b)


def best_source(
    path: Path, rel: str, lang: str, ups: list[Upstream], lines: Lines
) -> tuple[float, Upstream, str, tuple[str, ...]] | None:
    """The upstream file holding most of this file's lines (same basename first, else any
    upstream file of the same language), and the other files of its upstream that tie."""
    pool = [(u, r) for u in ups for r, lg in u.files.items() if lg == lang]
    same = [(u, r) for u, r in pool if r.rsplit("/", 1)[-1] == rel.rsplit("/", 1)[-1]]
    best = None
    for candidates in (same, pool):
        scored = [
            (lines.overlap(path, u.root / r), shared_tail(rel, r), u, r) for u, r in candidates
        ]
        top = max(scored, key=lambda t: (t[0], t[1]), default=None)
        if top and (best is None or top[0] > best[0]):
            near = max(NEAR_TIE * top[0], POSITIVE_T)
            ties = tuple(r for o, _, u, r in scored if o >= near and u is top[2] and r != top[3])
            best = (top[0], top[2], top[3], ties)
        if best and best[0] >= POSITIVE_T:
            break
    return best


def parts_of(
    path: Path, up: Upstream, source: str, ties: tuple[str, ...], index: LineIndex, lines: Lines
) -> tuple[str, ...]:
    """The other files of ``up`` of which ``path`` holds a part: a run of PART_MIN_LINES
    consecutive distinctive code lines (shorter lines skipped, not breaking the run) that the
    other file holds and ``source`` and its ties do not. A file made of several upstream files
    (a merge, or code moved between files from one release to the next) has them all as
    sources; the single best one stays the file's source."""
    own = frozenset().union(*(lines.set_of(up.root / r) for r in (source, *ties)))
    common = lines.common_in(up)
    telling = [s for s in lines.code_of(path) if len(s) >= DISTINCT_CHARS and s not in common]
    elsewhere = {s for s in telling if s not in own}
    candidates = {index.files[i] for s in elsewhere for i in index.index.get(s, ())}
    out = []
    for other in sorted(candidates):
        if not other.is_relative_to(up.root):
            continue
        rel = other.relative_to(up.root).as_posix()
        if rel not in up.files or rel in (source, *ties):
            continue
        held = elsewhere & lines.set_of(other)
        if longest_run(telling, held.__contains__)[0] >= PART_MIN_LINES:
            out.append(rel)
    return tuple(out)


def holds_block(path: Path, index: LineIndex, lines: Lines) -> str:
    """Why ``path`` is no negative though it shares little with every upstream file as a whole:
    it holds a run of PART_MIN_LINES consecutive distinctive code lines of one (a function
    copied into a larger file, or both from a common ancestor: pflag's and urfave/cli's
    ``UnquoteUsage`` are Go's ``flag`` package's); empty when it holds none."""
    # Lines that COMMON_LINE_FILES or more upstream files hold, and shorter ones, are skipped
    # without breaking a run; a line no upstream file holds ends every run.
    telling = [
        s
        for s in lines.code_of(path)
        if len(s) >= DISTINCT_CHARS and len(index.index.get(s, ())) < COMMON_LINE_FILES
    ]
    runs = {
        i: longest_run(telling, {s for s in telling if i in index.index.get(s, ())}.__contains__)
        for i in sorted({i for s in telling for i in index.index.get(s, ())})
    }
    # The longest run, the first to end of equal ones, of the first file holding it.
    best = min(runs, key=lambda i: (-runs[i][0], runs[i][1], i), default=None)
    if best is None or runs[best][0] < PART_MIN_LINES:
        return ""
    return f"holds {runs[best][0]} consecutive lines of {index.files[best].name}"


def longest_run(lines: list[str], held: Callable[[str], bool]) -> tuple[int, int]:
    """The longest run of consecutive ``lines`` that ``held`` says yes to, and the position in
    ``lines`` where the first such run ends."""
    run = longest = end = 0
    for at, line in enumerate(lines):
        run = run + 1 if held(line) else 0
        if run > longest:
            longest, end = run, at
    return longest, end


def label_case(
    case: Case, tree: Path, ups: list[Upstream], index: LineIndex, lines: Lines, only: str | None
) -> tuple[Labels, list[dict[str, Any]]]:
    """Positives and negatives of one case, and the files left out with the reason."""
    labels, left_out = Labels(), []
    vendored, ignored = expand(tree, case.vendored), expand(tree, case.ignore)
    for rel, lang in sorted(code_files(tree).items()):
        if (only and lang != only) or (under(rel, ignored) and not under(rel, vendored)):
            continue
        if under(rel, vendored):
            best = best_source(tree / rel, rel, lang, ups, lines)
            label = ""
            if best and best[0] >= POSITIVE_T and lines.telling(tree / rel, best[1].root / best[2]):
                label = "verbatim" if same_text(tree / rel, best[1].root / best[2]) else "patched"
            if best and label == "patched":
                common = lines.common_in(best[1])
                if not lines.telling(tree / rel, best[1].root / best[2], common):
                    why = f"patched, shares only lines {COMMON_LINE_FILES}+ upstream files hold"
                    left_out.append({"case": case.id, "path": rel, "why": why})
                    continue
            if best and label:
                share, up, src, ties = best
                labels.positives[(case.id, rel)] = Truth(
                    case=case.id,
                    path=rel,
                    language=lang,
                    upstream=f"{up.art.kind}:{up.art.spec}",
                    package="",
                    source=src,
                    overlap=round(share, 3),
                    label=label,
                    lines=len(lines.of(tree / rel)),
                    ties=ties,
                    parts=parts_of(tree / rel, up, src, ties, index, lines),
                )
            elif case.fork and index.max_share(lines.of(tree / rel)) < NEGATIVE_T:
                if why := holds_block(tree / rel, index, lines):
                    left_out.append({"case": case.id, "path": rel, "why": why})
                else:
                    labels.negatives[(case.id, rel)] = lang
            else:
                share = best[0] if best else 0.0
                left_out.append({"case": case.id, "path": rel, "why": f"vendored, {share:.2f}"})
        elif (share := index.max_share(lines.of(tree / rel))) < NEGATIVE_T:
            if why := holds_block(tree / rel, index, lines):
                left_out.append({"case": case.id, "path": rel, "why": why})
            else:
                labels.negatives[(case.id, rel)] = lang
        else:
            left_out.append({"case": case.id, "path": rel, "why": f"shares {share:.2f}"})
    return labels, left_out


# --- the tools -------------------------------------------------------------------------------


def run_logged(cmd: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run ipscan cold: without its embedding cache, so every run pays the same."""
    env = user_env(IPSCAN_NO_CACHE="1")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    log.write_text(f"$ {' '.join(cmd)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    return done


def build_index(ups: list[Upstream], index: Path) -> float:
    """One ipscan index of every upstream; its wall time. Fills each upstream's package name
    and licenses as the index records them."""
    shutil.rmtree(index, ignore_errors=True)
    t0 = time.perf_counter()
    cmd = [str(IPSCAN), "index", "build", *(str(u.root) for u in ups), "--index", str(index)]
    done = run_logged(cmd, index.parent / "index.log")
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"ipscan index build failed: {done.stderr[-2000:]}")
    reader = IndexReader(index)
    by_origin = {str(Path(s["origin"]).resolve()): i for i, s in enumerate(reader.sources)}
    for u in ups:
        i = by_origin[str(u.root.resolve())]
        u.package, u.license = reader.sources[i]["name"], reader.sources[i].get("license") or ""
        u.licenses = {f["path"]: f.get("license") or "" for f in reader.files if f["source"] == i}
    return seconds


def run_ipscan(case: Case, tree: Path, index: Path) -> tuple[list[Claim], float]:
    """ipscan's claims on one scanned tree, and the scan's wall time."""
    out = WORK / "work" / "ipscan" / f"{slugify(case.id)}.json"
    seconds = timed_repo_scan(tree, index, out, case.id)
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    # A file-scope finding naming the same source file as a unit finding repeats that claim.
    units = {(f["path"], f["source"]["path"]) for f in findings if f["scope"] == "unit"}
    claims = []
    for f in findings:
        s = f["source"]
        if f["scope"] == "file" and (f["path"], s["path"]) in units:
            continue
        detail = (
            f"{f['verdict']} {f['scope']} {f['start_line']}-{f['end_line']} <- {s['package']} "
            f"{s['version']} {s['path']}:{s['start_line']}-{s['end_line']}"
        )
        lines = (f["start_line"], f["end_line"])
        claims.append(
            Claim(case.id, f["path"], s["package"], s["path"], s["license"], detail, lines)
        )
    return claims, seconds


@dataclass
class PairJob:
    """Test files (the scanned trees) and reference files (the upstreams), per language."""

    tests: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (case, rel)
    refs: dict[str, tuple[Upstream, str]] = field(default_factory=dict)
    groups: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


def pair_job(trees: dict[str, Path], ups: list[Upstream], only: str | None) -> PairJob:
    job = PairJob()
    for case_id, tree in trees.items():
        for rel, lang in code_files(tree).items():
            if not only or lang == only:
                job.tests[str(tree / rel)] = (case_id, rel)
                job.groups.setdefault(lang, ([], []))[0].append(str(tree / rel))
    for u in ups:
        for rel, lang in u.files.items():
            job.refs[str(u.root / rel)] = (u, rel)
            job.groups.setdefault(lang, ([], []))[1].append(str(u.root / rel))
    return job


def run_pair_tool(cmd: list[str], job: PairJob) -> tuple[list[Claim], list[Claim], float]:
    """A file-pair tool's claims (pairs whose test-side similarity is above DISPLAY_T), the
    near pairs below it, and its wall time."""
    groups = [
        {"language": lang, "tests": t, "refs": r} for lang, (t, r) in job.groups.items() if t and r
    ]
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, input=json.dumps({"groups": groups, "min_sim": 0.05}), capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{cmd[1]} failed: {done.stderr[-2000:]}")
    claims: list[Claim] = []
    near: list[Claim] = []
    for test, ref, test_sim, other in json.loads(done.stdout)["pairs"]:
        (case_id, rel), (up, src) = job.tests[test], job.refs[ref]
        claim = Claim(case_id, rel, up.package, src, "", f"sim {test_sim:.2f}/{other:.2f}")
        (claims if test_sim > DISPLAY_T else near).append(claim)
    return claims, near, seconds


def pair_tools() -> dict[str, list[str]]:
    """The file-pair tools that are installed: name -> command that reads a job on stdin."""
    tools = {}
    if CD_PYTHON.exists():
        tools["copydetect"] = [str(CD_PYTHON), str(HERE / "copydetect_runner.py")]
    if (DOLOS_DIR / "node_modules" / "@dodona" / "dolos-lib").is_dir():
        tools["dolos"] = ["node", str(HERE / "dolos_runner.mjs"), str(DOLOS_DIR)]
    for name, where in (("copydetect", CD_PYTHON), ("dolos", DOLOS_DIR)):
        if name not in tools:
            print(f"{name} is not installed ({where}): left out", file=sys.stderr)
    return tools


# --- scoring ---------------------------------------------------------------------------------


def same_path(a: str, b: str) -> bool:
    """The same file, one path possibly a tail of the other."""
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def names_source(claim: Claim, truth: Truth, parts: bool = False) -> bool:
    """The claim names the positive's upstream file (with ``parts``: one of the files the
    positive holds a part of, instead): same package, same path tail."""
    files = truth.parts if parts else (truth.source, *truth.ties)
    same = any(same_path(claim.source, s) for s in files)
    return same and norm_name(claim.package) == norm_name(truth.package)


@dataclass
class Score:
    found: set[tuple[str, str]] = field(default_factory=set)
    flagged: set[tuple[str, str]] = field(default_factory=set)  # any claim on a labelled file
    right: list[Claim] = field(default_factory=list)
    right_part: list[Claim] = field(default_factory=list)  # right, naming one of a file's parts
    wrong: list[Claim] = field(default_factory=list)
    unlabelled: int = 0  # claims on files that are neither positive nor negative
    # Wrong claims whose lines the named upstream file does hold (``Verifier``), and the
    # labelled files flagged by a claim that does not hold.
    wrong_holds: list[bool] = field(default_factory=list)  # one per wrong claim
    flagged_untrue: set[tuple[str, str]] = field(default_factory=set)


class Verifier:
    """Whether a claim holds by the text itself: most of the scanned lines it claims (the whole
    file for a file-pair tool) are lines of the upstream file it names, blanks and quote
    characters aside (``layout_free``: pytest's copy of py's ``common.py`` went through black).

    The ground truth names one upstream file per vendored file (the one sharing most lines, and
    the files it holds a block of as its parts) and calls a file negative when it shares little
    with every upstream file as a whole and holds no block of one. A claim on fewer lines than
    a block, or on lines a formatter re-spaced (black reformatted pytest's copy of py), can still
    hold by the text where those rules see nothing: such claims are counted apart, with the
    same rule for every tool.
    """

    def __init__(self, trees: dict[str, Path], ups: list[Upstream], lines: Lines) -> None:
        self.trees, self.lines = trees, lines
        self.files: dict[str, list[tuple[Upstream, str]]] = {}
        for u in ups:
            self.files.setdefault(norm_name(u.package), []).extend((u, r) for r in u.files)

    def source(self, claim: Claim) -> Path | None:
        for up, rel in self.files.get(norm_name(claim.package), []):
            if same_path(claim.source, rel):
                return up.root / rel
        return None

    def holds(self, claim: Claim) -> bool:
        source = self.source(claim)
        if source is None:
            return False
        text = (self.trees[claim.case] / claim.path).read_text(encoding="utf-8", errors="replace")
        rows = text.splitlines()
        lo, hi = claim.lines or (1, len(rows))
        claimed = [x for x in (r.strip() for r in rows[max(lo - 1, 0) : hi]) if len(x) >= 4]
        have = self.lines.layout_free_set(source)
        found = sum(layout_free(x) in have for x in claimed)
        return found >= VERIFY_MIN_LINES and found >= VERIFY_T * len(claimed)


def score(claims: list[Claim], labels: Labels, verifier: Verifier | None = None) -> Score:
    out = Score()
    for c in claims:
        key = (c.case, c.path)
        truth = labels.positives.get(key)
        if truth is None and key not in labels.negatives:
            out.unlabelled += 1
            continue
        out.flagged.add(key)
        if truth is not None and names_source(c, truth):
            out.right.append(c)
            out.found.add(key)
            continue
        if truth is not None and names_source(c, truth, parts=True):
            out.right_part.append(c)
            continue
        out.wrong.append(c)
        out.wrong_holds.append(verifier is not None and verifier.holds(c))
        if not out.wrong_holds[-1]:
            out.flagged_untrue.add(key)
    return out


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def metrics(s: Score, labels: Labels) -> dict[str, str]:
    """Recall per label and language, precision per claim, negatives flagged, file-level F1."""
    pos, neg = labels.positives, labels.negatives
    out = {}
    for label in ("verbatim", "patched"):
        keys = [k for k, t in pos.items() if t.label == label]
        out[f"recall {label}"] = ratio(sum(k in s.found for k in keys), len(keys))
    big = [k for k, t in pos.items() if t.lines >= BIG_FILE]
    out[f"recall, files of {BIG_FILE}+ lines"] = ratio(sum(k in s.found for k in big), len(big))
    for lang in sorted({t.language for t in pos.values()}):
        keys = [k for k, t in pos.items() if t.language == lang]
        parts = [ratio(sum(k in s.found for k in keys), len(keys))]
        for label in ("verbatim", "patched"):
            some = [k for k in keys if pos[k].label == label]
            parts.append(f"{label[0]} {sum(k in s.found for k in some)}/{len(some)}")
        out[f"recall {lang}"] = ", ".join(parts)
    claims = len(s.right) + len(s.right_part) + len(s.wrong)
    out["precision per finding"] = ratio(len(s.right) + len(s.right_part), claims)
    out["  naming a file that a positive holds a part of, counted right above"] = str(
        len(s.right_part)
    )
    out["  precision per finding, only a positive's best upstream file right"] = ratio(
        len(s.right), claims
    )
    sibling = sum(
        (t := pos.get((c.case, c.path))) is not None
        and norm_name(c.package) == norm_name(t.package)
        for c in s.wrong
    )
    out["  wrong findings naming another file of the right upstream"] = str(sibling)
    right = len(s.right) + len(s.right_part) + sum(s.wrong_holds)
    out["  precision per finding, wrong ones that hold by the text counted right"] = ratio(
        right, claims
    )
    flagged_neg = sum(k in s.flagged for k in neg)
    out["negative files flagged"] = ratio(flagged_neg, len(neg))
    out["  negative files flagged by a claim that does not hold by the text"] = ratio(
        sum(k in s.flagged_untrue for k in neg), len(neg)
    )
    apart = [k for k in neg if k[0] in labels.unrelated]
    out["  files of unrelated projects flagged"] = ratio(
        sum(k in s.flagged for k in apart), len(apart)
    )
    out["    by a claim that does not hold by the text"] = ratio(
        sum(k in s.flagged_untrue for k in apart), len(apart)
    )
    rest = [k for k in neg if k[0] not in labels.unrelated]
    out["  other files of the copying packages flagged"] = ratio(
        sum(k in s.flagged for k in rest), len(rest)
    )
    tp = len(s.found)
    fp = flagged_neg + sum(k in s.flagged and k not in s.found for k in pos)
    p, r = tp / max(tp + fp, 1), tp / max(len(pos), 1)
    out["file-level P / R / F1"] = f"{p:.3f} / {r:.3f} / {2 * p * r / max(p + r, 1e-9):.3f}"
    return out


def license_check(
    s: Score, labels: Labels, ups: list[Upstream]
) -> tuple[str, list[dict[str, str]]]:
    """Share of ipscan's right claims whose license is the one its index records for that
    upstream file (else for its package), and the mismatches."""
    by_name = {norm_name(u.package): u for u in ups}
    bad = []
    right = [*s.right, *s.right_part]
    for c in right:
        truth = labels.positives[(c.case, c.path)]
        up = by_name[norm_name(truth.package)]
        want = up.licenses.get(c.source) or up.license
        if c.license != want:
            bad.append(
                {
                    "case": c.case,
                    "path": c.path,
                    "expected": want,
                    "got": c.license,
                    "package_license": up.license,
                }
            )
    return ratio(len(right) - len(bad), len(right)), bad


def problems(
    tool: str, s: Score, labels: Labels, claims: list[Claim], near: list[Claim]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every missed positive (with what the tool did say about it) and every false claim."""
    said: dict[tuple[str, str], list[str]] = {}
    for c in [*claims, *near]:
        said.setdefault((c.case, c.path), []).append(f"{c.detail} [{c.package} {c.source}]")
    misses = [
        {
            "tool": tool,
            "case": t.case,
            "path": t.path,
            "language": t.language,
            "label": t.label,
            "expected": f"{t.package} {t.source} (lines shared {t.overlap})",
            "got": said.get(k, []),
        }
        for k, t in sorted(labels.positives.items())
        if k not in s.found
    ]
    false = [
        {
            "tool": tool,
            "case": c.case,
            "path": c.path,
            "expected": (
                f"{t.package} {t.source}"
                if (t := labels.positives.get((c.case, c.path)))
                else "nothing (negative)"
            ),
            "got": f"{c.detail} [{c.package} {c.source}]",
            "holds by the text": holds,
        }
        for c, holds in zip(s.wrong, s.wrong_holds, strict=True)
    ]
    return misses, false


# --- the run ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {"cpu": f"{cpu_model()} ({cpu_features()})", "nproc": len(os.sched_getaffinity(0))}


def prepare(
    cases: list[Case], only: str | None
) -> tuple[list[Upstream], dict[str, Path], Labels, list[dict[str, Any]]]:
    """Fetch and unpack everything; the upstreams, the scanned trees and the ground truth."""
    ups: dict[Artifact, Upstream] = {}
    for art in dict.fromkeys(u for case in cases for u in case.upstream):
        root, version = unpack(art)
        ups[art] = Upstream(art, root, version, code_files(root))
    lines = Lines()
    index = LineIndex(lines, [u.root / r for u in ups.values() for r in u.files])
    trees, labels, left_out = {}, Labels(), []
    for case in cases:
        trees[case.id] = scan_tree(case, unpack(case.copy)[0])
        got, out = label_case(
            case, trees[case.id], [ups[a] for a in case.upstream], index, lines, only
        )
        labels.positives.update(got.positives)
        labels.negatives.update(got.negatives)
        if not case.vendored:
            labels.unrelated.add(case.id)
        left_out += out
    return list(ups.values()), trees, labels, left_out


def table(meta: dict[str, Any], labels: Labels, results: dict[str, dict[str, str]]) -> str:
    """The markdown table: one column per tool, one row per time or metric."""
    pos = labels.positives.values()
    verbatim = sum(t.label == "verbatim" for t in pos)
    tools = list(results)
    lines = [
        f"CPU: {meta['cpu']}, nproc {meta['nproc']}; set: {meta['set']}, {meta['cases']} cases; "
        f"{len(pos)} positive files ({verbatim} verbatim, {len(pos) - verbatim} patched), "
        f"{len(labels.negatives)} negative files; file-pair tools: test-side similarity > "
        f"{DISPLAY_T}; ipscan without its embedding cache",
        "",
        "| | " + " | ".join(tools) + " |",
        "|---" * (len(tools) + 1) + "|",
    ]
    for key in results["ipscan"]:
        lines.append(f"| {key} | " + " | ".join(results[t].get(key, "") for t in tools) + " |")
    return "\n".join(lines)


@dataclass
class ToolRun:
    name: str
    claims: list[Claim]
    near: list[Claim]
    times: dict[str, str]


def run_tools(
    cases: list[Case], ups: list[Upstream], trees: dict[str, Path], only: str | None
) -> list[ToolRun]:
    """ipscan (index build, then one scan per case), then each installed file-pair tool."""
    index = WORK / "work" / "index"
    build_s = build_index(ups, index)
    claims, scan_s = [], 0.0
    for case in cases:
        got, seconds = run_ipscan(case, trees[case.id], index)
        claims += got
        scan_s += seconds
    one_s = run_ipscan_once(cases, trees, index)
    times = {
        "index build s": f"{build_s:.1f}",
        "scan s": f"{scan_s:.1f}",
        ONE_SCAN: f"{one_s:.1f}",
    }
    runs = [ToolRun("ipscan", claims, [], times)]
    job = pair_job(trees, ups, only)
    for name, cmd in pair_tools().items():
        claims, near, seconds = run_pair_tool(cmd, job)
        # A file-pair tool already compares every scanned tree in one run per language.
        took = f"{seconds:.1f}"
        runs.append(
            ToolRun(name, claims, near, {"index build s": "-", "scan s": took, ONE_SCAN: took})
        )
    return runs


ONE_SCAN = "one scan of every tree s"


def run_ipscan_once(cases: list[Case], trees: dict[str, Path], index: Path) -> float:
    """The wall time of one ``ipscan repo`` over a folder that holds every case's scanned tree
    (hard links), as a project that vendors all of them would be scanned: the issue's shape,
    where one process starts and loads the index once."""
    root = WORK / "work" / "all"
    shutil.rmtree(root, ignore_errors=True)
    for case in cases:
        shutil.copytree(trees[case.id], root / slugify(case.id), copy_function=_link_or_copy)
    return timed_repo_scan(root, index, WORK / "work" / "ipscan" / "all.json", "every tree")


def timed_repo_scan(tree: Path, index: Path, out: Path, what: str) -> float:
    """The wall time of ``ipscan repo`` of ``tree`` writing its JSON report to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(IPSCAN), "repo", str(tree), "--index", str(index), "--format", "json"]
    # A scanned tree is a release standing in for a vendored copy (click 7.1's sdist scanned
    # against click 8.1): the package its metadata names is the copied one, not the project's own.
    cmd.append("--include-own-package")
    t0 = time.perf_counter()
    done = run_logged([*cmd, "-o", str(out)], out.with_suffix(".log"))
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"ipscan repo failed on {what}: {done.stderr[-2000:]}")
    return seconds


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def report_json(
    meta: dict[str, Any], cases: list[Case], ups: list[Upstream], labels: Labels
) -> dict[str, Any]:
    """What result.json says about the run besides the tools' results."""
    return {
        "machine": meta,
        "display_threshold": DISPLAY_T,
        "cases": [
            {
                "id": c.id,
                "copy": f"{c.copy.kind}:{c.copy.spec}",
                "note": c.note,
                "upstream": [f"{u.kind}:{u.spec}" for u in c.upstream],
            }
            for c in cases
        ],
        "upstreams": [
            {
                "artifact": f"{u.art.kind}:{u.art.spec}",
                "version": u.version,
                "package": u.package,
                "license": u.license,
                "files": len(u.files),
            }
            for u in ups
        ],
        "positives": [t.__dict__ for t in labels.positives.values()],
        "negatives": [{"case": c, "path": p} for c, p in labels.negatives],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="all cases, not only the default set")
    ap.add_argument("--only", metavar="LANG", help="only cases and files of this language")
    ap.add_argument("--keep", action="store_true", help=f"keep {WORK / 'work'} (index, trees)")
    ap.add_argument("--cases", type=Path, default=CASES)
    args = ap.parse_args()
    cases = load_cases(args.cases, args.full, args.only)
    (WORK / "work").mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    ups, trees, labels, left_out = prepare(cases, args.only)
    runs = run_tools(cases, ups, trees, args.only)
    package = {f"{u.art.kind}:{u.art.spec}": u.package for u in ups}
    for key, truth in labels.positives.items():
        labels.positives[key] = replace(truth, package=package[truth.upstream])
    results: dict[str, dict[str, str]] = {}
    report: dict[str, Any] = {"misses": [], "false_positives": [], "left_out": left_out}
    rate = "n/a"
    verifier = Verifier(trees, ups, Lines())
    for run in runs:
        scored = score(run.claims, labels, verifier)
        results[run.name] = {**run.times, **metrics(scored, labels)}
        misses, false = problems(run.name, scored, labels, run.claims, run.near)
        report["misses"] += misses
        report["false_positives"] += false
        if run.name == "ipscan":
            rate, report["license_mismatches"] = license_check(scored, labels, ups)
    for name in results:
        results[name]["right license (ipscan's index)"] = rate if name == "ipscan" else "n/a"
    meta = {**machine(), "set": "full" if args.full else "default", "cases": len(cases)}
    print(table(meta, labels, results))
    report = {**report_json(meta, cases, ups, labels), "metrics": results, **report}
    (WORK / "result.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\nmisses, false positives and license mismatches: {WORK / 'result.json'}")
    if not args.keep:
        shutil.rmtree(WORK / "work", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

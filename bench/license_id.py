"""License identification on a real corpus: ipscan vs declared metadata vs ScanCode.

For every package archive of the corpus (bench/license_corpus.py downloads it):

* declared: the SPDX expression of its metadata alone (wheel METADATA License-Expression /
  License / classifiers; npm package.json "license"), as `ipscan.sources.metadata` reads it;
* ipscan: the expression ipscan reads from the package's license files alone (LICENSE, COPYING,
  dist-info/licenses/...), as an index build does;
* ScanCode (optional, `--scancode PATH/TO/scancode`): `detected_license_expression_spdx` of the
  same license files, joined per package.

Headers: source files whose first 60 lines hold a license notice (an SPDX line, or a header
ScanCode detects), judged by ipscan's file-level reader (`file_license`) against ScanCode.

Agreement counts a package when both sides name the same set of license ids ("ids"), and also
reports the exact-expression rate. GNU `-only`/`-or-later` are compared as written.

    python bench/license_id.py --corpus ~/.cache/ipscan-bench/licenses --scancode /path/scancode
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipscan.licenses.compat import license_ids
from ipscan.licenses.notices import header_license
from ipscan.sources.metadata import declared_license
from ipscan.sources.metadata import license_from_files
from ipscan.sources.paths import LICENSE_NAME
from ipscan.sources.paths import is_meta_candidate

HEADER_LINES = 60
CODE = re.compile(r"\.(py|js|mjs|cjs|ts|c|h|cc|cpp|go|rs|java)$")
HEADERS_PER_PACKAGE = 5


@dataclass
class Package:
    """One package: its metadata files, license files and sampled source headers."""

    ecosystem: str
    name: str
    meta: dict[str, bytes] = field(default_factory=dict)
    licenses: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _members(path: Path) -> list[tuple[str, bytes]]:
    """(path inside the package root, bytes) for the files we need, read in memory."""
    out: list[tuple[str, bytes]] = []
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.file_size < 2_000_000:
                    out.append((info.filename, zf.read(info)))
    else:
        with tarfile.open(path) as tf:
            for m in tf.getmembers():
                if m.isfile() and m.size < 2_000_000:
                    data = tf.extractfile(m)
                    if data is not None:
                        rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                        out.append((rel, data.read()))
    return out


def load_package(ecosystem: str, name: str, path: Path) -> Package:
    """The parts of a package archive the benchmark reads."""
    pkg = Package(ecosystem, name)
    for rel, data in _members(path):
        parts = rel.split("/")
        base = parts[-1]
        if ecosystem == "pypi" and len(parts) == 2 and base == "METADATA":
            pkg.meta["PKG-INFO"] = data
        if ecosystem == "npm" and rel == "package.json":
            pkg.meta["package.json"] = data
        # The license files an index build reads: root ones, or a wheel's dist-info ones
        # (not the vendored libraries' licenses deeper in dist-info/licenses/).
        if LICENSE_NAME.match(base) and is_meta_candidate(rel):
            pkg.licenses[rel] = data
        elif CODE.search(base) and len(pkg.headers) < HEADERS_PER_PACKAGE:
            text = data.decode("utf-8", errors="replace")
            head = "\n".join(text.splitlines()[:HEADER_LINES])
            if re.search(r"licen[cs]e|copyright", head, re.IGNORECASE):
                pkg.headers[rel] = head
    return pkg


def _ids(expr: str | None) -> frozenset[str]:
    if not expr:
        return frozenset()
    return frozenset(license_ids(expr)) or frozenset({expr})


def _rate(pairs: list[tuple[str | None, str | None]]) -> tuple[int, int, int]:
    """(agree on ids, agree exactly, total)."""
    ids = sum(1 for a, b in pairs if _ids(a) == _ids(b) and _ids(a))
    exact = sum(1 for a, b in pairs if a and a == b)
    return ids, exact, len(pairs)


def run_scancode(scancode: str, files: dict[str, bytes], jobs: int) -> tuple[dict[str, str], float]:
    """ScanCode's SPDX expression per file key, and its wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        for key, data in files.items():
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        out = Path(tmp) / "out.json"
        started = time.perf_counter()
        cmd = [scancode, "--license", "--json", str(out), "-n", str(jobs), "--quiet"]
        subprocess.run([*cmd, str(root)], check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        doc = json.loads(out.read_text(encoding="utf-8"))
    result = {}
    for f in doc.get("files", []):
        if f.get("type") != "file":
            continue
        key = f["path"].split("/", 1)[1] if "/" in f["path"] else f["path"]
        result[key] = f.get("detected_license_expression_spdx") or ""
    return result, elapsed


def _join(exprs: list[str]) -> str | None:
    parts = list(dict.fromkeys(e for e in exprs if e))
    if not parts:
        return None
    return " AND ".join(f"({p})" if " " in p else p for p in parts) if len(parts) > 1 else parts[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--scancode", help="path of the scancode executable (optional)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=15, help="disagreements to print per table")
    ap.add_argument("--json", type=Path, help="write the per-package results here")
    args = ap.parse_args()
    lock = json.loads((args.corpus / "corpus.lock").read_text(encoding="utf-8"))
    packages = [load_package(e["ecosystem"], e["name"], args.corpus / e["file"]) for e in lock]

    started = time.perf_counter()
    ours = {p.name: license_from_files(p.licenses) for p in packages}
    ours_s = time.perf_counter() - started
    n_license_files = sum(len(p.licenses) for p in packages)
    started = time.perf_counter()
    header_ours = {
        f"{p.ecosystem}/{p.name}/{k}": header_license(v)
        for p in packages
        for k, v in p.headers.items()
    }
    header_s = time.perf_counter() - started
    declared = {p.name: declared_license(p.meta) for p in packages}

    with_both = [p for p in packages if p.licenses and declared[p.name]]
    rows = [(ours[p.name], declared[p.name]) for p in with_both]
    ids, exact, total = _rate(rows)
    print(
        f"corpus: {len(packages)} packages ({Counter(p.ecosystem for p in packages)}), "
        f"{n_license_files} license files, {len(header_ours)} source headers"
    )
    print(
        f"packages without license files: {sum(1 for p in packages if not p.licenses)}; "
        f"without declared metadata: {sum(1 for p in packages if not declared[p.name])}"
    )
    print(f"\nipscan (license files) vs declared metadata, {total} packages with both:")
    print(f"  same license ids {ids}/{total} = {ids / total:.3f}; exact {exact / total:.3f}")
    _show([(p.name, ours[p.name], declared[p.name]) for p in with_both], args.show)
    print(
        f"  ipscan throughput: {n_license_files / ours_s:,.0f} license files/s "
        f"({ours_s:.2f} s), headers {len(header_ours) / max(header_s, 1e-9):,.0f} files/s"
    )

    results: dict[str, object] = {"declared": declared, "ours": ours}
    if args.scancode:
        files = {f"{p.ecosystem}/{p.name}/{k}": v for p in packages for k, v in p.licenses.items()}
        sc, sc_s = run_scancode(args.scancode, files, args.jobs)
        sc_pkg = {
            p.name: _join([sc.get(f"{p.ecosystem}/{p.name}/{k}", "") for k in p.licenses])
            for p in packages
        }
        have = [p for p in packages if p.licenses and (ours[p.name] or sc_pkg[p.name])]
        ids, exact, total = _rate([(ours[p.name], sc_pkg[p.name]) for p in have])
        print(f"\nipscan vs ScanCode on the same license files, {total} packages:")
        print(f"  same license ids {ids}/{total} = {ids / total:.3f}; exact {exact / total:.3f}")
        _show([(p.name, ours[p.name], sc_pkg[p.name]) for p in have], args.show)
        sc_decl = [(sc_pkg[p.name], declared[p.name]) for p in with_both]
        ids, exact, total = _rate(sc_decl)
        print(f"  ScanCode vs declared metadata: same ids {ids}/{total} = {ids / total:.3f}")
        print(
            f"  ScanCode throughput: {len(files) / sc_s:,.1f} license files/s ({sc_s:.1f} s, "
            f"-n {args.jobs}, incl. start-up)"
        )
        hdr, hdr_s = run_scancode(
            args.scancode, {k: v.encode() for k, v in _header_files(packages).items()}, args.jobs
        )
        judged = [
            (header_ours[k], hdr.get(k) or None)
            for k in header_ours
            if header_ours[k] or hdr.get(k)
        ]
        ids, exact, total = _rate(judged)
        print(f"\nsource headers with a license notice (either tool), {total} files:")
        print(f"  same license ids {ids}/{total} = {ids / total:.3f}")
        _show(
            [(k, header_ours[k], hdr.get(k)) for k in header_ours if header_ours[k] or hdr.get(k)],
            args.show,
        )
        print(f"  ScanCode headers: {len(header_ours) / hdr_s:,.1f} files/s")
        results |= {"scancode": sc_pkg, "headers_ours": header_ours, "headers_scancode": hdr}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


def _header_files(packages: list[Package]) -> dict[str, str]:
    return {f"{p.ecosystem}/{p.name}/{k}": v for p in packages for k, v in p.headers.items()}


def _show(rows: list[tuple[str, str | None, str | None]], limit: int) -> None:
    bad = [r for r in rows if _ids(r[1]) != _ids(r[2]) or not _ids(r[1])]
    for name, a, b in bad[:limit]:
        print(f"    {name}: ipscan {a!r} vs {b!r}")
    if len(bad) > limit:
        print(f"    ... {len(bad) - limit} more")


if __name__ == "__main__":
    raise SystemExit(main())

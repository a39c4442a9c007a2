"""License identification on a real corpus: ipscan vs declared metadata vs ScanCode.

For every package archive of the corpus (bench/license_corpus.py downloads it):

* declared: the SPDX expression of its metadata alone (wheel METADATA License-Expression /
  License / classifiers; npm package.json "license"), as `ipscan.sources.metadata` reads it;
* ipscan: the expression ipscan reads from the package's license files alone (LICENSE, COPYING,
  dist-info/licenses/...), as an index build does;
* ScanCode (optional, `--scancode PATH/TO/scancode`): `detected_license_expression_spdx` of the
  same license files, joined per package.

Headers: source files whose first 60 lines mention a license or copyright and hold a license
notice by either tool. Both read the whole file: ipscan as an index build does (`file_license`:
the header, a license text it cuts off, notices among the code, bundled legal comments, and the
package's license for what the header leaves open).

Agreement counts a package when both sides name the same set of license ids ("ids"), and also
reports the exact-expression rate. GNU `-only`/`-or-later` are compared as written.

The references disagree with each other, so `license_truth.json` holds adjudicated answers for
every package and header where ipscan, ScanCode and the metadata did not all agree (judged blind
from the texts, with the deciding quote); each tool, and the metadata itself, is scored against
that truth. A disagreement that is not in the file counts against ipscan. It also reports
ipscan on the packages where ScanCode and the metadata agree with each other.

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

from ipscan.licensing.compat import license_ids
from ipscan.licensing.headers import HEADER_LINES
from ipscan.licensing.notices import file_license
from ipscan.licensing.notices import header_license
from ipscan.sources.metadata import declared_license
from ipscan.sources.metadata import license_from_files
from ipscan.sources.metadata import own_license
from ipscan.sources.paths import LICENSE_NAME
from ipscan.sources.paths import is_meta_candidate

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

    @property
    def key(self) -> str:
        """``ecosystem/name``: names repeat across registries (semver, toml)."""
        return f"{self.ecosystem}/{self.name}"


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
                pkg.headers[rel] = text
    return pkg


# ScanCode markers that are not licenses ("see LICENSE", a warranty disclaimer), and names
# the two tools spell differently for the same text.
_NOT_LICENSES = {
    "LicenseRef-scancode-unknown-license-reference",
    "LicenseRef-scancode-warranty-disclaimer",
    "LicenseRef-scancode-generic-cla",
}
_SAME = {
    "Python-2.0": "PSF-2.0",
    "Python-2.0.1": "PSF-2.0",
    "LicenseRef-scancode-public-domain": "LicenseRef-public-domain",
    "LicenseRef-scancode-public-domain-disclaimer": "LicenseRef-public-domain",
    # ScanCode's name for the ElementTree/PIL notice, which is the MIT-CMU text.
    "LicenseRef-scancode-secret-labs-2011": "MIT-CMU",
}


def _ids(expr: str | None) -> frozenset[str]:
    if not expr:
        return frozenset()
    found = license_ids(expr) or [expr]
    return frozenset(_SAME.get(i, i) for i in found if i not in _NOT_LICENSES)


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
    ap.add_argument(
        "--truth",
        type=Path,
        default=Path(__file__).with_name("license_truth.json"),
        help="adjudicated licenses of the cases where the tools and metadata disagree",
    )
    ap.add_argument(
        "--scancode-results",
        type=Path,
        help="reuse ScanCode's results from an earlier run's --json instead of running it",
    )
    args = ap.parse_args()
    lock = json.loads((args.corpus / "corpus.lock").read_text(encoding="utf-8"))
    packages = [load_package(e["ecosystem"], e["name"], args.corpus / e["file"]) for e in lock]

    started = time.perf_counter()
    ours = {p.key: license_from_files(p.licenses) for p in packages}
    ours_s = time.perf_counter() - started
    n_license_files = sum(len(p.licenses) for p in packages)
    started = time.perf_counter()
    header_ours = {
        f"{p.ecosystem}/{p.name}/{k}": header_license(v)
        for p in packages
        for k, v in p.headers.items()
    }
    header_s = time.perf_counter() - started
    declared = {p.key: declared_license(p.meta) for p in packages}
    # What the index records for the file: its header's license, with the package's filling
    # in what the header leaves open. The package's is its license files' when they name only
    # some of the declared licenses, else the declared one, else the files', as an index
    # build takes it.
    defaults = {p.key: _file_default(p, declared[p.key], ours[p.key]) for p in packages}
    assigned = {
        f"{p.ecosystem}/{p.name}/{k}": file_license(v, defaults[p.key]) or None
        for p in packages
        for k, v in p.headers.items()
    }

    with_both = [p for p in packages if p.licenses and declared[p.key]]
    rows = [(ours[p.key], declared[p.key]) for p in with_both]
    ids, exact, total = _rate(rows)
    print(
        f"corpus: {len(packages)} packages ({Counter(p.ecosystem for p in packages)}), "
        f"{n_license_files} license files, {len(header_ours)} source headers"
    )
    print(
        f"packages without license files: {sum(1 for p in packages if not p.licenses)}; "
        f"without declared metadata: {sum(1 for p in packages if not declared[p.key])}"
    )
    print(f"\nipscan (license files) vs declared metadata, {total} packages with both:")
    print(f"  same license ids {ids}/{total} = {ids / total:.3f}; exact {exact / total:.3f}")
    among = _primary_rate(rows)
    print(f"  ipscan's licenses among the declared ones {among}/{total} = {among / total:.3f}")
    gnu = sum(1 for a, b in rows if _ids(a) and _gnu_family(a) == _gnu_family(b))
    print(f"  same ids with GNU -only/-or-later not told apart {gnu}/{total} = {gnu / total:.3f}")
    _show([(p.key, ours[p.key], declared[p.key]) for p in with_both], args.show)
    print(
        f"  ipscan throughput: {n_license_files / ours_s:,.0f} license files/s "
        f"({ours_s:.2f} s), headers {len(header_ours) / max(header_s, 1e-9):,.0f} files/s"
    )

    results: dict[str, object] = {"declared": declared, "ours": ours}
    if args.scancode or args.scancode_results:
        if args.scancode_results:
            prev = json.loads(args.scancode_results.read_text(encoding="utf-8"))
            sc_pkg, hdr = prev["scancode"], prev["headers_scancode"]
            sc_s, hdr_s = prev["scancode_s"], prev["headers_scancode_s"]
        else:
            files = {
                f"{p.ecosystem}/{p.name}/{k}": v for p in packages for k, v in p.licenses.items()
            }
            sc, sc_s = run_scancode(args.scancode, files, args.jobs)
            sc_pkg = {
                p.key: _join([sc.get(f"{p.ecosystem}/{p.name}/{k}", "") for k in p.licenses])
                for p in packages
            }
            headers = {k: v.encode() for k, v in _header_files(packages).items()}
            hdr, hdr_s = run_scancode(args.scancode, headers, args.jobs)
        results |= {
            "scancode": sc_pkg,
            "headers_scancode": hdr,
            "scancode_s": sc_s,
            "headers_scancode_s": hdr_s,
            "headers_ours": header_ours,
            "headers_assigned": assigned,
        }
        _compare_scancode(packages, ours, declared, sc_pkg, sc_s, args.show)
        _compare_headers(header_ours, assigned, hdr, hdr_s, args.show)
        if args.truth.is_file():
            truth = json.loads(args.truth.read_text(encoding="utf-8"))
            _compare_truth(
                packages, ours, declared, sc_pkg, header_ours, assigned, hdr, truth, args.show
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


def _compare_scancode(
    packages: list[Package],
    ours: dict[str, str | None],
    declared: dict[str, str | None],
    sc_pkg: dict[str, str | None],
    sc_s: float,
    show: int,
) -> None:
    have = [p for p in packages if p.licenses and (ours[p.key] or sc_pkg[p.key])]
    rows = [(ours[p.key], sc_pkg[p.key]) for p in have]
    ids, exact, total = _rate(rows)
    primary = _primary_rate(rows)
    print(f"\nipscan vs ScanCode on the same license files, {total} packages:")
    print(f"  same license ids {ids}/{total} = {ids / total:.3f}; exact {exact / total:.3f}")
    print(f"  ipscan's license among ScanCode's {primary}/{total} = {primary / total:.3f}")
    _show([(p.key, ours[p.key], sc_pkg[p.key]) for p in have], show)
    with_both = [p for p in packages if p.licenses and declared[p.key]]
    decl_rows = [(sc_pkg[p.key], declared[p.key]) for p in with_both]
    ids, _, total = _rate(decl_rows)
    primary = _primary_rate([(declared[p.key], sc_pkg[p.key]) for p in with_both])
    print(
        f"  ScanCode vs declared metadata: same ids {ids}/{total} = {ids / total:.3f}; "
        f"declared among ScanCode's {primary / total:.3f}"
    )
    # Where the two references agree with each other, both are right by any account.
    agreed = [
        p for p in with_both if _ids(sc_pkg[p.key]) and _ids(sc_pkg[p.key]) == _ids(declared[p.key])
    ]
    ok = sum(1 for p in agreed if _ids(ours[p.key]) == _ids(declared[p.key]))
    print(
        f"  ipscan where ScanCode and the declared metadata agree ({len(agreed)} packages): "
        f"same ids as both {ok}/{len(agreed)} = {ok / max(len(agreed), 1):.3f}"
    )
    n_files = sum(len(p.licenses) for p in packages)
    print(
        f"  ScanCode throughput: {n_files / sc_s:,.1f} license files/s "
        f"({sc_s:.1f} s incl. start-up)"
    )


def _compare_headers(
    header_ours: dict[str, str | None],
    assigned: dict[str, str | None],
    hdr: dict[str, str],
    hdr_s: float,
    show: int,
) -> None:
    keys = [k for k in header_ours if _ids(hdr.get(k)) or header_ours[k]]
    rows = [(header_ours[k], hdr.get(k) or None) for k in keys]
    ids, _, total = _rate(rows)
    print(f"\nsource file headers with a license notice (either tool), {total} files:")
    print(f"  header alone, same license ids {ids}/{total} = {ids / total:.3f}")
    sc_keys = [k for k in keys if _ids(hdr.get(k))]
    rows = [(assigned[k], hdr[k]) for k in sc_keys]
    ids, _, total = _rate(rows)
    primary = _primary_rate(rows)
    print(
        f"  the license ipscan gives the file (header, else its package's) vs ScanCode's header "
        f"result, {total} files ScanCode names a license for: same ids {ids / total:.3f}, "
        f"ipscan's among ScanCode's {primary / total:.3f}"
    )
    _show([(k, assigned[k], hdr[k]) for k in sc_keys], show)
    print(f"  ScanCode headers: {len(header_ours) / hdr_s:,.1f} files/s")


def _compare_truth(
    packages: list[Package],
    ours: dict[str, str | None],
    declared: dict[str, str | None],
    sc_pkg: dict[str, str | None],
    header_ours: dict[str, str | None],
    assigned: dict[str, str | None],
    hdr: dict[str, str],
    truth: dict[str, dict[str, dict[str, str]]],
    show: int,
) -> None:
    """Every tool against the adjudicated truth.

    Where ipscan, ScanCode and the declared metadata all agree, that answer is the truth;
    every case where any two disagree was adjudicated blind (from the license texts alone,
    without the tools' answers) into license_truth.json. A case that disagrees and was not
    adjudicated (a detector change since) counts against ipscan."""
    pk_truth = truth.get("packages", {})
    rows: dict[str, list[bool]] = {"ipscan": [], "ScanCode": [], "declared metadata": []}
    all_rows: dict[str, list[bool]] = {"ipscan": [], "ScanCode": [], "declared metadata": []}
    wrong: list[tuple[str, str | None, str | None]] = []
    unjudged = 0
    for p in packages:
        if not p.licenses:
            continue
        answers = {"ipscan": ours[p.key], "ScanCode": sc_pkg[p.key]}
        answers["declared metadata"] = declared[p.key]
        if p.key in pk_truth:
            own, everything = pk_truth[p.key]["own"], pk_truth[p.key]["all"]
        elif _ids(ours[p.key]) == _ids(sc_pkg[p.key]) == _ids(declared[p.key]):
            own = everything = ours[p.key]
        else:
            unjudged += 1
            own = everything = sc_pkg[p.key] if declared[p.key] is None else declared[p.key]
        for tool, answer in answers.items():
            rows[tool].append(bool(_ids(answer)) and _ids(answer) == _ids(own))
            all_rows[tool].append(bool(_ids(answer)) and _ids(answer) == _ids(everything))
        if _ids(ours[p.key]) != _ids(own):
            wrong.append((p.key, ours[p.key], own))
    n = len(rows["ipscan"])
    print(f"\nagainst the adjudicated truth, {n} packages with license files:")
    print("  the package's own license / own + bundled components' licenses (same ids):")
    for tool in rows:
        own_ok, all_ok = sum(rows[tool]), sum(all_rows[tool])
        print(f"    {tool:18} {own_ok / n:.3f} ({own_ok}/{n})   {all_ok / n:.3f} ({all_ok}/{n})")
    print(f"  disagreements not adjudicated (counted wrong for ipscan): {unjudged}")
    _show(wrong, show)

    hdr_truth = truth.get("headers", {})
    package_of = {f"{p.ecosystem}/{p.name}/{k}": p.key for p in packages for k in p.headers}
    keys = [k for k in header_ours if _ids(hdr.get(k)) or header_ours[k]]
    hits = {"ipscan": 0, "ScanCode": 0}
    wrong = []
    unjudged = 0
    for k in keys:
        name = package_of[k]
        ipscan = assigned[k]
        scancode = hdr.get(k) or sc_pkg[name]  # the same fall-back to the package
        if k in hdr_truth:
            expected = hdr_truth[k]["license"]
        else:
            expected = hdr.get(k) or None  # ScanCode found nothing: not adjudicated, wrong
            unjudged += _ids(ipscan) != _ids(expected)
        hits["ipscan"] += bool(_ids(ipscan)) and _ids(ipscan) == _ids(expected)
        hits["ScanCode"] += bool(_ids(scancode)) and _ids(scancode) == _ids(expected)
        if _ids(ipscan) != _ids(expected):
            wrong.append((k, ipscan, expected))
    n = len(keys)
    print(f"  source files with a license notice, {n} (header, else the package's license):")
    for tool, ok in hits.items():
        print(f"    {tool:18} {ok / n:.3f} ({ok}/{n})")
    print(f"  disagreements not adjudicated (counted wrong for ipscan): {unjudged}")
    _show(wrong, show)


def _gnu_family(expr: str | None) -> frozenset[str]:
    """License ids with the GNU version grant dropped: a license text alone cannot tell
    GPL-2.0-only from GPL-2.0-or-later (the grant is in the notices)."""
    return frozenset(re.sub(r"-(only|or-later)$", "", i) for i in _ids(expr))


def _primary_rate(rows: list[tuple[str | None, str | None]]) -> int:
    """How often every license of the first expression is among the second's."""
    return sum(1 for a, b in rows if _ids(a) and _ids(a) <= _ids(b))


def _file_default(pkg: Package, declared: str | None, from_files: str | None) -> str:
    if declared:
        return own_license(pkg.licenses, declared) or declared
    return from_files or ""


def _header_files(packages: list[Package]) -> dict[str, str]:
    """The sampled source files, whole: ScanCode reads what ipscan reads."""
    return {f"{p.ecosystem}/{p.name}/{k}": v for p in packages for k, v in p.headers.items()}


def _show(rows: list[tuple[str, str | None, str | None]], limit: int) -> None:
    bad = [r for r in rows if _ids(r[1]) != _ids(r[2]) or not _ids(r[1])]
    for name, a, b in bad[:limit]:
        print(f"    {name}: ipscan {a!r} vs {b!r}")
    if len(bad) > limit:
        print(f"    ... {len(bad) - limit} more")


if __name__ == "__main__":
    raise SystemExit(main())

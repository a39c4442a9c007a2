"""Download a package corpus: one release archive per package of a list (license_packages.txt).

PyPI packages come as wheels (their dist-info holds METADATA and the license files), npm packages
as the tarball `npm pack` fetches. Two more kinds serve the encoder corpus (encoder_packages.txt):
`sdist` (a PyPI source distribution) and `deb` (a Debian binary package from the system's apt
sources, stored as a gzip tar of its file tree). Nothing is committed: the archives land in a
cache folder, and `corpus.lock` there records name, version, file and sha256 of what was measured.

    python bench/license_corpus.py --dest ~/.cache/ipscan-bench/licenses
    python bench/license_corpus.py --list bench/encoder_packages.txt --dest /tmp/enc-corpus
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
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


def deb_to_tar(deb: Path, out: Path) -> bool:
    """Write the file tree of ``deb`` as a gzip tar (`dpkg-deb --fsys-tarfile | gzip -n`)."""
    with out.open("wb") as fh:
        unpack = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        assert unpack.stdout is not None
        gzip = subprocess.Popen(["gzip", "-n"], stdin=unpack.stdout, stdout=fh)
        unpack.stdout.close()  # gzip holds the pipe; dpkg-deb sees SIGPIPE if gzip dies
        gzip_rc = gzip.wait(timeout=300)
        unpack_rc = unpack.wait(timeout=300)
    return gzip_rc == 0 and unpack_rc == 0


def fetch_deb(name: str, tmp: Path) -> tuple[Path, str] | None:
    """`apt-get download` one Debian package into ``tmp``: its file-tree .tar.gz and version."""
    try:
        done = subprocess.run(
            ["apt-get", "download", name], cwd=tmp, capture_output=True, text=True, timeout=300
        )
    except subprocess.TimeoutExpired:
        return None
    debs = sorted(tmp.glob("*.deb"))
    if done.returncode != 0 or not debs:
        return None
    version = subprocess.run(
        ["dpkg-deb", "-f", str(debs[0]), "Version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    out = tmp / f"{debs[0].stem}.tar.gz"
    if not version or not deb_to_tar(debs[0], out):
        return None
    return out, version


def archive_version(kind: str, path: Path) -> str:
    """Release version of a downloaded wheel, sdist or npm tarball, from the file name or the
    metadata inside ("" when unknown)."""
    if kind == "pypi":  # {name}-{version}-...whl, the name without "-"
        return path.name.split("-")[1]
    if not tarfile.is_tarfile(path):  # an old .zip sdist: {name}-{version}.zip
        return path.stem.rsplit("-", 1)[-1]
    with tarfile.open(path) as tf:
        for member in tf.getmembers():
            parts = member.name.split("/")
            if len(parts) != 2 or parts[1] not in ("package.json", "PKG-INFO"):
                continue
            fh = tf.extractfile(member)
            text = fh.read().decode("utf-8", "replace") if fh else ""
            if kind == "npm" and parts[1] == "package.json":  # root "package/" (or "node/"...)
                return str(json.loads(text).get("version", ""))
            if kind == "sdist" and parts[1] == "PKG-INFO":
                for line in text.splitlines():
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
    return ""


def fetch(kind: str, name: str, dest: Path) -> tuple[Path, str] | None:
    """Download one package's latest release into ``dest``: (archive, version), or None when it
    cannot be had."""
    target = dest / kind
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "deb":
            got_deb = fetch_deb(name, Path(tmp))
            if got_deb is None:
                return None
            final = target / got_deb[0].name
            got_deb[0].replace(final)
            return final, got_deb[1]
        if kind == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
            cmd += ["--only-binary", ":all:", "--dest", tmp, name]
        elif kind == "sdist":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
            # An old sdist (a backport) may say it needs an older Python; it is only read here.
            cmd += ["--no-binary", ":all:", "--ignore-requires-python", "--dest", tmp, name]
        else:
            cmd = ["npm", "pack", "--silent", "--pack-destination", tmp, name]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:  # pyyaml's sdist: pip builds its metadata for minutes
            return None
        got = sorted(Path(tmp).iterdir())
        if done.returncode != 0 or not got:
            return None
        final = target / got[0].name
        got[0].replace(final)
        return final, archive_version(kind, final)


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
    for (kind, name), got in results:
        if got is None:
            print(f"could not fetch {kind} {name}", file=sys.stderr)
            continue
        path, version = got
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lock.append(
            {
                "ecosystem": kind,
                "name": name,
                "version": version,
                "file": f"{kind}/{path.name}",
                "sha256": digest,
            }
        )
    (args.dest / "corpus.lock").write_text(json.dumps(lock, indent=1) + "\n", encoding="utf-8")
    print(f"{len(lock)} of {len(packages)} packages in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

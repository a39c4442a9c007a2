"""Sources to index: local folders, git repositories and URLs, and package archives.

``open_source(spec)`` is a context manager yielding ``(SourceInfo, entries)``: the source's name,
version, license and content digest, and an iterator over its files as ``SourceEntry`` (POSIX path
relative to the source root, bytes). Archives are read in memory and never extracted; git sources
are read from the object database (HEAD or ``rev``), never from a work tree. ``rev`` applies to
git sources only and is ignored for the others.

Every source kind skips what could escape or mislead: symlinks and other non-regular files,
absolute and ``..`` paths, VCS folders, ``node_modules`` below the root, and files over
``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.licenses import detect_license_text
from ipscan.licenses import normalize_license

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pyproject.toml and Cargo.toml are not read
    tomllib = None  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
_META_MAX_BYTES = 1024 * 1024
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
NOASSERTION = "NOASSERTION"

_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar")
_ARCHIVE_SUFFIXES = (*_TAR_SUFFIXES, ".zip", ".whl")
_LICENSE_NAME = re.compile(r"^(?:un)?licen[cs]e|^copying", re.IGNORECASE)
_META_NAMES = frozenset({"PKG-INFO", "pyproject.toml", "package.json", "Cargo.toml", "METADATA"})
_GIT_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


@dataclass(frozen=True)
class SourceInfo:
    """What a source is: name, version, SPDX license, where it came from, and a content digest."""

    name: str
    version: str
    license: str
    origin: str
    kind: str
    digest: str


@dataclass(frozen=True)
class SourceEntry:
    """One file of a source: POSIX path relative to the source root, and its bytes."""

    path: str
    data: bytes


Entries = Iterator[SourceEntry]


@contextmanager
def open_source(spec: str, rev: str | None = None) -> Iterator[tuple[SourceInfo, Entries]]:
    """Open ``spec`` (folder, git repository or URL, sdist/npm tarball, wheel or zip)."""
    path = Path(spec).expanduser()
    opened: list[Iterator[SourceEntry]] = []
    try:
        if path.is_dir():
            if _is_git_repo(path):
                with _open_git(path, spec, str(path.resolve()), "git", rev) as (info, entries):
                    opened.append(entries)
                    yield info, entries
            else:
                info, entries = _open_dir(path)
                opened.append(entries)
                yield info, entries
        elif path.is_file():
            info, entries = _open_archive(path, spec)
            opened.append(entries)
            yield info, entries
        elif path.exists():
            raise SourceError(f"{spec}: not a regular file or folder")
        elif _looks_like_git_url(spec):
            with _open_git_url(spec, rev) as (info, entries):
                opened.append(entries)
                yield info, entries
        else:
            raise SourceError(f"{spec}: no such file, folder or git URL")
    finally:
        for it in opened:
            close = getattr(it, "close", None)
            if close is not None:
                close()


def _looks_like_git_url(spec: str) -> bool:
    return bool(_GIT_URL.match(spec)) or spec.endswith(".git")


def _safe_path(name: str) -> str | None:
    """A normalized relative POSIX path, or None for absolute, ``..`` or empty paths."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _skipped_dir(parts: tuple[str, ...] | list[str]) -> bool:
    """True when a path lies in a VCS folder or in a ``node_modules`` below the root."""
    return any(p in SKIP_DIRS for p in parts) or "node_modules" in parts


def _is_meta_candidate(rel: str) -> bool:
    """Files read for name/version/license: root metadata, root license files, dist-info."""
    parts = rel.split("/")
    base = parts[-1]
    if len(parts) == 1:
        return base in _META_NAMES or bool(_LICENSE_NAME.match(base))
    if not parts[0].endswith(".dist-info"):
        return False
    if len(parts) == 2:
        return base == "METADATA" or bool(_LICENSE_NAME.match(base))
    return len(parts) == 3 and parts[1] == "licenses"


# ---------------------------------------------------------------------------------------------
# Metadata


@dataclass
class _Meta:
    name: str | None = None
    version: str | None = None
    license: str | None = None

    def fill(self, name: object, version: object, license_: str | None) -> None:
        if not self.name and isinstance(name, str) and name.strip():
            self.name = name.strip()
        if not self.version and isinstance(version, str) and version.strip():
            self.version = version.strip()
        if not self.license and license_:
            self.license = license_


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _core_metadata(data: bytes, meta: _Meta) -> None:
    msg = email.parser.BytesHeaderParser().parsebytes(data)
    lic = None
    expr = msg.get("License-Expression")
    if expr:
        lic = normalize_license(str(expr))
    if not lic and msg.get("License"):
        lic = normalize_license(str(msg.get("License")))
    if not lic:
        found = []
        for c in msg.get_all("Classifier") or []:
            if str(c).startswith("License ::"):
                n = normalize_license(str(c))
                if n and n not in found:
                    found.append(n)
        if found:
            lic = " OR ".join(found if len(found) == 1 else [_group(f) for f in found])
    meta.fill(msg.get("Name"), msg.get("Version"), lic)


def _group(expr: str) -> str:
    return f"({expr})" if " " in expr else expr


def _pyproject(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    if tomllib is None:
        return
    doc = tomllib.loads(_text(data))
    project = doc.get("project") or {}
    lic = None
    raw = project.get("license")
    if isinstance(raw, str):
        lic = normalize_license(raw)
    elif isinstance(raw, dict):
        if isinstance(raw.get("text"), str):
            lic = normalize_license(raw["text"])
        elif isinstance(raw.get("file"), str) and raw["file"] in files:
            lic = detect_license_text(_text(files[raw["file"]]))
    if not lic and isinstance(project.get("license-expression"), str):
        lic = normalize_license(project["license-expression"])
    meta.fill(project.get("name"), project.get("version"), lic)
    poetry = (doc.get("tool") or {}).get("poetry") or {}
    if poetry:
        raw = poetry.get("license")
        meta.fill(
            poetry.get("name"),
            poetry.get("version"),
            normalize_license(raw) if isinstance(raw, str) else None,
        )


def _package_json(data: bytes, meta: _Meta) -> None:
    doc = json.loads(_text(data))
    if not isinstance(doc, dict):
        return
    lic = None
    raw = doc.get("license")
    if isinstance(raw, dict):
        raw = raw.get("type")
    if isinstance(raw, str):
        lic = normalize_license(raw)
    elif isinstance(doc.get("licenses"), list):
        names = []
        for item in doc["licenses"]:
            value = item.get("type") if isinstance(item, dict) else item
            n = normalize_license(value) if isinstance(value, str) else None
            if n and n not in names:
                names.append(n)
        if names:
            lic = " OR ".join(_group(n) for n in names) if len(names) > 1 else names[0]
    meta.fill(doc.get("name"), doc.get("version"), lic)


def _cargo(data: bytes, files: dict[str, bytes], meta: _Meta) -> None:
    if tomllib is None:
        return
    package = tomllib.loads(_text(data)).get("package") or {}
    lic = None
    if isinstance(package.get("license"), str):
        lic = normalize_license(package["license"])
    elif isinstance(package.get("license-file"), str) and package["license-file"] in files:
        lic = detect_license_text(_text(files[package["license-file"]]))
    meta.fill(package.get("name"), package.get("version"), lic)


def _license_from_files(files: dict[str, bytes]) -> str | None:
    """The license of the root license files (or a wheel's dist-info licenses)."""
    root = sorted(p for p in files if "/" not in p and _LICENSE_NAME.match(p))
    if not root:
        root = sorted(p for p in files if "/" in p and _LICENSE_NAME.match(p.rsplit("/", 1)[1]))
    found: list[str] = []
    for p in root:
        lic = detect_license_text(_text(files[p]))
        if lic and lic not in found:
            found.append(lic)
    if not found:
        return None
    # COPYING + COPYING.LESSER: the LGPL is the license, the GPL text is what it builds on.
    if any(f.startswith("LGPL-") for f in found):
        found = [f for f in found if not f.startswith("GPL-")]
    if len(found) == 1:
        return found[0]
    dual = all(re.match(r"(?i)licen[cs]e[-_.]", p.rsplit("/", 1)[-1]) for p in root)
    return f" {'OR' if dual else 'AND'} ".join(_group(f) for f in found)


def _describe(files: dict[str, bytes], fallback_name: str, fallback_version: str) -> _Meta:
    """Name, version and license from the first metadata that gives each."""
    meta = _Meta()
    readers: list[tuple[str, Callable[[bytes], None]]] = [
        ("PKG-INFO", lambda d: _core_metadata(d, meta)),
    ]
    readers += [
        (p, lambda d: _core_metadata(d, meta))
        for p in sorted(files)
        if re.fullmatch(r"[^/]+\.dist-info/METADATA", p)
    ]
    readers += [
        ("pyproject.toml", lambda d: _pyproject(d, files, meta)),
        ("package.json", lambda d: _package_json(d, meta)),
        ("Cargo.toml", lambda d: _cargo(d, files, meta)),
    ]
    for path, read in readers:
        if path in files:
            try:
                read(files[path])
            except (ValueError, TypeError, AttributeError, UnicodeError):
                continue  # malformed metadata: the next source of each field decides
    if not meta.license:
        meta.license = _license_from_files(files)
    meta.fill(fallback_name, fallback_version, None)
    meta.license = meta.license or NOASSERTION
    return meta


def split_stem(stem: str) -> tuple[str, str | None]:
    """``name-1.2.3`` → ("name", "1.2.3"); a wheel file name → its name and version."""
    for suffix in _ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            if suffix == ".whl":
                parts = stem[: -len(suffix)].split("-")
                if len(parts) >= 2:
                    return parts[0], parts[1]
            stem = stem[: -len(suffix)]
            break
    m = re.fullmatch(r"(.+?)[-_]v?(\d[\w.+!]*(?:-[\w.]+)?)", stem)
    if m:
        return m.group(1), m.group(2)
    return stem, None


def _info(
    files: dict[str, bytes], stem: str, origin: str, kind: str, digest: str, version: str | None
) -> SourceInfo:
    name, stem_version = split_stem(stem)
    meta = _describe(files, name, version or stem_version or "unknown")
    return SourceInfo(
        name=meta.name or name,
        version=meta.version or "unknown",
        license=meta.license or NOASSERTION,
        origin=origin,
        kind=kind,
        digest=digest,
    )


# ---------------------------------------------------------------------------------------------
# Local folders


def _walk_dir(root: Path) -> Iterator[tuple[str, Path, int]]:
    """(relative POSIX path, path, size) of the regular files below ``root``, sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != "node_modules")
        base = Path(dirpath)
        for fn in sorted(filenames):
            p = base / fn
            try:
                st = p.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # symlinks, fifos, devices
            yield p.relative_to(root).as_posix(), p, st.st_size


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _open_dir(path: Path) -> tuple[SourceInfo, Entries]:
    root = path.resolve()
    h = hashlib.sha256()
    files: dict[str, bytes] = {}
    try:
        listing = list(_walk_dir(root))
        for rel, p, size in listing:
            h.update(f"{rel}\0{_file_sha256(p)}\n".encode())
            if _is_meta_candidate(rel) and size <= _META_MAX_BYTES:
                files[rel] = p.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read folder: {exc.strerror or exc}") from exc
    info = _info(files, root.name, str(root), "dir", h.hexdigest(), None)

    def entries() -> Entries:
        for rel, p, size in listing:
            if size > MAX_FILE_BYTES:
                continue
            try:
                data = p.read_bytes()
            except OSError:
                continue  # vanished since it was listed
            yield SourceEntry(rel, data)

    return info, entries()


# ---------------------------------------------------------------------------------------------
# Git


def _is_git_repo(path: Path) -> bool:
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _git_message(exc: Exception) -> str:
    stderr = getattr(exc, "stderr", "") or ""
    lines = [ln.strip() for ln in str(stderr).splitlines() if ln.strip()]
    lines = [ln.removeprefix("stderr: ").strip("'").strip() for ln in lines]
    lines = [ln for ln in lines if ln]
    msg = lines[-1] if lines else str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return msg.removeprefix("fatal: ")


@contextmanager
def _open_git(
    path: Path, spec: str, origin: str, kind: str, rev: str | None, name: str | None = None
) -> Iterator[tuple[SourceInfo, Entries]]:
    import git  # gitpython: imported here so `ipscan --help` stays instant

    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise SourceError(f"{spec}: not a git repository") from exc
    with repo:
        try:
            commit = repo.commit(rev or "HEAD")
        except (git.BadName, git.BadObject, ValueError, git.GitCommandError) as exc:
            what = f"unknown revision {rev!r}" if rev else "no commits (HEAD does not resolve)"
            raise SourceError(f"{spec}: {what}") from exc
        try:
            version = repo.git.describe("--tags", "--always", commit.hexsha).strip()
        except git.GitCommandError:
            version = ""
        version = version or commit.hexsha[:12]
        blobs = []
        files: dict[str, bytes] = {}
        for item in commit.tree.traverse():
            if item.type != "blob" or item.mode not in (0o100644, 0o100755, 0o100664):
                continue  # trees, submodules, symlinks
            rel = _safe_path(item.path)
            if rel is None or _skipped_dir(rel.split("/")[:-1]):
                continue
            blobs.append((rel, item))
            if _is_meta_candidate(rel) and item.size <= _META_MAX_BYTES:
                files[rel] = item.data_stream.read()
        if name is None:
            top = Path(repo.working_tree_dir) if repo.working_tree_dir else Path(repo.git_dir)
            name = top.resolve().name
        stem = name.removesuffix(".git")
        info = _info(files, stem, origin, kind, commit.hexsha, version)

        def entries() -> Entries:
            for rel, blob in blobs:
                if blob.size > MAX_FILE_BYTES:
                    continue
                yield SourceEntry(rel, blob.data_stream.read())

        yield info, entries()


@contextmanager
def _open_git_url(spec: str, rev: str | None) -> Iterator[tuple[SourceInfo, Entries]]:
    import git  # gitpython: imported here so `ipscan --help` stays instant

    url_name = re.split(r"[/:]", spec.rstrip("/"))[-1].removesuffix(".git") or "repo"
    env = {"GIT_TERMINAL_PROMPT": "0"}
    with tempfile.TemporaryDirectory(prefix="ipscan-clone-") as tmp:
        dest = Path(tmp) / "repo.git"
        options = {"bare": True}
        if rev is None:
            options["depth"] = 1
        try:
            git.Repo.clone_from(spec, str(dest), env=env, **options)
        except git.GitCommandError as exc:
            raise SourceError(f"{spec}: cannot clone: {_git_message(exc)}") from exc
        with _open_git(dest, spec, spec, "git-url", rev, name=url_name) as opened:
            yield opened


# ---------------------------------------------------------------------------------------------
# Archives


def _archive_kind(path: Path) -> str:
    low = path.name.lower()
    if low.endswith(".whl"):
        return "wheel"
    if low.endswith(".zip"):
        return "zip"
    if low.endswith(_TAR_SUFFIXES):
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError:
        pass
    raise SourceError(f"{path}: unsupported source (not a folder, git repository or archive)")


def _wrapper(paths: list[str]) -> str:
    """The single top folder every file sits in (``pkg-1.0/``, ``package/``), or ""."""
    tops = {p.split("/", 1)[0] for p in paths}
    if len(tops) == 1 and all("/" in p for p in paths):
        return tops.pop() + "/"
    return ""


def _open_archive(path: Path, spec: str) -> tuple[SourceInfo, Entries]:
    kind = _archive_kind(path)
    try:
        digest = _file_sha256(path)
        if kind == "tar":
            return _open_tar(path, spec, digest)
        return _open_zip(path, spec, digest, kind)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise SourceError(f"{spec}: cannot read archive: {exc}") from exc


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[str, tarfile.TarInfo]]:
    for m in tar:
        if not m.isreg():
            continue  # links, devices, folders
        rel = _safe_path(m.name)
        if rel is None:
            continue
        yield rel, m


def _open_tar(path: Path, spec: str, digest: str) -> tuple[SourceInfo, Entries]:
    names: list[str] = []
    raw_meta: dict[str, bytes] = {}
    with tarfile.open(path, "r|*") as tar:
        for rel, m in _tar_members(tar):
            names.append(rel)
            if rel.count("/") <= 3 and m.size <= _META_MAX_BYTES:
                base = rel.rsplit("/", 1)[-1]
                if base in _META_NAMES or _LICENSE_NAME.match(base):
                    f = tar.extractfile(m)
                    if f is not None:
                        raw_meta[rel] = f.read()
    wrap = _wrapper(names)
    files = {
        rel[len(wrap) :]: data
        for rel, data in raw_meta.items()
        if rel.startswith(wrap) and _is_meta_candidate(rel[len(wrap) :])
    }
    kind = "npm" if wrap == "package/" and "package.json" in files else "sdist"
    stem = path.name
    if not split_stem(stem)[1] and wrap and wrap != "package/":
        stem = wrap.rstrip("/")
    info = _info(files, stem, str(path.resolve()), kind, digest, None)

    def entries() -> Entries:
        try:
            with tarfile.open(path, "r|*") as tar:
                for rel, m in _tar_members(tar):
                    if not rel.startswith(wrap) or m.size > MAX_FILE_BYTES:
                        continue
                    sub = rel[len(wrap) :]
                    if _skipped_dir(sub.split("/")[:-1]):
                        continue
                    f = tar.extractfile(m)
                    if f is not None:
                        yield SourceEntry(sub, f.read())
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise SourceError(f"{spec}: cannot read archive: {exc}") from exc

    return info, entries()


def _zip_members(zf: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    out = []
    for zi in zf.infolist():
        if zi.is_dir():
            continue
        mode = zi.external_attr >> 16
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            continue  # symlinks and other special files stored by unix zip
        rel = _safe_path(zi.filename)
        if rel is None:
            continue
        out.append((rel, zi))
    return out


def _open_zip(path: Path, spec: str, digest: str, kind: str) -> tuple[SourceInfo, Entries]:
    with zipfile.ZipFile(path) as zf:
        members = _zip_members(zf)
        wrap = _wrapper([rel for rel, _ in members])
        files = {}
        for rel, zi in members:
            sub = rel[len(wrap) :]
            if _is_meta_candidate(sub) and zi.file_size <= _META_MAX_BYTES:
                files[sub] = zf.read(zi)
    stem = path.name
    if not split_stem(stem)[1] and wrap:
        stem = wrap.rstrip("/")
    info = _info(files, stem, str(path.resolve()), kind, digest, None)

    def entries() -> Entries:
        try:
            with zipfile.ZipFile(path) as zf:
                for rel, zi in _zip_members(zf):
                    sub = rel[len(wrap) :]
                    if zi.file_size > MAX_FILE_BYTES or _skipped_dir(sub.split("/")[:-1]):
                        continue
                    with zf.open(zi) as f:
                        data = f.read(MAX_FILE_BYTES + 1)
                    if len(data) <= MAX_FILE_BYTES:
                        yield SourceEntry(sub, data)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{spec}: cannot read archive: {exc}") from exc

    return info, entries()

"""Debian source packages, fetched with ``apt-get source --download-only`` and packed into one
tarball that ipscan reads like any other.

``apt-get source`` needs ``deb-src`` entries, which most systems lack, and refreshing the
system's package lists needs root. ipscan needs neither: it keeps its own apt state in its cache
(``cache_dir()/apt``) whose ``deb-src`` entries are the system's own ``deb`` entries (the same
mirrors and signing keys), so apt checks every file against the signed Sources index as usual,
and ipscan checks each against the ``.dsc`` again.

The upstream tarball, each ``orig-COMPONENT`` tarball (in ``COMPONENT/``) and the ``debian/``
folder of a 3.0 (quilt) package become one ``NAME_VERSION.tar.gz`` (patches not applied),
written with fixed times and owners so its digest is stable. A 1.0 package's ``.diff.gz`` is not
applied: its upstream tarball alone is read.
"""

from __future__ import annotations

import gzip
import io
import re
import shlex
import shutil
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.hashing import file_sha256
from ipscan.sources.archives import open_archive
from ipscan.sources.commands import run_tool
from ipscan.sources.downloads import check_sha256

APT_STATE = "apt"
# A package the lists lack makes ipscan refresh them, at most this often (a list of many
# misspelt packages must not refresh them for each).
REFRESH_S = 3600
_STAMP = "updated"
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_-]{0,250}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMPRESSED = r"\.tar(?:\.(?:gz|xz|bz2|lzma|zst))?$"
_ORIG = re.compile(r"\.orig" + _COMPRESSED)
_COMPONENT = re.compile(r"\.orig-([A-Za-z0-9][A-Za-z0-9-]*)" + _COMPRESSED)
_DEBIAN = re.compile(r"\.debian" + _COMPRESSED)
_TARBALL = re.compile(_COMPRESSED)


def deb_src_lines(text: str) -> str:
    """The ``deb-src`` twins of the entries of a one-line ``sources.list``."""
    out: dict[str, None] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] in ("deb", "deb-src"):
            out[" ".join(["deb-src", *words[1:]])] = None
    return "".join(f"{line}\n" for line in out)


def _fields(stanza: str) -> list[list[str]]:
    """A deb822 stanza's fields, each as its lines (comments dropped)."""
    fields: list[list[str]] = []
    for line in stanza.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0] in " \t" and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    return fields


def _key(field: list[str]) -> str:
    return field[0].split(":", 1)[0].strip().lower()


def _words(field: list[str]) -> list[str]:
    first = field[0].split(":", 1)[1] if ":" in field[0] else ""
    return " ".join([first, *field[1:]]).split()


def deb_src_stanzas(text: str) -> str:
    """The ``deb-src`` twins of the enabled entries of a deb822 ``.sources`` file."""
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = _fields(stanza)
        values = {_key(f): _words(f) for f in fields}
        if not {"deb", "deb-src"} & set(values.get("types", [])):
            continue
        if values.get("enabled", ["yes"])[0].lower() == "no":
            continue
        kept = ["\n".join(f) for f in fields if _key(f) != "types"]
        out.append("\n".join(["Types: deb-src", *kept]))
    return "".join(f"{stanza}\n\n" for stanza in out)


def system_deb_src() -> tuple[str, str]:
    """The system's package sources as ``deb-src`` entries: (one-line, deb822) text."""
    out = run_tool(
        ["apt-config", "shell", "SL", "Dir::Etc::sourcelist/f", "SP", "Dir::Etc::sourceparts/d"],
        Path("/"),
        "apt-config",
    )
    dirs: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        words = shlex.split(value)
        if words:
            dirs[key.strip()] = words[0]
    lists = [Path(dirs["SL"])] if "SL" in dirs else []
    parts = Path(dirs["SP"]) if "SP" in dirs else None
    if parts is not None and parts.is_dir():
        lists += sorted(parts.glob("*.list"))
    stanzas = sorted(parts.glob("*.sources")) if parts is not None and parts.is_dir() else []
    one_line = "".join(deb_src_lines(_read(p)) for p in lists)
    deb822 = "".join(deb_src_stanzas(_read(p)) for p in stanzas)
    if not one_line and not deb822:
        raise SourceError("no Debian package sources are configured for apt")
    return one_line, deb822


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class AptSources:
    """ipscan's own apt state at ``state``: the system's mirrors as ``deb-src``."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def _options(self) -> list[str]:
        s = self.state
        return [
            "-q",
            "-o",
            f"Dir::Etc::SourceList={s / 'sources.list'}",
            "-o",
            f"Dir::Etc::SourceParts={s / 'sources.list.d'}",
            "-o",
            f"Dir::State::Lists={s / 'lists'}",
            "-o",
            f"Dir::Cache={s / 'cache'}",
        ]

    def configure(self) -> bool:
        """Write the ``deb-src`` entries; True when they changed (the lists are stale)."""
        one_line, deb822 = system_deb_src()
        for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        changed = False
        for path, text in (
            (self.state / "sources.list", one_line),
            (self.state / "sources.list.d" / "ipscan-deb-src.sources", deb822),
        ):
            if _read(path) != text or not path.exists():
                path.write_text(text, encoding="utf-8")
                changed = True
        return changed

    def has_lists(self) -> bool:
        """Whether a Sources index has been fetched."""
        return any((self.state / "lists").glob("*_Sources*"))

    def updated_lately(self) -> bool:
        """Whether the lists were refreshed less than ``REFRESH_S`` ago."""
        try:
            age = time.time() - (self.state / _STAMP).stat().st_mtime
        except OSError:
            return False
        return 0 <= age < REFRESH_S

    def update(self) -> None:
        """Fetch the Sources indexes; a mirror without them is no error if another has them."""
        try:
            run_tool(["apt-get", *self._options(), "update"], self.state, "apt-get update")
        except SourceError:
            if not self.has_lists():
                raise
        (self.state / _STAMP).touch()

    def download(self, name: str, version: str, dest: Path) -> None:
        """``apt-get source --download-only`` of source package ``name`` ``version``."""
        cmd = ["apt-get", *self._options(), "--download-only", "--only-source", "source"]
        run_tool([*cmd, "--", f"{name}={version}"], dest, "apt-get source")


def fetch_debian_source(name: str, version: str, dest: Path) -> tuple[Path, str]:
    """Download Debian source package ``name`` ``version`` and pack it in ``dest``: the tarball,
    and the ``.dsc``'s sha256 (what pins the package)."""
    from ipscan.encoder.cache import cache_dir

    apt = AptSources(cache_dir() / APT_STATE)
    fresh = apt.configure() or not apt.has_lists()
    if fresh:
        apt.update()
    download = dest / "download"
    download.mkdir()
    try:
        apt.download(name, version, download)
    except SourceError:
        if fresh or apt.updated_lately():
            raise
        # Perhaps a version newer than ipscan's lists: refresh them, then ask again.
        shutil.rmtree(download)
        download.mkdir()
        apt.update()
        apt.download(name, version, download)
    try:
        return pack_source(download, name, version, dest)
    finally:
        shutil.rmtree(download, ignore_errors=True)


def dsc_checksums(text: str) -> dict[str, str]:
    """The files a ``.dsc`` lists under ``Checksums-Sha256``, with their sha256."""
    out: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line.lower().startswith("checksums-sha256:"):
            inside = True
        elif inside and line[:1] in (" ", "\t") and line.strip():
            words = line.split()
            if len(words) != 3 or not _SHA256.fullmatch(words[0].lower()):
                raise SourceError(f"malformed Checksums-Sha256 line: {line.strip()[:80]!r}")
            if not _FILE_NAME.fullmatch(words[2]):
                raise SourceError(f"unsafe file name in a .dsc: {words[2][:80]!r}")
            out[words[2]] = words[0].lower()
        else:
            inside = False
    return out


def _folder_of(file_name: str) -> str | None:
    """Where a tarball of a source package goes in the packed tree, or None (not read)."""
    if _ORIG.search(file_name):
        return ""
    component = _COMPONENT.search(file_name)
    if component:
        return component.group(1) + "/"
    if _DEBIAN.search(file_name):
        return "debian/"
    return "" if _TARBALL.search(file_name) else None


def pack_source(download: Path, name: str, version: str, dest: Path) -> tuple[Path, str]:
    """The files ``apt-get source`` left in ``download``, checked against their ``.dsc`` and
    packed as ``dest/NAME_VERSION.tar.gz``; that tarball and the ``.dsc``'s sha256."""
    dscs = sorted(download.glob("*.dsc"))
    if len(dscs) != 1:
        raise SourceError(f"{name} {version}: expected one .dsc, got {len(dscs)}")
    dsc = dscs[0]
    listed = dsc_checksums(dsc.read_text(encoding="utf-8", errors="replace"))
    tarballs: list[tuple[str, Path]] = []
    for file_name, sha in sorted(listed.items()):
        path = download / file_name
        if not path.is_file() or path.is_symlink():
            raise SourceError(f"{dsc.name}: {file_name} was not downloaded")
        check_sha256(path, sha, f"{dsc.name}'s")
        folder = _folder_of(file_name)
        if folder is not None:
            tarballs.append((folder, path))
    if not any(folder == "" for folder, _ in tarballs):
        raise SourceError(f"{dsc.name}: lists no source tarball")
    tarballs.sort(key=lambda t: (t[0] != "", t[0]))  # upstream first, then components, debian/
    plain = version.split(":", 1)[-1]  # Debian's file names leave the epoch out
    upstream = plain.rsplit("-", 1)[0]
    out = dest / f"{name}_{plain}.tar.gz"
    _write_tar(out, _members(tarballs, f"{name}-{upstream}/"))
    return out, file_sha256(dsc)


def _members(tarballs: list[tuple[str, Path]], top: str) -> Iterator[tuple[str, bytes]]:
    # As dpkg-source does for 3.0 (quilt), the debian tarball replaces any upstream debian/.
    replaced = any(folder == "debian/" for folder, _ in tarballs)
    seen: set[str] = set()
    for folder, path in tarballs:
        _, entries = open_archive(path, path.name)
        for entry in entries:
            rel = folder + entry.path
            if rel in seen or (replaced and folder != "debian/" and rel.startswith("debian/")):
                continue
            seen.add(rel)
            yield top + rel, entry.data


def _write_tar(out: Path, members: Iterator[tuple[str, bytes]]) -> None:
    """A gzipped tar of ``members`` whose bytes depend on nothing else (times, owners)."""
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8") as tar,
    ):
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

"""ipscan's own apt state: the system's mirrors, listed again in ipscan's cache, so that
``apt-get source`` and ``apt-get download`` run without root and without touching the system.

``apt-get source`` needs ``deb-src`` entries, which most systems lack, and refreshing the
system's package lists needs root. ipscan needs neither: it keeps its own apt states in its
cache, one per entry type (``cache_dir()/apt`` for ``deb-src``, ``cache_dir()/apt-bin`` for
``deb``), whose entries are the system's own (the same mirrors and signing keys), so apt checks
every file against the signed indexes as usual.
"""

from __future__ import annotations

import re
import shlex
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ipscan.errors import SourceError
from ipscan.sources.commands import run_tool

EntryType = Literal["deb", "deb-src"]
# Folder of each state below cache_dir(); "apt" predates binary packages and is kept.
STATE_DIRS: dict[EntryType, str] = {"deb-src": "apt", "deb": "apt-bin"}
# The index files ``apt-get update`` fetches for each entry type.
_INDEXES: dict[EntryType, str] = {"deb-src": "*_Sources*", "deb": "*_Packages*"}
# A package the lists lack makes ipscan refresh them, at most this often (a list of many
# misspelt packages must not refresh them for each).
REFRESH_S = 3600
_STAMP = "updated"


def twin_lines(text: str, kind: EntryType) -> str:
    """The ``kind`` twins of the ``deb``/``deb-src`` entries of a one-line ``sources.list``."""
    out: dict[str, None] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] in ("deb", "deb-src"):
            out[" ".join([kind, *words[1:]])] = None
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


def twin_stanzas(text: str, kind: EntryType) -> str:
    """The ``kind`` twins of the enabled entries of a deb822 ``.sources`` file."""
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = _fields(stanza)
        values = {_key(f): _words(f) for f in fields}
        if not {"deb", "deb-src"} & set(values.get("types", [])):
            continue
        if values.get("enabled", ["yes"])[0].lower() == "no":
            continue
        kept = ["\n".join(f) for f in fields if _key(f) != "types"]
        out.append("\n".join([f"Types: {kind}", *kept]))
    return "".join(f"{stanza}\n\n" for stanza in out)


def system_entries(kind: EntryType) -> tuple[str, str]:
    """The system's package sources as ``kind`` entries: (one-line, deb822) text."""
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
    one_line = "".join(twin_lines(_read(p), kind) for p in lists)
    deb822 = "".join(twin_stanzas(_read(p), kind) for p in stanzas)
    if not one_line and not deb822:
        raise SourceError("no Debian package sources are configured for apt")
    return one_line, deb822


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class AptSources:
    """ipscan's own apt state at ``state``: the system's mirrors as ``kind`` entries."""

    def __init__(self, state: Path, kind: EntryType = "deb-src") -> None:
        self.state = state
        self.kind = kind

    def options(self) -> list[str]:
        """The apt options that make a command use this state."""
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
        """Write the entries; True when they changed (the lists are stale)."""
        one_line, deb822 = system_entries(self.kind)
        for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        changed = False
        for path, text in (
            (self.state / "sources.list", one_line),
            (self.state / "sources.list.d" / f"ipscan-{self.kind}.sources", deb822),
        ):
            if _read(path) != text or not path.exists():
                path.write_text(text, encoding="utf-8")
                changed = True
        return changed

    def has_lists(self) -> bool:
        """Whether an index of this entry type has been fetched."""
        return any((self.state / "lists").glob(_INDEXES[self.kind]))

    def updated_lately(self) -> bool:
        """Whether the lists were refreshed less than ``REFRESH_S`` ago."""
        try:
            age = time.time() - (self.state / _STAMP).stat().st_mtime
        except OSError:
            return False
        return 0 <= age < REFRESH_S

    def update(self) -> None:
        """Fetch the indexes; a mirror without them is no error if another has them."""
        try:
            run_tool(["apt-get", *self.options(), "update"], self.state, "apt-get update")
        except SourceError:
            if not self.has_lists():
                raise
        (self.state / _STAMP).touch()


def download_with_apt(
    kind: EntryType, download: Callable[[AptSources, Path], None], folder: Path
) -> None:
    """Run ``download`` with ipscan's ``kind`` apt state into the new folder ``folder``,
    refreshing the lists first when they are missing or stale, or once more when the package
    is not in them (perhaps a version newer than ipscan's lists)."""
    from ipscan.encoder.cache import cache_dir

    apt = AptSources(cache_dir() / STATE_DIRS[kind], kind)
    fresh = apt.configure() or not apt.has_lists()
    if fresh:
        apt.update()
    folder.mkdir()
    try:
        download(apt, folder)
    except SourceError:
        if fresh or apt.updated_lately():
            raise
        shutil.rmtree(folder)
        folder.mkdir()
        apt.update()
        download(apt, folder)

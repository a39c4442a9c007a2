"""The default index that ships with ipscan: which packages, and how to rebuild it in one command.

`ipscan index build-default` downloads each archive listed in ``data/default_sources.json`` from
its registry (``pip download`` for PyPI sdists, ``npm pack`` for npm, ``apt-get source`` for
Debian source packages, ``apt-get download`` for the Debian binary packages that carry sources,
``deb-bin``), refuses any whose sha256 differs from the pinned one (a Debian source package's:
its ``.dsc``'s; a binary one's: its ``.deb``'s), and builds a fresh index from them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from ipscan.errors import SourceError
from ipscan.sources.downloads import check_digest
from ipscan.sources.downloads import fetch_from_registry

if TYPE_CHECKING:
    from ipscan.progress import Meter

SOURCES_FILE = Path(__file__).resolve().parent.parent / "data" / "default_sources.json"


@dataclass(frozen=True)
class PinnedSource:
    """One package of the default index, pinned by version and archive sha256."""

    registry: str
    name: str
    version: str
    sha256: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def pinned_sources(path: Path = SOURCES_FILE) -> list[PinnedSource]:
    """The packages of the default index."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [
        PinnedSource(
            registry=s["registry"],
            name=s["name"],
            version=s["version"],
            sha256=s["sha256"],
            include=tuple(s.get("include", ())),
            exclude=tuple(s.get("exclude", ())),
        )
        for s in doc["sources"]
    ]


def fetch(source: PinnedSource, dest: Path) -> Path:
    """Download one pinned archive into ``dest`` and check its sha256 (a Debian source
    package's ``.dsc``, which lists the sha256 of every file the packed archive is made of)."""
    archive, digest = fetch_from_registry(source.registry, source.name, source.version, dest)
    try:
        check_digest(archive.name, digest, source.sha256, "pinned")
    except SourceError:
        archive.unlink()
        raise
    return archive


def build_default(
    index_dir: Path,
    encoder: Any,
    embed: Callable[[list[str]], Any],
    progress: Callable[[str], None],
    meter: Meter | None = None,
) -> Any:
    """Fetch every pinned package and build a fresh index at ``index_dir`` (replaced at the end);
    ``meter`` counts each package's files as they are parsed."""
    from ipscan.index.build import build_index
    from ipscan.index.reader import IndexReader
    from ipscan.index.store import check_index_folder
    from ipscan.index.store import write_index
    from ipscan.index.store import writer_lock

    check_index_folder(index_dir)  # before any download: a user's folder is refused at once
    with tempfile.TemporaryDirectory(prefix="ipscan-default-") as tmp:
        work = Path(tmp)
        downloads = work / "downloads"
        downloads.mkdir()
        staged = work / "index"
        summary = None
        for source in pinned_sources():
            progress(f"fetching {source.name} {source.version} from {source.registry}")
            archive = fetch(source, downloads)
            summary = build_index(
                [str(archive)],
                staged,
                encoder,
                embed,
                progress=progress,
                meter=meter,
                include=source.include,
                exclude=source.exclude,
                origin=f"{source.registry}:{archive.name}",
            )
        # The rebuilt index goes live as a new generation of the target, like any build: a
        # scan running on the old one keeps it, and a folder that is not an index is refused.
        with IndexReader(staged, verify=True) as built:
            contents = built.contents()
        with writer_lock(index_dir):
            write_index(index_dir, contents)
        return summary

"""Read the listed files of a scan root and pass each through the gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ipscan.extract.analyze import gate_bytes
from ipscan.extract.changes import ChangedFile
from ipscan.extract.languages import language_for_path
from ipscan.extract.languages import may_be_code
from ipscan.extract.listing import FileListing
from ipscan.extract.listing import read_listed_file
from ipscan.records import SkippedFile
from ipscan.records import SourceFile


@dataclass(frozen=True)
class Collected:
    """Source files in a supported language, and those passed over with the reason."""

    files: tuple[SourceFile, ...]
    skipped: tuple[SkippedFile, ...]


def _gate_one(rel: str, data: bytes, files: list[SourceFile], skipped: list[SkippedFile]) -> None:
    gated = gate_bytes(rel, data)
    if isinstance(gated, SkippedFile):
        skipped.append(gated)
    elif gated is not None:
        files.append(gated)


def collect_changed(changed: Sequence[ChangedFile]) -> Collected:
    """Changed files (from git objects, not the disk) through the same gate."""
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    for c in changed:
        _gate_one(c.path, c.data, files, skipped)
    return Collected(tuple(files), tuple(skipped))


def collect_sources(listing: FileListing) -> Collected:
    """Every listed file in a supported language that passes the gate; others say why not."""
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = [SkippedFile(p, "submodule") for p in listing.submodules]
    for rel in listing.paths:
        if not may_be_code(rel):
            continue
        data = read_listed_file(listing, rel)
        if not isinstance(data, str):
            _gate_one(rel, data, files, skipped)
        elif language_for_path(rel) is not None:  # an unreadable extensionless file: not code
            skipped.append(SkippedFile(rel, data))
    return Collected(tuple(files), tuple(skipped))

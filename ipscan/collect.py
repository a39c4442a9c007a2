"""Read the listed files of a scan root and pass each through the gate."""

from __future__ import annotations

from dataclasses import dataclass

from ipscan.files import gate
from ipscan.gitio import FileListing
from ipscan.gitio import read_listed_file
from ipscan.languages import language_for_path
from ipscan.records import SkippedFile
from ipscan.records import SourceFile


@dataclass(frozen=True)
class Collected:
    """Source files in a supported language, and those passed over with the reason."""

    files: tuple[SourceFile, ...]
    skipped: tuple[SkippedFile, ...]


def collect_sources(listing: FileListing) -> Collected:
    """Every listed file in a supported language that passes the gate; others say why not."""
    files = []
    skipped = []
    for rel in listing.paths:
        spec = language_for_path(rel)
        if spec is None:
            continue
        data = read_listed_file(listing, rel)
        if isinstance(data, str):
            skipped.append(SkippedFile(rel, data))
            continue
        gated = gate(rel, data, spec.name)
        if isinstance(gated, SkippedFile):
            skipped.append(gated)
        else:
            files.append(gated)
    return Collected(tuple(files), tuple(skipped))

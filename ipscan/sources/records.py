"""What a source yields: its ``SourceInfo``, its files as ``SourceEntry``, and the size limits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_FILE_BYTES = 2 * 1024 * 1024
META_MAX_BYTES = 1024 * 1024
NOASSERTION = "NOASSERTION"


@dataclass(frozen=True)
class SourceInfo:
    """What a source is: name, version, SPDX license, origin, content digest, copyright lines."""

    name: str
    version: str
    license: str
    origin: str
    kind: str
    digest: str
    copyright: tuple[str, ...] = ()  # statements from the root license files


@dataclass(frozen=True)
class SourceEntry:
    """One file of a source: POSIX path relative to the source root, and its bytes."""

    path: str
    data: bytes


Entries = Iterator[SourceEntry]

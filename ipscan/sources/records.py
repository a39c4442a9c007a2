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
    # The license of the package's own files when its license files name fewer licenses than
    # its metadata (numpy declares the licenses of the libraries it bundles too); not stored.
    own_license: str | None = None

    @property
    def file_default_license(self) -> str:
        """The license of a file of this source that states none itself."""
        return self.own_license or self.license

    def stored(self) -> dict[str, object]:
        """What the index keeps of this source (``own_license`` is the files' concern)."""
        out = {k: v for k, v in self.__dict__.items() if k != "own_license"}
        out["copyright"] = list(self.copyright)
        return out


@dataclass(frozen=True)
class SourceEntry:
    """One file of a source: POSIX path relative to the source root, and its bytes."""

    path: str
    data: bytes


Entries = Iterator[SourceEntry]

"""What a source yields: its ``SourceInfo``, its files as ``SourceEntry``, and the size limits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipscan.sources.debian_copyright import FileLicenses

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
    # Path by path, from a Debian copyright file (DEP-5) the source holds; not stored.
    file_licenses: FileLicenses | None = None

    @property
    def file_default_license(self) -> str:
        """The license of a file of this source that states none itself."""
        return self.own_license or self.license

    def default_license_for(self, path: str) -> str:
        """The license of the file at ``path`` when it states none itself: what the source's
        Debian copyright file gives that path, else ``file_default_license``."""
        found = self.file_licenses.license_for(path) if self.file_licenses else None
        return found or self.file_default_license

    def stored(self) -> dict[str, object]:
        """What the index keeps of this source (``own_license`` and ``file_licenses`` are the
        files' concern)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("own_license", "file_licenses")}
        out["copyright"] = list(self.copyright)
        return out


@dataclass(frozen=True)
class SourceEntry:
    """One file of a source: POSIX path relative to the source root, and its bytes."""

    path: str
    data: bytes


Entries = Iterator[SourceEntry]

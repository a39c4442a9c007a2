"""The scanned project's own (outbound) license, from its root: metadata, then license files."""

from __future__ import annotations

from pathlib import Path

from ipscan.licenses import normalize_license
from ipscan.sources.metadata import source_info
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import NOASSERTION


def project_license(root: Path, override: str | None = None) -> str | None:
    """The SPDX expression the project at ``root`` is under, or None when it declares none.

    ``override`` (from the command line) wins. Otherwise the first of: package metadata
    (pyproject.toml, package.json, Cargo.toml), then the LICENSE/COPYING files at the root.
    """
    if override:
        return normalize_license(override) or override
    files: dict[str, bytes] = {}
    try:
        entries = list(root.iterdir())
    except OSError:
        return None
    for p in entries:
        try:
            if p.is_symlink() or not p.is_file() or not is_meta_candidate(p.name):
                continue
            if p.stat().st_size <= META_MAX_BYTES:
                files[p.name] = p.read_bytes()
        except OSError:
            continue
    info = source_info(files, root.name, str(root), "project", "", None)
    return None if info.license == NOASSERTION else info.license

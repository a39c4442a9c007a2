"""The scanned project's own (outbound) license, from its root: metadata, then license files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ipscan.licenses import normalize_license
from ipscan.licenses import spdx_identifier_in
from ipscan.sources.metadata import source_info
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import NOASSERTION


def project_license(
    root: Path, override: str | None = None, file_texts: Sequence[str] = ()
) -> str | None:
    """The SPDX expression the project at ``root`` is under, or None when it declares none.

    ``override`` (command line, then policy) wins. Otherwise the first of: package metadata
    (pyproject.toml, package.json, Cargo.toml), the LICENSE/COPYING files at the root, and the
    ``SPDX-License-Identifier`` most of ``file_texts`` (the project's own files) carry.
    """
    if override:
        return normalize_license(override) or override
    files: dict[str, bytes] = {}
    try:
        entries = list(root.iterdir())
    except OSError:
        return _from_headers(file_texts)
    for p in entries:
        try:
            if p.is_symlink() or not p.is_file() or not is_meta_candidate(p.name):
                continue
            if p.stat().st_size <= META_MAX_BYTES:
                files[p.name] = p.read_bytes()
        except OSError:
            continue
    info = source_info(files, root.name, str(root), "project", "", None)
    if info.license != NOASSERTION:
        return info.license
    return _from_headers(file_texts)


def _from_headers(texts: Sequence[str]) -> str | None:
    counts = Counter(lic for lic in map(spdx_identifier_in, texts) if lic)
    return counts.most_common(1)[0][0] if counts else None

"""What the scanned project says about itself, from its root: its own (outbound) license
(metadata, license files, SPDX headers) and its notice files (NOTICE, THIRD-PARTY-NOTICES, ...)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

from ipscan.errors import UsageError
from ipscan.licensing import normalize_license
from ipscan.licensing import spdx_identifier_in
from ipscan.licensing.policy import expression_problem
from ipscan.licensing.policy import quote_value
from ipscan.sources.metadata import source_info
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import NOASSERTION


def project_license(
    root: Path, override: str | None = None, file_texts: Sequence[str] = ()
) -> str | None:
    """The SPDX expression the project at ``root`` is under, or None when it declares none.

    ``override`` (command line, then policy) wins; it must be an SPDX expression (a UsageError
    otherwise: the policy's was checked when it was loaded, so this names the command line).
    Otherwise the first of: package metadata (pyproject.toml, package.json, Cargo.toml), the
    LICENSE/COPYING files at the root, and the ``SPDX-License-Identifier`` most of
    ``file_texts`` (the project's own files) carry.
    """
    if override:
        problem = expression_problem(override)
        if problem:
            raise UsageError(f"--project-license {quote_value(override)}: {problem}")
        return normalize_license(override) or override.strip()
    files = root_files(root, is_meta_candidate, META_MAX_BYTES)
    info = source_info(files, root.name, str(root), "project", "", None)
    if info.license != NOASSERTION:
        return info.license
    return _from_headers(file_texts)


def _from_headers(texts: Sequence[str]) -> str | None:
    counts = Counter(lic for lic in map(spdx_identifier_in, texts) if lic)
    return counts.most_common(1)[0][0] if counts else None


NOTICE_FILE = re.compile(
    r"^(?:notice|third[-_. ]?party|credits|acknowledge?ments?|attributions?|authors)",
    re.IGNORECASE,
)
NOTICE_MAX_BYTES = 2 * 1024 * 1024


def root_files(root: Path, wanted: Callable[[str], bool], max_bytes: int) -> dict[str, bytes]:
    """The regular files at ``root`` whose name is ``wanted`` and that fit in ``max_bytes``
    (symlinks and unreadable files skipped), by name in sorted order."""
    out: dict[str, bytes] = {}
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return out
    for p in entries:
        try:
            if p.is_symlink() or not p.is_file() or not wanted(p.name):
                continue
            if p.stat().st_size <= max_bytes:
                out[p.name] = p.read_bytes()
        except OSError:
            continue
    return out


def project_notice_texts(root: Path) -> tuple[str, ...]:
    """The texts of the notice files at the project's root (NOTICE, THIRD-PARTY-NOTICES, ...)."""
    found = root_files(root, lambda name: bool(NOTICE_FILE.match(name)), NOTICE_MAX_BYTES)
    return tuple(data.decode("utf-8", errors="replace") for data in found.values())

"""What the scanned project says about itself: its policy, its own (outbound) license (metadata,
license files, SPDX headers) and its notice files (NOTICE, THIRD-PARTY-NOTICES, ...).

A scanned sub-folder belongs to its repository's project: each is looked for from the scanned
folder up to the git work-tree root (``ipscan.extract.project_root``), never above it, and the
nearest folder that has one wins; outside git only the scanned folder is read. Notice files are
read from every folder of that walk.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import UsageError
from ipscan.extract.project_root import project_folders
from ipscan.extract.project_root import relative_folder
from ipscan.licensing import normalize_license
from ipscan.licensing import spdx_identifier_in
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import expression_problem
from ipscan.licensing.policy import load_policy
from ipscan.licensing.policy import quote_value
from ipscan.sources.paths import is_meta_candidate
from ipscan.sources.records import META_MAX_BYTES
from ipscan.sources.records import NOASSERTION


def project_license(
    root: Path,
    override: str | None = None,
    file_texts: Sequence[str] = (),
    above: Sequence[Path] = (),
) -> str | None:
    """The SPDX expression the project at ``root`` is under, or None when it declares none.

    ``override`` (command line, then policy) wins; it must be an SPDX expression (a UsageError
    otherwise: the policy's was checked when it was loaded, so this names the command line).
    Otherwise the first of: package metadata (pyproject.toml, setup.cfg, setup.py's literal
    ``setup(license=...)``, package.json, Cargo.toml) or the
    LICENSE/COPYING files at ``root``, then the same in each folder of ``above`` (the folders up
    to the repository root, nearest first: a scanned sub-folder is under its repository's
    license unless it declares its own), and the ``SPDX-License-Identifier`` most of
    ``file_texts`` (the project's own files) carry.
    """
    if override:
        problem = expression_problem(override)
        if problem:
            raise UsageError(f"--project-license {quote_value(override)}: {problem}")
        return normalize_license(override) or override.strip()
    from ipscan.sources.metadata import source_info  # package metadata readers: only here

    for folder in (root, *above):
        files = root_files(folder, is_meta_candidate, META_MAX_BYTES)
        info = source_info(files, folder.name, str(folder), "project", "", None)
        if info.license != NOASSERTION:
            return info.license
    return _from_headers(file_texts)


# Workspace members read for their names, at most: a monorepo's packages, not a tree walk.
MAX_WORKSPACE_MEMBERS = 500


def own_package_names(folders: Sequence[Path]) -> tuple[str, ...]:
    """The project's own packages: the name its repository root (the last of ``folders``, the
    scanned folder and those above it) declares in ``pyproject.toml``, ``PKG-INFO``,
    ``setup.cfg``, ``setup.py``, ``package.json``, ``Cargo.toml`` or ``go.mod``, those its build
    files name (``ipscan.sources.build_files``: CMake, Meson, Maven, Gradle), and those of
    the workspace members it lists (``package.json``'s ``workspaces``, ``Cargo.toml``'s
    ``[workspace] members``: Gutenberg's ``@wordpress/*`` packages, serde's crates). Not a
    nearer folder's: ``ipscan repo third_party/six`` scans six vendored into this project, not
    the six project."""
    from ipscan.sources.build_files import BUILD_FILES  # metadata readers: only here
    from ipscan.sources.build_files import build_file_names
    from ipscan.sources.metadata import declared_name
    from ipscan.sources.metadata import workspace_members

    if not folders:
        return ()
    root = folders[-1]
    files = root_files(root, lambda n: is_meta_candidate(n) or n in BUILD_FILES, META_MAX_BYTES)
    names = [declared_name(files), *build_file_names(files)]
    for member in _workspace_folders(root, workspace_members(files)):
        names.append(declared_name(root_files(member, is_meta_candidate, META_MAX_BYTES)))
    return tuple(dict.fromkeys(n for n in names if n))


def _workspace_folders(root: Path, patterns: Sequence[str]) -> list[Path]:
    """The folders below ``root`` that workspace ``patterns`` match (globs), none outside it
    (``..``, absolute paths and links are skipped; a recursive ``**`` is not walked: it would
    read ``node_modules``), at most MAX_WORKSPACE_MEMBERS."""
    out: list[Path] = []
    top = root.resolve()
    for pattern in patterns:
        parts = pattern.strip("/").split("/")
        if pattern.startswith("/") or ".." in parts or "**" in parts or not pattern.strip("/"):
            continue
        try:
            matches = sorted(root.glob(pattern.strip("/")))
        except (OSError, ValueError):
            continue
        for folder in matches:
            if len(out) >= MAX_WORKSPACE_MEMBERS:
                return out
            try:
                if folder.is_symlink() or not folder.is_dir():
                    continue
                if folder.resolve().is_relative_to(top) and folder not in out:
                    out.append(folder)
            except OSError:
                continue
    return out


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


def project_notice_texts(root: Path, above: Sequence[Path] = ()) -> tuple[str, ...]:
    """The texts of the notice files (NOTICE, THIRD-PARTY-NOTICES, ...) at the project's root
    and in the folders ``above`` it: a notice kept at the repository root covers its folders."""
    texts: list[str] = []
    for folder in (root, *above):
        found = root_files(folder, lambda name: bool(NOTICE_FILE.match(name)), NOTICE_MAX_BYTES)
        texts.extend(data.decode("utf-8", errors="replace") for data in found.values())
    return tuple(texts)


@dataclass(frozen=True)
class FoundPolicy:
    """The policy, the folders a scan looks in for what the project says about itself, and
    where the scanned folder sits below the folder the policy's paths are relative to."""

    policy: Policy
    folders: tuple[Path, ...]  # the scanned folder, then those above it up to the repository root
    prefix: str = ""  # "" when the scanned folder is the policy's folder

    def rooted(self, path: str) -> str:
        """A scanned path as the policy writes its paths."""
        return f"{self.prefix}/{path}" if self.prefix else path


def find_policy(scanned: Path, config: Path | None) -> FoundPolicy:
    """The policy for a scan of ``scanned``: ``config`` when given, else the nearest policy file
    from ``scanned`` up to the repository root (``.ipscan.toml``, else ``[tool.ipscan]`` in
    pyproject.toml; a pyproject.toml without it does not stop the search).

    The policy's paths (``ignore``, components' ``paths``) are relative to its folder; those of
    a ``config`` outside the scanned folder and the folders above it, to the repository root.
    """
    folders = project_folders(scanned)
    if config is not None:
        held = config.resolve().parent
        base = held if held in folders else folders[-1]
        policy = load_policy(folders[0], config)
        return FoundPolicy(policy, folders, relative_folder(folders[0], base))
    for folder in folders:
        policy = load_policy(folder)
        if policy.origin is not None:
            return FoundPolicy(policy, folders, relative_folder(folders[0], folder))
    return FoundPolicy(Policy(), folders)

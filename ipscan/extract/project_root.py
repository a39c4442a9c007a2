"""Where a scanned folder's project describes itself: from the folder up to its repository root.

A scan of a sub-folder (``ipscan repo sub``, or ``cd sub && ipscan repo .``) is still a scan of
the repository's project: its policy file and its own license usually sit at the top of the git
work tree. ``project_folders`` lists the folders to look in, nearest first, and never one above
the work-tree root; outside a git work tree only the scanned folder itself. Which folder wins is
the caller's choice: the nearest that has what it looks for (``ipscan.scan``).
"""

from __future__ import annotations

from pathlib import Path

from ipscan.errors import IpscanError
from ipscan.extract.changes import repo_root


def project_folders(path: Path) -> tuple[Path, ...]:
    """``path`` and each folder above it up to the top of its git work tree, nearest first
    (resolved); only ``path`` when it is not inside a work tree."""
    here = path.resolve()
    try:
        top = repo_root(here).resolve()
    except IpscanError:  # not a work tree, or no git: the folder is the project
        return (here,)
    if not here.is_relative_to(top):
        return (here,)
    folders = [here]
    while folders[-1] != top:
        folders.append(folders[-1].parent)
    return tuple(folders)


def relative_folder(folder: Path, root: Path) -> str:
    """``folder`` as a POSIX path below ``root`` ("" when it is ``root``)."""
    rel = folder.relative_to(root).as_posix()
    return "" if rel == "." else rel

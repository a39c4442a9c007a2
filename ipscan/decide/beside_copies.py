"""Tiny files beside copies: a one-line version module or re-export of a vendored tree.

``VERSION = '2.1'`` or ``export {default} from './index.js'`` under its own name says nothing
alone: many projects write those lines. In a folder whose other files are claimed from one
indexed package's folder, the same text under the same name in that package's folder is the
vendored copy of that file too (SCANOSS reports such a file by its hash; a winnowing tool finds
nothing in it). The tiny file is claimed only with its whole text identical
(``MIN_TINY_FILE_CHARS``), under the indexed file's name, and beside a copied, modified-copied
or file-level claim from the indexed file's own folder of the same package version.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Scope
from ipscan.records import SourceRef
from ipscan.records import Verdict

_Folder = tuple[str, str, str]  # (package, version, folder)


@dataclass(frozen=True)
class TinyFile:
    """A tiny scanned file whose whole text is that of indexed files of its name."""

    path: str
    n_lines: int
    twins: tuple[SourceRef, ...]  # the indexed files, likeliest source first


def _folder(ref: SourceRef) -> _Folder:
    return (ref.package, ref.version, posixpath.dirname(ref.path))


def beside_copies(tiny: Sequence[TinyFile], found: Sequence[Finding]) -> list[Finding]:
    """A file-level finding for each tiny file that no finding claims and whose scanned folder
    holds a file claimed from the folder of one of its twins (the first such twin names it)."""
    claimed = {f.path for f in found}
    copied_from: dict[str, set[_Folder]] = {}
    for f in found:
        if f.verdict is not Verdict.SIMILAR:
            copied_from.setdefault(posixpath.dirname(f.path), set()).add(_folder(f.source))
    out = []
    for t in tiny:
        beside = copied_from.get(posixpath.dirname(t.path))
        if t.path in claimed or not beside:
            continue
        source = next((ref for ref in t.twins if _folder(ref) in beside), None)
        if source is None:
            continue
        out.append(
            Finding(
                path=t.path,
                start_line=1,
                end_line=t.n_lines,
                similarity=1.0,
                verdict=Verdict.COPIED,
                source=source,
                scope=Scope.FILE,
                matchers=(Matcher.FILE,),
                evidence={"file_coverage": 1.0},
                reasons=(Reason.IDENTICAL_FILE_BESIDE_COPIES,),
            )
        )
    return out

"""A plagiarism check's bar: how much of a scanned file one indexed file explains (``--min-share``).

A license scan reports any copied region, however small: ten lines of GPL code matter. A class's
or a contest's submissions are read another way. Every solution of a task shares stock code with
the others (a fast input reader, a sort helper, filling an adjacency list), so a pair of
submissions is worth a teacher's look when one file explains a good part of the other, the share
MOSS, JPlag, Dolos and copydetect report per pair (copydetect shows a pair from 0.33 of the test
file covered). With a minimum share, a finding is kept only when one of the files it names (its
source, or one as good in ``also_in``) covers at least that share of the scanned file's code
lines with the findings that name it (a file-level finding by its share, the similarity it
reports); ``similar`` findings (``--explain``) cover nothing. Each finding kept carries that
share (``file_share`` in its evidence): the number a teacher sorts pairs by.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ipscan.extract.analyze import AnalyzedFile
from ipscan.records import Finding
from ipscan.records import Scope
from ipscan.records import Verdict

FileKey = tuple[str, str, str]


def code_lines(af: AnalyzedFile) -> frozenset[int]:
    """The lines of ``af`` that hold code its raw tokens count (imports and comments aside)."""
    return frozenset(int(n) for n in af.raw.token_lines.tolist())


def shares(
    findings: Sequence[Finding], files: Sequence[AnalyzedFile]
) -> dict[tuple[str, FileKey], float]:
    """For each (scanned path, indexed file) that findings name, the share of the scanned
    file's code lines that the region findings naming it cover, or a file-level finding's share
    where larger (an identical file has no other finding); 1.0 for a file without code lines to
    count."""
    covered: dict[tuple[str, FileKey], set[int]] = defaultdict(set)
    whole: dict[tuple[str, FileKey], float] = defaultdict(float)
    for f in findings:
        if f.verdict is Verdict.SIMILAR:
            continue
        for ref in (f.source, *f.also_in):
            key = (f.path, ref.file_key)
            if f.scope is Scope.FILE:
                # A file-level finding spans the whole file; its similarity is its share.
                whole[key] = max(whole[key], f.similarity)
            else:
                covered[key].update(range(f.start_line, f.end_line + 1))
    code = {af.file.path: code_lines(af) for af in files}
    out = {}
    for key in covered.keys() | whole.keys():
        mine = code.get(key[0])
        share = len(covered[key] & mine) / len(mine) if mine else 1.0
        out[key] = max(share, whole[key])
    return out


def with_min_share(
    findings: Sequence[Finding], files: Sequence[AnalyzedFile], min_share: float
) -> list[Finding]:
    """The ``findings`` that name an indexed file covering at least ``min_share`` of their
    scanned file's code, each with that file's share as ``evidence["file_share"]`` (the largest
    among the files it names); all of them, as they are, when ``min_share`` is 0."""
    if min_share <= 0:
        return list(findings)
    share = shares(findings, files)
    out = []
    for f in findings:
        best = max(share.get((f.path, ref.file_key), 0.0) for ref in (f.source, *f.also_in))
        if best >= min_share:
            out.append(replace(f, evidence={**f.evidence, "file_share": round(best, 4)}))
    return out

"""The project's own package: findings that name it are its own code, not a copy.

A maintainer of a package that an index holds (the shipped index holds click, lodash, serde and
a hundred more) who scans their own repository would otherwise see every file of it reported as
copied from its last release. A project is the package its repository root's metadata names
(``ipscan.licensing.project.own_package_names``) and those its policy's ``own-packages`` lists
(a ``setup.py`` that computes its name declares none a file can be read for).
Findings whose source is a package of such a name, any version, are left out of the report and
counted instead: the summary says how many and of which package, so a name that merely
coincides with an indexed package's is seen. Names compare as PEP 503 normalizes them (case,
``-``, ``_`` and ``.`` alike), the way the index names Python distributions.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipscan.records import Finding
from ipscan.sources.ecosystem_names import pypi_name


def split_own_package(
    findings: Sequence[Finding], packages: Sequence[str]
) -> tuple[list[Finding], list[Finding]]:
    """``findings`` apart from those whose source is one of ``packages`` (the project's own),
    and those."""
    if not packages:
        return list(findings), []
    own = {pypi_name(p) for p in packages}
    others: list[Finding] = []
    mine: list[Finding] = []
    for f in findings:
        (mine if pypi_name(f.source.package) in own else others).append(f)
    return others, mine

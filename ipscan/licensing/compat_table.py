"""The license table behind ``ipscan.licensing.compat``: families, notices, known clashes.

Sources are cited by name in ``LICENSES``: the FSF license list (GPL compatibility), the ASF 3rd
Party License Policy (categories A/B/X), the OSADL compatibility matrix, and the license texts.
An SPDX license not in the table is judged by its ScanCode LicenseDB category (``categories``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum

NO_LICENSE = "NOASSERTION"
NOT_A_LICENSE = frozenset({"", "noassertion", "none"})
# A BSD license whose variant the package does not say ("License: BSD", the "BSD License"
# classifier, ":license: BSD") and no license text of it says either (issue #16).
BSD_UNKNOWN_VARIANT = "LicenseRef-BSD-unknown-variant"


class LicenseVerdict(StrEnum):
    """May the inbound code be copied into the outbound project? Values are stable."""

    OK = "ok"
    ATTRIBUTION_REQUIRED = "attribution-required"
    COPYLEFT_CONFLICT = "copyleft-conflict"
    INCOMPATIBLE = "incompatible"
    NO_LICENSE = "no-license"
    UNKNOWN_LICENSE = "unknown-license"
    # Source-available, non-commercial or proprietary terms: copying needs those terms accepted,
    # whatever the project's license (issue #19).
    RESTRICTED = "restricted"


# Best first: OR picks the lowest rank, AND the highest.
VERDICT_ORDER: tuple[LicenseVerdict, ...] = (
    LicenseVerdict.OK,
    LicenseVerdict.ATTRIBUTION_REQUIRED,
    LicenseVerdict.UNKNOWN_LICENSE,
    LicenseVerdict.NO_LICENSE,
    LicenseVerdict.COPYLEFT_CONFLICT,
    # Worse than a copyleft conflict: relicensing the project does not fix it.
    LicenseVerdict.RESTRICTED,
    LicenseVerdict.INCOMPATIBLE,
)
RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


class Family(StrEnum):
    """How far a license's conditions reach."""

    PUBLIC_DOMAIN = "public-domain"
    PERMISSIVE = "permissive"
    WEAKCOPYLEFT = "weak-copyleft"  # file-level: MPL, EPL, CDDL
    WEAKCOPYLEFT_LIBRARY = "weak-copyleft-library"  # LGPL
    STRONGCOPYLEFT = "strong-copyleft"  # GPL
    NETWORKCOPYLEFT = "network-copyleft"  # AGPL
    RESTRICTED = "restricted"  # source-available, non-commercial, proprietary (``categories``)


COPYLEFT = frozenset({Family.WEAKCOPYLEFT_LIBRARY, Family.STRONGCOPYLEFT, Family.NETWORKCOPYLEFT})


@dataclass(frozen=True)
class LicenseInfo:
    """One license's row: family, whether copies need its notice, and why (cited)."""

    family: Family
    notice: bool
    reason: str
    # Work-level copyleft: outbound licenses the code may join (the combined work then goes
    # out under the outbound's terms). The license itself is always included.
    into: frozenset[str] = frozenset()
    # Outbound licenses whose terms conflict with this one's, with the cited reason.
    not_into: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """A verdict, what must be done to comply, and why."""

    verdict: LicenseVerdict
    obligations: tuple[str, ...]
    reason: str


_LGPL2 = ("LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later")
_LGPL21 = ("LGPL-2.1-only", "LGPL-2.1-or-later")
_LGPL3 = ("LGPL-3.0-only", "LGPL-3.0-or-later")
_GPL2 = ("GPL-2.0-only", "GPL-2.0-or-later")
_GPL3 = ("GPL-3.0-only", "GPL-3.0-or-later")
_AGPL = ("AGPL-3.0-only", "AGPL-3.0-or-later")
_GNU = (*_LGPL2, *_LGPL3, *_GPL2, *_GPL3, *_AGPL)
# Outbound licenses that may be upgraded to (or are) GPLv3 terms.
_V3 = ("GPL-2.0-or-later", *_GPL3, *_AGPL)


def _against(ids: Iterable[str], reason: str) -> dict[str, str]:
    return {i: reason for i in ids}


_FSF_GPL_INCOMPATIBLE = "FSF license list: GPL-incompatible"
_APACHE_GPL2 = (
    "FSF license list: Apache-2.0 is incompatible with GPLv2 (its patent termination and "
    "indemnity terms are further restrictions); compatible with GPLv3"
)
_GPL3_NOT_GPL2 = "GPLv3 terms are further restrictions under GPLv2 section 6 (FSF license list)"


def _pd(reason: str) -> LicenseInfo:
    return LicenseInfo(Family.PUBLIC_DOMAIN, False, reason)


def _perm(
    reason: str, notice: bool = True, not_into: Mapping[str, str] | None = None
) -> LicenseInfo:
    return LicenseInfo(Family.PERMISSIVE, notice, reason, not_into=dict(not_into or {}))


def _weak(reason: str, not_into: Mapping[str, str] | None = None) -> LicenseInfo:
    return LicenseInfo(Family.WEAKCOPYLEFT, True, reason, not_into=dict(not_into or {}))


def _copyleft(
    family: Family,
    reason: str,
    into: Iterable[str],
    not_into: Mapping[str, str] | None = None,
) -> LicenseInfo:
    return LicenseInfo(family, True, reason, frozenset(into), dict(not_into or {}))


LICENSES: dict[str, LicenseInfo] = {
    # Public domain dedications: no conditions at all.
    "CC0-1.0": _pd("public domain dedication with fallback license (FSF license list)"),
    "Unlicense": _pd("public domain dedication (FSF license list: GPL-compatible)"),
    "LicenseRef-public-domain": _pd("the file's header places it in the public domain"),
    # Permissive, no notice needed.
    "0BSD": _perm("no notice condition (license text; OSADL matrix)", notice=False),
    "MIT-0": _perm("MIT without the notice condition (license text)", notice=False),
    "WTFPL": _perm("no conditions (FSF license list: GPL-compatible)", notice=False),
    # Permissive, notice needed.
    "MIT": _perm("FSF license list: GPL-compatible; ASF 3rd Party License Policy: Category A"),
    "X11": _perm("FSF license list: GPL-compatible; keep the notice (license text)"),
    "MIT-CMU": _perm("permissive with notice (OSADL matrix)"),
    "ISC": _perm("FSF license list: GPL-compatible; ASF 3rd Party License Policy: Category A"),
    "BSD-1-Clause": _perm("keep the source notice (license text, clause 1)"),
    "BSD-2-Clause": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "BSD-2-Clause-Views": _perm("FSF license list (FreeBSD license): GPL-compatible"),
    "TCL": _perm("FSF license list (Tcl/Tk license): GPL-compatible; keep the notice"),
    "HPND-Markus-Kuhn": _perm("HPND-style permission notice (license text)"),
    "BSD-3-Clause": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "BSD-3-Clause-Clear": _perm("FSF license list: GPL-compatible (no patent grant)"),
    # Judged as the 2- and 3-clause texts are: every BSD variant asks for its notice. The
    # 4-clause text's advertising clause (rescinded by the University of California in 1999)
    # is rare in code that names no variant.
    BSD_UNKNOWN_VARIANT: _perm(
        "a BSD license, variant unsaid: permissive with notice like BSD-2-Clause and "
        "BSD-3-Clause (FSF license list: GPL-compatible); read the source's license text"
    ),
    "BSD-4-Clause": _perm(
        "advertising clause (license text, clause 3)",
        not_into=_against(_GNU, "FSF license list: GPL-incompatible (advertising clause)"),
    ),
    "Apache-2.0": _perm(
        "FSF license list: compatible with GPLv3 only; ASF policy: Category A",
        not_into=_against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _APACHE_GPL2),
    ),
    "ECL-2.0": _perm(
        "Apache-2.0 derivative (FSF license list: GPLv3-compatible)",
        not_into=_against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _APACHE_GPL2),
    ),
    "Apache-1.1": _perm("ASF policy: Category A", not_into=_against(_GNU, _FSF_GPL_INCOMPATIBLE)),
    "AFL-3.0": _perm("ASF policy: Category A", not_into=_against(_GNU, _FSF_GPL_INCOMPATIBLE)),
    "AFL-2.1": _perm(
        "FSF license list: Academic Free License, GPL-incompatible",
        not_into=_against(_GNU, _FSF_GPL_INCOMPATIBLE),
    ),
    "CNRI-Python": _perm(
        "FSF license list: the Python 1.6b1-2.1 (CNRI) license is GPL-incompatible",
        not_into=_against(_GNU, _FSF_GPL_INCOMPATIBLE),
    ),
    "OpenSSL": _perm(
        "advertising clause (license text)", not_into=_against(_GNU, _FSF_GPL_INCOMPATIBLE)
    ),
    "Zlib": _perm("FSF license list: GPL-compatible; mark altered versions (license text)"),
    "BSL-1.0": _perm("FSF license list: GPL-compatible; notice needed in source copies"),
    "PSF-2.0": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "Python-2.0": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "NCSA": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "BlueOak-1.0.0": _perm("permissive with notice (license text, 'Notices')"),
    "UPL-1.0": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "Artistic-2.0": _perm("FSF license list: GPL-compatible (section 4(c)(ii) relicensing)"),
    "ZPL-2.1": _perm("FSF license list: GPL-compatible"),
    "ZPL-2.0": _perm("FSF license list: GPL-compatible"),
    "HPND": _perm("FSF license list: GPL-compatible"),
    "PostgreSQL": _perm("permissive with notice (OSADL matrix); ASF policy: Category A"),
    "W3C": _perm("FSF license list: GPL-compatible; ASF policy: Category A"),
    "Unicode-DFS-2016": _perm("permissive with notice; ASF policy: Category A"),
    "Unicode-3.0": _perm("permissive with notice (license text)"),
    "CC-BY-4.0": _perm("FSF license list: GPLv3-compatible attribution license"),
    # File-level (weak) copyleft: the copied file keeps its license.
    "MPL-2.0": _weak(
        "file-level copyleft; GPL-compatible through section 3.3 Secondary Licenses "
        "(FSF license list); ASF policy: Category B"
    ),
    "MPL-2.0-no-copyleft-exception": _weak(
        "MPL-2.0 with Exhibit B: no Secondary License",
        not_into=_against(_GNU, "Exhibit B removes MPL-2.0 section 3.3 GPL compatibility"),
    ),
    "MPL-1.1": _weak(
        "file-level copyleft; ASF policy: Category B",
        not_into=_against(_GNU, "FSF license list: MPL-1.1 is GPL-incompatible"),
    ),
    "EPL-1.0": _weak(
        "file-level copyleft; ASF policy: Category B",
        not_into=_against(_GNU, "FSF license list: EPL-1.0 is GPL-incompatible"),
    ),
    "EPL-2.0": _weak(
        "file-level copyleft; ASF policy: Category B",
        not_into=_against(
            _GNU,
            "FSF license list: EPL-2.0 is GPL-incompatible unless a Secondary License is "
            "designated (EPL-2.0 Exhibit A), which an SPDX id does not say",
        ),
    ),
    "CDDL-1.0": _weak(
        "file-level copyleft; ASF policy: Category B",
        not_into=_against(_GNU, "FSF license list: CDDL is GPL-incompatible"),
    ),
    "CDDL-1.1": _weak(
        "file-level copyleft; ASF policy: Category B",
        not_into=_against(_GNU, "FSF license list: CDDL is GPL-incompatible"),
    ),
    "MS-PL": _weak(
        "source copies stay under MS-PL (license text, section 3(D))",
        not_into=_against(_GNU, "FSF license list: MS-PL is GPL-incompatible"),
    ),
    # Library copyleft: the linking exception does not cover copied source.
    "LGPL-2.0-only": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "copied source becomes LGPL; section 3 allows GPLv2 or later (ASF policy: Category X)",
        ("LGPL-2.0-or-later", *_GPL2, *_GPL3, *_AGPL),
    ),
    "LGPL-2.0-or-later": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "copied source becomes LGPL; later versions allowed (ASF policy: Category X)",
        (*_LGPL2, *_LGPL3, *_GPL2, *_GPL3, *_AGPL),
    ),
    "LGPL-2.1-only": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "copied source becomes LGPL; section 3 allows GPLv2 or later (FSF license list)",
        (*_LGPL21, *_GPL2, *_GPL3, *_AGPL),
    ),
    "LGPL-2.1-or-later": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "copied source becomes LGPL; later versions allowed (FSF license list)",
        (*_LGPL21, *_LGPL3, *_GPL2, *_GPL3, *_AGPL),
    ),
    "LGPL-3.0-only": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "GPLv3 plus additional permissions for linking (FSF license list)",
        (*_LGPL3, *_V3),
        _against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _GPL3_NOT_GPL2),
    ),
    "LGPL-3.0-or-later": _copyleft(
        Family.WEAKCOPYLEFT_LIBRARY,
        "GPLv3 plus additional permissions for linking (FSF license list)",
        (*_LGPL3, *_V3),
        _against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _GPL3_NOT_GPL2),
    ),
    # Strong copyleft: the whole work must be under the license.
    "GPL-1.0-or-later": _copyleft(
        Family.STRONGCOPYLEFT,
        "any GPL version may be chosen (license text, section 7)",
        (*_GPL2, *_GPL3, *_AGPL),
    ),
    "GPL-2.0-only": _copyleft(
        Family.STRONGCOPYLEFT,
        "whole work under GPLv2 (section 2(b)); ASF policy: Category X",
        _GPL2,
        _against(
            (*_LGPL3, *_GPL3, *_AGPL),
            "FSF license list: GPLv2-only code cannot be relicensed under GPLv3",
        ),
    ),
    "GPL-2.0-or-later": _copyleft(
        Family.STRONGCOPYLEFT,
        "whole work under GPLv2 or a later version (section 9); ASF policy: Category X",
        (*_GPL2, *_GPL3, *_AGPL),
    ),
    "GPL-3.0-only": _copyleft(
        Family.STRONGCOPYLEFT,
        "whole work under GPLv3 (section 5(c)); may join AGPLv3 (section 13)",
        _V3,
        _against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _GPL3_NOT_GPL2),
    ),
    "GPL-3.0-or-later": _copyleft(
        Family.STRONGCOPYLEFT,
        "whole work under GPLv3 or later (section 14); may join AGPLv3 (section 13)",
        _V3,
        _against(("GPL-2.0-only", "LGPL-2.0-only", "LGPL-2.1-only"), _GPL3_NOT_GPL2),
    ),
    "EUPL-1.2": _copyleft(
        Family.STRONGCOPYLEFT,
        "copyleft with a compatibility clause (EUPL-1.2 section 5 and its Appendix)",
        (*_GPL2, *_GPL3, *_AGPL, *_LGPL21, *_LGPL3, "OSL-3.0", "EPL-1.0", "MPL-2.0"),
    ),
    "CC-BY-SA-4.0": _copyleft(
        Family.STRONGCOPYLEFT,
        "share-alike; one-way compatible with GPLv3 (Creative Commons compatibility list)",
        _GPL3,
    ),
    # Network copyleft: also covers users interacting over a network.
    "AGPL-3.0-only": _copyleft(
        Family.NETWORKCOPYLEFT,
        "AGPLv3 section 13 network clause; GPLv3 section 13 allows combining with GPLv3",
        _V3,
        _against(("GPL-2.0-only", *_LGPL2), _GPL3_NOT_GPL2),
    ),
    "AGPL-3.0-or-later": _copyleft(
        Family.NETWORKCOPYLEFT,
        "AGPLv3 section 13 network clause; GPLv3 section 13 allows combining with GPLv3",
        _V3,
        _against(("GPL-2.0-only", *_LGPL2), _GPL3_NOT_GPL2),
    ),
    "OSL-3.0": _copyleft(
        Family.NETWORKCOPYLEFT,
        "copyleft including External Deployment (OSL-3.0 section 5)",
        (),
        _against(_GNU, "FSF license list: OSL-3.0 is GPL-incompatible"),
    ),
}

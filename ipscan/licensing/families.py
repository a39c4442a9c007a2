"""More specific evidence of the same license family wins over a vaguer declaration.

A package's metadata often names its license loosely: a trove classifier has no LGPL-2.1
("GNU Lesser General Public License v2 or later (LGPLv2+)") and no BSD variant ("BSD
License"). Its license text says which version or variant it is, and a file's package says
which BSD license a header's "BSD license" is. ``refine`` puts the specific one in place of
the vague one when both name the same family and do not contradict each other (issue #16).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ipscan.licensing.compat import expression_tree
from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT

__all__ = [
    "BSD_UNKNOWN_VARIANT",
    "bsd_variant",
    "later_by_headers",
    "refine",
    "same_licenses",
    "with_bsd_variant",
]

_BSD_TOKEN = re.compile(rf"(?<![\w.+-]){re.escape(BSD_UNKNOWN_VARIANT)}(?![\w.+-])")
_GNU_ID = re.compile(r"^(AGPL|LGPL|GPL)-(\d)\.(\d)-(only|or-later)$")


def bsd_variant(evidence: str | None) -> str | None:
    """The one BSD variant ``evidence`` names (``BSD-3-Clause``), or None when it names none
    or several."""
    if not evidence:
        return None
    variants = [i for i in license_ids(evidence) if i.startswith("BSD-")]
    return variants[0] if len(variants) == 1 else None


def refine(declared: str, evidence: str | None) -> str:
    """``declared`` with its vague parts made specific by ``evidence`` of the same family.

    * ``LicenseRef-BSD-unknown-variant`` becomes the one BSD variant ``evidence`` names;
      declared alone (nothing but "BSD"), it gives way to whatever ``evidence`` is.
    * One GNU license id becomes ``evidence``'s version of the same license when that version
      is within what ``declared`` allows: ``LGPL-2.0-or-later`` with an LGPL-2.1 text is
      ``LGPL-2.1-or-later``. A classifier says "LGPLv2" for 2.1 too (there is no 2.1
      classifier), so a later minor version of the same major one counts as well. "or later"
      stays when either says it.
    """
    if not evidence or expression_tree(evidence) is None:
        return declared
    if declared == BSD_UNKNOWN_VARIANT:
        return evidence
    if _BSD_TOKEN.search(declared):
        return with_bsd_variant(declared, bsd_variant(evidence))
    return _gnu_version(declared, evidence) or declared


def with_bsd_variant(expr: str, variant: str | None) -> str:
    """``expr`` with ``LicenseRef-BSD-unknown-variant`` replaced by ``variant`` (if any)."""
    return _BSD_TOKEN.sub(variant, expr) if variant else expr


def same_licenses(a: str, b: str) -> bool:
    """Whether two expressions name the same licenses, whatever joins them and whether a GNU
    license is "only" or "or later" (``GPL-2.0-only AND BSD-3-Clause`` and ``BSD-3-Clause OR
    GPL-2.0-or-later``): readings of one grant that differ in what a bare text cannot say."""
    ids_a, ids_b = license_ids(a), license_ids(b)
    return bool(ids_a) and {_unversioned(i) for i in ids_a} == {_unversioned(i) for i in ids_b}


def later_by_headers(package: str, stated: Sequence[str]) -> str | None:
    """The "or later" GNU license at least two thirds of a package's file headers grant
    (``stated``: the licenses of the files that state one, three or more) when the package
    reads as that version "only", as a bare license text does (paramiko, JFreeChart: the
    LGPL-2.1 text, headers "either version 2.1 of the License, or (at your option) any
    later version"); None otherwise."""
    m = _GNU_ID.match(package)
    if not m or m.group(4) != "only" or len(stated) < 3:
        return None
    later = package.removesuffix("only") + "or-later"
    return later if 3 * sum(s == later for s in stated) >= 2 * len(stated) else None


def _unversioned(license_id: str) -> str:
    return re.sub(r"-(?:only|or-later)$", "", license_id)


def _gnu_version(declared: str, evidence: str) -> str | None:
    old, new = _GNU_ID.match(declared.strip()), _GNU_ID.match(evidence.strip())
    if not old or not new or old.group(1) != new.group(1):
        return None
    family = old.group(1)
    old_v, new_v = (int(old.group(2)), int(old.group(3))), (int(new.group(2)), int(new.group(3)))
    old_later, new_later = old.group(4) == "or-later", new.group(4) == "or-later"
    within = new_v == old_v or (new_v > old_v and (old_later or new_v[0] == old_v[0]))
    if not within:
        return None  # a contradiction (GPLv2 declared, a GPLv3 text): the declaration stays
    suffix = "or-later" if old_later or new_later else "only"
    return f"{family}-{new_v[0]}.{new_v[1]}-{suffix}"

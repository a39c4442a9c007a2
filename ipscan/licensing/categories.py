"""Families for SPDX licenses outside ipscan's curated table, from their ScanCode category.

ipscan's own table (``compat_table.LICENSES``, cited per license) always wins. Any other SPDX
id gets a family from its ScanCode LicenseDB category (``license_db``; the categories and
their definitions are AboutCode's, https://scancode-licensedb.aboutcode.org/):

* Permissive → permissive, notice kept; Public Domain → public domain.
* Copyleft Limited → file-level copyleft, like MPL-2.0: the copied file stays under its license.
* Copyleft → strong copyleft: only a project under the same license may take the code.
* Source-available, Free Restricted, Proprietary Free, Commercial → restricted: the license
  limits use (non-commercial, no competing service, paid or proprietary terms).
* CLA, Patent License, Unstated License → no family: read the license (``unknown-license``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from ipscan.licensing.compat_table import LICENSES
from ipscan.licensing.compat_table import Family
from ipscan.licensing.compat_table import LicenseInfo
from ipscan.licensing.license_db import spdx_category

SOURCE = "ScanCode LicenseDB category, via license-expression's bundled index"

_FAMILIES = {
    "Public Domain": Family.PUBLIC_DOMAIN,
    "Permissive": Family.PERMISSIVE,
    "Copyleft Limited": Family.WEAKCOPYLEFT,
    "Copyleft": Family.STRONGCOPYLEFT,
    "Source-available": Family.RESTRICTED,
    "Free Restricted": Family.RESTRICTED,
    "Proprietary Free": Family.RESTRICTED,
    "Commercial": Family.RESTRICTED,
}

# What a restricted category means for whoever copies the code (AboutCode's definitions).
_RESTRICTED_TERMS = {
    "Source-available": "source-available, not open source: its terms limit how it may be used",
    "Free Restricted": "free only within limits such as non-commercial or field-of-use terms",
    "Proprietary Free": "proprietary, free of charge under the licensor's own terms",
    "Commercial": "commercial: using it needs a license from its supplier",
}

# SPDX's deprecated "<GPL>-with-<exception>" ids, which ScanCode files as Copyleft Limited. An
# exception covers linking or runtime use, not copied source, so they are judged as the GPL
# they extend; as "-only", the stricter reading, since the ids do not say "or later".
_WITH_EXCEPTION = re.compile(r"^(GPL-[23]\.0)-with-[A-Za-z]+-exception$", re.IGNORECASE)


def restricted_terms(license_id: str) -> str:
    """How ``license_id``'s terms restrict use, in a few words (for a ``restricted`` verdict)."""
    return _RESTRICTED_TERMS.get(spdx_category(license_id) or "", "its terms restrict use")


def license_info(license_id: str) -> LicenseInfo | None:
    """The row that judges ``license_id``: ipscan's table, else its ScanCode category."""
    return LICENSES.get(license_id) or category_info(license_id)


@functools.lru_cache(maxsize=1024)
def category_info(license_id: str) -> LicenseInfo | None:
    """A row built from ``license_id``'s ScanCode LicenseDB category, or None when it has no
    category or one that says nothing of its terms."""
    category = spdx_category(license_id)
    if category is None:
        return None
    gpl = _WITH_EXCEPTION.match(license_id)
    if gpl:
        name = f"{gpl.group(1).upper()}-only"
        base = LICENSES[name]
        return replace(base, reason=f"judged as {name}, the license it extends ({base.reason})")
    family = _FAMILIES.get(category)
    if family is None:
        return None
    where = f"{SOURCE}: {category}"
    if family is Family.RESTRICTED:
        return LicenseInfo(family, True, f"{_RESTRICTED_TERMS[category]} ({where})")
    return LicenseInfo(family, family is not Family.PUBLIC_DOMAIN, where)

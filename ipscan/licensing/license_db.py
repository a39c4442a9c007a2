"""Every SPDX license and exception id, and its ScanCode LicenseDB category.

license-expression (a core dependency) bundles ScanCode LicenseDB's index
(``license_expression/data/scancode-licensedb-index.json``): one row per ScanCode license key
with its SPDX id (``spdx_license_key``), its other SPDX spellings (``other_spdx_license_keys``),
``is_exception`` and the LicenseDB ``category``. It covers the SPDX License List, so ipscan
keeps no hand list of ids. The file is read once, on first use, never at import: ``ipscan
--help`` and the scan's start do not pay for it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PACKAGE = "license_expression"
_INDEX = ("data", "scancode-licensedb-index.json")
_IDSTRING = re.compile(r"[A-Za-z0-9.\-]+")  # SPDX 2.3 annex D idstring

# ScanCode spellings listed among other_spdx_license_keys that are not SPDX ids (checked
# against SPDX License List 3.28): "GPL" says no version, "BSD-2" no variant.
_NOT_SPDX = frozenset({"gpl", "bsd-2", "assembly-exception"})

# Ids the SPDX License List has as licenses but ScanCode marks ``is_exception``: the
# deprecated "<license>-with-<exception>" ids and a few licenses named after an exception.
_SPDX_LICENSES = frozenset(
    s.lower()
    for s in (
        "MPL-2.0-no-copyleft-exception",
        "SHL-2.0",
        "SHL-2.1",
        "eCos-2.0",
        "wxWindows",
        "GPL-2.0-with-autoconf-exception",
        "GPL-2.0-with-bison-exception",
        "GPL-2.0-with-classpath-exception",
        "GPL-2.0-with-font-exception",
        "GPL-2.0-with-GCC-exception",
        "GPL-3.0-with-autoconf-exception",
        "GPL-3.0-with-GCC-exception",
    )
)


@dataclass(frozen=True)
class LicenseDb:
    """The SPDX ids of the index, keyed by lower case, with their categories."""

    licenses: Mapping[str, str]  # license id → its SPDX spelling
    exceptions: Mapping[str, str]  # exception id → its SPDX spelling
    categories: Mapping[str, str]  # license id → ScanCode LicenseDB category


def _rows() -> list[dict[str, Any]]:
    from importlib import resources  # here, not at import: it brings tempfile and shutil (7 ms)

    path = resources.files(_PACKAGE).joinpath(*_INDEX)
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [r for r in rows if isinstance(r, dict)]


@functools.cache
def license_db() -> LicenseDb:
    """The index, read on first call and kept."""
    licenses: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    categories: dict[str, str] = {}
    for row in _rows():
        main = row.get("spdx_license_key") or ""
        if not isinstance(main, str) or not _is_spdx(main):
            continue  # LicenseRef-scancode-*: ScanCode's own keys, not on the SPDX list
        others = row.get("other_spdx_license_keys") or []
        names = [main, *(o for o in others if isinstance(o, str) and _is_spdx(o))]
        for name in names:
            low = name.lower()
            if row.get("is_exception") and low not in _SPDX_LICENSES:
                exceptions.setdefault(low, name)
                continue
            licenses.setdefault(low, name)
            category = row.get("category")
            if isinstance(category, str):
                categories.setdefault(low, category)
    return LicenseDb(licenses, exceptions, categories)


def _is_spdx(name: str) -> bool:
    low = name.lower()
    return (
        _IDSTRING.fullmatch(name) is not None
        and not low.startswith(("licenseref-", "documentref-"))
        and low not in _NOT_SPDX
    )


def spdx_category(license_id: str) -> str | None:
    """The ScanCode LicenseDB category of an SPDX license id (any case), or None."""
    return license_db().categories.get(license_id.lower())

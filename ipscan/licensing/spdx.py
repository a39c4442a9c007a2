"""SPDX license ids, exceptions and expressions: every id on the SPDX License List, spelled
canonically.

The ids come from ScanCode LicenseDB's index bundled with license-expression
(``ipscan.licensing.license_db``), read on first use: ``SPDX_IDS`` and ``SPDX_EXCEPTIONS`` are
mappings that load it when first looked into, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping

from ipscan.licensing.license_db import license_db

# Deprecated GNU spellings ("GPL-2.0", "LGPL-2.1+", "GFDL-1.3"): SPDX License List 3.0 replaced
# them by "-only" and "-or-later" ids; ipscan writes the current ones.
_OLD_GNU = re.compile(r"^((?:a|l)?gpl|gfdl)-(\d\.\d)(\+?)$", re.IGNORECASE)


class _LazyIds(Mapping[str, str]):
    """Lower-case id → its SPDX spelling, built on first use."""

    def __init__(self, build: Callable[[], Mapping[str, str]]) -> None:
        self._build = build

    def __getitem__(self, key: str) -> str:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())

    def __contains__(self, key: object) -> bool:
        return key in self._build()


@functools.cache
def _license_ids() -> dict[str, str]:
    ids = dict(license_db().licenses)
    for low in list(ids):
        current = _current_gnu(low, ids)
        if current is not None:
            ids[low] = current
    return ids


def _current_gnu(low: str, ids: Mapping[str, str]) -> str | None:
    old = _OLD_GNU.match(low)
    if not old:
        return None
    suffix = "-or-later" if old.group(3) else "-only"
    return ids.get(f"{old.group(1)}-{old.group(2)}{suffix}".lower())


@functools.cache
def _exception_ids() -> dict[str, str]:
    return dict(license_db().exceptions)


# SPDX license ids, keyed by lower case (deprecated GNU spellings map to their current id).
SPDX_IDS: Mapping[str, str] = _LazyIds(_license_ids)
# SPDX exception ids, keyed by lower case.
SPDX_EXCEPTIONS: Mapping[str, str] = _LazyIds(_exception_ids)


def canonical_license_id(token: str) -> str | None:
    """``token``'s SPDX spelling (``mit`` → ``MIT``, ``GPL-2.0+`` → ``GPL-2.0-or-later``,
    ``MPL-2.0+`` keeps its ``+``), itself for a ``LicenseRef-``, or None when unknown."""
    low = token.lower()
    ids = _license_ids()
    if low in ids:
        return ids[low]
    if low.endswith("+") and low[:-1] in ids:
        return _current_gnu(low, ids) or ids[low[:-1]] + "+"  # SPDX's "+" operator
    if low.startswith(("licenseref-", "documentref-")):
        return token
    return None


def canonical_exception_id(token: str) -> str | None:
    """``token``'s SPDX exception spelling, or None when it is not an SPDX exception id."""
    return _exception_ids().get(token.lower())


_EXPR_TOKEN = re.compile(r"\(|\)|[A-Za-z0-9.+:\-]+")


def parse_spdx_expression(text: str) -> str | None:
    """A canonical spelling of an SPDX expression whose ids are all known, else None."""
    if not re.fullmatch(r"[A-Za-z0-9.+:\-()\s]+", text):
        return None
    tokens = _EXPR_TOKEN.findall(text)
    out: list[str] = []
    expect_operand = True
    depth = 0
    after_with = False
    for tok in tokens:
        low = tok.lower()
        if tok == "(":
            if not expect_operand:
                return None
            depth += 1
            out.append("(")
        elif tok == ")":
            if expect_operand or depth == 0:
                return None
            depth -= 1
            out.append(")")
        elif low in ("and", "or", "with"):
            if expect_operand:
                return None
            out.append(low.upper())
            expect_operand = True
            after_with = low == "with"
        else:
            if not expect_operand:
                return None
            norm = canonical_exception_id(tok) if after_with else canonical_license_id(tok)
            if norm is None:
                return None
            out.append(norm)
            expect_operand = False
            after_with = False
    if expect_operand or depth != 0 or not out:
        return None
    expr = " ".join(out).replace("( ", "(").replace(" )", ")")
    while expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        expr = expr[1:-1]
    return expr


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0

"""A file's own license: its ``SPDX-License-Identifier:`` line, else its package's license."""

from __future__ import annotations

import re

from ipscan.licenses.spdx import parse_spdx_expression

_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*(.+)", re.IGNORECASE)


def spdx_identifier_in(text: str) -> str | None:
    """The ``SPDX-License-Identifier:`` expression in the first 40 lines of a file, or None."""
    for line in text.splitlines()[:40]:
        m = _SPDX_LINE.search(line)
        if not m:
            continue
        value = m.group(1).strip()
        # Trailing comment closers: "*/", "-->", "*)", "#}".
        value = re.sub(r"\s*(\*/|-->|\*\)|#\}|%>|\*+)\s*$", "", value).strip()
        value = value.strip("'\"`;,").strip()
        if not value:
            continue
        return parse_spdx_expression(value) or value
    return None


def file_license(text: str, default: str) -> str:
    """A file's own SPDX identifier when it has one, else its package's license ``default``."""
    return spdx_identifier_in(text) or default

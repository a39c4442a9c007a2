"""A file's own license: its ``SPDX-License-Identifier:`` line or license header, else its
package's license."""

from __future__ import annotations

import re

from ipscan.licenses.spdx import parse_spdx_expression
from ipscan.licenses.texts import detect_license_text

HEADER_LINES = 60

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


def header_license(text: str) -> str | None:
    """The license a file's header declares: its SPDX line, else a license text or notice in
    its first lines ("Licensed under the Apache License, Version 2.0", a GPL notice, ...)."""
    found = spdx_identifier_in(text)
    if found:
        return found
    head = "\n".join(text.splitlines()[:HEADER_LINES])
    return detect_license_text(head) if re.search(r"(?i)licen[cs]e", head) else None


def file_license(text: str, default: str) -> str:
    """A file's own license (``header_license``) when it has one, else its package's."""
    return header_license(text) or default

"""A file's own license: its ``SPDX-License-Identifier:`` line or license header, else its
package's license."""

from __future__ import annotations

import re

from ipscan.licenses.compat import license_ids
from ipscan.licenses.headers import join_and
from ipscan.licenses.headers import names_new_family
from ipscan.licenses.headers import read_header
from ipscan.licenses.spdx import parse_spdx_expression

__all__ = ["file_license", "header_license", "spdx_identifier_in", "spdx_identifiers"]

_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*(.+)", re.IGNORECASE)


def spdx_identifiers(text: str, max_lines: int | None = None) -> list[str]:
    """Every ``SPDX-License-Identifier:`` expression of ``text`` (its first ``max_lines``)."""
    out = []
    lines = text.splitlines()
    for line in lines[:max_lines] if max_lines else lines:
        m = _SPDX_LINE.search(line)
        if not m:
            continue
        value = m.group(1).strip()
        # Trailing comment closers: "*/", "-->", "*)", "#}".
        value = re.sub(r"\s*(\*/|-->|\*\)|#\}|%>|\*+)\s*$", "", value).strip()
        value = value.strip("'\"`;,").strip()
        if value:
            out.append(parse_spdx_expression(value) or value)
    return out


def spdx_identifier_in(text: str) -> str | None:
    """The ``SPDX-License-Identifier:`` expression in the first 40 lines of a file, or None."""
    found = spdx_identifiers(text, max_lines=40)
    return found[0] if found else None


def header_license(text: str) -> str | None:
    """The license a file's header declares: its SPDX line, else every license statement of
    its first lines (license texts, notices such as "Licensed under the Apache License,
    Version 2.0", names such as ":license: MIT") and of the legal comments of libraries it
    bundles, joined with ``AND``; None when it states none."""
    return spdx_identifier_in(text) or read_header(text).expr


def file_license(text: str, default: str) -> str:
    """A file's own license when its header states one, else its package's (``default``).

    The package's license also fills in what the header leaves open: the variant of "a
    BSD-style license", the rest of a file whose header covers a part ("Portions of this
    module ...", "modified from", a notice among the code, a bundled library's legal comment)
    unless the header already names that license family, and whether two licenses the header
    names are a choice (a statement naming exactly the package's licenses takes its
    expression)."""
    found = spdx_identifier_in(text)
    if found:
        return found
    header = read_header(text)
    package_ids = set(license_ids(default)) if default else set()
    statements = [
        default if package_ids and set(license_ids(s)) == package_ids else s
        for s in header.statements
    ]
    if header.bsd_family:
        bsd = [i for i in license_ids(default) if i.startswith("BSD-")] if default else []
        if bsd and (statements or len(bsd) < len(package_ids)):
            statements.append(" AND ".join(bsd))
    if not statements:
        return default
    if header.partial and default and names_new_family(default, statements):
        statements.append(default)
    terms = [t for s in statements for t in _and_terms(s)]
    return join_and(list(dict.fromkeys(terms))) or default


def _and_terms(expr: str) -> list[str]:
    """The terms of an expression that only joins licenses with AND, else the expression."""
    if " OR " in expr or "(" in expr or " WITH " in expr:
        return [expr]
    return expr.split(" AND ")

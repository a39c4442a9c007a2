"""A file's own license: its ``SPDX-License-Identifier:`` line or license header, else its
package's license."""

from __future__ import annotations

import re

from ipscan.licensing.compat import license_ids
from ipscan.licensing.families import BSD_UNKNOWN_VARIANT
from ipscan.licensing.families import bsd_variant
from ipscan.licensing.families import with_bsd_variant
from ipscan.licensing.header_window import header_end
from ipscan.licensing.headers import LONG_HEADER_LINES
from ipscan.licensing.headers import and_terms
from ipscan.licensing.headers import join_and
from ipscan.licensing.headers import names_new_family
from ipscan.licensing.headers import read_header
from ipscan.licensing.spdx import parse_spdx_expression

NOASSERTION = "NOASSERTION"  # SPDX: the license was not determined

__all__ = [
    "file_license",
    "header_license",
    "spdx_identifier_in",
    "spdx_identifiers",
    "stated_file_license",
]

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
    bundles, joined with ``AND``; None when it states none. "The BSD License" of a known
    boilerplate is the variant its project ships (``known_headers``)."""
    found = spdx_identifier_in(text)
    if found:
        return found
    header = read_header(text)
    return with_bsd_variant(header.expr, header.bsd_hint) if header.expr else None


def file_license(text: str, default: str) -> str:
    """A file's own license when it states one, else its package's (``default``): see
    ``stated_file_license``."""
    return stated_file_license(text, default)[0]


def stated_file_license(text: str, default: str) -> tuple[str, bool]:
    """A file's own license when it states one, else its package's (``default``), and whether
    the file states one (an SPDX line, a license statement of its header, or a license other
    than its package's).

    The package's license also fills in what the file leaves open: the variant of "a
    BSD-style license", the rest of a file whose statements cover a part ("Portions of this
    module ...", "modified from", a notice among the code, a bundled library's legal comment)
    unless they already name that license family, and whether two licenses named in one
    clause ("Released under the Apache license 2.0 and Mozilla Public License 2.0") are a
    choice: the package's expression when it names exactly those two."""
    found = spdx_identifier_in(text)
    if found:
        return found, True
    header = read_header(text)
    stated = bool(header.statements)
    package = default if default and default != NOASSERTION else ""
    # "the BSD License": the package's BSD variant, else the one a known boilerplate means.
    variant = bsd_variant(package) or header.bsd_hint
    statements = [
        package if s in header.named_together and _same_ids_choice(s, package) else s
        for s in header.statements
    ]
    statements = [with_bsd_variant(s, variant) for s in statements]
    later = [_later_from_package(s, package) for s in statements]
    if later != statements and not _says_versions(text):
        statements = later
    if header.bsd_family and package:
        bsd = [i for i in license_ids(package) if i.startswith("BSD-")]
        if bsd and (statements or " OR " not in package):
            statements.append(join_and(bsd) or "")
    elif header.bsd_family and not statements:
        # "governed by a BSD-style license" in a package that names no license: the family.
        statements.append(variant or BSD_UNKNOWN_VARIANT)
    if not statements:
        return default, stated
    if header.partial and package and names_new_family(package, statements):
        statements.append(package)
    terms = [t for s in statements for t in and_terms(s)]
    found = join_and(list(dict.fromkeys(terms))) or default
    return found, stated or found != default


# "version 2", "v2 only", "version 2.1 of the License": a header that says which versions.
_VERSION_WORDS = re.compile(r"(?i)\bversions?\s+\d|\bv\d(?:\.\d)?\b|\bonly\b|\blater\b")
_NAMES_GNU = re.compile(r"(?i)\bgpl|general\s+public|gnu\.org")
_GNU_ONLY = re.compile(r"^((?:A|L)?GPL-\d\.\d)-only$")


def _says_versions(text: str) -> bool:
    """Whether the sentences of ``text``'s header that name a GNU license (a line that does
    and the two after it, up to a blank line) say which versions apply."""
    lines = text.splitlines()[:LONG_HEADER_LINES]
    lines = lines[: header_end(lines)]
    for i, line in enumerate(lines):
        if not _NAMES_GNU.search(line):
            continue
        for after in lines[i : i + 3]:
            if not after.strip(" \t#/*-;!%"):
                break
            if _VERSION_WORDS.search(after):
                return True
    return False


def _later_from_package(statement: str, package: str) -> str:
    """A GNU license a header names by link or name alone ("Licensed under the GPL:
    https://www.gnu.org/licenses/old-licenses/gpl-2.0.html") reads as that version only; when
    the package grants the same version "or later" (pylint, astroid), the package says it."""
    m = _GNU_ONLY.match(statement)
    return package if m and package == f"{m.group(1)}-or-later" else statement


def _same_ids_choice(statement: str, package: str) -> bool:
    """Whether ``package`` is a plain choice (no exception) between the licenses
    ``statement`` names."""
    return (
        bool(package)
        and " OR " in package
        and " AND " not in package
        and " WITH " not in package
        and set(license_ids(statement)) == set(license_ids(package))
    )

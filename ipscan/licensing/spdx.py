"""SPDX license ids, exceptions and expressions: the ids ipscan knows, spelled canonically."""

from __future__ import annotations

import re

# SPDX license ids ipscan knows, keyed by lower case.
_SPDX_IDS = (
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CNRI-Python",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.2",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "NCSA",
    "OFL-1.1",
    "OpenSSL",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
)
SPDX_IDS: dict[str, str] = {i.lower(): i for i in _SPDX_IDS}

# Deprecated SPDX ids and their current spelling.
_DEPRECATED = {
    "gpl-1.0": "GPL-1.0-only",
    "gpl-1.0+": "GPL-1.0-or-later",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-2.0+": "GPL-2.0-or-later",
    "gpl-3.0": "GPL-3.0-only",
    "gpl-3.0+": "GPL-3.0-or-later",
    "lgpl-2.0": "LGPL-2.0-only",
    "lgpl-2.0+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3.0": "LGPL-3.0-only",
    "lgpl-3.0+": "LGPL-3.0-or-later",
    "agpl-3.0": "AGPL-3.0-only",
    "agpl-3.0+": "AGPL-3.0-or-later",
}

_EXCEPTIONS = {
    e.lower(): e
    for e in (
        "LLVM-exception",
        "Classpath-exception-2.0",
        "GCC-exception-3.1",
        "Autoconf-exception-3.0",
        "Bison-exception-2.2",
        "OpenJDK-assembly-exception-1.0",
    )
}


def _spdx_id(token: str) -> str | None:
    low = token.lower()
    if low in SPDX_IDS:
        return SPDX_IDS[low]
    if low in _DEPRECATED:
        return _DEPRECATED[low]
    if low.endswith("+") and low[:-1] in SPDX_IDS:
        # "MPL-2.0+" style: SPDX allows the "+" operator on any id.
        return SPDX_IDS[low[:-1]] + "+"
    if low.startswith(("licenseref-", "documentref-")):
        return token
    return None


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
            norm = _EXCEPTIONS.get(low) if after_with else _spdx_id(tok)
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

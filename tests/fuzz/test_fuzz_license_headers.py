"""Fuzz the license readers: headers, SPDX lines and expressions, copyright lines, license files.

Inputs splice phrases the readers look for (SPDX lines, grants, GNU notices, copyright lines,
comment leaders) with random Unicode and deep parentheses, since the regular expressions and the
expression parsers are where a pathological input would backtrack or recurse.
"""

from __future__ import annotations

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.licensing import detect_license_text
from ipscan.licensing import file_license
from ipscan.licensing import normalize_license
from ipscan.licensing.compat import expression_tree
from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat import license_verdict
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.copyright import holder_of
from ipscan.licensing.notices import header_license
from ipscan.licensing.spdx import parse_spdx_expression
from tests.fuzz.support import ANY_TEXT
from tests.fuzz.support import NASTY_CHARS
from tests.fuzz.support import hard_limit

_PHRASES = [
    "SPDX-License-Identifier: ",
    "MIT",
    "Apache-2.0",
    "GPL-2.0-or-later",
    "LGPL-2.1+",
    "BSD-3-Clause",
    "LicenseRef-x",
    " AND ",
    " OR ",
    " WITH ",
    "Classpath-exception-2.0",
    "(",
    ")",
    "Copyright (c) 2024 ",
    "(C) ",
    "©",
    "All rights reserved.",
    "Licensed under the Apache License, Version 2.0",
    "This program is free software; you can redistribute it and/or modify",
    "either version 2 of the License, or (at your option) any later version",
    "GNU General Public License",
    "GNU Lesser General Public License",
    "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "Redistribution and use in source and binary forms, with or without modification",
    'THE SOFTWARE IS PROVIDED "AS IS"',
    "dual licensed under the MIT and GPL licenses",
    "a BSD-style license",
    "Portions of this file",
    ":license: ",
    "@license ",
    "/*!",
    "/*",
    " */",
    " * ",
    "# ",
    "// ",
    "-- ",
    '"""',
    "<!--",
    "-->",
    "http://www.apache.org/licenses/LICENSE-2.0",
    "https://opensource.org/licenses/MIT",
    "Classifier: License :: OSI Approved :: MIT License",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
    "\n",
    "\r\n",
    " ",
    "  ",
    "2010-2024",
    "<a@b.org>",
]

LICENSE_TEXT = st.one_of(
    ANY_TEXT,
    st.lists(
        st.one_of(st.sampled_from(_PHRASES), NASTY_CHARS, st.text(max_size=6)), max_size=200
    ).map("".join),
)
# Deeply nested and very long expressions: recursion and quadratic slicing show up here.
DEEP_EXPRESSION = st.tuples(
    st.integers(1, 3000), st.sampled_from(["MIT", "mit", "GPL-2.0+", "x", ""]), st.booleans()
).map(lambda t: "(" * t[0] + t[1] + (")" * t[0] if t[2] else ""))
LONG_EXPRESSION = st.tuples(
    st.integers(1, 2000), st.sampled_from([" AND ", " OR ", " WITH ", " and "])
).map(lambda t: t[1].join(["MIT"] * t[0]))
EXPRESSION = st.one_of(LICENSE_TEXT, DEEP_EXPRESSION, LONG_EXPRESSION)


@given(
    text=LICENSE_TEXT, default=st.one_of(st.sampled_from(["MIT", "NOASSERTION", ""]), EXPRESSION)
)
def test_file_license_always_answers(text: str, default: str) -> None:
    """A file's license is a string whatever its text and its package's declared license."""
    with hard_limit():
        assert isinstance(file_license(text, default), str)
        found = header_license(text)
    assert found is None or isinstance(found, str)


@given(text=LICENSE_TEXT, max_lines=st.one_of(st.none(), st.integers(0, 50)))
def test_copyright_statements(text: str, max_lines: int | None) -> None:
    """Copyright statements are distinct lines of the text, each naming a holder."""
    with hard_limit():
        found = copyright_statements(text, max_lines=max_lines)
        license_file = copyright_statements(text, license_file=True)
    assert len(set(found)) == len(found)
    assert all("\n" not in s and holder_of(s) for s in found)
    assert set(license_file) <= set(copyright_statements(text))


@given(text=LICENSE_TEXT)
def test_detect_license_text(text: str) -> None:
    """A license file's text is recognized as an expression, or not at all."""
    with hard_limit():
        found = detect_license_text(text)
    assert found is None or (isinstance(found, str) and found.strip() == found and found)


@given(declared=EXPRESSION)
@example(declared="(" * 3000 + "MIT" + ")" * 3000)
def test_normalize_license(declared: str) -> None:
    """A declared license string normalizes to an SPDX expression that parses again, or None."""
    with hard_limit():
        found = normalize_license(declared)
    assert found is None or isinstance(found, str)


@given(text=EXPRESSION)
def test_spdx_expression_round_trip(text: str) -> None:
    """A parsed expression is canonical: parsing it again gives it back."""
    with hard_limit():
        canonical = parse_spdx_expression(text)
        if canonical is not None:
            assert parse_spdx_expression(canonical) == canonical


# Crashers found and fixed (ipscan/licensing/compat.py): its expression parser and tree walks
# recursed once per parenthesis and once per operand, so a file whose
# ``SPDX-License-Identifier:`` line (or a package whose declared license) chained about 1000
# operands, or nested about 340 parentheses, raised RecursionError when it was judged; such
# expressions are now refused by the parser (too many tokens, nested too deeply).


@given(text=EXPRESSION, outbound=st.one_of(st.none(), st.sampled_from(["MIT", "GPL-3.0-only"])))
@example(text=" AND ".join(["MIT"] * 1000), outbound="MIT").via("license_ids walk recursion")
@example(text="(" * 400 + "MIT" + ")" * 400, outbound="MIT").via("_parse_with recursion")
@example(text="MIT", outbound=" OR ".join(["MIT"] * 1000)).via("outbound expression recursion")
def test_compat_judges_any_expression(text: str, outbound: str | None) -> None:
    """Any inbound and outbound expression gets a verdict; its ids are listed."""
    with hard_limit():
        license_ids(text)
        expression_tree(text)
        assert license_verdict(text, outbound).verdict is not None


@given(n=st.integers(1000, 3000))
@example(n=1000).via("bsd-family header + long package expression")
def test_file_license_with_a_long_package_expression(n: int) -> None:
    """A header saying "a BSD-style license" in a package declaring a long AND chain."""
    package = " AND ".join(["BSD-3-Clause"] * n)
    with hard_limit():
        assert isinstance(file_license("# This is under a BSD-style license\n", package), str)

"""A source file's license statements: every one in its header, notices among its code, the
legal comments of libraries it bundles, and what its package's license fills in."""

from __future__ import annotations

import pytest

from ipscan.licensing import file_license
from ipscan.licensing.compat import license_ids
from ipscan.licensing.notices import header_license
from ipscan.sources.metadata import own_license

_APACHE_NOTICE = (
    ' * Licensed under the Apache License, Version 2.0 (the "License");\n'
    " * you may not use this file except in compliance with the License.\n"
    " * You may obtain a copy of the License at\n"
    " *\n"
    " * http://www.apache.org/licenses/LICENSE-2.0\n"
)
_MIT_TEXT = (
    "Copyright (c) 2024 Example\n\nPermission is hereby granted, free of charge, to any person "
    'obtaining a copy of this software and associated documentation files (the "Software"), '
    "to deal in the Software without restriction.\n\nThe above copyright notice and this "
    "permission notice shall be included in all copies or substantial portions of the "
    "Software.\n"
)
_CODE = "".join(f"var v{i} = {i};\n" for i in range(80))


def test_every_statement_of_a_header_counts() -> None:
    # q.js's header: its author's MIT statement, then parts under another license.
    header = (
        "/*!\n *\n * Copyright 2009 A. Author under the terms of the MIT\n"
        " * license found at http://example.org/LICENSE\n *\n"
        " * With parts by B. Author\n * Copyright (C) 2011 Example Inc.\n *\n"
        f"{_APACHE_NOTICE} */\n"
    )
    text = header + _CODE
    assert set(license_ids(header_license(text) or "")) == {"MIT", "Apache-2.0"}
    assert set(license_ids(file_license(text, "MIT"))) == {"MIT", "Apache-2.0"}


def test_contribution_line_and_dual_licensed_modifications() -> None:
    # parso's pgen2 header.
    header = (
        "# Copyright 2004-2005 Elemental Security, Inc. All Rights Reserved.\n"
        "# Licensed to PSF under a Contributor Agreement.\n\n"
        "# Modifications:\n# Copyright 2014 Example and Contributors\n"
        "# Modifications are dual-licensed: MIT and PSF.\n\nimport os\n"
    )
    assert header_license(header) == "PSF-2.0 AND (MIT OR PSF-2.0)"
    # A contribution line beside the ElementTree notice: both.
    elementtree = (
        "# Licensed to PSF under a Contributor Agreement.\n#\n"
        "# Copyright (c) 1999-2008 by Example\n#\n"
        "# By obtaining, using, and/or copying this software and/or its\n"
        "# associated documentation, you agree that you have read, understood,\n"
        "# and will comply with the following terms and conditions:\n#\n"
        "# Permission to use, copy, modify, and distribute this software and\n"
        "# its associated documentation for any purpose and without fee is\n"
        "# hereby granted, provided that the above copyright notice appears in\n"
        "# all copies.\n\nimport os\n"
    )
    assert set(license_ids(header_license(elementtree) or "")) == {"MIT-CMU", "PSF-2.0"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "// libdivide is dual-licensed under the Boost or zlib licenses.\n"
            "// You may use libdivide under the terms of either of these.\n",
            "BSL-1.0 OR Zlib",
        ),
        (
            "/*! @license Example 3.4 | (c) Example | Released under the Apache license 2.0 "
            "and Mozilla Public License 2.0 | example.org/LICENSE */\n",
            "Apache-2.0 AND MPL-2.0",
        ),
        (
            '"""\nThe contents of this file are hereby released in the public domain (CC0)\n'
            "Full text of the CC0 license:\n"
            '  https://creativecommons.org/publicdomain/zero/1.0/\n"""\n',
            "CC0-1.0",
        ),
        ("# Copied from CPython 3.14 under PSF-License 2.0.\n", "PSF-2.0"),
        (
            '"""\n:copyright: Copyright 2008 by Example.\n:license: Python License.\n"""\n',
            "Python-2.0",
        ),
        ('"use strict";\n/*\n * Licensed under the MIT License. See License.txt.\n */\n', "MIT"),
        ('__all__ = ["x"]\n__license__ = "MIT"\n', "MIT"),
    ],
)
def test_named_statements(header: str, expected: str) -> None:
    assert header_license(header + "x = 1\n") == expected


def test_two_licenses_named_as_the_package_declares_take_its_expression() -> None:
    header = (
        "/*! @license Example | Released under the Apache license 2.0 and Mozilla Public "
        "License 2.0 */\n"
    )
    # "Released under A and B": whether a choice is the package's to say (DOMPurify's is).
    assert file_license(header + _CODE, "MPL-2.0 OR Apache-2.0") == "MPL-2.0 OR Apache-2.0"
    assert file_license(header + _CODE, "MIT") == "Apache-2.0 AND MPL-2.0"


def test_bundled_legal_comments_join_the_files_license() -> None:
    bundle = (
        "/*! @license Example | Released under the Apache license 2.0 */\n"
        + _CODE
        + "/*! regenerator-runtime -- Copyright (c) 2014-present, Example, Inc. -- license "
        "(MIT): https://example.org/LICENSE */\n" + _CODE
    )
    assert file_license(bundle, "Apache-2.0") == "Apache-2.0 AND MIT"
    # A plain comment further down is not a legal comment.
    plain = "/* Apache license 2.0 */\n" + _CODE + "/* see the MIT license */\n" + _CODE
    assert file_license(plain, "Apache-2.0") == "Apache-2.0"


def test_statements_on_part_of_a_file_keep_the_package_license() -> None:
    # networkx's matching.py: both statements are about material the module uses.
    portions = (
        "# This module uses material from the Wikipedia article Example\n"
        "# <https://en.wikipedia.org/wiki/Example>, which is released under the Creative\n"
        "# Commons Attribution-Share-Alike License 3.0\n"
        "# <http://creativecommons.org/licenses/by-sa/3.0/>.\n#\n"
        "# Portions of this module use code from Example's library, which is dedicated\n"
        "# to the public domain.\n"
        '"""Matchings."""\nimport os\n'
    )
    assert set(license_ids(file_license(portions, "BSD-3-Clause"))) == {
        "CC-BY-SA-3.0",
        "LicenseRef-public-domain",
        "BSD-3-Clause",
    }
    # A notice among the code covers the code near it, not the file.
    snippet = (
        "import asyncio\n\n\ndef run(main):\n"
        "    # asyncio.run from Python 3.12\n"
        "    # https://docs.python.org/3/license.html#psf-license\n"
        "    return asyncio.run(main)\n"
    )
    assert file_license(snippet, "BSD-3-Clause") == "PSF-2.0 AND BSD-3-Clause"


def test_a_bsd_style_license_takes_the_packages_bsd_variant() -> None:
    header = (
        '"""\nPermission to use, modify, and distribute this software is given under the\n'
        'terms of the Example (BSD style) license. See LICENSE.txt.\n"""\nimport os\n'
    )
    assert file_license(header, "BSD-3-Clause AND 0BSD AND MIT AND Zlib") == "BSD-3-Clause"
    assert file_license(header, "MIT") == "MIT"
    # In a dual-license statement the package keeps its choice.
    dual = (
        "# This file is dual licensed under the terms of the Apache License, Version\n"
        "# 2.0, and the BSD License. See the LICENSE file for complete details.\nimport os\n"
    )
    assert file_license(dual, "Apache-2.0 OR BSD-2-Clause") == "Apache-2.0 OR BSD-2-Clause"


def test_own_license_of_a_package_that_declares_its_bundled_libraries_too() -> None:
    mit = _MIT_TEXT.encode()
    bundles = _MIT_TEXT + "\n\nThis binary distribution bundles the following software:\n"
    assert own_license({"LICENSE": bundles.encode()}, "MIT AND Zlib") == "MIT"
    # Without the license files saying they bundle other code, an unread text (here the
    # GPL's) must not drop the declared license.
    assert own_license({"LICENSE": mit}, "MIT AND GPL-2.0-only") is None
    # A choice or an exception is the metadata's to keep.
    assert own_license({"LICENSE": bundles.encode()}, "MIT OR Zlib") is None
    # A bundled library's own license file says so too (shapely's LICENSE_GEOS).
    files = {"LICENSE.txt": mit, "LICENSE_GEOS": b"GEOS is free software"}
    assert own_license(files, "MIT AND LGPL-2.1-only") == "MIT"
    assert own_license(files, "MIT") is None


def test_what_the_code_writes_or_merely_names_is_not_the_files_license() -> None:
    # sympy's _build_autolev_antlr.py writes a header into the files it generates.
    writer = (
        "import os\n\nheader = '''\\\n# Generated with antlr4\n"
        "#    antlr4 is licensed under the BSD-3-Clause License\n'''\n"
    )
    assert file_license(writer, "MIT") == "MIT"
    # watchdog: a comment about attributions kept elsewhere grants nothing here.
    remark = (
        "import re\n\n# Please remove this, backwards_compat.py, and python license "
        "attributions\n# once we require a newer Python.\nx = 1\n"
    )
    assert file_license(remark, "Apache-2.0") == "Apache-2.0"


def test_a_license_text_far_into_a_bundle_joins() -> None:
    # ejs.js carries Node's path module with its MIT notice in // comments.
    mit = (
        "// Copyright Joyent, Inc. and other Node contributors.\n//\n"
        "// Permission is hereby granted, free of charge, to any person obtaining a\n"
        "// copy of this software and associated documentation files (the\n"
        '// "Software"), to deal in the Software without restriction.\n//\n'
        "// The above copyright notice and this permission notice shall be included\n"
        "// in all copies or substantial portions of the Software.\n"
    )
    bundle = "/*\n * Example\n" + _APACHE_NOTICE + " */\n" + _CODE + mit + _CODE
    assert file_license(bundle, "Apache-2.0") == "Apache-2.0 AND MIT"


def test_same_family_beside_a_partial_statement_adds_nothing() -> None:
    # chardet's macromanprober.py: "modified from latin1prober.py", under the LGPL either way.
    header = (
        "# This code was modified from latin1prober.py by Example.\n#\n"
        "# This library is free software; you can redistribute it and/or\n"
        "# modify it under the terms of the GNU Lesser General Public\n"
        "# License as published by the Free Software Foundation; either\n"
        "# version 2.1 of the License, or (at your option) any later version.\n\nimport os\n"
    )
    assert file_license(header, "LGPL-2.0-or-later") == "LGPL-2.1-or-later"
    assert file_license(header, "MIT") == "LGPL-2.1-or-later AND MIT"


def test_a_gpl_notice_is_one_statement() -> None:
    # Its paragraphs are part of the text, and its words name the GPL again: one license.
    header = (
        "# This program is free software: you can redistribute it and/or modify\n"
        "# it under the terms of the GNU General Public License as published by\n"
        "# the Free Software Foundation, either version 3 of the License, or\n"
        "# (at your option) any later version.\n#\n"
        "# You should have received a copy of the GNU General Public License\n"
        "# along with this program.  If not, see <https://www.gnu.org/licenses/>.\n\nimport os\n"
    )
    assert file_license(header, "MIT") == "GPL-3.0-or-later"
    choice = header.replace(
        "\nimport os",
        "#\n# Alternatively, this file may be used under the terms of the Apache\n"
        '# License, Version 2.0 (the "License").\nimport os',
    )
    assert file_license(choice, "MIT") == "GPL-3.0-or-later OR Apache-2.0"


def test_a_name_in_passing_is_not_a_second_license() -> None:
    header = (
        "/*\n * Licensed under the MIT License.\n *\n"
        " * Note: unlike the Apache License 2.0, MIT has no patent grant.\n */\n"
    )
    assert file_license(header + _CODE, "ISC") == "MIT"
    # A name alone, with nothing else stated, still says which license.
    assert file_license("# The MIT License\n\nimport os\n", "ISC") == "MIT"


def test_a_clause_naming_the_package_licenses_keeps_other_package_expressions() -> None:
    header = "/*! Example | Released under the Apache license 2.0 and MIT license */\n"
    assert file_license(header + _CODE, "Apache-2.0 OR MIT") == "Apache-2.0 OR MIT"
    assert file_license(header + _CODE, "Apache-2.0 AND MIT") == "Apache-2.0 AND MIT"
    # An exception in the package's expression is not the header's to add.
    gpl = "// Released under the GPL-2.0-only and MIT licenses\n"
    assert (
        file_license(gpl + _CODE, "(GPL-2.0-only WITH Classpath-exception-2.0) OR MIT")
        == "GPL-2.0-only AND MIT"
    )


def test_at_license_comments_count_and_strings_do_not() -> None:
    tagged = _CODE + "/**\n * tinylib 1.0\n * @license MIT\n */\n" + _CODE
    assert file_license(tagged, "Apache-2.0") == "MIT AND Apache-2.0"
    two = _CODE + "/*! lib | Released under the MIT and Apache-2.0 licenses */\n" + _CODE
    assert file_license(two, "ISC") == "MIT AND Apache-2.0 AND ISC"
    in_string = _CODE + 'var banner = "/*! tinylib | @license GPL-3.0 */";\n' + _CODE
    assert file_license(in_string, "MIT") == "MIT"
    template = _CODE + 'TEMPLATE = """\nPermission is hereby granted, free of charge, to any '
    template += "person obtaining a copy of this software\n" + _MIT_TEXT + '"""\n' + _CODE
    assert file_license(template, "Apache-2.0") == "Apache-2.0"


def test_a_package_without_a_license_fills_nothing_in() -> None:
    portions = "# Portions of this module use code under the MIT license.\nimport os\n"
    assert file_license(portions, "NOASSERTION") == "MIT"


def test_c_preprocessor_lines_end_the_header() -> None:
    c = (
        "/* Licensed under the MIT license. */\n#include <stdio.h>\n#include <zlib.h>\n"
        "/* We link against zlib; see the zlib license in doc/. */\nint x;\n"
    )
    assert file_license(c, "ISC") == "MIT"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("start", [50, 58, 59, 60, 61, 70])
def test_a_header_text_read_whole_wherever_the_window_ends(newline: str, start: int) -> None:
    preface = "".join(f"# line {i} of a long header\n" for i in range(start))
    mit = "".join(f"# {line}\n" for line in _MIT_TEXT.splitlines())
    text = (preface + mit + "\nimport os\n" + "x = 1\n" * 100).replace("\n", newline)
    assert file_license(text, "Apache-2.0") == "MIT"

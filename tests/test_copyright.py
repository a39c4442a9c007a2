"""Copyright statements and holders, on real license files and written headers."""

from __future__ import annotations

import importlib.metadata

import pytest

from ipscan.licensing.attribution import license_mentioned
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.copyright import holder_named
from ipscan.licensing.copyright import holder_of
from ipscan.licensing.notices import header_license


def _license_text(dist: str) -> str:
    d = importlib.metadata.distribution(dist)
    for f in d.files or ():
        name = str(f).rsplit("/", 1)[-1]
        if ".dist-info/" in str(f) and name.upper().startswith("LICEN"):
            return f.read_text()
    raise FileNotFoundError(dist)


def test_statements_of_installed_license_files() -> None:
    assert copyright_statements(_license_text("click"), license_file=True) == (
        "Copyright 2014 Pallets",
    )
    holders = [holder_of(s) for s in copyright_statements(_license_text("rich"), license_file=True)]
    assert holders == ["Will McGugan"]


def test_license_text_boilerplate_is_not_a_statement() -> None:
    licenses = pytest.importorskip("identify.vendor.licenses")
    texts = dict(licenses.LICENSES)
    # Placeholders, "copyright notice", "Copyright" as a defined term, the FSF's own notice,
    # "copyright" in the middle of a sentence, a license text's copyright on itself ("This
    # License is Copyright © 2005 ...", "EUPL © the European Union 2007").
    for spdx in (
        *("MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0", "LGPL-2.1", "MPL-2.0", "GPL-2.0"),
        *("AGPL-3.0", "AFL-3.0", "OSL-3.0", "EUPL-1.2", "CC-BY-4.0", "EPL-1.0", "MS-PL"),
    ):
        assert copyright_statements(texts[spdx], license_file=True) == (), spdx


@pytest.mark.parametrize(
    ("line", "holder"),
    [
        ("# Copyright (c) 2010-2024 Pallets <contact@palletsprojects.com>", "Pallets"),
        ("// Copyright 2009 The Go Authors. All rights reserved.", "The Go Authors"),
        (" * (c) 2015 Jane Doe", "Jane Doe"),
        ("/* © 2020, 2021 ACME Corp. */", "ACME Corp"),
        ("# SPDX-FileCopyrightText: 2023 Ada Lovelace", "Ada Lovelace"),
        ("Copyright (C) 2001-present by Some Body", "Some Body"),
        # The statement after a lead-in or a field label, then cleaned of what is not a name.
        (":copyright: Copyright 2006-present by the Pygments team, see AUTHORS.",
         "the Pygments team"),
        ("# Modifications Copyright (C) 2025, Example Devices, Inc.", "Example Devices, Inc"),
        ("// Copyright (R) Example Corporation. All rights reserved.", "Example Corporation"),
        ("Copyright [2007] Neal Example", "Neal Example"),
        ("Copyright (c) 2008-present The pip developers (see AUTHORS.txt file)",
         "The pip developers"),
        ('NOTICE = "Copyright © 2013-2026 Pat Example"', "Pat Example"),
        ("# copyright (C) 2022, Robert Example, All rights", "Robert Example"),
    ],
)  # fmt: skip
def test_holders(line: str, holder: str) -> None:
    (statement,) = copyright_statements(line)
    assert holder_of(statement) == holder


@pytest.mark.parametrize(
    ("line", "statement"),
    [
        # A mid-line statement starts at its mark; inside parentheses it ends at the closing one.
        ("# six: Copyright (c) 2010 Ada Example", "Copyright (c) 2010 Ada Example"),
        ("# Portions Copyright 2010 Ada Example", "Copyright 2010 Ada Example"),
        ("# Derived from six (Copyright 2010 Ada Example), MIT", "Copyright 2010 Ada Example"),
        ('msg = "Copyright (c) 2016 Ada Example"', "Copyright (c) 2016 Ada Example"),
        ("/* (c) 2015 Jane Doe */", "(c) 2015 Jane Doe"),
        ("/*! tinylib v1.2 | (c) 2020 Jane Doe | MIT */ var a=1;", "(c) 2020 Jane Doe"),
        ("<!-- Copyright 2019 Jane Doe --> <p>", "Copyright 2019 Jane Doe"),
    ],
)
def test_statements_start_at_their_mark(line: str, statement: str) -> None:
    assert copyright_statements(line) == (statement,)


def test_many_statements_up_to_a_limit() -> None:
    text = "".join(f"# Copyright {2000 + i} Holder Number{i}\n" for i in range(20))
    assert len(copyright_statements(text)) == 12
    assert len(copyright_statements(text, limit=None)) == 20


def test_holder_named_ignores_weak_words() -> None:
    statements = ["Copyright (c) 2019 Armin Ronacher"]
    assert holder_named("Armin Ronacher and contributors", statements)
    assert not holder_named("Pallets", statements)


def test_license_mentions() -> None:
    assert license_mentioned("# SPDX-License-Identifier: BSD-3-Clause", "BSD-3-Clause")
    assert license_mentioned("# Licensed under the MIT License.", "MIT")
    assert license_mentioned("# Licensed under the Apache License, Version 2.0", "Apache-2.0")
    assert license_mentioned("# under the GNU General Public License v3", "GPL-3.0-only")
    assert license_mentioned("# Licensed under the MIT License.", "Apache-2.0 OR MIT")
    assert not license_mentioned("def submit(): pass", "MIT")
    assert not license_mentioned("# Licensed under the MIT License.", "BSD-2-Clause")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (":copyright: (c) 2017 by A. Person.\n:license: Apache 2.0, see LICENSE.", "Apache-2.0"),
        ('__license__ = "MIT"', "MIT"),
        (" * @license\n * Released under MIT license <https://example.org/license>", "MIT"),
        (" * MIT Licensed", "MIT"),
        ("# Copyright A. Person 2013. BSD 3-Clause license, see LICENSE file.", "BSD-3-Clause"),
        ("# Licensed under the GPL: https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
         "GPL-2.0-only"),
        ("# This module has been placed in the public domain.", "LicenseRef-public-domain"),
        # PyCA's dual-license boilerplate: its "BSD License" is the 2-clause text (issue #16).
        ("# This file is dual licensed under the terms of the Apache License, Version\n"
         "# 2.0, and the BSD License.", "Apache-2.0 OR BSD-2-Clause"),
        ("# This license is fine; see the same license as Django", None),
        ("def license(): pass", None),
    ],
)  # fmt: skip
def test_header_license_forms(header: str, expected: str | None) -> None:
    assert header_license(header) == expected

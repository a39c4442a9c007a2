"""Vague license names made specific, and a BSD of no known variant reported as a family
(issue #16), on real headers, real metadata and real license texts.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

from ipscan.licensing import file_license
from ipscan.licensing.compat import license_verdict
from ipscan.licensing.compat_table import BSD_UNKNOWN_VARIANT
from ipscan.licensing.compat_table import LicenseVerdict
from ipscan.licensing.families import later_by_headers
from ipscan.licensing.families import refine
from ipscan.licensing.judge import LicenseContext
from ipscan.licensing.judge import judge_licenses
from ipscan.licensing.notices import header_license
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import expression_problem
from ipscan.licensing.policy import license_status
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.sources import open_source
from tests.conftest import installed_file

# lib/common/zstd_internal.h of zstd 1.5.5 (its LICENSE is the 3-clause text).
ZSTD_HEADER = """\
/*
 * Copyright (c) Meta Platforms, Inc. and affiliates.
 * All rights reserved.
 *
 * This source code is licensed under both the BSD-style license (found in the
 * LICENSE file in the root directory of this source tree) and the GPLv2 (found
 * in the COPYING file in the root directory of this source tree).
 * You may select, at your option, one of the above-listed licenses.
 */

#ifndef ZSTD_CCOMMON_H_MODULE
#define ZSTD_CCOMMON_H_MODULE
"""

# chardet/euckrprober.py of chardet (as pip vendors it); chardet's classifier says LGPLv2+.
CHARDET_HEADER = """\
######################## BEGIN LICENSE BLOCK ########################
# The Original Code is mozilla.org code.
#
# The Initial Developer of the Original Code is
# Netscape Communications Corporation.
# Portions created by the Initial Developer are Copyright (C) 1998
# the Initial Developer. All Rights Reserved.
#
# Contributor(s):
#   Mark Pilgrim - port to Python
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# This library is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
# Lesser General Public License for more details.
######################### END LICENSE BLOCK #########################

from .mbcharsetprober import MultiByteCharSetProber
"""
CHARDET_PKG_INFO = """\
Metadata-Version: 2.1
Name: chardet
Version: 5.2.0
Summary: Universal encoding detector for Python 3
License: LGPL
Classifier: License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)
Classifier: Programming Language :: Python :: 3
"""
# The first lines of the FSF's LGPL-2.1 text, as chardet's LICENSE holds it.
LGPL_21 = """\
                  GNU LESSER GENERAL PUBLIC LICENSE
                       Version 2.1, February 1999

 Copyright (C) 1991, 1999 Free Software Foundation, Inc.
 51 Franklin Street, Fifth Floor, Boston, MA  02110-1301  USA
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

[This is the first released version of the Lesser GPL.  It also counts
 as the successor of the GNU Library Public License, version 2, hence
 the version number 2.1.]
"""


def _folder(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


# --- 1, 2: dual-license statements ---------------------------------------------------------------


def test_zstd_header_is_a_choice_of_bsd_3_clause_and_gpl_2() -> None:
    assert file_license(ZSTD_HEADER, "NOASSERTION") == "BSD-3-Clause OR GPL-2.0-only"
    # Its package's BSD text says the variant as well.
    assert file_license(ZSTD_HEADER, "BSD-3-Clause AND GPL-2.0-only") == (
        "BSD-3-Clause OR GPL-2.0-only"
    )


def test_pyca_dual_license_header_names_apache_and_the_2_clause_bsd() -> None:
    text = installed_file("packaging", "packaging/version.py").read_text(encoding="utf-8")
    assert "dual licensed under the terms of the Apache License" in text
    for package in ("NOASSERTION", "Apache-2.0", "Apache-2.0 OR BSD-2-Clause"):
        assert file_license(text, package) == "Apache-2.0 OR BSD-2-Clause", package
    assert header_license(text) == "Apache-2.0 OR BSD-2-Clause"
    # A package whose BSD text is another variant says more than the boilerplate.
    assert file_license(text, "Apache-2.0 OR BSD-3-Clause") == "Apache-2.0 OR BSD-3-Clause"


def test_a_go_header_pointing_to_a_bsd_style_license_file() -> None:
    text = (
        "// Copyright 2010 The Go Authors. All rights reserved.\n"
        "// Use of this source code is governed by a BSD-style\n"
        "// license that can be found in the LICENSE file.\n\npackage html\n"
    )
    assert file_license(text, "BSD-3-Clause") == "BSD-3-Clause"
    assert file_license(text, "NOASSERTION") == BSD_UNKNOWN_VARIANT


# --- 3: the license text is more specific than a classifier -----------------------------------


def test_lgpl_2_1_text_refines_an_lgplv2_plus_classifier(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "chardet-5.2.0",
        {
            "PKG-INFO": CHARDET_PKG_INFO,
            "LICENSE": LGPL_21,
            "chardet/euckrprober.py": CHARDET_HEADER,
            "chardet/version.py": '__version__ = "5.2.0"\nVERSION = __version__.split(".")\n',
        },
    )
    with open_source(str(root)) as (info, entries):
        files = {e.path: e.data.decode() for e in entries}
    assert info.license == "LGPL-2.1-or-later"
    for path in ("chardet/euckrprober.py", "chardet/version.py"):
        assert file_license(files[path], info.default_license_for(path)) == "LGPL-2.1-or-later"


@pytest.mark.parametrize(
    ("declared", "evidence", "refined"),
    [
        ("LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later"),
        ("LGPL-2.0-only", "LGPL-2.1-only", "LGPL-2.1-only"),  # the "LGPLv2" classifier
        ("GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later"),
        ("GPL-2.0-only", "GPL-3.0-only", "GPL-2.0-only"),  # a contradiction: declared stays
        ("GPL-3.0-or-later", "GPL-2.0-only", "GPL-3.0-or-later"),
        ("LGPL-2.1-or-later", "GPL-2.0-only", "LGPL-2.1-or-later"),  # another family
        (BSD_UNKNOWN_VARIANT, "BSD-2-Clause", "BSD-2-Clause"),
        (BSD_UNKNOWN_VARIANT, "MIT", "MIT"),  # "BSD" alone was never more than a label
        (
            f"Apache-2.0 OR {BSD_UNKNOWN_VARIANT}",
            "Apache-2.0 OR BSD-2-Clause",
            "Apache-2.0 OR BSD-2-Clause",
        ),
        (
            f"Apache-2.0 OR {BSD_UNKNOWN_VARIANT}",
            "Apache-2.0",
            f"Apache-2.0 OR {BSD_UNKNOWN_VARIANT}",
        ),
        ("MIT", None, "MIT"),
    ],
)
def test_refine(declared: str, evidence: str | None, refined: str) -> None:
    assert refine(declared, evidence) == refined


def test_an_spdx_expression_declared_is_not_refined(tmp_path: Path) -> None:
    pkg_info = CHARDET_PKG_INFO.replace("License: LGPL\n", "License-Expression: LGPL-2.0-only\n")
    root = _folder(tmp_path / "chardet-5.2.0", {"PKG-INFO": pkg_info, "LICENSE": LGPL_21})
    with open_source(str(root)) as (info, _):
        assert info.license == "LGPL-2.0-only"


# --- 4: "BSD" and nothing more ------------------------------------------------------------------


def test_a_package_that_says_only_bsd_is_a_bsd_of_unknown_variant(tmp_path: Path) -> None:
    # semantic_version's metadata: "License: BSD" and the "BSD License" classifier.
    dist = importlib.metadata.distribution("semantic_version")
    metadata = dist.read_text("METADATA") or ""
    assert "License: BSD\n" in metadata
    bare = _folder(tmp_path / "bare", {"PKG-INFO": metadata})
    with open_source(str(bare)) as (info, _):
        assert info.license == BSD_UNKNOWN_VARIANT
    # With its license file the variant is known.
    license_file = next(f for f in dist.files or () if f.name == "LICENSE")
    license_text = Path(str(license_file.locate()))
    whole = _folder(
        tmp_path / "whole", {"PKG-INFO": metadata, "LICENSE": license_text.read_bytes()}
    )
    with open_source(str(whole)) as (info, _):
        assert info.license == "BSD-2-Clause"


def test_a_bsd_header_takes_its_packages_variant() -> None:
    # nodeenv.py's docstring.
    header = '"""\n    nodeenv\n    ~~~~~~~\n    Node.js virtual environment\n\n'
    header += "    :copyright: (c) 2014 by Eugene Kalinin\n"
    header += "    :license: BSD, see LICENSE for more details.\n"
    header += '"""\n\nimport base64\n'
    assert file_license(header, "NOASSERTION") == BSD_UNKNOWN_VARIANT
    assert file_license(header, "BSD-3-Clause") == "BSD-3-Clause"
    assert file_license(header, BSD_UNKNOWN_VARIANT) == BSD_UNKNOWN_VARIANT


def test_the_pocoo_bsd_text_is_the_3_clause_license(tmp_path: Path) -> None:
    # nodeenv's LICENSE: "Redistribution and use in source and binary forms of the software as
    # well as documentation, with or without modification": with "License: BSD" metadata.
    dist = importlib.metadata.distribution("nodeenv")
    license_file = next(f for f in dist.files or () if f.name == "LICENSE")
    root = _folder(
        tmp_path / "nodeenv",
        {
            "PKG-INFO": dist.read_text("METADATA") or "",
            "LICENSE": Path(str(license_file.locate())).read_bytes(),
        },
    )
    with open_source(str(root)) as (info, _):
        assert info.license == "BSD-3-Clause"


@pytest.mark.parametrize(
    "outbound", [None, "MIT", "BSD-3-Clause", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-or-later"]
)
def test_a_bsd_of_unknown_variant_needs_its_notice_and_goes_anywhere(outbound: str | None) -> None:
    decision = license_verdict(BSD_UNKNOWN_VARIANT, outbound)
    assert decision.verdict is LicenseVerdict.ATTRIBUTION_REQUIRED
    assert "keep the copyright and license notice" in decision.obligations


def test_policy_and_judge_accept_the_family() -> None:
    assert expression_problem(BSD_UNKNOWN_VARIANT) is None
    assert expression_problem(f"MIT OR {BSD_UNKNOWN_VARIANT}") is None
    allowed = Policy(allowed=(BSD_UNKNOWN_VARIANT,))
    assert license_status(BSD_UNKNOWN_VARIANT, allowed) == "allowed"
    assert license_status(BSD_UNKNOWN_VARIANT, Policy(flagged=("LicenseRef-*",))) == "flagged"
    source = SourceRef("nodeenv", "1.9.1", "nodeenv.py", 1, 2, BSD_UNKNOWN_VARIANT)
    f = Finding("src/app.py", 1, 2, 0.98, Verdict.COPIED, source)
    code = "def copied():\n    return 1\n"
    for text, verdict in ((code, "attribution-required"), ("# BSD license\n" + code, "ok")):
        ctx = LicenseContext("BSD-3-Clause", Policy(), {f.path: text})
        (judged,) = judge_licenses([f], ctx)
        assert judged.license_verdict == verdict, judged.license_reason


def test_sbom_writers_accept_the_family() -> None:
    pytest.importorskip("spdx_tools")
    pytest.importorskip("cyclonedx")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from ipscan.report.cyclonedx import render_cyclonedx
    from ipscan.report.spdx import render_spdx

    source = SourceRef("nodeenv", "1.9.1", "nodeenv.py", 1, 2, f"MIT OR {BSD_UNKNOWN_VARIANT}")
    report = Report(".", (Finding("a.py", 1, 1, 1.0, Verdict.COPIED, source),), 1, 1, (), {}, 0.1)
    report.texts["a.py"] = "x = 1\n"
    spdx = json.loads(render_spdx(report))
    snippet = spdx["snippets"][0]
    # SPDX 2.3 needs the text of every LicenseRef in the document: the writer keeps the
    # expression in a comment instead.
    assert BSD_UNKNOWN_VARIANT in snippet.get("licenseComments", "") + snippet.get(
        "licenseConcluded", ""
    )
    cdx = render_cyclonedx(report)
    assert not list(
        JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx, all_errors=True) or ()
    )
    assert BSD_UNKNOWN_VARIANT in cdx


# --- 4: "only" or "or later": what a bare text or a link cannot say ----------------------------

# pylint 3.3.1's header (astroid's names the LGPL-2.1 the same way); its metadata says
# "License: GPL-2.0-or-later".
PYLINT_HEADER = """\
# Licensed under the GPL: https://www.gnu.org/licenses/old-licenses/gpl-2.0.html
# For details: https://github.com/pylint-dev/pylint/blob/main/LICENSE
# Copyright (c) https://github.com/pylint-dev/pylint/blob/main/CONTRIBUTORS.txt

\"\"\"Check source code is ascii only or has an encoding declaration (PEP 263).\"\"\"

from __future__ import annotations
"""

# A Linux-style header that does say which version.
GPL2_ONLY_HEADER = """\
/*
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License version 2 as published
 * by the Free Software Foundation.
 */
int x;
"""

# paramiko 3.5.0's header (paramiko/__init__.py); its LICENSE is the LGPL-2.1 text and its
# metadata says only "License: LGPL".
PARAMIKO_HEADER = """\
# Copyright (C) 2003-2011  Robey Pointer <robeypointer@gmail.com>
#
# This file is part of paramiko.
#
# Paramiko is free software; you can redistribute it and/or modify it under the
# terms of the GNU Lesser General Public License as published by the Free
# Software Foundation; either version 2.1 of the License, or (at your option)
# any later version.
#
"""
PARAMIKO_PKG_INFO = "Metadata-Version: 2.1\nName: paramiko\nVersion: 3.5.0\nLicense: LGPL\n"


def test_a_gnu_license_named_by_link_alone_is_the_packages_or_later() -> None:
    assert file_license(PYLINT_HEADER, "GPL-2.0-or-later") == "GPL-2.0-or-later"
    assert file_license(PYLINT_HEADER, "GPL-2.0-only") == "GPL-2.0-only"
    assert file_license(PYLINT_HEADER, "MIT") == "GPL-2.0-only"  # the link, read alone
    # A header that says "version 2" keeps it, whatever its package says.
    assert file_license(GPL2_ONLY_HEADER, "GPL-2.0-or-later") == "GPL-2.0-only"
    assert file_license(PARAMIKO_HEADER, "LGPL-2.1-only") == "LGPL-2.1-or-later"


@pytest.mark.parametrize(
    ("package", "stated", "later"),
    [
        ("LGPL-2.1-only", ["LGPL-2.1-or-later"] * 3, "LGPL-2.1-or-later"),
        ("LGPL-2.1-only", ["LGPL-2.1-or-later"] * 4 + ["MIT", "BSD-3-Clause"], "LGPL-2.1-or-later"),
        ("LGPL-2.1-only", ["LGPL-2.1-or-later"] * 3 + ["LGPL-2.1-only"] * 2, None),  # no 2/3
        ("LGPL-2.1-only", ["LGPL-2.1-or-later"] * 2, None),  # too few to say
        ("LGPL-2.1-only", ["LGPL-3.0-or-later"] * 5, None),  # another version
        ("GPL-2.0-or-later", ["GPL-2.0-or-later"] * 5, None),  # already
        ("MIT", ["MIT"] * 5, None),
    ],
)
def test_most_headers_say_or_later(package: str, stated: list[str], later: str | None) -> None:
    assert later_by_headers(package, stated) == later


def test_an_index_records_the_or_later_its_headers_grant(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    from ipscan.index.build import build_index
    from ipscan.index.reader import IndexReader

    body = "".join(
        f"\ndef helper_{i}(values, limit):\n    total = 0\n    for v in values:\n"
        f"        if v > limit:\n            total += v * {i}\n    return total\n"
        for i in range(3)
    )
    files: dict[str, str | bytes] = {"PKG-INFO": PARAMIKO_PKG_INFO, "LICENSE": LGPL_21}
    for name in ("client", "transport", "channel"):
        files[f"paramiko/{name}.py"] = PARAMIKO_HEADER + body
    files["paramiko/_version.py"] = body  # no header: the package's license
    root = _folder(tmp_path / "paramiko-3.5.0", files)
    with open_source(str(root)) as (info, _):
        pass
    assert info.license == "LGPL-2.1-only"  # the text alone
    build_index([str(root)], tmp_path / "index", encoder, encoder.encode)
    with IndexReader(tmp_path / "index") as reader:
        contents = reader.contents()
    assert [s["license"] for s in contents.sources] == ["LGPL-2.1-or-later"]
    assert {f["path"]: f["license"] for f in contents.files} == {
        f"paramiko/{n}.py": "LGPL-2.1-or-later"
        for n in ("client", "transport", "channel", "_version")
    }

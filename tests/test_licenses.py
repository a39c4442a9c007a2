"""License names and texts, checked against the license files installed packages really ship."""

from __future__ import annotations

import email.parser
import re
import sys
import sysconfig
from pathlib import Path

import pytest

from ipscan.licensing import detect_license_text
from ipscan.licensing import file_license
from ipscan.licensing import normalize_license
from ipscan.licensing import spdx_identifier_in

SITE = Path(sysconfig.get_paths()["purelib"])
COMMON = Path("/usr/share/common-licenses")


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("MIT License", "MIT"),
        ("The MIT License (MIT)", "MIT"),
        ("BSD", None),
        ("BSD License", None),
        ("BSD-3-Clause", "BSD-3-Clause"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("new BSD", "BSD-3-Clause"),
        ("Simplified BSD", "BSD-2-Clause"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache 2.0 License", "Apache-2.0"),
        ("Apache Software License", "Apache-2.0"),
        ("apache-2.0", "Apache-2.0"),
        ("GPLv2", "GPL-2.0-only"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("GPL v2 or later", "GPL-2.0-or-later"),
        ("gpl-2.0-or-later", "GPL-2.0-or-later"),
        ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
        ("GNU GPL version 3", "GPL-3.0-only"),
        ("LGPL", None),
        ("LGPLv2.1+", "LGPL-2.1-or-later"),
        ("LGPL-2.1-only", "LGPL-2.1-only"),
        ("lgpl-3.0-or-later", "LGPL-3.0-or-later"),
        ("AGPL-3.0", "AGPL-3.0-only"),
        ("MPL 2.0", "MPL-2.0"),
        ("ISC", "ISC"),
        ("ISC License", "ISC"),
        ("PSF", "PSF-2.0"),
        ("Python Software Foundation License", "PSF-2.0"),
        ("Unlicense", "Unlicense"),
        ("(MIT OR Apache-2.0)", "MIT OR Apache-2.0"),
        ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
        ("MIT or Apache 2.0", "MIT OR Apache-2.0"),
        ("mit and bsd-3-clause", "MIT AND BSD-3-Clause"),
        ("Apache-2.0 OR BSD-2-Clause", "Apache-2.0 OR BSD-2-Clause"),
        ("(Apache-2.0 OR MIT) AND Zlib", "(Apache-2.0 OR MIT) AND Zlib"),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
        ("LicenseRef-Custom", "LicenseRef-Custom"),
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("License :: OSI Approved :: GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
        (
            "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
            "GPL-2.0-or-later",
        ),
        (
            "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
            "LGPL-2.0-or-later",
        ),
        (
            "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
            "AGPL-3.0-or-later",
        ),
        ("License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
        ("License :: OSI Approved :: BSD License", None),
        ("License :: OSI Approved :: GNU General Public License (GPL)", None),
        ("License :: OSI Approved :: Apache Software License", "Apache-2.0"),
        ("License :: OSI Approved :: ISC License (ISCL)", "ISC"),
        ("License :: OSI Approved :: Python Software Foundation License", "PSF-2.0"),
        ("License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense"),
        ("License :: OSI Approved :: zlib/libpng License", "Zlib"),
        ("License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
        ("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
        ("UNKNOWN", None),
        ("Proprietary", None),
        ("", None),
        ("Some Custom Terms", None),
        ("MIT AND", None),
    ],
)
def test_normalize_license(declared: str, expected: str | None) -> None:
    assert normalize_license(declared) == expected


# --- real license files shipped by installed distributions -----------------------------------


def _declared(meta_path: Path) -> str | None:
    msg = email.parser.BytesHeaderParser().parsebytes(meta_path.read_bytes())
    for field in ("License-Expression", "License"):
        if msg.get(field):
            found = normalize_license(str(msg[field]))
            if found:
                return found
    names = {
        normalize_license(str(c))
        for c in msg.get_all("Classifier") or []
        if str(c).startswith("License ::")
    }
    names.discard(None)
    return names.pop() if len(names) == 1 else None  # type: ignore[return-value]


def _shipped_license_files() -> list[tuple[str, Path, str]]:
    out = []
    for dist_info in sorted(SITE.glob("*.dist-info")):
        meta = dist_info / "METADATA"
        if not meta.is_file():
            continue
        declared = _declared(meta)
        if declared is None:
            continue
        candidates = [*dist_info.glob("LICEN[CS]E*"), *dist_info.glob("licenses/*")]
        for f in sorted(candidates):
            if f.is_file() and OWN_LICENSE_FILE.match(f.name):
                out.append((f"{dist_info.name}/{f.name}", f, declared))
    return out


# The package's own license files: LICENSE, COPYING, or one named after a license the package
# offers (LICENSE.APACHE, LICENSE.BSD). A file named after a bundled component (ml_dtypes'
# LICENSE.eigen: Eigen's MPL-2.0) is that component's license, not the package's.
OWN_LICENSE_FILE = re.compile(
    r"(?i)^(licen[cs]e|copying)([._-](txt|md|rst|apache[-.0-9a-z]*|bsd[-.0-9a-z]*|mit|psf|"
    r"l?gpl[-.0-9a-z]*|mpl[-.0-9a-z]*))?$"
)


SHIPPED = _shipped_license_files()


def test_enough_real_license_files_are_installed() -> None:
    declared = {d for _, _, d in SHIPPED}
    assert len(SHIPPED) >= 10
    assert {"MIT", "BSD-3-Clause", "Apache-2.0"} <= declared


@pytest.mark.parametrize(("label", "path", "declared"), SHIPPED, ids=[s[0] for s in SHIPPED])
def test_detect_agrees_with_declared_license(label: str, path: Path, declared: str) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = detect_license_text(text)
    if found is None:
        # Only pointer files ("see LICENSE.APACHE or LICENSE.BSD") may name no license text.
        assert len(text) < 600, label
        return
    declared_ids = set(re.findall(r"[A-Za-z0-9.+-]+", declared)) - {"AND", "OR", "WITH"}
    found_ids = re.findall(r"[A-Za-z0-9.+-]+", found)
    found_ids = [i for i in found_ids if i not in {"AND", "OR", "WITH"}]
    # The first license is the package's own. Metadata often names only that one where the
    # file also grants other licenses for portions (mypy's LICENSE: MIT, and PSF-2.0 for a
    # few files), so later AND terms need not be declared.
    assert found_ids[0] in declared_ids, f"{label}: declared {declared}, detected {found}"
    if " OR " in found:
        assert set(found_ids) <= declared_ids, f"{label}: declared {declared}, detected {found}"
    if " " not in declared:
        assert found == declared or found.startswith(f"{declared} AND "), label


def test_click_bsd3_versus_bsd2() -> None:
    """BSD-3-Clause and BSD-2-Clause differ only by the endorsement clause."""
    path = next(p for label, p, _ in SHIPPED if label.startswith("click-"))
    text = path.read_text(encoding="utf-8")
    assert detect_license_text(text) == "BSD-3-Clause"
    paragraphs = text.split("\n\n")
    two = "\n\n".join(p for p in paragraphs if "endorse or promote" not in p)
    assert detect_license_text(two) == "BSD-2-Clause"


def test_whitespace_and_case_do_not_matter() -> None:
    path = next(p for label, p, d in SHIPPED if d == "MIT")
    text = path.read_text(encoding="utf-8")
    rewrapped = " ".join(text.split()).upper()
    assert detect_license_text(rewrapped) == "MIT"
    commented = "\n".join(f"# {line}" for line in text.splitlines())
    assert detect_license_text(commented) == "MIT"


def test_mit_without_notice_condition_is_mit0() -> None:
    path = next(p for label, p, d in SHIPPED if d == "MIT")
    text = " ".join(path.read_text(encoding="utf-8").split())
    condition = r"The above copyright notice and this permission notice shall be included[^.]*\."
    cut = re.sub(condition, "", text, flags=re.IGNORECASE)
    assert detect_license_text(cut) == "MIT-0"


# --- Debian's copies of the FSF, Apache, Mozilla and CC texts --------------------------------

COMMON_EXPECTED = {
    "GPL-1": "GPL-1.0-only",
    "GPL-2": "GPL-2.0-only",
    "GPL-3": "GPL-3.0-only",
    "LGPL-2": "LGPL-2.0-only",
    "LGPL-2.1": "LGPL-2.1-only",
    "LGPL-3": "LGPL-3.0-only",
    "Apache-2.0": "Apache-2.0",
    "MPL-1.1": "MPL-1.1",
    "MPL-2.0": "MPL-2.0",
    "CC0-1.0": "CC0-1.0",
    "BSD": "BSD-3-Clause",
    "GFDL-1.3": None,
    "Artistic": "Artistic-1.0-Perl",
}


def _common(name: str) -> str:
    path = COMMON / name
    if not path.is_file():
        pytest.skip(f"{path} not installed")
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(("name", "expected"), sorted(COMMON_EXPECTED.items()))
def test_common_license_texts(name: str, expected: str | None) -> None:
    assert detect_license_text(_common(name)) == expected


def _notice(family: str, version: str, later: bool) -> str:
    choice = f"either version {version} of the License, or\n(at your option) any later version."
    return (
        "This program is free software: you can redistribute it and/or modify\n"
        f"it under the terms of the GNU {family} as published by\n"
        "the Free Software Foundation, " + (choice if later else f"version {version}.") + "\n"
    )


def test_gpl_full_text_alone_is_only_but_notice_makes_or_later() -> None:
    gpl3 = _common("GPL-3")
    # The FSF text's own "How to Apply" sample says "any later version": not the project's choice.
    assert "any later version" in gpl3
    assert detect_license_text(gpl3) == "GPL-3.0-only"
    notice = _notice("General Public License", "3", later=True)
    assert detect_license_text(notice + "\n" + gpl3) == "GPL-3.0-or-later"
    assert detect_license_text(notice) == "GPL-3.0-or-later"
    assert detect_license_text(_notice("General Public License", "2", later=False)) == (
        "GPL-2.0-only"
    )
    gpl2 = _common("GPL-2")
    assert detect_license_text(gpl2) == "GPL-2.0-only"
    notice2 = _notice("General Public License", "2", later=True)
    assert detect_license_text(gpl2 + "\n\n" + notice2) == "GPL-2.0-or-later"


def test_lgpl_concatenated_with_gpl_is_lgpl() -> None:
    lgpl3, gpl3 = _common("LGPL-3"), _common("GPL-3")
    assert detect_license_text(lgpl3 + "\n\n" + gpl3) == "LGPL-3.0-only"
    assert detect_license_text(gpl3 + "\n\n" + lgpl3) == "LGPL-3.0-only"
    notice = _notice("Lesser General Public License", "2.1", later=True)
    assert detect_license_text(notice + _common("LGPL-2.1")) == "LGPL-2.1-or-later"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Short distinctive phrases of licenses no installed package ships in full.
        (
            "GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n...",
            "AGPL-3.0-only",
        ),
        ("Eclipse Public License - v 2.0\n\nTHE ACCOMPANYING PROGRAM IS PROVIDED ...", "EPL-2.0"),
        (
            "This is free and unencumbered software released into the public domain.\n...",
            "Unlicense",
        ),
        ("Boost Software License - Version 1.0 - August 17th, 2003\n...", "BSL-1.0"),
        (
            "This software is provided 'as-is', without any express or implied warranty. ...\n"
            "Permission is granted to anyone to use this software for any purpose,\n"
            "including commercial applications, and to alter it and redistribute it\n"
            "freely, subject to the following restrictions:\n"
            "1. The origin of this software must not be misrepresented; ...",
            "Zlib",
        ),
        (
            "Permission to use, copy, modify, and/or distribute this software for any\n"
            "purpose with or without fee is hereby granted.\n\nTHE SOFTWARE IS PROVIDED ...",
            "0BSD",
        ),
        (
            "Licensed under either of\n\n * Apache License, Version 2.0 (LICENSE-APACHE)\n"
            " * MIT license (LICENSE-MIT)\n\nat your option.",
            "Apache-2.0 OR MIT",
        ),
        (
            "This project is dual licensed under the MIT license and the Unlicense.",
            "MIT OR Unlicense",
        ),
        ("Just a README with no license in it.", None),
        ("", None),
    ],
)
def test_detect_phrases(text: str, expected: str | None) -> None:
    assert detect_license_text(text) == expected


def test_choice_named_loosely_reads_the_texts_that_follow() -> None:
    # "the BSD License" names no variant: the BSD text after the statement says which.
    statement = (
        "You may use this project under the terms of either the BSD License or the\n"
        "GNU General Public License (GPL) Version 2.\n\n"
    )
    both = statement + _common("BSD") + "\n\n" + _common("GPL-2")
    assert detect_license_text(both) == "BSD-3-Clause OR GPL-2.0-only"
    perl_style = (
        "This module is free software; you can redistribute it and/or modify it under the\n"
        "terms of either: GPL or GPLv2+, or the Artistic License, below.\n\n"
    ) + _common("Artistic")
    assert detect_license_text(perl_style) == "GPL-2.0-or-later OR Artistic-1.0-Perl"


def test_dual_licensed_modifications_do_not_make_a_choice_of_one_text() -> None:
    # A project under the MPL-2.0 whose modified third-party files are "dual licensed with
    # the original license": the MPL-2.0 text (which cites GNU licenses as Secondary
    # Licenses) is the only license text here.
    prefix = (
        "All code here is released under the Mozilla Public License v 2.0. Code from other\n"
        "projects keeps its license, and modifications made to it are released dual licensed\n"
        "with the original license.\n\n"
    )
    assert detect_license_text(prefix + _common("MPL-2.0")) == "MPL-2.0"


def _shipped(spdx: str) -> str:
    paths = [p for label, p, d in SHIPPED if d == spdx]
    if not paths:
        pytest.skip(f"no {spdx}-licensed package installed")
    return paths[0].read_text(encoding="utf-8")


def test_own_license_texts_join_with_and_until_the_bundled_part() -> None:
    mit, bsd = _shipped("MIT"), _common("BSD")
    # A project under MIT that also carries BSD-licensed code of its own (a port, a module
    # taken from another project): both apply.
    portions = mit + "\n\nPortions of this code come from Example, under this license:\n\n" + bsd
    assert detect_license_text(portions) == "MIT AND BSD-3-Clause"
    # The licenses of a binary distribution's bundled libraries are theirs, not the package's.
    bundled = mit + "\n\nThis binary distribution bundles the following software:\n\n"
    assert detect_license_text(bundled + _common("GPL-3")) == "MIT"
    # A folder's library (mypy's "Files under lib-rt/base64 are licensed under the following
    # license"); a list of the package's own files licensed otherwise stays its own.
    folder = mit + "\n\nFiles under lib/base64 are licensed under the following license.\n\n"
    assert detect_license_text(folder + bsd) == "MIT"
    files = mit + "\n\nThe files lib/a.c and lib/b.c are licensed under this license:\n\n"
    assert detect_license_text(files + bsd) == "MIT AND BSD-3-Clause"
    # The MPL-2.0 names GNU licenses as Secondary Licenses; it is one license.
    assert detect_license_text(_common("MPL-2.0")) == "MPL-2.0"


def test_python_license_stack_is_psf() -> None:
    minor = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    path = Path(sys.base_prefix) / "lib" / minor / "LICENSE.txt"
    if not path.is_file():
        pytest.skip(f"{path} not installed")
    # The stack holds the BeOpen, CNRI and CWI agreements and the docs' 0BSD terms too.
    assert detect_license_text(path.read_text(encoding="utf-8")) == "PSF-2.0"


def test_agreements_of_the_python_license_stack() -> None:
    minor = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    path = Path(sys.base_prefix) / "lib" / minor / "LICENSE.txt"
    if not path.is_file():
        pytest.skip(f"{path} not installed")
    text = path.read_text(encoding="utf-8")
    psf = text[text.index("1. This LICENSE AGREEMENT is between the Python Software") :]
    psf = psf[: psf.index("BEOPEN.COM LICENSE AGREEMENT")]
    # Another licensor in the PSF's agreement (matplotlib's license) is the same license.
    other = psf.replace('the Python Software Foundation\n("PSF")', 'the Example Team ("ET")')
    assert "Example Team" in other
    assert detect_license_text(other.replace("PSF", "ET")) == "PSF-2.0"
    cnri = text[text.index("CNRI LICENSE AGREEMENT FOR PYTHON") : text.index("CWI LICENSE")]
    assert detect_license_text(cnri) == "CNRI-Python"


def test_each_bsd_text_has_its_own_variant() -> None:
    bsd3 = _common("BSD")
    four = bsd3.replace(
        "3. Neither",
        "3. All advertising materials mentioning features or use of this software must "
        "display the following acknowledgement: This product includes software developed "
        "by Example.\n4. Neither",
    )
    assert "advertising" in four
    assert detect_license_text(four) == "BSD-4-Clause"
    older = bsd3 + "\n\nOlder portions are under this license:\n\n" + four
    assert detect_license_text(older) == "BSD-3-Clause AND BSD-4-Clause"
    theme = bsd3.replace("binary forms, with", "binary forms of the theme, with")
    assert detect_license_text(theme) == "BSD-3-Clause"
    two = re.sub(r"3\. Neither.*?permission\.", "", bsd3, flags=re.S)
    assert detect_license_text(two) == "BSD-2-Clause"
    views = two + (
        "\nThe views and conclusions contained in the software and documentation are those "
        "of the authors and should not be interpreted as representing official policies.\n"
    )
    assert detect_license_text(views) == "BSD-2-Clause-Views"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "This module is copyright (c) Example and licensed under CNRI's Python 1.6 "
            "license.\nAll additions and alterations are licensed under the Apache License, "
            "Version 2.0.",
            "CNRI-Python AND Apache-2.0",
        ),
        (
            "This is dual-licensed software. It is available under the terms of the MIT "
            "license, or the Academic Free License version 2.1.",
            "MIT OR AFL-2.1",
        ),
        (
            "All code originating from Example is free and unencumbered software released "
            "into the public domain.",
            "Unlicense",
        ),
        (
            "The authors hereby grant permission to use, copy, modify, distribute, and license "
            "this software and its documentation for any purpose, provided that existing "
            "copyright notices are retained in all copies.",
            "TCL",
        ),
        (
            "Permission to use, copy, modify, and distribute this software\nfor any purpose and "
            "without fee is hereby granted. The author\ndisclaims all warranties with regard "
            "to this software.",
            "HPND-Markus-Kuhn",
        ),
    ],
)
def test_license_statements(text: str, expected: str) -> None:
    assert detect_license_text(text) == expected


def test_isc_from_shellingham_style_text() -> None:
    isc = [p for label, p, d in SHIPPED if d == "ISC"]
    if not isc:
        pytest.skip("no ISC-licensed package installed")
    assert detect_license_text(isc[0].read_text(encoding="utf-8")) == "ISC"


# --- per-file identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# SPDX-License-Identifier: MIT\nimport os\n", "MIT"),
        ("// SPDX-License-Identifier: GPL-2.0+\nint x;\n", "GPL-2.0-or-later"),
        ("/* SPDX-License-Identifier: (MIT OR Apache-2.0) */\n", "MIT OR Apache-2.0"),
        ("<!-- SPDX-License-Identifier: Apache-2.0 -->\n", "Apache-2.0"),
        (" * SPDX-License-Identifier: LicenseRef-Foo\n", "LicenseRef-Foo"),
        ("-- spdx-license-identifier: bsd-3-clause\n", "BSD-3-Clause"),
        ("\n" * 45 + "# SPDX-License-Identifier: MIT\n", None),
        ("x = 1\n", None),
    ],
)
def test_spdx_identifier_in(text: str, expected: str | None) -> None:
    assert spdx_identifier_in(text) == expected


def test_code_contributed_to_the_psf_is_psf_licensed() -> None:
    header = (
        "# Copyright 2006 Example Corp. All Rights Reserved.\n"
        "# Licensed to PSF under a Contributor Agreement.\n\nimport os\n"
    )
    assert file_license(header, "MIT") == "PSF-2.0"


def test_header_license_text_cut_by_the_window_is_read_whole() -> None:
    isc = (
        "Permission to use, copy, modify, and/or distribute this software for any\n"
        "purpose with or without fee is hereby granted, provided that the above\n"
        "copyright notice and this permission notice appear in all copies.\n"
    )
    preface = "".join(f"# line {i} of a long module docstring\n" for i in range(58))
    # The 60-line window ends after the grant, before the notice condition.
    assert file_license(preface + isc + "x = 1\n" * 10, "MIT") == "ISC"
    grant_only = "".join(isc.splitlines(keepends=True)[:2])
    assert file_license(preface + grant_only, "MIT") == "0BSD"


def test_file_license_overrides_package_license() -> None:
    assert file_license("# SPDX-License-Identifier: MIT\n", "GPL-3.0-only") == "MIT"
    assert file_license("def f():\n    return 1\n", "GPL-3.0-only") == "GPL-3.0-only"

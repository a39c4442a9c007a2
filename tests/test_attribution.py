"""Attribution: the natural forms of a kept notice, ipscan's own suggested notice pasted in any
comment style, the prose that is not a notice, and the whole flow on a real index and git repo.

The license texts are the SPDX texts that the installed `identify` package carries; the holders,
sources and projects are made up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ipscan.licensing.attribution import notice_kept
from ipscan.licensing.attribution import notice_to_add
from ipscan.licensing.copyright import copyright_statements
from ipscan.licensing.copyright import holder_named
from ipscan.licensing.copyright import holder_of
from ipscan.licensing.copyright import statement_in
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import SourceRef
from ipscan.report import fails
from tests.conftest import init_repo

HOLDER = "Beatrix Quill"
STATEMENT = f"Copyright (c) 2010-2020 {HOLDER}"
CODE = "def copied():\n    return 1\n"


def source(
    license: str = "MIT", copyright: tuple[str, ...] = (STATEMENT,), package: str = "quillkit"
) -> SourceRef:
    return SourceRef(
        package=package,
        version="1.4.0",
        path=f"{package}/meta.py",
        start_line=3,
        end_line=20,
        license=license,
        copyright=copyright,
    )


# --- the natural forms of a kept notice ----------------------------------------------------------

KEPT_FORMS = [
    # Following the "add notice" advice with a name in front.
    f"# with_metaclass: {STATEMENT}\n# SPDX-License-Identifier: MIT\n",
    f"// from quillkit: Copyright 2019 {HOLDER}\n// Licensed under the MIT License.\n",
    f"/*\n * Portions Copyright (c) 2010-2020 {HOLDER}\n * SPDX-License-Identifier: MIT\n */\n",
    f"# Portions Copyright {HOLDER}, under the MIT license.\n",
    f"# Based on quillkit, Copyright (c) 2010-2020 {HOLDER}, MIT License\n",
    f"# Based on quillkit, Copyright {HOLDER} (MIT license)\n",
    f"# derived from quillkit, Copyright 2014 {HOLDER}. Licensed under the MIT License.\n",
    f"# Derived from quillkit (Copyright 2014 {HOLDER}), MIT License\n",
    f"# SPDX-FileCopyrightText: 2010-2020 {HOLDER} <bq@example.org>\n"
    "# SPDX-License-Identifier: MIT\n",
    f"-- (c) 2015 {HOLDER}; the MIT License applies\n",
    f"; © {HOLDER}\n; SPDX-License-Identifier: MIT\n",
    f"/* © 2020, 2021 {HOLDER}. All rights reserved. SPDX-License-Identifier: MIT */\n",
    f"// Copyright 2009 {HOLDER}. All rights reserved.\n"
    "// Use of this source code is governed by the MIT license.\n",
    f"//! Copyright (C) {HOLDER} 2016\n//! SPDX-License-Identifier: MIT\n",
    f'"""Helpers.\n\n:copyright: (c) 2017 by {HOLDER}.\n:license: MIT, see LICENSE.\n"""\n',
    f"# {HOLDER.upper()}: COPYRIGHT (C) 2012 {HOLDER.upper()}\n# MIT LICENSE\n",
]


@pytest.mark.parametrize("notice", KEPT_FORMS)
def test_a_natural_notice_form_is_kept(notice: str) -> None:
    assert [holder_of(s) for s in copyright_statements(notice)] in (
        [HOLDER],
        [HOLDER.upper()],
    )
    assert notice_kept(notice + CODE, (), source())
    # In a project notice file just as well as in the file itself.
    assert notice_kept(CODE, (notice,), source())


@pytest.mark.parametrize(
    ("line", "holder"),
    [
        ("# with_metaclass: Copyright (c) 2010-2020 Ada Lovelace", "Ada Lovelace"),
        (" * Portions Copyright (c) 2001 ACME Corp.", "ACME Corp"),
        ("# Based on six, Copyright Ada Lovelace, see LICENSE", "Ada Lovelace"),
        ("# derived from six, Copyright 2010 Ada Lovelace. Licensed under MIT.", "Ada Lovelace"),
        ("# Derived from six (Copyright 2010-2020 Ada Lovelace) with changes", "Ada Lovelace"),
        ("# Copyright A. Person 2013. BSD 3-Clause license, see LICENSE file.", "A. Person"),
        ("// SPDX-FileCopyrightText: Copyright 2023 The Go Authors", "The Go Authors"),
        ("-- Copyright (c) 2011-present, Jane Doe <jd@example.org>", "Jane Doe"),
        ("# Copyright the Quill authors", "the Quill authors"),
    ],
)
def test_holders_are_extracted_cleanly(line: str, holder: str) -> None:
    (statement,) = copyright_statements(line)
    assert holder_of(statement) == holder


# --- prose that mentions copyright is no notice ------------------------------------------------

PROSE = [
    "# see the copyright file",
    "# copyright notice must be kept",
    "# The copyright notice must be kept in all copies.",
    "# Copyright: see the AUTHORS file",
    "# Copyright must be kept",
    "// copyright holders and contributors may not be named",
    "THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM",
    "   (c) You must cause any modified files to carry prominent notices",
    "# This file is part of the copyright-free examples",
    "# Copyright [yyyy] [name of copyright owner]",
]


@pytest.mark.parametrize("line", PROSE)
def test_prose_about_copyright_names_no_holder(line: str) -> None:
    assert copyright_statements(line) == ()


def test_holder_words_in_prose_do_not_keep_the_notice() -> None:
    text = f"# {HOLDER} wrote this; see the copyright file.\n# SPDX-License-Identifier: MIT\n"
    assert not notice_kept(text + CODE, (), source())


@pytest.mark.parametrize(
    "notice",
    [
        "# with_metaclass: Copyright (c) 2010-2020 Jane Roe\n# SPDX-License-Identifier: MIT\n",
        "# Portions Copyright (c) 2020 Someone Else\n# Licensed under the MIT License.\n",
        "# SPDX-FileCopyrightText: 2020 Beatrix Stone\n# SPDX-License-Identifier: MIT\n",
    ],
)
def test_a_notice_naming_another_holder_is_not_kept(notice: str) -> None:
    assert not notice_kept(notice + CODE, (), source())


@pytest.mark.parametrize(
    "notice",
    [
        f"# with_metaclass: {STATEMENT}\n",
        f"# Portions {STATEMENT}\n# SPDX-License-Identifier: BSD-3-Clause\n",
        f"# Based on quillkit, {STATEMENT}. Licensed under the Apache License, Version 2.0\n",
    ],
)
def test_the_license_mention_is_still_required(notice: str) -> None:
    assert not notice_kept(notice + CODE, (), source())


# --- ipscan's own suggested notice, pasted --------------------------------------------------------


def _as_comments(notice: str, style: str) -> str:
    lines = notice.splitlines()
    if style == "as-is":
        return notice + "\n"
    if style == "/* */ block":
        return "/*\n" + "".join(f" * {line}\n" for line in lines) + " */\n"
    if style == "/* */ inline":
        middle = "".join(f"   {line}\n" for line in lines[1:-1])
        return f"/* {lines[0]}\n{middle}   {lines[-1]} */\n"
    if style == "docstring":
        return '"""' + "\n".join(lines) + '\n"""\n'
    return "".join(f"{style} {line}\n" for line in lines)


STYLES = ["as-is", "#", "//", "--", ";", "/* */ block", "/* */ inline", "docstring"]
SOURCES = [
    source(),
    source("Apache-2.0 OR MIT", ("Copyright 2009 The Quill Authors. All rights reserved.",)),
    source("BSD-3-Clause", ("SPDX-FileCopyrightText: 2023 Ada Lovelace <ada@example.org>",)),
    source("MIT", ("(c) 2015 Jane Doe", "Copyright (C) 2016-2018 ACME Corp.")),
    source("ISC", ()),  # no holder known: the license mention alone
    # An older index may hold a statement that this version does not read as one.
    source("MIT", ("Copyright the quill authors",)),
]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("src", SOURCES, ids=lambda s: f"{s.license}:{len(s.copyright)}")
def test_the_suggested_notice_pasted_in_any_comment_style_is_kept(
    src: SourceRef, style: str
) -> None:
    notice = notice_to_add(src)
    assert not notice_kept(CODE, (), src)
    assert notice_kept(_as_comments(notice, style) + CODE, (), src)


def test_the_suggested_notice_keeps_its_shape() -> None:
    assert notice_to_add(source()).splitlines() == [
        STATEMENT,
        "SPDX-License-Identifier: MIT",
        "(from quillkit 1.4.0, quillkit/meta.py)",
    ]
    legacy = notice_to_add(source(copyright=("Copyright the quill authors",)))
    assert legacy.splitlines()[0] == "Copyright (c) the quill authors"


@pytest.mark.parametrize("line", [line for form in KEPT_FORMS for line in form.splitlines()])
def test_a_statement_reads_back_as_itself(line: str) -> None:
    """What the index stores is what a pasted notice is read as (the holder survives)."""
    statement = statement_in(line)
    if statement:
        assert statement_in(statement) == statement
        assert statement_in(f"# {statement}") == statement
        assert holder_named(holder_of(statement), [statement])


# --- end to end: a real index, a real git repository ------------------------------------------

COPIED = '''
def split_weighted_batches(items, weight_of, max_weight=100, max_items=32):
    """Group items into batches whose summed weight stays under max_weight."""
    batches = []
    current = []
    current_weight = 0
    for item in items:
        weight = weight_of(item)
        if weight > max_weight:
            raise ValueError(f"item {item!r} weighs {weight}, over the limit {max_weight}")
        if current and (current_weight + weight > max_weight or len(current) >= max_items):
            batches.append(current)
            current, current_weight = [], 0
        current.append(item)
        current_weight += weight
    if current:
        batches.append(current)
    return batches
'''


def _license_file(spdx: str, holder: str) -> str:
    texts: dict[str, str] = dict(pytest.importorskip("identify.vendor.licenses").LICENSES)
    return texts[spdx].replace("[year]", "2016").replace("[fullname]", holder)


@pytest.fixture(scope="module")
def quill_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index of one MIT source whose file header names its holder after a lead-in."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("attribution-sources")
    folder = root / "quillkit-1.4.0"
    folder.mkdir()
    (folder / "LICENSE").write_text(_license_file("MIT", HOLDER), encoding="utf-8")
    header = f"# quillkit.batches: {STATEMENT}\n# Licensed under the MIT License.\n"
    (folder / "batches.py").write_text(header + COPIED, encoding="utf-8")
    index_dir = root / "index"
    build_index([str(folder)], index_dir, encoder, encoder.encode)
    return index_dir


def _scan(repo: Path, index: Path) -> tuple[Report, Finding]:
    from ipscan.scan import ScanOptions
    from ipscan.scan import scan_repo

    report = scan_repo(repo, ScanOptions(index_dir=index, device="cpu", jobs=1))
    found = [f for f in report.findings if f.source.package == "quillkit"]
    assert found, report.findings
    return report, found[0]


PASTED = {
    "suggested": None,  # the finding's own `notice`, as `#` comments
    "portions": f"# Portions Copyright (c) 2010-2020 {HOLDER}\n# Licensed under the MIT License.\n",
    "name: Copyright": f"# split_weighted_batches: {STATEMENT}\n# SPDX-License-Identifier: MIT\n",
}


@pytest.mark.parametrize("form", list(PASTED))
def test_pasting_the_notice_above_copied_code_makes_it_ok(
    tmp_path: Path, quill_index: Path, form: str
) -> None:
    files = {"LICENSE": _license_file("Apache-2.0", "Our Team"), "app/batches.py": COPIED}
    repo = init_repo(tmp_path / "project", files)
    report, finding = _scan(repo, quill_index)
    assert finding.source.copyright[0] == STATEMENT  # read from the lead-in header
    assert finding.license_verdict == "attribution-required"
    assert fails(finding, report.fail_on)
    assert finding.notice.splitlines()[:2] == [STATEMENT, "SPDX-License-Identifier: MIT"]

    pasted = PASTED[form] or _as_comments(finding.notice, "#")
    (repo / "app/batches.py").write_text(pasted + COPIED, encoding="utf-8")
    report, finding = _scan(repo, quill_index)
    assert finding.license_verdict == "ok", finding.license_reason
    assert finding.license_reason.endswith("the notice is kept")
    assert finding.notice == ""
    assert not fails(finding, report.fail_on)

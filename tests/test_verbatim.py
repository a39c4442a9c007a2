"""The verbatim matchers: identical files, copied data, short methods and runs of them."""

from __future__ import annotations

import json
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from ipscan.decide.verbatim_findings import region_findings
from ipscan.extract.analyze import analyze_file
from ipscan.index.build import build_index
from ipscan.index.layout import FILE_CHANNEL_FILES
from ipscan.index.layout import FILE_LINES
from ipscan.index.layout import MANIFEST
from ipscan.index.layout import STRUCTURE_POSTINGS
from ipscan.index.reader import IndexReader
from ipscan.match.verbatim import VerbatimRegion
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import run_cli

# A class of short methods: no unit reaches the normalized channel's size bar on its own.
SHORT_METHODS = '''\
"""A tally of named counters (written for this test)."""


class Tally:
    def __init__(self):
        self.counts = {}

    def add(self, name, n=1):
        self.counts[name] = self.counts.get(name, 0) + n

    def drop(self, name):
        return self.counts.pop(name, 0)

    def top(self):
        return max(self.counts, key=self.counts.get)

    def total(self):
        return sum(self.counts.values())

    def names(self):
        return sorted(self.counts)

    def share(self, name):
        return self.counts.get(name, 0) / max(self.total(), 1)

    def merged(self, other):
        out = Tally()
        out.counts = {**self.counts, **other.counts}
        return out

    def __len__(self):
        return len(self.counts)
'''


def _table(name: str, first: int, rows: int) -> str:
    """A data table of real values: code points and their Unicode names."""
    body = "".join(
        f"    ({cp:#06x}, {unicodedata.name(chr(cp))!r}),\n" for cp in range(first, first + rows)
    )
    return f"{name} = [\n{body}]\n"


# A four-line module under the size bars of both file digests, and a one-line one.
SMALL_MODULE = "from .tally import Tally\n\n\ndef fresh():\n    return Tally()\n"
ONE_LINE_MODULE = '__version__ = "1.0.0+tally.local.build"\n'

TABLE = _table("LETTERS", 0x41, 26)
OTHER_TABLE = _table("KANA", 0x3042, 26)

OWN_CODE = """\
import os
import sys


def main(argv):
    target = argv[1] if len(argv) > 1 else os.getcwd()
    for entry in sorted(os.listdir(target)):
        print(entry)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""


# A module that is mostly its notice: too little code to match by its code alone.
NOTICE_MODULE = """\
# Copyright (c) 2020 Tally Authors. All rights reserved.
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this
# software, to deal in the Software without restriction, subject to the conditions above.

from tally.tally import Tally

__all__ = ["Tally"]
"""

# An umbrella header: a notice, a guard and includes; under the size bars for code, and a vendored
# copy of it is often patched (a year bumped, one more include).
UMBRELLA = """\
/* Tally: counters for C.
 * Copyright (c) 2020 Tally Authors. Distributed under the MIT License.
 */
#ifndef TALLY_ALL_H_INCLUDED
#define TALLY_ALL_H_INCLUDED

#include <tally/counter.h>
#include <tally/merge.h>
#include <tally/share.h>
#include <tally/top.h>

#endif /* TALLY_ALL_H_INCLUDED */
"""
PATCHED_UMBRELLA = UMBRELLA.replace("2020", "2020-2024").replace(
    "#include <tally/top.h>\n", "#include <tally/top.h>\n#include <tally/names.h>\n"
)
# Another project's umbrella header under the same name and notice: only the notice is shared.
OTHER_UMBRELLA = UMBRELLA.replace("TALLY_ALL", "GAUGE_ALL").replace("<tally/", "<gauge/")

# The twin of Tally.merged that upstream keeps in a second module.
TWIN = '''\
"""Merging helpers."""


def merged(self, other):
    out = Tally()
    out.counts = {**self.counts, **other.counts}
    return out


def share(self, name):
    return self.counts.get(name, 0) / max(self.total(), 1)
'''


@pytest.fixture(scope="module")
def verbatim_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    files = {
        "tally.py": SHORT_METHODS,
        "letters.py": '"""Letters."""\n\n' + TABLE,
        "__init__.py": NOTICE_MODULE,
        "merging.py": TWIN,
        "fresh.py": SMALL_MODULE,
        "version.py": ONE_LINE_MODULE,
        "all.h": UMBRELLA,
    }
    return tally_index(tmp_path_factory, encoder, files)


def tally_index(factory: pytest.TempPathFactory, encoder, files: dict[str, str]) -> Path:  # type: ignore[no-untyped-def]
    """An index of a package ``tally`` (MIT) holding ``files``, built in the run."""
    src = factory.mktemp("tally-src") / "tally"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    (src / "LICENSE").write_text("MIT License\n\nCopyright (c) 2020 Tally Authors\n")
    index_dir = factory.mktemp("tally-index") / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)
    return index_dir


def _scan(tmp_path: Path, files: dict[str, str], index_dir: Path) -> Report:
    repo = init_repo(tmp_path / "repo", files)
    return scan_repo(repo, ScanOptions(index_dir=index_dir, embeddings=False))


def _on(report: Report, path: str) -> list[Finding]:
    return [f for f in report.findings if f.path == path]


def _regions_on(report: Report, path: str) -> list[Finding]:
    return [f for f in _on(report, path) if f.scope is Scope.UNIT]


def test_a_file_copied_as_is_is_that_file(tmp_path: Path, verbatim_index: Path) -> None:
    report = _scan(tmp_path, {"vendor/tally.py": SHORT_METHODS}, verbatim_index)
    [file_level] = [f for f in _on(report, "vendor/tally.py") if f.scope is Scope.FILE]
    assert file_level.source.path.endswith("tally.py")
    assert file_level.reasons == (Reason.IDENTICAL_FILE,)
    assert file_level.matchers == (Matcher.FILE,)
    assert file_level.similarity == 1.0
    lines = (file_level.source.start_line, file_level.source.end_line)
    assert lines == (1, len(SHORT_METHODS.splitlines()))


def test_the_same_code_with_other_comments_and_layout_is_that_file(
    tmp_path: Path, verbatim_index: Path
) -> None:
    edited = "# vendored from tally 1.0\n" + SHORT_METHODS.replace("\n\n    def", "\n    def")
    report = _scan(tmp_path, {"third_party/tally.py": edited}, verbatim_index)
    [file_level] = [f for f in _on(report, "third_party/tally.py") if f.scope is Scope.FILE]
    assert file_level.reasons == (Reason.IDENTICAL_FILE_CODE,)


def test_a_run_of_short_methods_inside_other_code_is_one_region(
    tmp_path: Path, verbatim_index: Path
) -> None:
    methods = SHORT_METHODS.split("class Tally:\n", 1)[1]
    host = OWN_CODE + "\n\nclass Counter:\n" + methods
    report = _scan(tmp_path, {"app/counter.py": host}, verbatim_index)
    [region] = _regions_on(report, "app/counter.py")
    assert region.reasons == (Reason.VERBATIM_REGION,)
    assert region.source.path.endswith("tally.py")
    first = host.splitlines().index("    def __init__(self):") + 1
    assert region.start_line == first
    assert region.end_line == len(host.splitlines())


def test_a_copied_data_table_counts_and_another_table_does_not(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(
        tmp_path,
        {"app/copy.py": OWN_CODE + "\n\n" + TABLE, "app/kana.py": OWN_CODE + "\n\n" + OTHER_TABLE},
        verbatim_index,
    )
    [region] = _regions_on(report, "app/copy.py")
    assert region.source.path.endswith("letters.py")
    assert region.reasons == (Reason.VERBATIM_REGION,)
    assert _on(report, "app/kana.py") == []


def test_unrelated_code_is_not_flagged(tmp_path: Path, verbatim_index: Path) -> None:
    assert _scan(tmp_path, {"app/main.py": OWN_CODE}, verbatim_index).findings == ()


def test_a_diff_reports_a_region_only_where_it_added_it(
    tmp_path: Path, verbatim_index: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"app/copy.py": OWN_CODE + "\n\n" + TABLE})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app" / "copy.py").write_text(
        "# a comment\n" + OWN_CODE + "\n\n" + TABLE + "\nDONE = True\n", encoding="utf-8"
    )
    git(repo, "commit", "-qam", "small edit")
    small = _diff(repo, f"{base}..HEAD", verbatim_index)
    assert small == []
    (repo / "app" / "more.py").write_text(OWN_CODE + "\n\n" + TABLE, encoding="utf-8")
    git(repo, "add", "app/more.py")
    git(repo, "commit", "-qm", "copy the table again")
    added = _diff(repo, "HEAD~1..HEAD", verbatim_index)
    assert {(f["path"], f["scope"], tuple(f["reasons"])) for f in added} == {
        ("app/more.py", "unit", ("verbatim-region",)),
        ("app/more.py", "file", ("verbatim-region",)),  # the table is most of the file
    }


def _diff(repo: Path, revs: str, index_dir: Path) -> list[dict[str, object]]:
    result = run_cli(
        "diff", revs, "--index", str(index_dir), "--no-embeddings", "--format", "json", cwd=repo
    )
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def test_an_index_built_before_the_channels_scans_without_them(
    tmp_path: Path, verbatim_index: Path
) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(verbatim_index, old)
    gen = old / (old / "CURRENT").read_text().strip()
    manifest = json.loads((gen / MANIFEST).read_text())
    del manifest["file_fingerprints"]
    del manifest["structure_fingerprints"]
    del manifest["file_lines"]
    for name in (*FILE_CHANNEL_FILES, STRUCTURE_POSTINGS, FILE_LINES):
        del manifest["files"][name]
        (gen / name).unlink()
    (gen / MANIFEST).write_text(json.dumps(manifest))
    reader = IndexReader(old)
    assert len(reader.file_keys) == len(reader.structure_postings) == 0
    assert all(len(seg.file_lines) == 0 for seg in reader.segments)
    report = _scan(tmp_path, {"vendor/tally.py": SHORT_METHODS}, old)
    assert all(Matcher.FILE not in f.matchers for f in report.findings)


def test_a_short_function_copied_verbatim_is_found(tmp_path: Path, verbatim_index: Path) -> None:
    merged = textwrap.dedent(
        """\
        def merged(self, other):
            out = Tally()
            out.counts = {**self.counts, **other.counts}
            return out
        """
    )
    report = _scan(tmp_path, {"app/short.py": OWN_CODE + "\n\n" + merged}, verbatim_index)
    # Four lines are below the size bar (about 150 characters of code): not a finding.
    assert _on(report, "app/short.py") == []


def test_a_small_module_copied_with_its_notice_is_that_file(
    tmp_path: Path, verbatim_index: Path
) -> None:
    other_notice = (
        "# Copyright (c) 2024 Someone Else. Licensed under the Apache License 2.0.\n"
        + (NOTICE_MODULE.split("\n\n", 1)[1])
    )
    report = _scan(
        tmp_path,
        {"vendor/tally/__init__.py": NOTICE_MODULE, "pkg/__init__.py": other_notice},
        verbatim_index,
    )
    [found] = _on(report, "vendor/tally/__init__.py")
    assert (found.scope, found.reasons) == (Scope.FILE, (Reason.IDENTICAL_FILE,))
    assert _on(report, "pkg/__init__.py") == []  # the same two lines of code: not a copy


def test_a_small_file_is_that_file_only_as_is_and_under_its_own_name(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(
        tmp_path,
        {
            "vendor/tally/fresh.py": SMALL_MODULE,  # vendored: same text, same name
            "app/helpers.py": SMALL_MODULE,  # the same four lines under another name
            "lib/version.py": ONE_LINE_MODULE,  # one line alone: too little to tell
            "lib/fresh.py": SMALL_MODULE.replace("Tally()", "Tally(0)"),  # edited
        },
        verbatim_index,
    )
    [found] = _on(report, "vendor/tally/fresh.py")
    assert (found.scope, found.reasons) == (Scope.FILE, (Reason.IDENTICAL_FILE,))
    assert (found.source.package, found.source.path) == ("tally", "fresh.py")
    for path in ("app/helpers.py", "lib/version.py", "lib/fresh.py"):
        assert _on(report, path) == [], path


def test_a_tiny_file_is_that_file_only_beside_copies_from_its_folder(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(
        tmp_path,
        {
            "vendor/tally/fresh.py": SMALL_MODULE,  # vendored beside it
            "vendor/tally/version.py": ONE_LINE_MODULE,
            "app/version.py": ONE_LINE_MODULE,  # the same line, no copy beside it
            "app/helpers.py": SMALL_MODULE,  # beside it, but not under the indexed name
            "vendor/other/fresh.py": SMALL_MODULE,  # a copy beside it, from tally's folder
            "vendor/other/_version.py": ONE_LINE_MODULE,  # but under another name
            "vendor/tally/VERSION.py": ONE_LINE_MODULE.replace("1.0.0", "1.0.1"),  # edited
        },
        verbatim_index,
    )
    [found] = _on(report, "vendor/tally/version.py")
    assert (found.scope, found.verdict) == (Scope.FILE, Verdict.COPIED)
    assert found.reasons == (Reason.IDENTICAL_FILE_BESIDE_COPIES,)
    assert (found.source.package, found.source.path) == ("tally", "version.py")
    assert (found.start_line, found.end_line, found.similarity) == (1, 1, 1.0)
    for path in ("app/version.py", "vendor/other/_version.py", "vendor/tally/VERSION.py"):
        assert _on(report, path) == [], path


def test_a_small_file_patched_beside_copies_is_that_file_with_less_in_common(
    tmp_path: Path, verbatim_index: Path
) -> None:
    # Two of its three lines kept (a vendoring tool rewrote its import): too little alone.
    patched = SMALL_MODULE.replace("from .tally import", "from tally.tally import")
    report = _scan(
        tmp_path,
        {
            "vendor/tally/tally.py": SHORT_METHODS,  # vendored beside it
            "vendor/tally/fresh.py": patched,
            "app/fresh.py": patched,  # the same lines, no copy beside it
        },
        verbatim_index,
    )
    [found] = _on(report, "vendor/tally/fresh.py")
    assert (found.scope, found.verdict) == (Scope.FILE, Verdict.MODIFIED_COPY)
    assert found.reasons == (Reason.NEAR_IDENTICAL_FILE,)
    assert (found.source.package, found.source.path) == ("tally", "fresh.py")
    assert 0.5 <= found.similarity < 1.0
    assert _on(report, "app/fresh.py") == []


# Tally.merged moved into a module of its own under another name, as a fork that splits its
# upstream's helpers into one module each does: too short for a region, named otherwise.
MOVED_HELPER = """from .tally import Tally


def merge_tallies(self, other):
    out = Tally()
    out.counts = {**self.counts, **other.counts}
    return out
"""


def test_a_small_module_of_a_run_of_upstream_code_is_claimed_only_beside_copies(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(
        tmp_path,
        {
            "vendor/tally/tally.py": SHORT_METHODS,  # vendored beside it
            "vendor/tally/merging.py": MOVED_HELPER,
            "app/merging.py": MOVED_HELPER,  # the same module, no copy beside it
            # Beside the copy, but its own code: the run is too short a part of it.
            "vendor/tally/report.py": MOVED_HELPER + OWN_CODE,
        },
        verbatim_index,
    )
    [found] = _on(report, "vendor/tally/merging.py")
    assert found.reasons == (Reason.VERBATIM_REGION, Reason.SHORT_RUN_BESIDE_COPIES)
    assert found.matchers == (Matcher.VERBATIM,)
    # tally.py and merging.py both hold the run: the file of the scanned file's name is named.
    assert (found.source.package, found.source.path) == ("tally", "merging.py")
    assert found.start_line == 4 and found.end_line in (6, 7)  # the fingerprinted run's lines
    assert _on(report, "app/merging.py") == []
    assert _on(report, "vendor/tally/report.py") == []


def test_a_small_file_patched_in_a_line_or_two_is_that_file(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(
        tmp_path,
        {
            "extern/tally/include/all.h": PATCHED_UMBRELLA,  # vendored, year and include added
            "include/tally.h": PATCHED_UMBRELLA,  # the same lines under another name
            "extern/gauge/all.h": OTHER_UMBRELLA,  # same name and notice, other code
        },
        verbatim_index,
    )
    [found] = _on(report, "extern/tally/include/all.h")
    assert (found.scope, found.reasons) == (Scope.FILE, (Reason.NEAR_IDENTICAL_FILE,))
    assert found.matchers == (Matcher.FILE,)
    assert found.verdict is Verdict.MODIFIED_COPY
    assert (found.source.package, found.source.path) == ("tally", "all.h")
    assert (found.source.start_line, found.source.end_line) == (1, len(UMBRELLA.splitlines()))
    assert 0.8 <= found.similarity < 1.0
    assert _on(report, "include/tally.h") == []
    assert _on(report, "extern/gauge/all.h") == []


def test_a_small_module_whose_copyright_holder_was_replaced_is_that_file(
    tmp_path: Path, verbatim_index: Path
) -> None:
    claimed = NOTICE_MODULE.replace("2020 Tally Authors", "2024 Someone Else")
    report = _scan(tmp_path, {"pkg/__init__.py": claimed}, verbatim_index)
    [found] = _on(report, "pkg/__init__.py")
    assert found.reasons == (Reason.NEAR_IDENTICAL_FILE,)
    assert found.source.path == "__init__.py"


def test_a_copied_file_names_its_own_source_not_the_twins_upstream_keeps(
    tmp_path: Path, verbatim_index: Path
) -> None:
    report = _scan(tmp_path, {"vendor/tally.py": SHORT_METHODS}, verbatim_index)
    assert {f.source.path for f in _on(report, "vendor/tally.py")} == {"tally.py"}


# Thirteen import lines (about 70 raw tokens): as long as a copied region, but only imports.
IMPORTS = "".join(
    f"from {module} import {names}\n"
    for module, names in (
        ("os", "path, sep"),
        ("re", "compile, escape"),
        ("sys", "argv, exit"),
        ("json", "dumps, loads"),
        ("time", "monotonic, sleep"),
        ("shutil", "copyfile, rmtree"),
        ("logging", "getLogger, DEBUG"),
        ("hashlib", "sha256, blake2b"),
        ("pathlib", "Path, PurePath"),
        ("collections", "defaultdict, OrderedDict"),
        ("typing", "Any, Optional"),
        ("itertools", "chain, islice"),
        ("functools", "partial, reduce"),
    )
)


def test_the_same_imports_in_the_same_order_are_not_a_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "lib"
    src.mkdir()
    (src / "lib.py").write_text(IMPORTS + "\n\n" + SHORT_METHODS, encoding="utf-8")
    index_dir = tmp_path / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)
    report = _scan(tmp_path, {"app/main.py": IMPORTS + "\n\n" + OWN_CODE}, index_dir)
    assert report.findings == ()


def test_raw_tokens_that_agree_across_languages_are_no_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    # In indexes of raw-token scheme 2 a literal's raw token was "L" + its text, so the number
    # 10 in JavaScript and a C++ template parameter named L10 were the same token; only a file
    # of the same family can be a copy.
    names = [f"L{i}" for i in range(10, 70)]
    header = (
        f"template<{', '.join('class ' + n for n in names)}>\n"
        f"struct join_impl\n{{\n    using type = list<\n        {', '.join(names)}\n    >;\n}};\n"
    )
    numbers = "export const TWO_DIGITS = [\n  " + ", ".join(map(str, range(10, 70))) + "\n];\n"
    # Letter codes of a pangram: real data (an evenly spaced run of numbers is no evidence).
    pangram = "Sphinx of black quartz, judge my vow; pack my box with five dozen liquor jugs"
    letters = "export const LETTERS = [\n  " + ", ".join(str(ord(c)) for c in pangram) + "\n];\n"
    src = tmp_path / "lib"
    src.mkdir()
    (src / "join.hpp").write_text(header, encoding="utf-8")
    (src / "letters.js").write_text("// Letter codes.\n" + letters, encoding="utf-8")
    index_dir = tmp_path / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)
    host = "export function first(xs) {\n  return xs[0];\n}\n\n"
    files = {"web/numbers.js": host + numbers, "web/letters.ts": host + letters}
    report = _scan(tmp_path, files, index_dir)
    assert _on(report, "web/numbers.js") == []
    [region] = _regions_on(report, "web/letters.ts")  # JavaScript in TypeScript is a copy
    assert region.source.path.endswith("letters.js")


def test_of_an_original_and_a_vendored_copy_the_original_is_named(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    # Indexed first: a package that vendors tally (so "the first indexed" would name its copy),
    # and that also holds the methods under another file name; then tally itself.
    bundler = tmp_path / "bundler"
    (bundler / "bundler" / "_vendor" / "tally").mkdir(parents=True)
    (bundler / "bundler" / "_vendor" / "tally" / "tally.py").write_text(SHORT_METHODS)
    (bundler / "bundler" / "counting.py").write_text(SHORT_METHODS)
    original = tmp_path / "tally"
    (original / "src" / "tally").mkdir(parents=True)
    (original / "src" / "tally" / "tally.py").write_text(SHORT_METHODS)
    index_dir = tmp_path / "idx"
    build_index([str(bundler), str(original)], index_dir, encoder, encoder.encode)
    report = _scan(tmp_path, {"app/third_party/tally/tally.py": SHORT_METHODS}, index_dir)
    found = _on(report, "app/third_party/tally/tally.py")
    assert found
    assert {f.source.path for f in found} == {"src/tally/tally.py"}
    # The identical files it is as well are listed, the likeliest first.
    [whole] = [f for f in found if f.scope.value == "file"]
    also = [ref.path for ref in whole.also_in]
    assert also == ["bundler/counting.py", "bundler/_vendor/tally/tally.py"]


def _suite_init(package: str, body: list[str]) -> str:
    """A test package's ``__init__.py``: a long notice, and ``get_tests`` adding ``body``."""
    notice = "".join(
        f"# {package} self-test notice, line {i} of the suite's terms\n" for i in range(16)
    )
    adds = "".join(f"    {line}\n" for line in body)
    return (
        f'{notice}"""Self-tests of the {package} modules."""\n\nimport os\n\n\n'
        f"def get_tests(config={{}}):\n    tests = []\n{adds}    return tests\n\n\n"
        "if __name__ == '__main__':\n    import unittest\n"
        "    suite = lambda: unittest.TestSuite(get_tests())\n"
        "    unittest.main(defaultTest='suite')\n"
    )


def _adds(package: str, modules: list[str]) -> list[str]:
    return [
        f"from suite.{package} import {m}; tests += {m}.get_tests(config=config)" for m in modules
    ]


def test_a_file_nearly_all_upstreams_file_of_its_name_is_named_over_a_twins_unit(
    tmp_path: Path, encoder: Any
) -> None:
    # pycryptodome's SelfTest/Util/__init__.py: its get_tests is shaped like (names aside, the
    # same as) pycrypto's SelfTest/PublicKey/__init__.py's, but the file is, but for two lines,
    # pycrypto's SelfTest/Util/__init__.py.
    src = tmp_path / "suite"
    (src / "keys").mkdir(parents=True)
    (src / "utils").mkdir()
    keys = _adds("keys", ["test_dsa", "test_rsa", "test_import", "test_elgamal"])
    (src / "keys" / "__init__.py").write_text(_suite_init("keys", keys))
    utils = ["if os.name == 'nt':", *_adds("utils", ["test_number", "test_counter"])]
    utils.insert(1, "    " + _adds("utils", ["test_winrandom"])[0])
    (src / "utils" / "__init__.py").write_text(_suite_init("utils", utils))
    index_dir = tmp_path / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)
    forked = _adds("utils", ["test_number", "test_counter", "test_padding", "test_strxor"])
    report = _scan(
        tmp_path, {"lib/suite/utils/__init__.py": _suite_init("utils", forked)}, index_dir
    )
    [found] = _on(report, "lib/suite/utils/__init__.py")
    assert (found.scope, found.reasons) == (Scope.FILE, (Reason.NEAR_IDENTICAL_FILE,))
    assert found.source.path == "utils/__init__.py"
    assert found.similarity >= 0.9


def _region(file_id: int, lines: range, tokens: int) -> VerbatimRegion:
    return VerbatimRegion(
        query=0,
        file_id=file_id,
        query_start=lines.start,
        query_end=lines.stop - 1,
        source_start=1,
        source_end=len(lines),
        covered_tokens=tokens,
        span_tokens=tokens,
        covered_lines=frozenset(lines),
        first_token=0,
        last_token=tokens - 1,
    )


def test_a_shorter_run_elsewhere_of_lines_its_own_source_explains_is_no_finding() -> None:
    """Upstream holds a long template header twice: in the file the scanned file came from and
    in another one. The longer run, from the right file, is explained by that file's unit
    finding; the shorter run of its first line in the other file is not a copy of that file."""
    af = analyze_file(SourceFile("mp11/algorithm.hpp", OWN_CODE, "python"))
    sources = {1: "boost/mp11/algorithm.hpp", 2: "boost/mp11/detail/mp_append.hpp"}

    def lookup(file_id: int, start: int, end: int) -> SourceRef:
        return SourceRef("boost", "1.81", sources[file_id], start, end, "BSL-1.0")

    unit = Finding(
        path="mp11/algorithm.hpp",
        start_line=11,
        end_line=20,
        similarity=1.0,
        verdict=Verdict.COPIED,
        source=lookup(1, 40, 49),
        scope=Scope.UNIT,
        matchers=(Matcher.HASH,),
        evidence={},
        reasons=(Reason.IDENTICAL_TOKENS,),
    )
    regions = [_region(1, range(10, 21), 120), _region(2, range(10, 11), 62)]
    assert region_findings(regions, [af], [unit], lookup) == []
    # Without the unit finding, the longer run is the finding and the shorter one still goes.
    [alone] = region_findings(regions, [af], [], lookup)
    assert alone.source.path == sources[1]
    # Asked for every source, each source file's run is its own finding.
    every = region_findings(regions, [af], [unit], lookup, every_source=True)
    assert [f.source.path for f in every] == [sources[2]]


def test_of_runs_as_long_the_file_whose_path_ends_like_the_scanned_one_is_named() -> None:
    """Upstream ships its sources and a bundle of them (hammer.js beside src/input/touch.js):
    a fork's src/input/touch.js shares one run with each. The source file is named, the bundle
    listed; a clearly longer run from the bundle would still be named."""
    af = analyze_file(SourceFile("src/input/touch.js", OWN_CODE, "python"))
    sources = {1: "hammer.js", 2: "src/input/touch.js", 3: "src/input/mouse.js"}

    def lookup(file_id: int, start: int, end: int) -> SourceRef:
        return SourceRef("hammerjs", "2.0.8", sources[file_id], start, end, "MIT")

    regions = [_region(1, range(10, 41), 300), _region(2, range(10, 41), 300)]
    [found] = region_findings(regions, [af], [], lookup)
    assert found.source.path == "src/input/touch.js"
    assert [ref.path for ref in found.also_in] == ["hammer.js"]
    # Within the margin (a tenth) a run is as long; further off the longer one names its file.
    near = [_region(1, range(10, 41), 300), _region(2, range(10, 38), 280)]
    [found] = region_findings(near, [af], [], lookup)
    assert found.source.path == "src/input/touch.js"
    far = [_region(1, range(10, 41), 300), _region(2, range(10, 30), 200)]
    [found] = region_findings(far, [af], [], lookup)
    assert found.source.path == "hammer.js" and found.also_in == ()
    # A run of other lines is no tie: each stands as before.
    apart = [_region(1, range(10, 41), 300), _region(3, range(60, 91), 300)]
    assert {f.source.path for f in region_findings(apart, [af], [], lookup)} == {
        "hammer.js",
        "src/input/mouse.js",
    }


def _defines(prefix: str, values: list[str]) -> str:
    return "".join(f"#define {prefix}_{i} {v}\n" for i, v in enumerate(values))


ASCII_DEFINES = (
    "#ifndef ASCII_H\n#define ASCII_H\n"
    + "".join(f"#define ASCII_{chr(c)} 0x{c:02X}\n" for c in range(0x41, 0x5B))
    + "#endif\n"
)


def test_another_table_of_defines_is_no_copy(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    """Two runs of ``#define NAME VALUE`` normalize alike whatever their names and values (a
    TLS client's defaults matched expat's ``ascii.h`` that way, embeddings agreeing): only the
    table copied as it is counts."""
    index = tally_index(tmp_path_factory, encoder, {"ascii.h": ASCII_DEFINES})
    defaults = ['"localhost"', '"4433"', '"/"', "-1", *(str(n) for n in range(12))]
    defaults += [str(n * 1000) for n in range(1, 11)]
    own = "#ifndef CONFIG_H\n#define CONFIG_H\n" + _defines("DFL", defaults) + "#endif\n"
    assert len(defaults) == 26
    repo = init_repo(tmp_path / "repo", {"config.h": own, "vendor/ascii.h": ASCII_DEFINES})
    report = scan_repo(repo, ScanOptions(index_dir=index))
    assert _on(report, "config.h") == []
    assert {f.scope for f in _on(report, "vendor/ascii.h")} >= {Scope.FILE}


def test_tables_made_by_a_formula_are_no_copy(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    """An alphabet, a base64 decoding table and a switch over the unreserved characters are
    written alike by projects that never met (curl's and libarchive's were claimed as absl's and
    expat's): no finding; the same file copied as it is still is one. (Three such tables in
    the same order and lengths, only their names changed, are still chained into a region.)"""
    from tests.test_raw_scheme import ALPHABET
    from tests.test_raw_scheme import DECODE
    from tests.test_raw_scheme import LABELS

    theirs = ALPHABET + DECODE + LABELS
    index = tally_index(tmp_path_factory, encoder, {"tables.c": theirs})
    own = "int count(const char *s) {\n  int n = 0;\n  while (*s++)\n    n++;\n  return n;\n}\n"
    ours = {
        "name.c": ALPHABET.replace("num", "letters") + own,
        "base64.c": own + DECODE.replace("decodetable", "b64"),
        "escape.c": LABELS.replace("unreserved", "url_ok") + own.replace("count", "length"),
    }
    repo = init_repo(tmp_path / "repo", {**ours, "vendor/tables.c": theirs})
    report = scan_repo(repo, ScanOptions(index_dir=index))
    assert [f for path in ours for f in _on(report, path)] == []
    assert {f.scope for f in _on(report, "vendor/tables.c")} >= {Scope.FILE}

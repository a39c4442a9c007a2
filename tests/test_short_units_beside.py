"""Small files of short copied units, claimed beside copies from the same package."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipscan.decide.short_units import short_units_beside
from ipscan.extract.analyze import analyze_file
from ipscan.records import Finding
from ipscan.records import Matcher
from ipscan.records import Reason
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceFile
from ipscan.records import SourceRef
from ipscan.records import Verdict
from tests.test_verbatim import OWN_CODE
from tests.test_verbatim import SHORT_METHODS
from tests.test_verbatim import _scan
from tests.test_verbatim import tally_index

# Upstream keeps its helpers in one module; a fork moves each into a file of its own.
HELPERS = '''\
"""Helpers (written for this test)."""


def invoke_each(items, name, args):
    for item in items:
        method = getattr(item, name, None)
        if method is not None:
            method(*args)
    return len(items)


def split_words(text, limit):
    words = [w for w in text.strip().split() if w]
    if limit and len(words) > limit:
        return words[:limit]
    return words
'''
INVOKE_EACH = HELPERS.split("\n\n\n")[1]


@pytest.fixture(scope="module")
def helpers_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    files = {"tally.py": SHORT_METHODS, "helpers.py": HELPERS}
    return tally_index(tmp_path_factory, encoder, files)


def _claimed(report: Report, path: str) -> list[str]:
    return [
        f.source.path
        for f in report.findings
        if f.path == path and f.verdict is not Verdict.SIMILAR
    ]


def test_a_helper_module_of_the_fork_is_claimed_beside_its_copied_package(
    tmp_path: Path, helpers_index: Path
) -> None:
    module = '"""Call a method on each item."""\n\n\n' + INVOKE_EACH + "\n"
    report = _scan(
        tmp_path,
        {"fork/tally/tally.py": SHORT_METHODS, "fork/tally/utils/invoke_each.py": module},
        helpers_index,
    )
    assert _claimed(report, "fork/tally/tally.py")
    [short] = [f for f in report.findings if f.path == "fork/tally/utils/invoke_each.py"]
    assert short.source.path.endswith("helpers.py")
    assert Reason.SHORT_UNIT_BESIDE_COPIES in short.reasons


def test_the_same_helper_alone_or_inside_a_program_is_not_claimed(
    tmp_path: Path, helpers_index: Path
) -> None:
    module = '"""Call a method on each item."""\n\n\n' + INVOKE_EACH + "\n"
    program = OWN_CODE + "\n\n" + INVOKE_EACH + "\n"
    report = _scan(
        tmp_path,
        {
            "fork/tally/tally.py": SHORT_METHODS,
            # The same helper as most of a program of its own, beside the copy: not claimed.
            "fork/tally/tool.py": program,
            # Alone, with no copy from that package in its folder or the one above.
            "elsewhere/deep/invoke_each.py": module,
        },
        helpers_index,
    )
    assert _claimed(report, "fork/tally/tally.py")
    assert _claimed(report, "fork/tally/tool.py") == []
    assert _claimed(report, "elsewhere/deep/invoke_each.py") == []


def _finding(path: str, package: str, name: str = "helper") -> Finding:
    source = SourceRef(package, "1.0", f"{package}/mod.py", 1, 6, "MIT", unit_name=name)
    return Finding(
        path=path,
        start_line=1,
        end_line=6,
        similarity=1.0,
        verdict=Verdict.COPIED,
        source=source,
        scope=Scope.UNIT,
        unit_name="helper",
        matchers=(Matcher.HASH,),
    )


def test_a_folder_of_snippets_from_many_packages_claims_no_short_unit() -> None:
    body = "".join(f"    items.append(name + '{i}')\n" for i in range(4))
    helper = "def helper(items, name):\n" + body + "    return items\n"
    af = analyze_file(SourceFile("pos/short.py", helper, "python"))
    short = [_finding("pos/short.py", "tally")]
    # Most files of the folder come from tally: the short copy is tally's too.
    mostly = [_finding("pos/a.py", "tally"), _finding("pos/b.py", "tally")]
    assert [f.reasons for f in short_units_beside(short, mostly, [af])] == [
        (Reason.SHORT_UNIT_BESIDE_COPIES,)
    ]
    # One file in four from tally: a folder of snippets from many packages, no claim.
    mixed = [_finding(f"pos/{p}.py", p) for p in ("gauge", "meter", "dial")]
    assert short_units_beside(short, [*mixed, mostly[0]], [af]) == []
    # A unit of another name that matches it (a twin) is no claim either.
    twin = [_finding("pos/short.py", "tally", name="other")]
    assert short_units_beside(twin, mostly, [af]) == []

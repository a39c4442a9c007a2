"""Every SPDX id known, families from ScanCode LicenseDB categories, a `restricted` verdict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ipscan.errors import UsageError
from ipscan.licensing import normalize_license
from ipscan.licensing.categories import category_info
from ipscan.licensing.compat import LICENSES
from ipscan.licensing.compat import VERDICT_ORDER
from ipscan.licensing.compat import Family
from ipscan.licensing.compat import LicenseVerdict
from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat import license_verdict
from ipscan.licensing.judge import LicenseContext
from ipscan.licensing.judge import judge_licenses
from ipscan.licensing.policy import LICENSE_VERDICTS
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import load_policy
from ipscan.licensing.spdx import SPDX_EXCEPTIONS
from ipscan.licensing.spdx import SPDX_IDS
from ipscan.licensing.spdx import parse_spdx_expression
from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Finding
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report import fails

RESTRICTED = "restricted"
ATTR = "attribution-required"
CONFLICT = "copyleft-conflict"
OK = "ok"
UNKNOWN = "unknown-license"

CASES = [
    # Source-available and non-commercial: restricted, whatever the project's license.
    *(
        (lic, out, RESTRICTED)
        for lic in ("BUSL-1.1", "SSPL-1.0", "Elastic-2.0", "CC-BY-NC-4.0")
        for out in ("MIT", "GPL-3.0-only", None)
    ),
    ("BUSL-1.1", "BUSL-1.1", RESTRICTED),  # the same license: the licensor's terms still apply
    ("CPOL-1.02", "MIT", RESTRICTED),  # Free Restricted
    ("SISSL", "MIT", RESTRICTED),  # Proprietary Free
    # Permissive category: keep the notice.
    ("curl", "MIT", ATTR),
    ("ICU", "MIT", ATTR),
    ("X11", "MIT", ATTR),  # in ipscan's table
    ("curl", "GPL-2.0-only", ATTR),
    # Copyleft Limited: file-level, the copied file stays under its license (like MPL-2.0).
    ("APSL-2.0", None, ATTR),
    # Copyleft, not in ipscan's table: only a project under the same license may take it.
    ("OSL-2.1", "MIT", CONFLICT),
    ("Sleepycat", None, CONFLICT),
    ("OSL-2.1", "OSL-2.1", OK),
    ("GPL-3.0-only", "MIT AND OSL-2.1", CONFLICT),
    # Public domain.
    ("Unlicense", "MIT", OK),
    ("CC-PDDC", None, OK),
    ("NIST-PD", "GPL-2.0-only", OK),
    # Unknown: made up, or a category that says nothing of the terms (Unstated License).
    ("Foo-1.0", "MIT", UNKNOWN),
    ("any-OSI", "MIT", UNKNOWN),
    # Spelling: any case, deprecated ids.
    ("busl-1.1", "MIT", RESTRICTED),
    ("gfdl-1.3", None, ATTR),
    # Expressions: OR takes the best option, AND the worst part.
    ("MIT OR BUSL-1.1", None, ATTR),
    ("MIT AND BUSL-1.1", None, RESTRICTED),
    ("GPL-3.0-only AND BUSL-1.1", "MIT", RESTRICTED),  # restricted outranks a conflict
    ("BUSL-1.1 AND LicenseRef-foo", None, RESTRICTED),
    # A deprecated "GPL-with-exception" id is judged as its GPL, not by its category.
    ("GPL-2.0-with-classpath-exception", "MIT", CONFLICT),
    ("GPL-2.0-with-classpath-exception", "GPL-2.0-or-later", OK),
]


@pytest.mark.parametrize(("inbound", "outbound", "expected"), CASES)
def test_verdict(inbound: str, outbound: str | None, expected: str) -> None:
    decision = license_verdict(inbound, outbound)
    assert decision.verdict.value == expected, decision.reason


def test_restricted_says_what_to_do_and_cites_the_category() -> None:
    decision = license_verdict("BUSL-1.1", "MIT")
    assert decision.verdict is LicenseVerdict.RESTRICTED
    (todo,) = decision.obligations
    assert todo.startswith("remove the copy, or obtain a license that permits this use (BUSL-1.1")
    assert "source-available" in todo
    assert "ScanCode LicenseDB category, via license-expression's bundled index" in decision.reason


def test_restricted_ranks_between_copyleft_conflict_and_incompatible() -> None:
    order = [v.value for v in VERDICT_ORDER]
    assert order.index(CONFLICT) + 1 == order.index(RESTRICTED) == order.index("incompatible") - 1


@pytest.mark.parametrize(
    ("lic", "family"),
    [
        ("curl", Family.PERMISSIVE),
        ("CC-PDDC", Family.PUBLIC_DOMAIN),
        ("APSL-2.0", Family.WEAKCOPYLEFT),
        ("OSL-2.1", Family.STRONGCOPYLEFT),
        ("BUSL-1.1", Family.RESTRICTED),
        ("any-OSI", None),
        ("Foo-1.0", None),
    ],
)
def test_family_from_the_category(lic: str, family: Family | None) -> None:
    info = category_info(lic)
    assert (info.family if info else None) is family


def test_the_curated_table_wins_over_the_category() -> None:
    # ScanCode files MPL-2.0 and CC-BY-SA-4.0 as Copyleft Limited, OSL-3.0 as Copyleft.
    assert LICENSES["CC-BY-SA-4.0"].family is Family.STRONGCOPYLEFT
    assert license_verdict("CC-BY-SA-4.0", "MIT").verdict.value == CONFLICT
    assert license_verdict("OSL-3.0", "GPL-3.0-only").verdict.value == "incompatible"
    assert license_verdict("MPL-2.0", "GPL-2.0-only").verdict.value == ATTR


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("busl-1.1", "BUSL-1.1"),
        ("ELASTIC-2.0", "Elastic-2.0"),
        ("Curl", "curl"),
        ("cc-by-nc-4.0", "CC-BY-NC-4.0"),
        ("gpl-2.0+", "GPL-2.0-or-later"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("mit OR busl-1.1", "MIT OR BUSL-1.1"),
        ("apache-2.0 with llvm-exception", "Apache-2.0 WITH LLVM-exception"),
        ("gpl-2.0-only with classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
        ("MPL-2.0-no-copyleft-exception", "MPL-2.0-no-copyleft-exception"),
        ("GPL", None),  # no version: ambiguous, as before
        ("Foo-1.0", None),
        ("MIT WITH BUSL-1.1", None),  # a license is no exception
        ("LLVM-exception", None),  # nor an exception a license
    ],
)
def test_canonical_spelling(text: str, canonical: str | None) -> None:
    assert parse_spdx_expression(text) == canonical


def test_ids_of_a_judged_expression_are_canonical() -> None:
    assert license_ids("busl-1.1 AND icu") == ["BUSL-1.1", "ICU"]
    assert normalize_license("elastic-2.0") == "Elastic-2.0"


def test_every_spdx_id_is_known() -> None:
    assert len(SPDX_IDS) >= 600
    assert len(SPDX_EXCEPTIONS) >= 60
    wanted = ("BUSL-1.1", "SSPL-1.0", "Elastic-2.0", "CC-BY-NC-4.0", "curl", "ICU", "X11")
    assert [w for w in wanted if SPDX_IDS.get(w.lower()) != w] == []
    assert all(k == k.lower() for k in SPDX_IDS)
    assert not any(k.startswith("licenseref-") for k in SPDX_IDS)


def test_the_list_loads_on_first_use_not_at_import() -> None:
    code = (
        "import sys\n"
        "import ipscan.licensing.policy, ipscan.licensing.judge\n"
        "from ipscan.licensing.license_db import license_db\n"
        "assert license_db.cache_info().currsize == 0\n"
        "assert 'license_expression' not in sys.modules\n"
        "from ipscan.licensing.compat import license_verdict\n"
        "assert license_verdict('BUSL-1.1', 'MIT').verdict == 'restricted'\n"
        "assert license_db.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# --- policy --------------------------------------------------------------------------------------


def _policy(tmp_path: Path, text: str) -> Policy:
    (tmp_path / ".ipscan.toml").write_text(text, encoding="utf-8")
    return load_policy(tmp_path)


@pytest.mark.parametrize(
    "line",
    [
        'project-license = "BUSL-1.1"',
        'project-license = "curl OR ICU"',
        'allowed-licenses = ["BUSL-1.1", "cc-by-nc-*", "LicenseRef-acme"]',
        'denied-licenses = ["SSPL-1.0"]',
        'fail-on = ["restricted"]',
        '[[components]]\nname = "x"\nlicense = "Elastic-2.0"\npaths = ["v/**"]',
    ],
)
def test_policy_accepts_every_spdx_id(tmp_path: Path, line: str) -> None:
    _policy(tmp_path, line + "\n")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('project-license = "MIT-ish"', "unknown license id 'MIT-ish'"),
        ('project-license = "BUSL-1.2"', "(did you mean 'BUSL-1.1'?)"),
        ('allowed-licenses = ["GPL-2.0"]', "(did you mean 'GPL-2.0-only'?)"),
        ('allowed-licenses = ["elastic"]', "not an SPDX license id"),
    ],
)
def test_policy_rejects_what_is_not_an_id(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        _policy(tmp_path, line + "\n")
    assert message in str(err.value)


def test_restricted_is_a_license_verdict_and_fails_by_default() -> None:
    assert RESTRICTED in LICENSE_VERDICTS
    assert RESTRICTED in DEFAULT_FAIL_ON
    assert Policy().fail_on == DEFAULT_FAIL_ON


def test_a_restricted_copy_fails_the_run_by_default() -> None:
    source = SourceRef("acme", "1.0", "acme/core.py", 1, 2, "BUSL-1.1", copyright=("(c) Acme",))
    f = Finding("src/app.py", 1, 2, 0.98, Verdict.COPIED, source)
    (judged,) = judge_licenses([f], LicenseContext("MIT", Policy(), {f.path: "x = 1\n"}))
    assert judged.license_verdict == RESTRICTED
    assert judged.obligations[0].startswith("remove the copy, or obtain a license")
    assert fails(judged)
    assert not fails(judged, ("copyleft-conflict",))

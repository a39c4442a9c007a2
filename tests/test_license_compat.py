"""License compatibility verdicts: copying source under one license into a project under another."""

from __future__ import annotations

import dataclasses

import pytest

from ipscan.licensing.compat import LICENSES
from ipscan.licensing.compat import NO_LICENSE
from ipscan.licensing.compat import VERDICT_ORDER
from ipscan.licensing.compat import Decision
from ipscan.licensing.compat import Family
from ipscan.licensing.compat import LicenseVerdict
from ipscan.licensing.compat import license_verdict

OK = "ok"
ATTR = "attribution-required"
CONFLICT = "copyleft-conflict"
INCOMPAT = "incompatible"
NOLIC = "no-license"
UNKNOWN = "unknown-license"

CASES = [
    # Permissive: notices travel with the code, whatever the project's license.
    ("MIT", None, ATTR),
    ("MIT", "MIT", ATTR),
    ("MIT", "GPL-3.0-only", ATTR),
    ("MIT", "Apache-2.0", ATTR),
    ("BSD-3-Clause", "GPL-2.0-only", ATTR),
    ("ISC", None, ATTR),
    # No notice needed, or public domain.
    ("MIT-0", None, OK),
    ("0BSD", "GPL-2.0-only", OK),
    ("CC0-1.0", None, OK),
    ("Unlicense", "MIT", OK),
    ("WTFPL", None, OK),
    # Apache-2.0: GPLv3-compatible (notices kept), GPLv2-incompatible.
    ("Apache-2.0", "GPL-2.0-only", INCOMPAT),
    ("Apache-2.0", "GPL-3.0-or-later", ATTR),
    ("Apache-2.0", "GPL-2.0-or-later", ATTR),  # the project can go out under GPLv3
    ("Apache-2.0", None, ATTR),
    # File-level copyleft: the copied file keeps its license; fine even in proprietary work.
    ("MPL-2.0", "MIT", ATTR),
    ("MPL-2.0", None, ATTR),
    ("MPL-2.0", "GPL-3.0-only", ATTR),  # MPL-2.0 section 3.3 Secondary Licenses
    ("EPL-2.0", "Apache-2.0", ATTR),
    ("CDDL-1.0", None, ATTR),
    ("EPL-1.0", "GPL-2.0-only", INCOMPAT),
    ("CDDL-1.0", "GPL-3.0-only", INCOMPAT),
    ("MPL-1.1", "GPL-2.0-or-later", INCOMPAT),
    # LGPL copied as source: the library exception is for linking, not copying.
    ("LGPL-2.1-only", "MIT", CONFLICT),
    ("LGPL-3.0-or-later", None, CONFLICT),
    ("LGPL-2.1-or-later", "GPL-3.0-only", OK),
    ("LGPL-3.0-only", "GPL-2.0-only", INCOMPAT),
    # GPL.
    ("GPL-3.0-only", "MIT", CONFLICT),
    ("GPL-3.0-only", None, CONFLICT),
    ("GPL-2.0-only", "Apache-2.0", CONFLICT),
    ("GPL-3.0-only", "GPL-2.0-only", INCOMPAT),
    ("GPL-3.0-or-later", "GPL-2.0-only", INCOMPAT),
    ("GPL-2.0-only", "GPL-3.0-only", INCOMPAT),
    ("GPL-2.0-only", "GPL-3.0-or-later", INCOMPAT),
    ("GPL-2.0-or-later", "GPL-3.0-only", OK),
    ("GPL-2.0-only", "GPL-2.0-or-later", OK),
    ("GPL-3.0-only", "GPL-3.0-or-later", OK),
    ("GPL-3.0-only", "MPL-2.0", CONFLICT),
    ("GPL-2.0+", "GPL-3.0-only", OK),  # deprecated spelling
    # AGPL: GPLv3 section 13 allows combining AGPLv3 code with GPLv3 code.
    ("AGPL-3.0-only", "GPL-3.0-only", OK),
    ("AGPL-3.0-or-later", "GPL-2.0-only", INCOMPAT),
    ("AGPL-3.0-only", "MIT", CONFLICT),
    ("GPL-3.0-only", "AGPL-3.0-only", OK),
    # Others.
    ("EUPL-1.2", "GPL-3.0-only", OK),
    ("EUPL-1.2", None, CONFLICT),
    ("CC-BY-SA-4.0", "GPL-3.0-only", OK),
    ("OSL-3.0", "GPL-3.0-only", INCOMPAT),
    # Expressions: OR takes the best option, AND the worst part, WITH keeps the base license.
    ("MIT OR GPL-3.0-only", None, ATTR),
    ("GPL-2.0-only OR Apache-2.0", "GPL-2.0-only", OK),
    ("MIT AND GPL-3.0-only", None, CONFLICT),
    ("MIT AND GPL-3.0-only", "GPL-3.0-only", ATTR),
    ("(MIT OR Apache-2.0) AND BSD-3-Clause", "MIT", ATTR),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "MIT", CONFLICT),
    ("Apache-2.0 WITH LLVM-exception", "GPL-2.0-only", INCOMPAT),
    ("mit or cc0-1.0", None, OK),
    # Outbound expressions: OR must suit every option; AND is governed by its copyleft part.
    ("GPL-3.0-only", "MIT OR GPL-3.0-only", CONFLICT),
    ("Apache-2.0", "MIT OR GPL-2.0-only", INCOMPAT),
    ("GPL-3.0-only", "MIT AND GPL-3.0-or-later", OK),
    ("GPL-3.0-only", "LicenseRef-proprietary", CONFLICT),
    ("GPL-3.0-only", NO_LICENSE, CONFLICT),
    # No license, unknown license.
    ("NOASSERTION", "MIT", NOLIC),
    ("NONE", None, NOLIC),
    ("", "MIT", NOLIC),
    ("LicenseRef-foo", "MIT", UNKNOWN),
    ("Frobnicate-1.0", None, UNKNOWN),
    ("Apache 2.0 license (", None, UNKNOWN),
    ("MIT AND LicenseRef-foo", None, UNKNOWN),
    ("MIT OR LicenseRef-foo", None, ATTR),
    ("LicenseRef-foo AND GPL-3.0-only", None, CONFLICT),
    ("NOASSERTION OR MIT", None, ATTR),
]


@pytest.mark.parametrize(("inbound", "outbound", "expected"), CASES)
def test_verdict_table(inbound: str, outbound: str | None, expected: str) -> None:
    decision = license_verdict(inbound, outbound)
    assert isinstance(decision, Decision)
    assert decision.verdict.value == expected, decision.reason
    assert decision.reason


def test_verdict_strings_are_pinned() -> None:
    assert [v.value for v in LicenseVerdict] == [
        "ok",
        "attribution-required",
        "copyleft-conflict",
        "incompatible",
        "no-license",
        "unknown-license",
        "restricted",
    ]
    assert [v.value for v in VERDICT_ORDER] == [
        "ok",
        "attribution-required",
        "unknown-license",
        "no-license",
        "copyleft-conflict",
        "restricted",
        "incompatible",
    ]


def test_table_entries_have_family_and_reason() -> None:
    assert len(LICENSES) >= 40
    for lic, info in LICENSES.items():
        assert isinstance(info.family, Family), lic
        assert info.reason.strip(), lic
        for out in info.into | set(info.not_into):
            assert out in LICENSES, (lic, out)
        assert not info.into & set(info.not_into), lic


def test_brief_licenses_are_in_the_table() -> None:
    wanted = [
        "MIT",
        "MIT-0",
        "ISC",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "0BSD",
        "Apache-2.0",
        "Zlib",
        "BSL-1.0",
        "Unlicense",
        "CC0-1.0",
        "PSF-2.0",
        "Python-2.0",
        "WTFPL",
        "X11",
        "NCSA",
        "BlueOak-1.0.0",
        "UPL-1.0",
        "Artistic-2.0",
        "MPL-2.0",
        "MPL-1.1",
        "EPL-1.0",
        "EPL-2.0",
        "CDDL-1.0",
        "LGPL-2.0-only",
        "LGPL-2.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "EUPL-1.2",
        "OSL-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
    ]
    assert [w for w in wanted if w not in LICENSES] == []


def test_obligations() -> None:
    mit = license_verdict("MIT", None)
    assert "keep the copyright and license notice" in mit.obligations
    mpl = license_verdict("MPL-2.0", "MIT")
    assert "the copied file stays under MPL-2.0; publish changes to it" in mpl.obligations
    assert license_verdict("MIT-0", None).obligations == ()
    agpl = license_verdict("AGPL-3.0-only", "GPL-3.0-only")
    assert any("network" in o for o in agpl.obligations)
    both = license_verdict("MIT AND BSD-3-Clause", None)
    assert both.obligations.count("keep the copyright and license notice") == 1


def test_with_exception_is_noted() -> None:
    decision = license_verdict("GPL-2.0-only WITH Classpath-exception-2.0", None)
    assert "Classpath-exception-2.0" in decision.reason


def test_decision_is_frozen() -> None:
    decision = license_verdict("MIT", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.verdict = LicenseVerdict.OK  # type: ignore[misc]

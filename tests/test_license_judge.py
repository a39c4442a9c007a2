"""License verdicts per finding (``ipscan.licensing.judge``), called directly on findings.

The scans in test_license_verdicts.py and test_license_e2e.py pin the common cases through the
CLI (copyleft into MIT, a kept or missing notice, a notice file, Apache into GPL-2.0-only, a
policy that allows, denies or flags one license, a matching declared component). These pin how
the rules combine: which one wins when several apply, expressions under a policy, a declared
component that does not match, and which judged findings fail a run.
"""

from __future__ import annotations

import pytest

from ipscan.licensing.judge import LicenseContext
from ipscan.licensing.judge import judge_licenses
from ipscan.licensing.policy import Component
from ipscan.licensing.policy import Policy
from ipscan.records import Finding
from ipscan.records import SourceRef
from ipscan.records import Verdict
from ipscan.report import fails

HOLDER = "Copyright (c) 2019 Jane Roe"
MIT_HEADER = f"# {HOLDER}\n# Licensed under the MIT License.\n"
CODE = "def copied():\n    return 1\n"


def finding(
    license: str,
    path: str = "src/app.py",
    copyright: tuple[str, ...] = (HOLDER,),
    verdict: Verdict = Verdict.COPIED,
) -> Finding:
    return Finding(
        path=path,
        start_line=1,
        end_line=2,
        similarity=0.98,
        verdict=verdict,
        source=SourceRef(
            package="roelib",
            version="2.1.0",
            path="roelib/core.py",
            start_line=10,
            end_line=11,
            license=license,
            copyright=copyright,
        ),
    )


def judge(
    f: Finding,
    outbound: str | None = "MIT",
    policy: Policy | None = None,
    text: str = CODE,
    notices: tuple[str, ...] = (),
) -> Finding:
    ctx = LicenseContext(outbound, policy or Policy(), {f.path: text}, notices)
    (judged,) = judge_licenses([f], ctx)
    return judged


# --- attribution -------------------------------------------------------------------------------


def test_a_missing_notice_says_what_to_add() -> None:
    judged = judge(finding("MIT"), outbound=None)
    assert judged.license_verdict == "attribution-required"
    assert judged.license_reason.endswith("the copyright and license notice is missing")
    assert "keep the copyright and license notice" in judged.obligations
    assert judged.notice.splitlines() == [
        HOLDER,
        "SPDX-License-Identifier: MIT",
        "(from roelib 2.1.0, roelib/core.py)",
    ]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (MIT_HEADER + CODE, "ok"),
        (f"# {HOLDER}\n" + CODE, "attribution-required"),  # the holder, but no license named
        ("# Licensed under the MIT License.\n" + CODE, "attribution-required"),  # no holder
        (f"# {HOLDER}\n# Licensed under the Apache License 2.0\n" + CODE, "attribution-required"),
    ],
)
def test_a_kept_notice_names_both_the_holder_and_the_license(text: str, verdict: str) -> None:
    judged = judge(finding("MIT"), text=text)
    assert judged.license_verdict == verdict
    assert (judged.notice == "") is (verdict == "ok")


def test_without_a_known_holder_the_license_mention_alone_is_the_notice() -> None:
    judged = judge(finding("MIT", copyright=()), text="# Licensed under the MIT License.\n" + CODE)
    assert judged.license_verdict == "ok"
    assert judged.license_reason.endswith("; the notice is kept")
    missing = judge(finding("MIT", copyright=()))
    assert missing.notice.splitlines()[0] == "Copyright (c) the roelib authors"


def test_a_notice_in_another_scanned_file_does_not_count() -> None:
    f = finding("MIT")
    ctx = LicenseContext("MIT", Policy(), {f.path: CODE, "src/other.py": MIT_HEADER + CODE})
    (judged,) = judge_licenses([f], ctx)
    assert judged.license_verdict == "attribution-required"


# --- the policy against the table --------------------------------------------------------------


def test_denied_wins_over_a_kept_notice() -> None:
    policy = Policy(denied=("MIT",))
    judged = judge(finding("MIT"), policy=policy, text=MIT_HEADER + CODE)
    assert judged.license_verdict == "denied"
    assert judged.license_reason == "policy denies MIT"
    assert judged.obligations == ("remove the copied code",)
    assert judged.notice == ""


def test_allowing_a_license_does_not_waive_its_notice() -> None:
    policy = Policy(allowed=("MIT",))
    assert judge(finding("MIT"), policy=policy).license_verdict == "attribution-required"
    kept = judge(finding("MIT"), policy=policy, text=MIT_HEADER + CODE)
    assert kept.license_verdict == "ok"


def test_an_allowed_copyleft_license_still_needs_its_notice() -> None:
    source = finding("GPL-3.0-only")
    assert judge(source).license_verdict == "copyleft-conflict"
    judged = judge(source, policy=Policy(allowed=("GPL-*",)))
    assert judged.license_verdict == "attribution-required"
    assert judged.license_reason.startswith("policy allows GPL-3.0-only (table: ")
    assert judged.obligations == ("keep the copyright and license notice",)
    gpl_header = f"# {HOLDER}\n# GNU General Public License version 3\n"
    kept = judge(source, policy=Policy(allowed=("GPL-*",)), text=gpl_header + CODE)
    assert kept.license_verdict == "ok"


@pytest.mark.parametrize(
    ("license_", "verdict"),
    [
        ("CC-PDDC", "ok"),  # judged by its ScanCode category: public domain, no notice
        ("BUSL-1.1", "attribution-required"),  # allowed by the policy, its notice still kept
        ("curl", "attribution-required"),
    ],
)
def test_a_license_judged_by_its_category_and_allowed_keeps_the_notice_it_asks_for(
    license_: str, verdict: str
) -> None:
    judged = judge(finding(license_), policy=Policy(allowed=(license_,)))
    assert judged.license_verdict == verdict


def test_flagging_lowers_an_ok_copy_to_flagged() -> None:
    judged = judge(finding("MIT"), policy=Policy(flagged=("MIT",)), text=MIT_HEADER + CODE)
    assert judged.license_verdict == "flagged"
    assert judged.license_reason.startswith("policy flags MIT for review; ")
    assert judged.license_reason.endswith("; the notice is kept")


def test_flagging_never_improves_a_worse_verdict() -> None:
    judged = judge(finding("GPL-3.0-only"), policy=Policy(flagged=("GPL-3.0-only",)))
    assert judged.license_verdict == "copyleft-conflict"
    unknown = judge(finding("LicenseRef-roe-eula"), policy=Policy(flagged=("LicenseRef-*",)))
    assert unknown.license_verdict == "unknown-license"


@pytest.mark.parametrize(
    ("expression", "verdict"),
    [
        # OR: the project may pick the option the policy does not deny.
        ("MIT OR GPL-3.0-only", "attribution-required"),
        # AND: every part applies, so a denied part denies the copy.
        ("MIT AND GPL-3.0-only", "denied"),
        ("GPL-3.0-only WITH Classpath-exception-2.0", "denied"),
    ],
)
def test_a_denied_license_inside_an_expression(expression: str, verdict: str) -> None:
    judged = judge(finding(expression), policy=Policy(denied=("GPL-*",)))
    assert judged.license_verdict == verdict


# --- declared components -----------------------------------------------------------------------

VENDORED = Component(name="roelib", license="MIT", paths=("third_party/roelib/**",))


def test_a_component_declared_under_another_license_is_judged_by_the_table() -> None:
    f = finding("GPL-3.0-only", path="third_party/roelib/core.py")
    judged = judge(f, policy=Policy(components=(VENDORED,)))
    assert judged.license_verdict == "copyleft-conflict"
    assert judged.license_reason.startswith(
        "declared as component roelib (MIT) but it matches GPL-3.0-only code; "
    )


def test_a_declared_component_covers_sources_without_a_license_statement() -> None:
    f = finding("NOASSERTION", path="third_party/roelib/core.py", copyright=())
    assert judge(f).license_verdict == "no-license"
    judged = judge(f, policy=Policy(components=(VENDORED,)))
    assert judged.license_verdict == "ok"
    assert judged.license_reason == "declared component roelib (MIT)"
    assert judged.obligations == ("keep the copyright and license notice",)


def test_a_component_covers_only_its_own_paths() -> None:
    f = finding("GPL-3.0-only", path="src/roelib_core.py")
    judged = judge(f, policy=Policy(components=(VENDORED,)))
    assert judged.license_verdict == "copyleft-conflict"
    assert "component" not in judged.license_reason


# --- every finding is judged, and which ones fail ----------------------------------------------


def test_every_finding_is_judged_in_order_and_keeps_its_detection() -> None:
    found = [finding("MIT"), finding("GPL-3.0-only", path="src/b.py"), finding("CC0-1.0")]
    judged = judge_licenses(found, LicenseContext("MIT", Policy(), {}))
    assert [j.license_verdict for j in judged] == [
        "attribution-required",
        "copyleft-conflict",
        "ok",
    ]
    for before, after in zip(found, judged, strict=True):
        assert (after.path, after.source, after.verdict) == (
            before.path,
            before.source,
            before.verdict,
        )
    assert judge_licenses([], LicenseContext(None, Policy(), {})) == []


def test_which_judged_findings_fail_a_run() -> None:
    conflict = judge(finding("GPL-3.0-only"))
    ok = judge(finding("MIT"), text=MIT_HEADER + CODE)
    flagged = judge(finding("MIT"), policy=Policy(flagged=("MIT",)), text=MIT_HEADER + CODE)
    similar = judge(finding("GPL-3.0-only", verdict=Verdict.SIMILAR))
    assert fails(conflict) and not fails(ok) and not fails(flagged)
    # A look-alike shown with --explain is not a copy: its license does not fail the run...
    assert similar.license_verdict == "copyleft-conflict" and not fails(similar)
    # ...unless the policy fails on `similar` itself.
    assert fails(similar, ("similar",))
    assert fails(flagged, ("flagged",))
    assert not fails(conflict, ("denied",))
    assert fails(ok, ("copied",))  # a detection verdict in fail-on fails any copy

"""Each finding's license verdict: may the source's license be copied into this project?

In order: a declared component (the policy's approved third-party code) is ``ok`` when its
declared license is the matched source's; the compatibility table judges the source license
against the project's; the policy's denied / allowed / flagged lists override the table; and
a copy that is allowed only with attribution is ``ok`` when its notice is kept (in the file or
a project notice file), else ``attribution-required`` with the notice to add.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

from ipscan.licensing.attribution import notice_kept
from ipscan.licensing.attribution import notice_to_add
from ipscan.licensing.categories import license_info
from ipscan.licensing.compat import VERDICT_ORDER
from ipscan.licensing.compat import LicenseVerdict
from ipscan.licensing.compat import license_ids
from ipscan.licensing.compat import license_verdict
from ipscan.licensing.compat_table import COPYLEFT
from ipscan.licensing.path_patterns import path_matches
from ipscan.licensing.policy import DENIED
from ipscan.licensing.policy import FLAGGED
from ipscan.licensing.policy import Component
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import license_status
from ipscan.records import Finding

# The table's verdicts best first, with the policy's: `flagged` just after attribution (it asks
# for a review, not a change), `denied` last.
_TABLE_ORDER = [v.value for v in VERDICT_ORDER]
_ORDER = (*_TABLE_ORDER[:2], FLAGGED, *_TABLE_ORDER[2:], DENIED)


@dataclass(frozen=True)
class LicenseContext:
    """What license judging needs beyond the findings."""

    outbound: str | None  # the project's license
    policy: Policy
    texts: Mapping[str, str]  # scanned path → its text
    notice_texts: tuple[str, ...] = ()  # the project's NOTICE / THIRD-PARTY files


def judge_licenses(findings: Sequence[Finding], ctx: LicenseContext) -> list[Finding]:
    """The findings with ``license_verdict``, ``obligations``, reason and notice filled in."""
    return [_judge(f, ctx) for f in findings]


def _needs_notice(expression: str) -> bool:
    ids = license_ids(expression)
    infos = [license_info(i) for i in ids]
    return not ids or any(i is None or i.notice or i.family in COPYLEFT for i in infos)


def _component(f: Finding, policy: Policy) -> Component | None:
    for c in policy.components:
        if path_matches(f.path, c.paths):
            return c
    return None


def _judge(f: Finding, ctx: LicenseContext) -> Finding:
    source_license = f.source.license
    decision = license_verdict(source_license, ctx.outbound)
    component = _component(f, ctx.policy)
    prefix = ""
    if component is not None:
        declared = set(license_ids(component.license))
        matched = set(license_ids(source_license))
        if not matched or source_license == "NOASSERTION" or declared & matched:
            return replace(
                f,
                license_verdict=LicenseVerdict.OK.value,
                obligations=license_verdict(component.license, ctx.outbound).obligations,
                license_reason=f"declared component {component.name} ({component.license})",
            )
        prefix = (
            f"declared as component {component.name} ({component.license}) but it matches "
            f"{source_license} code; "
        )
    verdict, reason = decision.verdict.value, decision.reason
    obligations = decision.obligations
    status = license_status(source_license, ctx.policy)
    if status == DENIED:
        verdict, reason = DENIED, f"policy denies {source_license}"
        obligations = ("remove the copied code",)
    elif status == "allowed" and verdict not in (
        LicenseVerdict.OK.value,
        LicenseVerdict.ATTRIBUTION_REQUIRED.value,
    ):
        needs = _needs_notice(source_license)
        verdict = (LicenseVerdict.ATTRIBUTION_REQUIRED if needs else LicenseVerdict.OK).value
        reason = f"policy allows {source_license} (table: {decision.reason})"
        obligations = ("keep the copyright and license notice",) if needs else ()
    notice = ""
    if verdict == LicenseVerdict.ATTRIBUTION_REQUIRED.value:
        if notice_kept(ctx.texts.get(f.path, ""), ctx.notice_texts, f.source):
            verdict = LicenseVerdict.OK.value
            reason += "; the notice is kept"
        else:
            notice = notice_to_add(f.source)
            reason += "; the copyright and license notice is missing"
    if status == FLAGGED and _ORDER.index(verdict) < _ORDER.index(FLAGGED):
        verdict = FLAGGED
        reason = f"policy flags {source_license} for review; {reason}"
    return replace(
        f,
        license_verdict=verdict,
        obligations=obligations,
        license_reason=prefix + reason,
        notice=notice,
    )

"""Each finding's license verdict: may the source's license be copied into this project?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ipscan.licenses.compat import license_verdict
from ipscan.records import Finding


def judge_licenses(findings: Sequence[Finding], outbound: str | None) -> list[Finding]:
    """The findings with ``license_verdict`` and ``obligations`` filled in."""
    out = []
    for f in findings:
        decision = license_verdict(f.source.license, outbound)
        out.append(
            replace(f, license_verdict=decision.verdict.value, obligations=decision.obligations)
        )
    return out

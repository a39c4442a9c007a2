"""What a finding means under the policy: its level, and its license verdict with the fix.

Shared by the SARIF log and the GitHub annotations, so both say the same thing. License
verdicts are treated as open strings: one this module has no words for still gets its
obligations, notice or reason as the fix.
"""

from __future__ import annotations

from typing import Literal

from ipscan.records import Finding
from ipscan.records import Verdict
from ipscan.report import fails

Level = Literal["error", "warning", "note"]

# Order of importance, for keeping the most important results when some must go.
LEVEL_RANK: dict[Level, int] = {"error": 0, "warning": 1, "note": 2}

# License verdicts that need nothing done (the empty string: not judged).
ALLOWED = frozenset({"", "ok"})

# What to do when a finding carries neither a notice nor obligations.
DEFAULT_FIX = {
    "attribution-required": "keep the source's copyright and license notice with the code",
    "unknown-license": "read the source's license terms, or replace the code",
    "no-license": "get the copyright holder's permission, or replace the code",
    "copyleft-conflict": "relicense the receiving work compatibly, or remove the copied code",
    "incompatible": "remove or rewrite the copied code",
    "restricted": "remove the copy, or obtain a license that permits this use",
    "flagged": "have the copy reviewed (the policy flags this license)",
    "denied": "remove the copied code (the policy denies this license)",
}


def level(f: Finding, fail_on: tuple[str, ...]) -> Level:
    """``error`` when ``f`` fails the run; ``warning`` for a license issue that does not;
    else ``note`` (an allowed copy, or a ``similar`` match)."""
    if fails(f, fail_on):
        return "error"
    if f.verdict is not Verdict.SIMILAR and f.license_verdict not in ALLOWED:
        return "warning"
    return "note"


def one_line(text: str, sep: str = " | ") -> str:
    """Multi-line text (a notice) on one line, its non-blank lines joined by ``sep``."""
    return sep.join(ln.strip() for ln in text.splitlines() if ln.strip())


def fix(f: Finding) -> str:
    """What to do about ``f``'s license, in a few words ("" when nothing is needed or known)."""
    if f.notice:
        return "add the notice: " + one_line(f.notice)
    if f.obligations:
        return "; ".join(f.obligations)
    if f.license_verdict in ALLOWED:
        return ""
    return DEFAULT_FIX.get(f.license_verdict, f.license_reason)


def license_message(f: Finding) -> str:
    """``license: attribution-required — add the notice: ...`` ("" when not judged)."""
    if not f.license_verdict:
        return ""
    todo = fix(f)
    return f"license: {f.license_verdict}" + (f" — {todo}" if todo else "")


def ranked(findings: tuple[Finding, ...], fail_on: tuple[str, ...]) -> list[int]:
    """Indices of ``findings``, most important first: failing, then warnings, then notes;
    report order within each."""
    ranks = [LEVEL_RANK[level(f, fail_on)] for f in findings]
    return sorted(range(len(findings)), key=lambda i: (ranks[i], i))

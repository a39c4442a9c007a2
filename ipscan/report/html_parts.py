"""Small HTML pieces of the report shared by the table and the finding sections.

Badges for the detection verdict and the license verdict, the policy marker, and the labels of
a finding's lines. Every text from the scan or the index goes through ``esc``.
"""

from __future__ import annotations

import re
from html import escape

from ipscan.records import Finding
from ipscan.records import Scope
from ipscan.records import Verdict
from ipscan.report import fails

# License verdicts by what a reviewer has to do; any other (future) verdict counts as an issue,
# so a verdict this module does not know yet is never shown as harmless.
OK = "ok"
ATTENTION = ("attribution-required", "flagged")
NOT_JUDGED = ""

# Kinds of license verdict, most urgent first (the order sorts the table's column).
KINDS = ("issue", "attention", "none", "ok")


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too, so it is safe in attributes)."""
    return escape(str(value), quote=True)


def license_kind(verdict: str) -> str:
    """``ok``, ``attention``, ``none`` (not judged) or ``issue``: the badge's colour class."""
    if verdict == OK:
        return "ok"
    if verdict in ATTENTION:
        return "attention"
    if verdict == NOT_JUDGED:
        return "none"
    return "issue"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", text.lower()) or "x"


def verdict_badge(f: Finding) -> str:
    """The detection verdict (copied, modified-copy, similar) as a coloured badge."""
    v = f.verdict.value
    return f'<span class="verdict v-{_slug(v)}" title="detection verdict">{esc(v)}</span>'


def license_badge(verdict: str) -> str:
    """The license verdict as a badge whose class says how urgent it is."""
    kind = license_kind(verdict)
    label = verdict or "license not judged"
    return (
        f'<span class="lic lic-{kind} lv-{_slug(verdict)}" data-license-verdict="{esc(verdict)}" '
        f'title="license verdict">{esc(label)}</span>'
    )


def license_sort_key(verdict: str) -> str:
    """A text key that sorts license verdicts most urgent first."""
    return f"{KINDS.index(license_kind(verdict))} {verdict}"


def failed_by(f: Finding, fail_on: tuple[str, ...]) -> str | None:
    """The fail-on entry that makes ``f`` fail the policy, or None when it passes."""
    if not fails(f, fail_on):
        return None
    return f.verdict.value if f.verdict.value in fail_on else f.license_verdict


def policy_why(f: Finding, fail_on: tuple[str, ...]) -> str:
    """Why ``f`` fails or passes, in words (which fail-on entry matched, or why none did)."""
    entry = failed_by(f, fail_on)
    if entry is not None:
        return f"fail-on lists {entry}"
    if f.verdict is Verdict.SIMILAR and f.license_verdict in fail_on:
        return "a similar match fails only when fail-on lists similar"
    if f.license_verdict:
        return f"fail-on does not list {f.license_verdict} or {f.verdict.value}"
    return f"license not judged; fail-on does not list {f.verdict.value}"


def policy_marker(f: Finding, fail_on: tuple[str, ...], short: bool = False) -> str:
    """``fails the policy`` / ``passes the policy``, with the matching entry unless ``short``."""
    failing = failed_by(f, fail_on) is not None
    cls, mark, word = ("fail", "✖", "fails") if failing else ("pass", "✔", "passes")
    why = "" if short else f' <span class="why">({esc(policy_why(f, fail_on))})</span>'
    return f'<span class="policy policy-{cls}">{mark} {word} the policy</span>{why}'


def lines_label(f: Finding) -> str:
    """``whole file (lines 1-320)`` for file findings, ``lines 12-48`` for units."""
    lines = f"lines {f.start_line}-{f.end_line}"
    return f"whole file ({lines})" if f.scope is Scope.FILE else lines


def unit_label(f: Finding) -> str:
    """What the matched unit is: its name, ``whole file``, or what an unnamed unit stands for."""
    if f.scope is Scope.FILE:
        return "whole file"
    if f.unit_name:
        return f.unit_name
    # Adjacent units are merged into one finding; a merge of differently named units has no name.
    merged = f.evidence.get("merged_units")
    return f"{merged:g} merged units" if merged else "top-level code"

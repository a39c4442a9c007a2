"""May code under one license be copied into a project under another?

The question is the scanner's: a file-level copy of *source code* from an inbound license into the
outbound (the scanned project's) license. Linking permissions (the LGPL's library terms, the
Classpath or GCC runtime exceptions) do not cover that, so they are noted but never relied on.

Verdicts, from best to worst (``A OR B`` takes the best option, ``A AND B`` the worst part)::

    ok < attribution-required < unknown-license < no-license < copyleft-conflict < restricted
      < incompatible

* ``ok``: compatible, with nothing to do beyond what the project's own license already asks
  (copyleft code into a compatible copyleft project; public-domain and no-notice licenses).
* ``attribution-required``: allowed, but the copied code's notices must travel with it
  (permissive licenses that ask for a notice; file-level copyleft such as MPL-2.0, whose copied
  file stays under its license).
* ``unknown-license``: the inbound names a license this table does not know; read it.
* ``no-license``: no license at all (NOASSERTION, NONE, empty): all rights reserved.
* ``copyleft-conflict``: allowed only if the project (or the files receiving the code) is
  relicensed under the inbound copyleft license.
* ``restricted``: source-available, non-commercial or proprietary terms limit use; copying
  needs those terms accepted (or another license), whatever the project's license.
* ``incompatible``: the two licenses' terms cannot both be met, whatever the project does.

A license outside the table is judged by its ScanCode LicenseDB category (``categories``);
one with no telling category is ``unknown-license``. An unknown outbound (None, NOASSERTION, a
LicenseRef not in the table) is treated as proprietary. An outbound ``A OR B`` must stay
compatible with every option (worst); an outbound ``A AND B`` is judged against its copyleft
parts when it has any (they govern the whole), else against every part.

The table itself (families, notices, clashes, cited reasons) is in ``compat_table``.
"""

from __future__ import annotations

import re
from typing import Literal
from typing import TypeAlias

from ipscan.licensing.categories import license_info
from ipscan.licensing.categories import restricted_terms
from ipscan.licensing.compat_table import COPYLEFT
from ipscan.licensing.compat_table import LICENSES
from ipscan.licensing.compat_table import NO_LICENSE
from ipscan.licensing.compat_table import NOT_A_LICENSE
from ipscan.licensing.compat_table import RANK
from ipscan.licensing.compat_table import VERDICT_ORDER
from ipscan.licensing.compat_table import Decision
from ipscan.licensing.compat_table import Family
from ipscan.licensing.compat_table import LicenseInfo
from ipscan.licensing.compat_table import LicenseVerdict
from ipscan.licensing.spdx import canonical_exception_id
from ipscan.licensing.spdx import canonical_license_id

__all__ = [
    "LICENSES",
    "NO_LICENSE",
    "VERDICT_ORDER",
    "Decision",
    "Family",
    "LicenseInfo",
    "LicenseVerdict",
    "Node",
    "expression_tree",
    "license_ids",
    "license_verdict",
]

_KEEP_NOTICE = "keep the copyright and license notice"

# --- SPDX expression parsing (ids may be unknown; they are judged, not rejected) ---------------

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9.+:\-]+)")
_GNU_OLD = re.compile(r"^(a?gpl|lgpl)-(\d\.\d)(\+?)$", re.IGNORECASE)
_TABLE_IDS = {k.lower(): k for k in LICENSES}

# A parsed expression: ("id", name) | ("with", name, exception) | ("and"|"or", left, right).
# Walks narrow it with ``node[0] == "..."`` (mypy does not narrow through ``in`` or a variable).
IdNode: TypeAlias = tuple[Literal["id"], str]
WithNode: TypeAlias = tuple[Literal["with"], str, str]
OpNode: TypeAlias = tuple[Literal["and", "or"], "Node", "Node"]
Node: TypeAlias = IdNode | WithNode | OpNode


def _canonical(token: str) -> str:
    low = token.lower()
    if low in _TABLE_IDS:
        return _TABLE_IDS[low]
    if low.startswith(("licenseref-", "documentref-")):
        return token
    known = canonical_license_id(token)
    if known is not None:
        return known.removesuffix("+")  # "MPL-2.0+": judged as the named version
    old = _GNU_OLD.match(low)
    if old:  # a GNU version SPDX has no id for ("GPL-4.0"): judged as unknown, spelled alike
        suffix = "-or-later" if old.group(3) else "-only"
        return f"{old.group(1).upper()}-{old.group(2)}{suffix}"
    return token


def _parse(text: str) -> Node | None:
    """The expression tree of an SPDX expression, or None when it is not one."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            return None
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not tokens or len(tokens) > _MAX_TOKENS or _depth(tokens) > _MAX_DEPTH:
        return None  # also keeps the recursive parser and tree walks far from the stack limit
    node, rest = _parse_or(tokens)
    return node if node is not None and not rest else None


# Real expressions have a handful of ids and rarely two levels of parentheses; anything much
# bigger comes from a hostile or garbled file and is not an expression.
_MAX_TOKENS = 256
_MAX_DEPTH = 16


def _depth(tokens: list[str]) -> int:
    depth = deepest = 0
    for tok in tokens:
        depth += {"(": 1, ")": -1}.get(tok, 0)
        deepest = max(deepest, depth)
    return deepest


def _parse_or(tokens: list[str]) -> tuple[Node | None, list[str]]:
    left, tokens = _parse_and(tokens)
    while left is not None and tokens and tokens[0].lower() == "or":
        right, tokens = _parse_and(tokens[1:])
        left = ("or", left, right) if right is not None else None
    return left, tokens


def _parse_and(tokens: list[str]) -> tuple[Node | None, list[str]]:
    left, tokens = _parse_with(tokens)
    while left is not None and tokens and tokens[0].lower() == "and":
        right, tokens = _parse_with(tokens[1:])
        left = ("and", left, right) if right is not None else None
    return left, tokens


def _parse_with(tokens: list[str]) -> tuple[Node | None, list[str]]:
    if not tokens:
        return None, tokens
    head = tokens[0]
    if head == "(":
        inner, rest = _parse_or(tokens[1:])
        if inner is None or not rest or rest[0] != ")":
            return None, rest
        return inner, rest[1:]
    if head == ")" or head.lower() in ("and", "or", "with"):
        return None, tokens
    name = _canonical(head)
    rest = tokens[1:]
    if rest and rest[0].lower() == "with":
        if len(rest) < 2 or rest[1] in ("(", ")") or rest[1].lower() in ("and", "or", "with"):
            return None, rest
        return ("with", name, canonical_exception_id(rest[1]) or rest[1]), rest[2:]
    return ("id", name), rest


# --- Judging -------------------------------------------------------------------------------------


def _worst(decisions: list[Decision], joiner: str = "; ") -> Decision:
    worst = max(decisions, key=lambda d: RANK[d.verdict])
    obligations = tuple(dict.fromkeys(o for d in decisions for o in d.obligations))
    reason = joiner.join(dict.fromkeys(d.reason for d in decisions))
    return Decision(worst.verdict, obligations, reason)


def _best(options: list[Decision]) -> Decision:
    best = min(options, key=lambda d: RANK[d.verdict])
    if len(options) == 1:
        return best
    return Decision(best.verdict, best.obligations, f"best option: {best.reason}")


def _judge_atom(lic: str, out: str | None) -> Decision:
    """One inbound license id into one outbound id (None: proprietary or unknown)."""
    if lic.lower() in NOT_A_LICENSE:
        return Decision(
            LicenseVerdict.NO_LICENSE,
            ("get the copyright holder's permission",),
            "no license: all rights reserved, copying needs permission",
        )
    info = license_info(lic)
    if info is None:
        return Decision(
            LicenseVerdict.UNKNOWN_LICENSE,
            ("review the license terms",),
            f"{lic}: license not in ipscan's compatibility table",
        )
    where = out or "a proprietary or unlicensed project"
    head = f"{lic} ({info.family.value}) into {where}"
    if out is not None and out in info.not_into:
        return Decision(LicenseVerdict.INCOMPATIBLE, (), f"{head}: {info.not_into[out]}")
    if info.family is Family.RESTRICTED:
        terms = restricted_terms(lic)
        return Decision(
            LicenseVerdict.RESTRICTED,
            (f"remove the copy, or obtain a license that permits this use ({lic} is {terms})",),
            f"{head}: {info.reason}; its terms apply whatever the project's license",
        )
    if info.family is Family.PUBLIC_DOMAIN:
        return Decision(LicenseVerdict.OK, (), f"{head}: {info.reason}")
    if info.family is Family.PERMISSIVE:
        if not info.notice:
            return Decision(LicenseVerdict.OK, (), f"{head}: {info.reason}")
        notice = [_KEEP_NOTICE]
        if lic in ("Apache-2.0", "ECL-2.0"):
            notice += ["keep the NOTICE file's attributions", "mark the files you changed"]
        return Decision(
            LicenseVerdict.ATTRIBUTION_REQUIRED, tuple(notice), f"{head}: {info.reason}"
        )
    if info.family is Family.WEAKCOPYLEFT:
        return Decision(
            LicenseVerdict.ATTRIBUTION_REQUIRED,
            (_KEEP_NOTICE, f"the copied file stays under {lic}; publish changes to it"),
            f"{head}: file-level copyleft allows it ({info.reason})",
        )
    if out is not None and (out == lic or out in info.into):
        obligations = [f"keep the {lic} notices"]
        if out != lic:
            obligations.append(
                f"the combined work goes out under {out} terms compatible with {lic}"
            )
        if info.family is Family.NETWORKCOPYLEFT:
            obligations.append(f"the {lic} network-use terms still apply to the copied code")
        return Decision(LicenseVerdict.OK, tuple(obligations), f"{head}: {info.reason}")
    return Decision(
        LicenseVerdict.COPYLEFT_CONFLICT,
        (f"relicense the receiving work under {lic}, or remove the copied code",),
        f"{head}: copied {info.family.value} code makes the work {lic} ({info.reason})",
    )


def _judge_inbound(node: Node, out: str | None) -> Decision:
    if node[0] == "id":
        return _judge_atom(node[1], out)
    if node[0] == "with":
        base = _judge_atom(node[1], out)
        note = f" [{node[2]} noted: exceptions cover linking or runtime use, not copied source]"
        return Decision(base.verdict, base.obligations, base.reason + note)
    left = _judge_inbound(node[1], out)
    right = _judge_inbound(node[2], out)
    return _best([left, right]) if node[0] == "or" else _worst([left, right])


def _outbound_ids(node: Node | None) -> list[str | None]:
    """The outbound licenses the inbound code must satisfy (None: proprietary)."""
    if node is None:
        return [None]
    if node[0] == "id" or node[0] == "with":
        lic = node[1]
        known = lic.lower() not in NOT_A_LICENSE and license_info(lic) is not None
        return [lic if known else None]
    if node[0] == "or":
        return _outbound_ids(node[1]) + _outbound_ids(node[2])
    parts = _outbound_ids(node[1]) + _outbound_ids(node[2])
    copyleft: list[str | None] = [p for p in parts if p is not None and _copyleft(p)]
    return copyleft or parts


def _copyleft(lic: str) -> bool:
    info = license_info(lic)
    return info is not None and info.family in COPYLEFT


def expression_tree(text: str) -> Node | None:
    """The parsed tree of an SPDX expression (ids canonicalized), or None when it is not one."""
    return _parse(text)


def license_ids(text: str) -> list[str]:
    """The license ids an SPDX expression names, in order (exceptions left out)."""

    def walk(node: Node) -> list[str]:
        if node[0] == "id" or node[0] == "with":
            return [node[1]]
        return walk(node[1]) + walk(node[2])

    tree = _parse(text)
    return list(dict.fromkeys(walk(tree))) if tree is not None else []


def license_verdict(inbound: str | None, outbound: str | None) -> Decision:
    """May code under ``inbound`` (an SPDX expression) be copied into an ``outbound`` project?"""
    text = (inbound or "").strip()
    if text.lower() in NOT_A_LICENSE:
        return _judge_atom(NO_LICENSE, None)
    tree = _parse(text)
    if tree is None:
        return Decision(
            LicenseVerdict.UNKNOWN_LICENSE,
            ("review the license terms",),
            f"{text!r} is not an SPDX license expression",
        )
    out_text = (outbound or "").strip()
    out_tree = _parse(out_text) if out_text.lower() not in NOT_A_LICENSE else None
    targets = list(dict.fromkeys(_outbound_ids(out_tree)))
    return _worst([_judge_inbound(tree, out) for out in targets], joiner=" | ")

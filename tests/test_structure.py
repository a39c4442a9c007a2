"""The structure-insensitive channel: what survives a copier's control-flow rewrites."""

from __future__ import annotations

import random
import textwrap

import numpy as np

from ipscan.extract.analyze import analyze_file
from ipscan.extract.fingerprint import UnitEvidence
from ipscan.match.structure import structure_candidates
from ipscan.match.structure import structure_shared
from ipscan.records import Matcher
from ipscan.records import SourceFile
from ipscan.training.control_flow import control_flow_rewrite
from tests.conftest import installed_file

ORIGINAL = textwrap.dedent(
    '''\
    def summarize(orders, limit):
        """Totals per customer of the orders over a limit (written for this test)."""
        totals = {}
        for order in orders:
            if order.amount > limit and not order.cancelled:
                name = order.customer.strip().lower()
                totals[name] = totals.get(name, 0) + order.amount * order.quantity
            else:
                skipped.append(order.reference)
        ranked = [(total, name) for name, total in totals.items() if total > limit]
        label = "many" if len(ranked) > 10 else "few"
        return sorted(ranked, reverse=True), label
    '''
)


def _evidence(code: str) -> UnitEvidence:
    [unit] = analyze_file(SourceFile("x.py", code, "python")).units
    return unit.evidence


def _containment(a: np.ndarray, b: np.ndarray) -> float:
    return len(np.intersect1d(a, b)) / max(len(a), 1)


def test_control_flow_rewrites_keep_most_structure_fingerprints() -> None:
    rewritten = control_flow_rewrite(ORIGINAL, random.Random(0))
    assert rewritten is not None and "while" in rewritten and "not" in rewritten
    src, copy = _evidence(ORIGINAL), _evidence(rewritten)
    structure = _containment(copy.structure, src.structure)
    main = _containment(np.unique(copy.hashes), np.unique(src.hashes))
    # Every transform applied at once (for→while over next(), if/else swapped, the conditional
    # expression unfolded): twice the main channel's share.
    assert structure >= 0.3
    assert structure >= 1.8 * main


def test_unrelated_code_shares_few_structure_fingerprints() -> None:
    text = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    units = analyze_file(SourceFile("formatting.py", text, "python")).units
    copy = _evidence(ORIGINAL)
    assert max(_containment(copy.structure, u.evidence.structure) for u in units) < 0.2


def test_a_pair_sharing_enough_structure_fingerprints_is_a_candidate() -> None:
    src = _evidence(ORIGINAL)
    rewritten = control_flow_rewrite(ORIGINAL, random.Random(0))
    assert rewritten is not None
    postings = np.zeros(len(src.structure), dtype=[("hash", "<u8"), ("unit", "<u4")])
    postings["hash"] = src.structure
    postings["unit"] = 7
    shared = structure_shared([_evidence(rewritten)], postings, n_units=100)
    [candidate] = structure_candidates(shared)
    assert (candidate.query, candidate.unit_id, candidate.matcher) == (0, 7, Matcher.STRUCTURE)
    assert candidate.score == shared.get((0, 7)) >= 4 and shared.get((1, 7)) == 0

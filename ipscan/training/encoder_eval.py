"""How well an encoder finds the original of a rewritten function (issue #7's measure).

Held-out functions of Python modules are indexed (with other functions as distractors); each
is rewritten at the levels of ``rewrites.LEVELS`` (snippets aside) and embedded as a query.
Per level: recall@1 and MRR of the original among the indexed functions, and how well the
best-match cosine separates copies from unrelated functions (functions of other modules, not
indexed): ROC-AUC and the true-positive rate at 1% false positives.

Renamed levels get fresh random names (``rewrites`` names identifiers ``v0``, ``v1``, ...; a
real copier picks words), so canonicalization is not handed the answer.

``canonical=True`` embeds every function with its identifiers renamed in order of first use
(``v0``, ``v1``, ...), comments dropped: an input normalization to compare against raw text.
"""

from __future__ import annotations

import random
import re
import sysconfig
import textwrap
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipscan.training.fit import roc_auc
from ipscan.training.rewrites import LEVELS
from ipscan.training.rewrites import functions
from ipscan.training.rewrites import retokenize
from ipscan.training.rewrites import rewrite

EVAL_LEVELS = tuple(level for level in LEVELS if level != "snippet")
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class EvalSet:
    """Originals (indexed), distractors (indexed), unrelated functions, queries per level."""

    originals: list[str]
    distractors: list[str]
    unrelated: list[str]
    queries: dict[str, list[tuple[int, str]]]  # level -> (original index, rewritten code)


def stdlib_modules() -> list[Path]:
    """The Python standard library's own modules (tests and idle/tkinter left out)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = ("test", "idlelib", "tkinter", "lib2to3", "site-packages", "ensurepip", "turtledemo")
    return sorted(
        p for p in root.rglob("*.py") if not any(part in skip for part in p.relative_to(root).parts)
    )


def make_eval_set(
    modules: Sequence[Path], n: int, n_distractors: int, n_unrelated: int, seed: int = 0
) -> EvalSet:
    """Split the functions of ``modules`` by module into indexed and unrelated ones."""
    rng = random.Random(seed)
    mods = list(modules)
    rng.shuffle(mods)
    cut = max(1, len(mods) // 5)
    pool = [m for m in mods[cut:]]
    other = mods[:cut]
    indexed: list[tuple[str, object]] = []
    for path in pool:
        text = path.read_text(encoding="utf-8", errors="replace")
        indexed += [(text, fn) for fn in functions(text)]
    rng.shuffle(indexed)
    originals: list[str] = []
    queries: dict[str, list[tuple[int, str]]] = {level: [] for level in EVAL_LEVELS}
    rest = []
    for text, fn in indexed:
        if len(originals) >= n:
            rest.append((text, fn))
            continue
        code = _code(text, fn)
        made = {lv: rewrite(text, fn, lv, rng) for lv in EVAL_LEVELS}  # type: ignore[arg-type]
        if any(v is None for v in made.values()):
            rest.append((text, fn))
            continue
        for lv, out in made.items():
            code_out = out[0]  # type: ignore[index]
            if "renamed" in lv or lv == "statement-added":
                code_out = _random_names(code_out, rng)
            queries[lv].append((len(originals), code_out))
        originals.append(code)
    distractors = [_code(t, f) for t, f in rest[:n_distractors]]
    unrelated: list[str] = []
    for path in other:
        text = path.read_text(encoding="utf-8", errors="replace")
        unrelated += [_code(text, fn) for fn in functions(text)]
    rng.shuffle(unrelated)
    return EvalSet(originals, distractors, unrelated[:n_unrelated], queries)


_WORDS = [
    "item",
    "value",
    "count",
    "total",
    "node",
    "entry",
    "key",
    "name",
    "data",
    "result",
    "index",
    "buffer",
    "state",
    "item_list",
    "config",
    "handler",
    "record",
    "target",
    "source",
    "offset",
    "limit",
    "flag",
    "payload",
    "context",
    "cursor",
    "token",
]


def _random_names(code: str, rng: random.Random) -> str:
    """``v0``, ``v1``, ... replaced by distinct word-like names."""
    names: dict[str, str] = {}

    def pick(m: re.Match[str]) -> str:
        if m.group(0) not in names:
            names[m.group(0)] = f"{rng.choice(_WORDS)}_{rng.randint(1, 999)}"
        return names[m.group(0)]

    return re.sub(r"\bv\d+\b", pick, code)


def _code(text: str, fn: object) -> str:
    lines = text.splitlines()[fn.lineno - 1 : fn.end_lineno]  # type: ignore[attr-defined]
    return textwrap.dedent("\n".join(lines) + "\n")


def canonical(code: str) -> str:
    """Identifiers renamed in order of first use, comments dropped (unchanged on error)."""
    return retokenize(code, rename=True) or code


def evaluate_encoder(data: EvalSet, embed: Embed, canonical_input: bool = False) -> dict:  # type: ignore[type-arg]
    """Per level: recall@1, MRR, ROC-AUC and TPR at 1% FPR of the best-match cosine."""
    prep = canonical if canonical_input else (lambda c: c)
    gallery = embed([prep(c) for c in data.originals + data.distractors])
    unrelated = embed([prep(c) for c in data.unrelated])
    neg_best = (unrelated @ gallery.T).max(1)
    out: dict[str, dict[str, float]] = {}
    for level, items in data.queries.items():
        if not items:
            continue
        q = embed([prep(code) for _, code in items])
        sims = q @ gallery.T
        truth = np.array([i for i, _ in items])
        true_sim = sims[np.arange(len(items)), truth]
        rank = (sims > true_sim[:, None]).sum(1) + 1
        pos_best = sims.max(1)
        scores = np.concatenate([pos_best, neg_best])
        labels = np.concatenate([np.ones(len(pos_best)), np.zeros(len(neg_best))])
        cut = np.quantile(neg_best, 0.99)
        out[level] = {
            "n": float(len(items)),
            "recall@1": round(float((rank == 1).mean()), 4),
            "mrr": round(float((1.0 / rank).mean()), 4),
            "roc_auc": round(roc_auc(scores, labels), 4),
            "tpr@1%fpr": round(float((pos_best > cut).mean()), 4),
        }
    return out

"""Language-general rewrites for the encoder's training and evaluation."""

from __future__ import annotations

import random

import pytest

from ipscan.extract.analyze import analyze_file
from ipscan.records import SourceFile
from ipscan.training.code_corpus import CodeFunction
from ipscan.training.encoder_eval import rewritten
from ipscan.training.ts_rewrites import LEVELS

SOURCES = {
    "python": (
        "a.py",
        """class Cart:
    def total(self, items, rate):
        # sum everything
        total = 0
        for item in items:
            if item.price > rate:
                total += item.price * rate
            else:
                total -= item.discount
        total = round(total, 2)
        return total + len(items) * rate
""",
    ),
    "javascript": (
        "a.js",
        """function total(items, rate) {
  // sum everything
  let total = 0;
  for (const item of items) {
    if (item.price > rate) {
      total += item.price * rate;
    } else {
      total -= item.discount;
    }
  }
  total = Math.round(total * 100) / 100;
  return total + items.length * rate;
}
""",
    ),
    "go": (
        "a.go",
        """package cart

func Total(items []Item, rate float64) float64 {
\t// sum everything
\ttotal := 0.0
\tfor _, item := range items {
\t\tif item.Price > rate {
\t\t\ttotal += item.Price * rate
\t\t} else {
\t\t\ttotal -= item.Discount
\t\t}
\t}
\ttotal = math.Round(total*100) / 100
\treturn total + float64(len(items))*rate
}
""",
    ),
    "java": (
        "A.java",
        """class Cart {
    double total(List<Item> items, double rate) {
        // sum everything
        double total = 0;
        for (Item item : items) {
            if (item.price > rate) {
                total += item.price * rate;
            } else {
                total -= item.discount;
            }
        }
        total = Math.round(total * 100) / 100.0;
        return total + items.size() * rate;
    }
}
""",
    ),
}


def _function(language: str) -> CodeFunction:
    path, code = SOURCES[language]
    file = SourceFile(path, code, language)
    return CodeFunction("pkg", language, file, analyze_file(file).units[0])


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_every_level_parses_back_with_the_expected_change(language: str) -> None:
    fn = _function(language)
    au = fn.unit
    rng = random.Random(0)
    made = {level: rewritten(fn, level, rng) for level in LEVELS}
    assert all(sample is not None for sample in made.values())
    assert made["verbatim"].text == au.unit.text  # type: ignore[union-attr]
    for level in ("reformatted", "renamed"):
        sample = made[level]
        assert sample is not None and sample.text != au.unit.text
        # Layout, comments and names only. (A renamed Go call of float64 no longer shares its
        # number with the float64 type, so compare token counts there.)
        assert len(sample.canonical.split()) == len(au.canonical.split())
    assert made["reformatted"].canonical == au.canonical  # type: ignore[union-attr]
    deleted = made["renamed-edited"]
    added = made["statement-added"]
    assert deleted is not None and added is not None
    assert len(deleted.canonical.split()) < len(au.canonical.split())
    assert len(added.canonical.split()) > len(au.canonical.split())
    assert "total" not in made["renamed"].text.split("(")[1]  # type: ignore[union-attr]


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_control_swapped_rewrites_one_structure_and_parses_back(language: str) -> None:
    fn = _function(language)
    au = fn.unit
    samples = [rewritten(fn, "control-swapped", random.Random(seed)) for seed in range(6)]
    made = [s for s in samples if s is not None]
    assert made, "every sample has an if/else or a counting for loop to rewrite"
    for sample in made:
        words = sample.canonical.split()
        negated = "!" in words or "not" in words
        assert negated or ("while" in words and "while" not in au.canonical.split())
        # rewritten() found the unit again at its start in the re-parsed file.
        assert sample.text.strip()
        assert len(words) > len(au.canonical.split()) // 2

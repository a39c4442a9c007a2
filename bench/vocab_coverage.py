"""How much of the encoder's 30,522-word vocabulary canonical code text uses (issue #18).

The word-embedding table is 23.4 MB of the shipped encoder's 29.4 MB. Pruning it to the
wordpieces that code uses would shrink the install, but a pruned wordpiece becomes [UNK], so
every unit that holds one gets another vector: a change of encoder and a rebuild of the default
index. This measures the trade: the wordpieces that the canonical texts of one corpus of code use
(corpus A, what a pruned vocabulary would keep, by how often each is seen), and the share of
units of another corpus (B, never seen by A) that would hold a pruned wordpiece.

Corpora (each file once, up to the given count per folder, seeded order): A is ``--keep-from``
folders, B is ``--held-out`` folders; every file ipscan parses counts (any of its languages).

    .venv/bin/python bench/vocab_coverage.py --keep-from DIR... --held-out DIR...
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import machine_line  # noqa: E402

from ipscan.encoder.model_dir import resolve_model  # noqa: E402
from ipscan.encoder.wordpiece import WordPieceTokenizer  # noqa: E402
from ipscan.extract.analyze import AnalyzedFile  # noqa: E402
from ipscan.extract.analyze import analyze_bytes  # noqa: E402
from ipscan.extract.languages import language_for_path  # noqa: E402

MAX_BYTES = 400_000


def code_files(folders: list[Path], per_folder: int, seed: int) -> list[Path]:
    """Up to ``per_folder`` files of each folder that ipscan parses, in a seeded order."""
    out: list[Path] = []
    for folder in folders:
        found = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and language_for_path(str(p)) and p.stat().st_size < MAX_BYTES
        )
        random.Random(seed).shuffle(found)
        out += found[:per_folder]
    return out


def canonical_texts(paths: list[Path]) -> Iterator[str]:
    """The canonical text of every evidence-bearing unit of ``paths``."""
    for path in paths:
        analyzed = analyze_bytes(str(path), path.read_bytes())
        if isinstance(analyzed, AnalyzedFile):
            yield from (au.canonical for au in analyzed.units)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-from", type=Path, nargs="+", required=True)
    ap.add_argument("--held-out", type=Path, nargs="+", required=True)
    ap.add_argument("--per-folder", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model = resolve_model()  # the encoder a scan loads: its tokenizer and sequence length
    tokenizer = WordPieceTokenizer.from_file(model.tokenizer_file)
    seen: Counter[int] = Counter()
    n_keep = 0
    for text in canonical_texts(code_files(args.keep_from, args.per_folder, args.seed)):
        seen.update(set(tokenizer.encode(text, model.max_length)))
        n_keep += 1
    held = [
        tokenizer.encode(text, model.max_length)
        for text in canonical_texts(code_files(args.held_out, args.per_folder, args.seed))
    ]
    n_tokens = sum(len(ids) for ids in held)
    print(machine_line())
    print(f"corpus A: {n_keep} units; corpus B: {len(held)} units, {n_tokens} wordpieces")
    print(
        "| kept: wordpieces seen in A at least | kept | B units holding a pruned one | B tokens |"
    )
    print("|---|---|---|---|")
    for times in (1, 2, 5):
        kept = {i for i, n in seen.items() if n >= times}
        units = sum(1 for ids in held if any(i not in kept for i in ids))
        tokens = sum(1 for ids in held for i in ids if i not in kept)
        share, token_share = units / max(1, len(held)), tokens / max(1, n_tokens)
        print(f"| {times} | {len(kept)} | {units} ({share:.3f}) | {token_share:.4f} |")


if __name__ == "__main__":
    main()

"""The texts a student encoder is distilled on (``ipscan.training.distill``), tokenized ahead.

Training texts: canonical functions of the training packages (``code_corpus``; held-out
packages never), and (anchor, rewritten copy) pairs of them at every training level, control
flow rewritten too, so the student sees what the teacher makes of copies. Evaluation texts: the
same from the held-out packages alone. Everything is tokenized here with the teacher's own
tokenizer, so the training step needs numpy, torch and safetensors only (a GPU machine).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ipscan.encoder.wordpiece import WordPieceTokenizer
from ipscan.training.code_corpus import LANGUAGES
from ipscan.training.code_corpus import CodeFunction
from ipscan.training.code_corpus import corpus_functions
from ipscan.training.distill import EVAL
from ipscan.training.distill import TRAIN
from ipscan.training.encoder_eval import MAX_REWRITE_FILE_CHARS
from ipscan.training.encoder_eval import is_held_out
from ipscan.training.encoder_eval import rewritten
from ipscan.training.encoder_train import TRAIN_LEVELS
from ipscan.training.encoder_train import training_pairs

PAIR_LEVELS = (*TRAIN_LEVELS, "control-swapped")


def held_out_pairs(
    functions: Sequence[CodeFunction], per_language: int, rng: random.Random
) -> list[tuple[str, str]]:
    """(anchor, control-flow or statement-edited copy) of held-out functions, per language."""
    by_language: dict[str, list[CodeFunction]] = defaultdict(list)
    for fn in functions:
        if is_held_out(fn.package) and len(fn.file.text) <= MAX_REWRITE_FILE_CHARS:
            by_language[fn.language].append(fn)
    out: list[tuple[str, str]] = []
    for language in sorted(by_language):
        fns = by_language[language]
        rng.shuffle(fns)
        made = 0
        for fn in fns:
            if made >= per_language:
                break
            level = rng.choice(("control-swapped", "renamed-edited", "statement-added"))
            sample = rewritten(fn, level, rng) or rewritten(fn, "renamed-edited", rng)
            if sample is not None and sample.canonical and sample.canonical != fn.unit.canonical:
                out.append((fn.unit.canonical, sample.canonical))
                made += 1
    return out


def write_distill_data(
    corpus: Path | None,
    tokenizer_file: Path,
    out: Path,
    pairs_per_language: int = 2500,
    texts_per_language: int = 20000,
    eval_pairs_per_language: int = 150,
    max_length: int = 128,
    seed: int = 0,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, int]:
    """Write ``out`` (.npz): token ids of every text (``ids`` flat uint16, ``offsets``), each
    text's split (``split``: TRAIN or EVAL) and the pairs (``pairs``: rows of two text indices)."""
    rng = random.Random(seed)
    functions = list(corpus_functions(corpus, LANGUAGES))
    say(f"{len(functions)} functions read")
    texts: list[str] = []
    split: list[int] = []
    where: dict[str, int] = {}

    def add(text: str, part: int) -> int:
        i = where.get(text)
        if i is None:
            i = where[text] = len(texts)
            texts.append(text)
            split.append(part)
        return i

    pairs = [
        (add(p.anchor, TRAIN), add(p.positive, TRAIN))
        for p in training_pairs(functions, pairs_per_language, seed, say, PAIR_LEVELS)
    ]
    held = {fn.unit.canonical for fn in functions if is_held_out(fn.package)}
    per_language: dict[str, int] = defaultdict(int)
    shuffled = list(functions)
    rng.shuffle(shuffled)
    for fn in shuffled:
        text = fn.unit.canonical
        if (
            is_held_out(fn.package)
            or text in held
            or per_language[fn.language] >= texts_per_language
        ):
            continue
        per_language[fn.language] += 1
        add(text, TRAIN)
    for anchor, copy in held_out_pairs(functions, eval_pairs_per_language, rng):
        if anchor not in where and copy not in where:
            pairs.append((add(anchor, EVAL), add(copy, EVAL)))
    tokenizer = WordPieceTokenizer.from_file(tokenizer_file)
    ids = tokenizer.encode_batch(texts, max_length)
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    flat = np.fromiter((t for x in ids for t in x), dtype=np.uint16, count=int(lengths.sum()))
    np.savez_compressed(
        out,
        ids=flat,
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        split=np.array(split, dtype=np.uint8),
        pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
    )
    counts = {
        "texts": len(texts),
        "train_texts": split.count(TRAIN),
        "eval_texts": split.count(EVAL),
        "pairs": len(pairs),
        "tokens": int(lengths.sum()),
    }
    say(f"wrote {out}: {counts}")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ipscan.training.distill_data CORPUS OUT.npz [--tokenizer FILE]``"""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m ipscan.training.distill_data")
    ap.add_argument("corpus", type=Path, help="package archives (bench/license_corpus.py --list)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--tokenizer", type=Path, default=Path("models/encoder-float32/tokenizer.json"))
    ap.add_argument("--pairs-per-language", type=int, default=2500)
    ap.add_argument("--texts-per-language", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    write_distill_data(
        args.corpus,
        args.tokenizer,
        args.out,
        pairs_per_language=args.pairs_per_language,
        texts_per_language=args.texts_per_language,
        seed=args.seed,
        say=print,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

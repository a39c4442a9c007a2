"""Embedding for index builds, in steps of a few batches, with a progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Sequence
from typing import Protocol

import click
import numpy as np

from ipscan.index.compat import EncoderLike

# Texts embedded between two updates of the bar: at most this many (the cache is read and written
# once per step), and no more than a hundredth of the build, so the bar moves in small steps.
MAX_STEP = 512
STEPS = 100


class EmbeddingEncoder(EncoderLike, Protocol):
    """An encoder the index can describe and that embeds texts."""

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def step_size(n_texts: int, batch_size: int) -> int:
    """Texts per bar update: whole encoder batches, about ``STEPS`` updates, at most ``MAX_STEP``
    (unless one batch is larger)."""
    batches = min(-(-n_texts // (STEPS * batch_size)), MAX_STEP // batch_size)
    return batch_size * max(1, batches)


def progress_embedder(
    encoder: EmbeddingEncoder, batch_size: int, show: bool = True
) -> Callable[[list[str]], np.ndarray]:
    """An ``embed(texts)`` that shows how far it got (long builds take minutes on a CPU), unless
    not ``show`` (-q).

    It goes through the local embedding cache, so a rebuild re-embeds nothing it has seen, and
    a later scan of code that is in the index finds its vectors already there.
    """
    from ipscan.encoder.cache import EmbeddingCache
    from ipscan.encoder.cache import embed_cached

    cache = EmbeddingCache()

    def embed_steps(texts: list[str], advance: Callable[[int], None]) -> np.ndarray:
        out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        # Longest first, as the encoder orders its batches: steps of similar lengths keep the
        # padding the encoder would have had on the whole list.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = step_size(len(texts), batch_size)
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            out[idx] = embed_cached(encoder, [texts[i] for i in idx], cache, batch_size)
            advance(len(idx))
        return out

    def embed(texts: list[str]) -> np.ndarray:
        if not show:
            return embed_steps(texts, lambda _n: None)
        # sys.stderr, not click.get_text_stream: deprecated in click 8.5, gone in 9
        with click.progressbar(length=len(texts), label="embedding units", file=sys.stderr) as bar:
            return embed_steps(texts, bar.update)

    return embed

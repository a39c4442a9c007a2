"""Embedding for index builds, in chunks, with a progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Sequence
from typing import Protocol

import click
import numpy as np

from ipscan.index.compat import EncoderLike

CHUNK = 512


class EmbeddingEncoder(EncoderLike, Protocol):
    """An encoder the index can describe and that embeds texts."""

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def progress_embedder(
    encoder: EmbeddingEncoder, batch_size: int
) -> Callable[[list[str]], np.ndarray]:
    """An ``embed(texts)`` that shows how far it got (long builds take minutes on a CPU).

    It goes through the local embedding cache, so a rebuild re-embeds nothing it has seen, and
    a later scan of code that is in the index finds its vectors already there.
    """
    from ipscan.encoder.cache import EmbeddingCache
    from ipscan.encoder.cache import embed_cached

    cache = EmbeddingCache()

    def embed(texts: list[str]) -> np.ndarray:
        parts = []
        with click.progressbar(
            length=len(texts),
            label="embedding units",
            file=sys.stderr,  # not click.get_text_stream: deprecated in click 8.5, gone in 9
        ) as bar:
            for start in range(0, len(texts), CHUNK):
                chunk = texts[start : start + CHUNK]
                parts.append(embed_cached(encoder, chunk, cache, batch_size=batch_size))
                bar.update(len(chunk))
        if not parts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32)

    return embed

"""Embed units with the encoder an index was built with, through the local embedding cache.

The encoder is the process's shared one (``shared_encoder``): a long-running process (``ipscan
serve``) loads it once, not once per check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ipscan.encoder import bulk_device
from ipscan.encoder import choose_device
from ipscan.encoder import shared_encoder
from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import cache_key
from ipscan.encoder.cache import embed_cached
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.index.compat import check_encoder
from ipscan.index.reader import IndexReader
from ipscan.progress import bar

CHUNK = 256


def embed_for_index(
    units: Sequence[AnalyzedUnit], reader: IndexReader, device: str, progress: bool = False
) -> np.ndarray:
    """L2-normalized vectors for ``units``, after checking the index uses the same encoder.

    Each unit is embedded as the encoder reads it (its text or its canonical text).

    Only cache misses are encoded; when there are many, "auto" switches to the faster runtime.
    """
    cache = EmbeddingCache()
    encoder = shared_encoder(choose_device(device))
    check_encoder(reader.encoder_info, encoder, reader.index_dir)
    texts = [au.encoder_input(encoder.input_format) for au in units]
    keys = [cache_key(encoder.weights_sha256, t) for t in texts]
    misses = len(set(keys) - set(cache.get_many(keys, dim=encoder.dim)))
    bulk = bulk_device(device, misses)
    if bulk != encoder.device:
        encoder = shared_encoder(bulk)
    if not progress or misses < CHUNK:
        return embed_cached(encoder, list(texts), cache)
    starts = range(0, len(texts), CHUNK)
    parts = [
        embed_cached(encoder, list(texts[i : i + CHUNK]), cache)
        for i in bar(starts, len(starts), f"embedding {misses} units", True, min_items=2)
    ]
    return np.concatenate(parts)

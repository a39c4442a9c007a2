"""Embed units with the encoder an index was built with, through the local embedding cache."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ipscan.encoder import load_encoder
from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import embed_cached
from ipscan.index.compat import check_encoder
from ipscan.index.reader import IndexReader


def embed_for_index(texts: Sequence[str], reader: IndexReader, device: str) -> np.ndarray:
    """L2-normalized vectors for ``texts``, after checking the index uses the same encoder."""
    encoder = load_encoder(device)
    check_encoder(reader.encoder_info, encoder, reader.index_dir)
    return embed_cached(encoder, list(texts), EmbeddingCache())

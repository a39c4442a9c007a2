"""Vectors are only comparable when made by the same encoder weights: record and check that."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Protocol

from ipscan.errors import IpscanIndexError
from ipscan.extract.canonical import TEXT
from ipscan.extract.raw_fingerprint import RAW_SCHEME


class EncoderLike(Protocol):
    """What the index needs to know about an encoder."""

    encoder_id: str
    weights_sha256: str
    dim: int
    max_length: int
    input_format: str


def encoder_info(encoder: EncoderLike) -> dict[str, Any]:
    """The manifest's record of the encoder vectors come from."""
    return {
        "id": encoder.encoder_id,
        "weights_sha256": encoder.weights_sha256,
        "dim": encoder.dim,
        "max_length": encoder.max_length,
        "input": encoder.input_format,
    }


def check_encoder(index_encoder: dict[str, Any], encoder: EncoderLike, where: Path) -> None:
    """Vectors from another encoder are meaningless to this one: say so in one line.

    An encoder that reproduces another's embeddings (a repackaging of the same weights, its
    manifest's ``same_embeddings_as``) accepts that encoder's indexes.
    """
    accepted = {encoder.weights_sha256, *getattr(encoder, "same_embeddings_as", ())}
    if index_encoder.get("weights_sha256") not in accepted:
        raise IpscanIndexError(
            f"{where}: built with encoder {index_encoder.get('id')} "
            f"(weights {str(index_encoder.get('weights_sha256'))[:12]}), this ipscan uses "
            f"{encoder.encoder_id} (weights {encoder.weights_sha256[:12]}); rebuild the index"
        )
    built_with = index_encoder.get("input", TEXT)  # indexes before the key read raw text
    if built_with != encoder.input_format:
        raise IpscanIndexError(
            f"{where}: vectors made from the unit's {built_with} input, this encoder reads "
            f"{encoder.input_format}; rebuild the index"
        )


def check_extendable(raw_scheme: int, where: Path) -> None:
    """New segments carry today's raw-token scheme, and one index holds one: an index made with
    an older scheme is still scanned (its queries made its way) but takes no new sources."""
    if raw_scheme != RAW_SCHEME:
        raise IpscanIndexError(
            f"{where}: made by an older ipscan (raw-token scheme {raw_scheme}, this one writes "
            f"{RAW_SCHEME}); scans still read it, but to add sources rebuild it"
        )

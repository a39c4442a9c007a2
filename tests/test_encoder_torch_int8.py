"""The int8 arithmetic in torch (``ipscan.encoder.torch_int8``, what CUDA runs) gives the CPU
runtimes' vectors: checked here on torch's CPU device, batched and padded as CUDA runs it."""

from __future__ import annotations

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.encoder.int8 import WORD_TABLE
from ipscan.encoder.int8 import quantize_word_table
from ipscan.encoder.model_dir import bundled_dirs
from ipscan.encoder.model_dir import describe_model_dir
from ipscan.encoder.numpy_int8 import NumpyInt8Bert
from ipscan.encoder.standalone import read_stored_weights
from tests.test_encoder_standalone import STDLIB_CODE

SHIPPED = bundled_dirs()[0]


@pytest.mark.parametrize("int8_words", [False, True], ids=["float16-words", "int8-words"])
def test_torch_batched_gives_the_numpy_vectors_of_each_text_alone(int8_words: bool) -> None:
    pytest.importorskip("torch", reason="the gpu and train extras bring torch")
    from ipscan.encoder.torch_int8 import TorchInt8Bert

    info = describe_model_dir(SHIPPED)
    assert info.quantization is not None  # the shipped encoder is the int8 one
    weights = read_stored_weights(info.weight_files)
    if int8_words:  # a word table of int8 rows (``ipscan model quantize --int8-embeddings``)
        table = {WORD_TABLE: weights[WORD_TABLE].astype(np.float32)}
        weights = {**weights, **quantize_word_table(table)}
        assert weights[WORD_TABLE].dtype == np.int8
    enc = load_encoder("numpy", SHIPPED)
    # Texts of different lengths in one batch: padding must not move any text's scale.
    texts = [*STDLIB_CODE, " ".join(STDLIB_CODE * 4)]
    token_ids = enc.token_ids(texts)
    width = max(len(t) for t in token_ids)
    ids = np.zeros((len(texts), width), dtype=np.int64)
    mask = np.zeros((len(texts), width), dtype=np.int64)
    for row, t in enumerate(token_ids):
        ids[row, : len(t)], mask[row, : len(t)] = t, 1
    alone = NumpyInt8Bert(weights, info.config).pooled(ids, mask)  # each text run alone
    batched = TorchInt8Bert(weights, info.config, "cpu").pooled(ids, mask)
    a = alone / np.linalg.norm(alone, axis=1, keepdims=True)
    b = batched / np.linalg.norm(batched, axis=1, keepdims=True)
    assert float(np.einsum("ij,ij->i", a, b).min()) > 0.99
    # A text's vector is the same alone and in the batch.
    n = len(token_ids[0])
    one = TorchInt8Bert(weights, info.config, "cpu").pooled(ids[:1, :n], mask[:1, :n])
    assert np.allclose(one[0], batched[0], atol=1e-4)

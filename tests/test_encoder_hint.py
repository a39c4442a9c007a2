"""Without ONNX Runtime the encoder runs on numpy, and says once how to get the faster runtime."""

from __future__ import annotations

import logging

import pytest

import ipscan.encoder as encoder_module
from ipscan.encoder import BULK_TEXTS
from ipscan.encoder import load_encoder


def test_numpy_in_place_of_onnx_runtime_is_said_once_for_a_bulk(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(encoder_module, "_ort_installed", lambda: False)
    monkeypatch.setattr(encoder_module, "_said", set())
    enc = load_encoder(device="cpu")
    assert enc.runtime_name == "numpy"
    with caplog.at_level(logging.WARNING, logger="ipscan"):
        enc.encode(["def f ( v0 ) : return v0"] * 3)  # a commit's few units: nothing said
        assert not caplog.records
        enc.encode(["x"] * BULK_TEXTS)
        enc.encode(["x"] * BULK_TEXTS)
    [said] = caplog.records
    assert "ONNX Runtime is not installed" in said.getMessage()
    assert load_encoder(device="numpy")._slow_hint == ""  # asked for numpy: nothing to say

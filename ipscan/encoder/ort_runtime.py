"""The encoder on ONNX Runtime: the standalone folder's graph with its safetensors weights.

About three times the numpy runtime's speed on a CPU, with the same float32 arithmetic
(bench/encoder_speed.py). The graph file holds no weights (``ipscan.training.onnx_graph``); they
are handed to the session from ``encoder.safetensors``, so one file of weights serves both
runtimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import EncoderError


def ort_available() -> bool:
    """Whether ONNX Runtime imports here."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OrtRuntime:
    """An ONNX Runtime CPU session of the encoder graph."""

    def __init__(self, graph: Path, weights: Mapping[str, np.ndarray], threads: int) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise EncoderError("ONNX Runtime is not installed: pip install onnxruntime") from None
        try:
            model = graph.read_bytes()
        except OSError as exc:
            raise EncoderError(f"{graph}: cannot read the encoder graph ({exc.strerror})") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the scan's stderr is for ipscan's lines
        # Idle workers sleep instead of spinning: the parsing processes need those cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        names = sorted(weights)
        # The session reads these buffers for as long as it lives: keep them referenced.
        self._values = [
            ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(weights[n])) for n in names
        ]
        options.add_external_initializers(names, self._values)
        try:
            self._session: Any = ort.InferenceSession(
                model, options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own error types
            raise EncoderError(f"{graph}: cannot load the encoder graph ({exc})") from None
        self.hidden = int(self._session.get_outputs()[0].shape[-1])

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over the attention mask: (batch, hidden) float32."""
        feed = {
            "input_ids": np.ascontiguousarray(ids, dtype=np.int64),
            "attention_mask": np.ascontiguousarray(mask, dtype=np.int64),
        }
        out: np.ndarray = self._session.run(["pooled"], feed)[0]
        return out.astype(np.float32, copy=False)

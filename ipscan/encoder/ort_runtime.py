"""The encoder on ONNX Runtime: the standalone folder's graph with its safetensors weights.

An int8 folder's graph (``ipscan.encoder.int8``) gets int8 and float16 tensors as stored and
runs one text at a time.

About three times the numpy runtime's speed on a CPU, with the same float32 arithmetic
(bench/encoder_speed.py). The graph file holds no weights (``ipscan.training.onnx_graph``); they
are handed to the session from ``encoder.safetensors``, so one file of weights serves both
runtimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
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

    def __init__(
        self,
        graph: Path,
        weights: Mapping[str, np.ndarray],
        threads: int,
        per_sequence: bool = False,
    ) -> None:
        """``per_sequence``: run each text of a batch alone (an int8 graph, see
        ``ipscan.encoder.int8``); ``weights`` go over in their own types, as the graph says."""
        try:
            import onnxruntime as ort
        except ImportError:
            raise EncoderError("ONNX Runtime is not installed: pip install onnxruntime") from None
        try:
            model = graph.read_bytes()
        except OSError as exc:
            raise EncoderError(f"{graph}: cannot read the encoder graph ({exc.strerror})") from None
        options = ort.SessionOptions()
        # One text at a time is too small to split over cores: one thread per session run, and
        # as many runs at once as there are threads (2 cores: 600 vs 410 texts/s; the vectors
        # are the same either way).
        options.intra_op_num_threads = 1 if per_sequence else threads
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
        self.per_sequence = per_sequence
        self._pool: ThreadPoolExecutor | None = None
        if per_sequence and threads > 1:
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ipscan-ort")

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over the attention mask: (batch, hidden) float32."""
        if self.per_sequence:
            from ipscan.encoder.int8 import per_sequence

            mapper = map if self._pool is None else self._pool.map
            return per_sequence(self._run, ids, mask, mapper)
        return self._run(ids, mask)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {
            "input_ids": np.ascontiguousarray(ids, dtype=np.int64),
            "attention_mask": np.ascontiguousarray(mask, dtype=np.int64),
        }
        out: np.ndarray = self._session.run(["pooled"], feed)[0]
        return out.astype(np.float32, copy=False)

"""The code encoder: text -> L2-normalized mean-pooled vectors.

Runtimes on the CPU ("cpu"): ONNX Runtime when the model folder has a graph and ONNX Runtime is
installed, else plain numpy ("numpy" asks for it); neither imports torch. With torch (the gpu or
train extra): transformers on CUDA in fp16, or on the CPU when asked for ("torch-cpu"). An int8
folder (``ipscan model quantize``, ``ipscan.encoder.int8``; the shipped encoder) runs on the CPU
runtimes, or on CUDA in torch with the same arithmetic (``ipscan.encoder.torch_int8``);
"torch-cpu" gives it the CPU runtime, which is faster there.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import threading
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ipscan.encoder.model_dir import ModelInfo
from ipscan.encoder.model_dir import resolve_model
from ipscan.encoder.model_dir import weights_sha256
from ipscan.encoder.wordpiece import WordPieceTokenizer
from ipscan.errors import EncoderError

DEVICES = ("auto", "cpu", "numpy", "cuda", "torch-cpu")
log = logging.getLogger("ipscan")
# Said once a process (see ``Encoder``).
_said: set[str] = set()
_NUMPY_HINT = (
    "ONNX Runtime is not installed: %d units are embedded on numpy, about 6x slower "
    "(`pip install 'ipscan-code[cpu]'` adds it)"
)

__all__ = [
    "DEVICES",
    "Encoder",
    "EncoderError",
    "ModelInfo",
    "Runtime",
    "load_encoder",
    "shared_encoder",
]


class Runtime(Protocol):
    """A model forward pass: token ids + attention mask -> mean-pooled (batch, dim) float32."""

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


class Encoder:
    """A loaded encoder model with its tokenizer and runtime."""

    def __init__(
        self,
        info: ModelInfo,
        runtime: Callable[[], Runtime],
        device: str,
        sha256: str,
        runtime_name: str = "",
        slow_hint: str = "",
    ) -> None:
        """``runtime`` makes the forward pass when the first text is encoded: a scan whose units
        are all in the embedding cache never reads the weights. ``slow_hint``: said once a
        process when many texts are encoded (the faster runtime is not installed)."""
        self.info = info
        self.encoder_id = info.encoder_id
        self.weights_sha256 = sha256
        self.same_embeddings_as = info.same_embeddings_as
        self.dim = info.dim
        self.max_length = info.max_length
        self.input_format = info.input_format
        self.device = device
        self._make_runtime = runtime
        self._runtime: Runtime | None = None
        self.runtime_name = runtime_name or device
        self._slow_hint = slow_hint
        tok = WordPieceTokenizer.from_file(info.tokenizer_file)
        self._tokenizer = tok
        pad = tok.token_to_id("[PAD]")
        self._pad_id = int(info.config.get("pad_token_id", 0) if pad is None else pad)

    @property
    def runtime(self) -> Runtime:
        """The forward pass (made on first use)."""
        if self._runtime is None:
            self._runtime = self._make_runtime()
        return self._runtime

    def __repr__(self) -> str:
        return f"Encoder({self.encoder_id!r}, device={self.device!r}, path={str(self.info.path)!r})"

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with [CLS]/[SEP], truncated to ``max_length``."""
        return self._tokenizer.encode_batch(texts, self.max_length)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(n, dim) float32 L2-normalized vectors, in the order of ``texts``.

        Texts are batched by token count (longest first) so batches carry little padding.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a string")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self._slow_hint and len(texts) >= BULK_TEXTS and "slow" not in _said:
            _said.add("slow")
            log.warning(self._slow_hint, len(texts))
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        if not ids:
            return out
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = int(lengths[idx].max())
            batch = np.full((len(idx), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = lengths[i]
                batch[row, :n] = ids[i]
                mask[row, :n] = 1
            pooled = np.asarray(self.runtime.pooled(batch, mask), dtype=np.float32)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            np.maximum(norms, np.float32(1e-12), out=norms)
            out[idx] = pooled / norms
        return out


def _nvidia_gpu_visible() -> bool:
    """A cheap look for an NVIDIA GPU, without importing torch."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    if Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi"):
        return True
    try:
        return any(Path("/dev").glob("nvidia[0-9]*"))
    except OSError:
        return False


def _ort_installed() -> bool:
    try:
        return importlib.util.find_spec("onnxruntime") is not None
    except (ImportError, ValueError):
        return False


def _torch_installed() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


# On a CPU with bfloat16 matrix units (AMX), torch runs the encoder faster than ONNX Runtime
# but costs 3-6 s to import: worth it from about this many texts on. Elsewhere ONNX Runtime is
# about three times faster than torch (bench/encoder_speed.py).
BULK_TEXTS = 200


def bulk_device(device: str, n_texts: int) -> str:
    """The device for encoding ``n_texts`` at once: "auto" on an AMX CPU with torch installed
    prefers torch for bulk work."""
    from ipscan.encoder.torch_runtime import cpu_has_bf16_matrix_units

    chosen = choose_device(device)
    if (
        device == "auto"
        and chosen == "cpu"
        and n_texts >= BULK_TEXTS
        and _torch_installed()
        and cpu_has_bf16_matrix_units()
    ):
        return "torch-cpu"
    return chosen


def choose_device(device: str = "auto") -> str:
    """The concrete device for a requested one: "cpu", "numpy", "cuda" or "torch-cpu"."""
    if device not in DEVICES:
        raise EncoderError(f"unknown encoder device {device!r} (one of {', '.join(DEVICES)})")
    if device != "auto":
        return device
    if _torch_installed() and _nvidia_gpu_visible():
        from ipscan.encoder.torch_runtime import cuda_available

        if cuda_available():
            return "cuda"
    return "cpu"


def check_weight_files(info: ModelInfo) -> None:
    """Each weights file opens as safetensors (its header only: the tensors load on first use)."""
    from safetensors import safe_open

    for f in info.weight_files:
        try:
            with safe_open(str(f), framework="numpy") as opened:
                opened.keys()
        except Exception as exc:  # safetensors raises its own error types
            raise EncoderError(f"{f}: cannot read model weights ({exc})") from None


def model_weights(info: ModelInfo) -> dict[str, np.ndarray]:
    """The model's float32 weights by name, an adapter merged into its base weights."""
    from ipscan.encoder.adapter import merge_adapter
    from ipscan.encoder.adapter import read_safetensors

    if info.quantization is not None:
        raise EncoderError(f"{info.path}: int8 weights have no float form to train or export")
    if info.standalone:
        from ipscan.encoder.standalone import read_weights

        return read_weights(info.weight_files)

    base = read_safetensors(list(info.base_weight_files))
    if info.adapter_file is None:
        return base
    adapter = read_safetensors([info.adapter_file])
    layers = int(info.config["num_hidden_layers"])
    return merge_adapter(base, adapter, layers, info.path)


def encoder_threads(cores: int) -> int:
    """Threads for the CPU runtime: every core this process may use, or fewer when
    ``OMP_NUM_THREADS`` says so (Ray sets it to a task's CPUs, so tasks sharing a machine do not
    each take all its cores)."""
    try:
        wanted = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return cores
    return max(1, min(cores, wanted)) if wanted > 0 else cores


def load_encoder(device: str = "auto", model_dir: str | Path | None = None) -> Encoder:
    """Load the encoder model (see ``model_dir`` for where it is looked for) on ``device``.

    ``device``: "auto" (CUDA when torch sees an NVIDIA GPU, else "cpu"), "cpu" (ONNX Runtime
    where the folder has a graph and it is installed, else numpy), "numpy", "cuda"
    (transformers, fp16) or "torch-cpu" (transformers, float32).
    """
    chosen = choose_device(device)
    info = resolve_model(model_dir)
    if info.quantization is not None and chosen == "cuda":
        # The int8 arithmetic batched in torch (ipscan.encoder.torch_int8).
        check_weight_files(info)

        def cuda_int8() -> Runtime:
            from ipscan.encoder.standalone import read_stored_weights
            from ipscan.encoder.torch_int8 import TorchInt8Bert
            from ipscan.encoder.torch_runtime import cuda_available

            if not cuda_available():
                raise EncoderError("device 'cuda' requested but torch sees no CUDA GPU")
            return TorchInt8Bert(read_stored_weights(info.weight_files), info.config, "cuda")

        return Encoder(info, cuda_int8, chosen, weights_sha256(info), "torch-int8")
    if info.quantization is not None and chosen == "torch-cpu":
        # On a CPU, ONNX Runtime's integer products beat torch's float32 ones (and an AMX
        # CPU's bfloat16 would be another arithmetic): int8 folders run on the CPU runtime.
        log.info("int8 encoder %s runs on the CPU runtime, not %s", info.encoder_id, chosen)
        chosen = "cpu"
    if chosen in ("cuda", "torch-cpu"):
        from ipscan.encoder.torch_runtime import TorchRuntime

        loaded = TorchRuntime(info, "cuda" if chosen == "cuda" else "cpu")
        return Encoder(info, lambda: loaded, chosen, weights_sha256(info))
    check_weight_files(info)
    graph = info.graph_file if chosen == "cpu" and _ort_installed() else None

    def cpu_runtime() -> Runtime:
        from ipscan.encoder.cpu import int8_weights_as_u8
        from ipscan.encoder.int8 import as_u8
        from ipscan.encoder.numpy_bert import NumpyBert
        from ipscan.encoder.numpy_int8 import NumpyInt8Bert
        from ipscan.encoder.ort_runtime import OrtRuntime
        from ipscan.encoder.standalone import INT8_U8_GRAPH_FILE
        from ipscan.encoder.standalone import read_stored_weights
        from ipscan.extract.parallel import available_cores

        # An int8 folder's tensors go to either runtime as stored (int8, float16 tables).
        int8 = info.quantization is not None
        weights = read_stored_weights(info.weight_files) if int8 else model_weights(info)
        runtime: OrtRuntime | NumpyBert
        if graph is not None:
            threads = encoder_threads(available_cores())
            chosen_graph = graph
            u8_graph = graph.with_name(INT8_U8_GRAPH_FILE)
            if int8 and int8_weights_as_u8() and u8_graph.is_file():
                chosen_graph, weights = u8_graph, as_u8(weights)
            runtime = OrtRuntime(chosen_graph, weights, threads, per_sequence=int8)
        else:
            runtime = (NumpyInt8Bert if int8 else NumpyBert)(weights, info.config)
        if runtime.hidden != info.dim:
            raise EncoderError(
                f"{info.path}: weights have dim {runtime.hidden}, expected {info.dim}"
            )
        return runtime

    name = "numpy" if graph is None else "onnxruntime"
    hint = _NUMPY_HINT if chosen == "cpu" and graph is None and info.graph_file else ""
    encoder = Encoder(info, cpu_runtime, "cpu", weights_sha256(info), name, hint)
    if not info.standalone:
        _ = encoder.runtime  # an adapter that does not fit its base fails here, in one line
    return encoder


# One process keeps the encoders it has loaded (issue #21: `ipscan serve` answers many checks and
# a fresh load builds a new ONNX Runtime session each time, 0.2-0.5 s). Keyed by the concrete
# device, the model folder as described and its weights digest, so an edited folder loads anew.
_SHARED: dict[tuple[str, ModelInfo, str], Encoder] = {}
_SHARED_MAX = 4  # distinct (device, model) pairs kept; the oldest goes first
_SHARED_LOCK = threading.Lock()


def shared_encoder(device: str = "auto", model_dir: str | Path | None = None) -> Encoder:
    """``load_encoder(device, model_dir)``, loaded once per process and reused while the model
    folder and its weights stay the same."""
    chosen = choose_device(device)
    info = resolve_model(model_dir)
    key = (chosen, info, weights_sha256(info))
    with _SHARED_LOCK:
        encoder = _SHARED.get(key)
        if encoder is None:
            encoder = load_encoder(chosen, model_dir)
            while len(_SHARED) >= _SHARED_MAX:
                del _SHARED[next(iter(_SHARED))]
            _SHARED[key] = encoder
        return encoder

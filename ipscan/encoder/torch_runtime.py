"""The transformers runtime: fp16 on CUDA, or float32 on the CPU when asked for ("torch-cpu").

torch and transformers are imported here only, when this runtime is chosen.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ipscan.encoder.model_dir import ModelInfo
from ipscan.errors import EncoderError


def cuda_available() -> bool:
    """Whether torch is importable and sees a CUDA device."""
    try:
        import torch
    except ImportError:
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a broken driver reads as no GPU
        return False


def cpu_has_bf16_matrix_units() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (Intel AMX), unless
    ``IPSCAN_TORCH_BF16=0`` says not to use them."""
    if os.environ.get("IPSCAN_TORCH_BF16", "").strip() == "0":
        return False
    from ipscan.encoder.cpu import cpu_flags

    return "amx_bf16" in (cpu_flags() or ())


class TorchRuntime:
    """transformers ``AutoModel`` from the model folder (local files only), mean pooled."""

    def __init__(self, info: ModelInfo, device: str) -> None:
        try:
            import torch
            import transformers
            from transformers import AutoModel
        except ImportError as exc:
            raise EncoderError(
                f"device {device!r} needs torch and transformers ({exc.name} is not installed)"
            ) from None
        if device == "cuda" and not cuda_available():
            raise EncoderError("device 'cuda' requested but torch sees no CUDA GPU")
        self._torch = torch
        self.device = torch.device(device)
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()  # the scan's stderr is for ipscan's lines
        try:
            model: Any = _load_model(info, AutoModel)
        except Exception as exc:
            name = exc.__class__.__name__
            raise EncoderError(f"{info.path}: cannot load model ({name})") from None
        finally:
            transformers.logging.set_verbosity(verbosity)
        if device == "cuda":
            model = model.half()
        self.model = model.to(self.device).eval()
        # bfloat16 matrix units make a CPU several times faster (bench/encoder_speed.py); the
        # vectors stay within cosine 0.999 of float32 ones.
        self.cpu_bf16 = device == "cpu" and cpu_has_bf16_matrix_units()

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over the attention mask: (batch, hidden) float32."""
        torch = self._torch
        with torch.inference_mode():
            t_ids = torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64)).to(self.device)
            t_mask = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.int64)).to(self.device)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.cpu_bf16):
                hidden = self.model(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
            m = t_mask.unsqueeze(-1).to(torch.float32)
            summed = (hidden.to(torch.float32) * m).sum(dim=1)
            pooled = summed / m.sum(dim=1).clamp(min=1e-9)
            out: np.ndarray = pooled.cpu().numpy()
            return out.astype(np.float32)


def _load_model(info: ModelInfo, auto_model: Any) -> Any:
    """A folder of full weights through transformers; an adapter merged by ipscan first."""
    if info.adapter_file is None and not info.standalone:
        return auto_model.from_pretrained(str(info.path), local_files_only=True)
    import torch
    from transformers import BertConfig
    from transformers import BertModel

    from ipscan.encoder import model_weights

    config = {k: v for k, v in info.config.items() if not k.startswith("_")}
    model = BertModel(BertConfig(**config), add_pooling_layer=False)
    state = {k: torch.from_numpy(v) for k, v in model_weights(info).items()}
    missing, _ = model.load_state_dict(state, strict=False)
    if [k for k in missing if not k.endswith("position_ids")]:
        raise EncoderError(f"{info.path}: merged weights lack {missing[0]}")
    return model

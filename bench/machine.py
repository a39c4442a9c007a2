"""The machine a figure was measured on: CPU model and cores, printed with every benchmark."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# The vector units the encoder's speed depends on most (int8 and bfloat16 matrix products).
_FEATURES = (
    ("avx2", "AVX2"),
    ("avx512f", "AVX-512"),
    ("avx512_vnni", "AVX-512 VNNI"),
    ("avx_vnni", "AVX-VNNI"),
    ("amx_bf16", "AMX-BF16"),
)


def cpu_features() -> str:
    """The CPU's vector features that matter here ("AVX2, AVX-512, AVX-512 VNNI"), or "?"."""
    from ipscan.encoder.cpu import cpu_flags

    flags = cpu_flags()
    if flags is None:
        return "?"
    return ", ".join(name for flag, name in _FEATURES if flag in flags) or "none"


def machine_line() -> str:
    """'CPU: <model> (<vector features>), nproc <n>, Python <version>'."""
    return (
        f"CPU: {cpu_model()} ({cpu_features()}), nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}"
    )


def user_env(**extra: str) -> dict[str, str]:
    """The environment for a timed ipscan process, as on a user's machine: ``pip install``
    compiles each module's bytecode, so a sandbox's ``PYTHONDONTWRITEBYTECODE`` (which makes
    every run compile ipscan's modules again, about 0.15 s a start) is left out."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env

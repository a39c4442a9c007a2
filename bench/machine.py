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


def machine_line() -> str:
    """'CPU: <model>, nproc <n>, Python <version>'."""
    return f"CPU: {cpu_model()}, nproc {os.cpu_count()}, Python {platform.python_version()}"

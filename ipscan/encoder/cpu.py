"""Whether this CPU's ONNX Runtime int8 kernels compute the int8 encoder exactly.

ONNX Runtime multiplies uint8 activations by int8 weights with ``vpmaddubsw`` on x86 CPUs
without VNNI (AVX2, AVX-512 without VNNI): it adds each pair of products in 16 bits with
saturation, so large activations against large weights are clipped, and the vectors differ from
the exact ones an index was built with (cosine median 0.980, min 0.956 on an AVX2 EPYC). VNNI
(``vpdpbusd``, AVX-512 VNNI or AVX-VNNI) and AMX sum in 32 bits, and ARM's kernels widen first:
exact. Where the kernels saturate, the encoder runs the uint8 x uint8 graph instead
(``ipscan.encoder.int8.as_u8``), which is exact everywhere and about 15 % slower.

``IPSCAN_INT8_WEIGHTS=u8`` or ``=s8`` overrides the choice (tests, measurements).
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

ENV_INT8_WEIGHTS = "IPSCAN_INT8_WEIGHTS"
# x86 flags (Linux /proc/cpuinfo) whose int8 dot products sum in 32 bits.
_EXACT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def int8_weights_as_u8() -> bool:
    """True when the int8 encoder should run its uint8-weight graph here."""
    forced = os.environ.get(ENV_INT8_WEIGHTS, "").strip().lower()
    if forced in ("u8", "s8"):
        return forced == "u8"
    return not _exact_int8_dot()


@lru_cache(maxsize=1)
def _exact_int8_dot() -> bool:
    machine = platform.machine().lower()
    if machine not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return True  # ARM and others: ONNX Runtime's int8 kernels widen before adding
    flags = cpu_flags()
    # Unknown (not Linux): the uint8 graph, exact on any CPU.
    return flags is not None and not _EXACT_FLAGS.isdisjoint(flags)


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str] | None:
    """The CPU's feature flags as Linux's /proc/cpuinfo lists them, or None where unknown."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None

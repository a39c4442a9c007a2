"""The FAISS side of the index: write, read and search unit vectors."""

from __future__ import annotations

import importlib
import importlib.util
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ipscan.errors import IpscanIndexError

if TYPE_CHECKING:
    import faiss


def has_faiss() -> bool:
    """Whether the module ``faiss`` can be imported, without importing it (0.1-0.2 s).

    FAISS is optional for a scan: without it, vector stores are written and searched exactly
    (``ipscan.index.ann``), which is as fast up to a few hundred thousand units.
    """
    if "faiss" in sys.modules:  # imported already, or blocked (None)
        return sys.modules["faiss"] is not None
    try:
        return importlib.util.find_spec("faiss") is not None
    except (ImportError, ValueError):
        return False


def require_faiss() -> None:
    """Import faiss, or fail with a one-line error on how to install exactly one build of it.

    Callers then ``import faiss`` themselves (already loaded), so its types reach the checker.
    """
    try:
        importlib.import_module("faiss")
    except ImportError as exc:
        raise IpscanIndexError(
            "faiss is not installed: `pip install 'ipscan-code[faiss]'` "
            "(or `ipscan-code[gpu]`, never both)"
        ) from exc


def build_faiss(vectors: np.ndarray) -> faiss.IndexScalarQuantizer:
    """A flat inner-product index over fp16-coded vectors (exact search; 2 bytes a dimension).

    fp16 codes halve the size of a float32 flat index with no measurable change in ranking of
    L2-normalized vectors, and decode exactly, so merging indexes never drifts.
    """
    require_faiss()
    import faiss

    dim = vectors.shape[1]
    index = faiss.IndexScalarQuantizer(
        dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_vectors(path: Path, vectors: np.ndarray) -> None:
    """Write vectors (n, dim) as a FAISS index file."""
    require_faiss()
    import faiss

    faiss.write_index(build_faiss(vectors), str(path))


# The layout FAISS writes for the IndexScalarQuantizer of ``build_faiss``: fourcc, then the
# index header (d, ntotal, two unused fields, is_trained, metric), the quantizer (type, range
# statistic and its argument, d, code size), its trained values and the codes, each vector
# preceded by its length.
_FOURCC = b"IxSQ"
_HEADER = struct.Struct("<iqqq?i")
_QUANTIZER = struct.Struct("<iifQQ")
_LENGTH = struct.Struct("<Q")


def check_faiss_file(path: Path, n_vectors: int, dim: int | None) -> None:
    """Check a vectors file's own header against the sizes the index expects, before FAISS reads
    it: FAISS trusts the lengths a file declares, so a crafted one makes it allocate terabytes
    or loop in C code, where no error or Ctrl-C reaches it."""
    bad = IpscanIndexError(f"{path}: vectors.faiss does not match the index; rebuild the index")
    try:
        with path.open("rb") as fh:
            head = fh.read(4 + _HEADER.size + _QUANTIZER.size + _LENGTH.size)
            size = path.stat().st_size
            if len(head) < len(_FOURCC) + _HEADER.size + _QUANTIZER.size + _LENGTH.size:
                raise bad
            if head[:4] != _FOURCC:
                raise bad
            d, ntotal, _, _, _, _ = _HEADER.unpack_from(head, 4)
            _, _, _, qd, code_size = _QUANTIZER.unpack_from(head, 4 + _HEADER.size)
            (n_trained,) = _LENGTH.unpack_from(head, 4 + _HEADER.size + _QUANTIZER.size)
            if d <= 0 or qd != d or code_size != 2 * d or ntotal != n_vectors:
                raise bad
            if (dim is not None and d != dim) or n_trained > 2 * d:
                raise bad
            fh.seek(len(head) + 4 * n_trained)
            length = fh.read(_LENGTH.size)
            if len(length) != _LENGTH.size or _LENGTH.unpack(length)[0] != ntotal * code_size:
                raise bad
            if size != fh.tell() + ntotal * code_size:
                raise bad
    except OSError as exc:
        raise IpscanIndexError(f"{path}: cannot read vectors.faiss ({exc.strerror})") from exc


def load_faiss(path: Path, n_vectors: int, dim: int | None = None) -> faiss.Index:
    """Read the FAISS index file of ``n_vectors`` vectors (of ``dim`` dimensions when known)."""
    require_faiss()
    import faiss

    check_faiss_file(path, n_vectors, dim)
    try:
        return faiss.read_index(str(path))
    except (RuntimeError, MemoryError) as exc:
        raise IpscanIndexError(f"{path}: corrupt FAISS index; rebuild the index") from exc


def read_vectors(path: Path, n_vectors: int, dim: int | None = None) -> np.ndarray:
    """All vectors of a FAISS index file, decoded to float32 (used when extending an index)."""
    index = load_faiss(path, n_vectors, dim)
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    vectors: np.ndarray = index.reconstruct_n(0, index.ntotal)  # typed Any in faiss's stubs
    return vectors


def stored_vector(index: faiss.Index, row: int) -> np.ndarray:
    """Vector ``row`` of a FAISS index, decoded to float32."""
    # The output array faiss would make itself, passed explicitly: faiss's stubs type the call
    # without one as returning a torch.Tensor.
    return index.reconstruct(row, np.empty(index.d, dtype=np.float32))

"""The vector store of large indexes: fp16 rows memory-mapped, and above a size an IVF-SQ8 index
whose candidates are re-ranked exactly against those rows.

Files of a generation:

- ``vectors.i8.npy``: every vector as a record of d 8-bit codes and a float32 scale
  (``ann_i8``; 388 bytes at 384 dimensions), a plain .npy (no pickle); indexes built before
  those hold ``vectors.f16.npy``, float16 rows (768 bytes), read the same way. Exact scores,
  re-ranking and ``vector(row)`` read the rows through a memory map (or ``pread``), so only the
  rows touched are read.
- ``vectors.ivf.faiss`` (from ``ANN_THRESHOLD`` vectors on): a FAISS ``IndexIVFScalarQuantizer``
  (spherical k-means coarse centroids, 8-bit residual codes), opened with ``IO_FLAG_MMAP``: FAISS
  reads the header, the centroids and the list sizes (O(sqrt n)) and maps the lists.

Why IVF-SQ8: bench/ann.py, 1M vectors, 300 queries, 2-core AMD EPYC (figures in its output):

- open: the v1 flat file is read whole (0.4 s warm, 2 s cold, 777 MB resident). FAISS HNSW,
  even with ``IO_FLAG_MMAP_IFC``, checks every neighbour id as it reads (faiss 1.15
  ``validate_HNSW``): 5 s cold, 316 MB resident before a search. usearch's ``Index.view`` also
  walks every node (offsets, then a key table). IVF with mapped lists: 5 ms warm, 15-30 ms cold.
- search: exact over 1M rows takes seconds; IVF-SQ8 with about 8k codes scanned a query and an
  exact re-rank of 4k candidates takes ~0.15 s warm, recall@10 1.000 on held-out mixed vectors
  and 0.993 on held-out real ones. IVF-PQ48 codes recall 0.94 even re-ranking 100 candidates.
- memory: 570 MB peak (490 MB of it mapped file pages, mostly the probed lists); exact: 870 MB.
- size: 768 bytes a vector for float16 rows (388 for 8-bit ones) plus 398 for the IVF file.
- below ``ANN_THRESHOLD`` the exact search is as fast (about 80 ms at 25k rows, where IVF takes
  about 120 ms; 400 ms at 50k, IVF 190 ms), exact, reads sequentially when cold and needs no
  build, so no ANN file is written.
"""

from __future__ import annotations

import logging
import mmap
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index.ann_build import BLOCK_ROWS
from ipscan.index.ann_build import build_ivf
from ipscan.index.ann_build import choose_nlist
from ipscan.index.ann_build import choose_nprobe
from ipscan.index.ann_build import write_f16
from ipscan.index.ann_checks import F16
from ipscan.index.ann_checks import check_f16_npy
from ipscan.index.ann_checks import check_ivf_file
from ipscan.index.ann_checks import check_ivf_ids
from ipscan.index.ann_checks import check_npy
from ipscan.index.ann_i8 import ScaledRows
from ipscan.index.ann_i8 import row_dtype
from ipscan.index.ann_i8 import write_i8
from ipscan.index.ann_rows import PreadRows
from ipscan.index.ann_search import MISSING
from ipscan.index.ann_store import ExactStore
from ipscan.index.ann_store import FaissStore
from ipscan.index.ann_store import IvfStore
from ipscan.index.ann_store import VectorStore
from ipscan.index.vectors import has_faiss
from ipscan.index.vectors import load_faiss
from ipscan.index.vectors import require_faiss

if TYPE_CHECKING:
    import faiss

__all__ = [
    "ANN_THRESHOLD",
    "MISSING",
    "ExactStore",
    "FaissStore",
    "IvfStore",
    "VectorStore",
    "map_f16_rows",
    "open_v1_store",
    "open_vector_store",
    "verify_vector_store",
    "write_vector_store",
]

F16_NAME = "vectors.f16.npy"
I8_NAME = "vectors.i8.npy"
IVF_NAME = "vectors.ivf.faiss"
KIND_EXACT = "exact-f16"
KIND_IVF = "ivf-sq8"
KIND_EXACT_I8 = "exact-i8"
KIND_IVF_I8 = "ivf-sq8-i8"
# Each kind: its rows file (float16, or 8-bit codes with a scale: ``ann_i8``) and its ANN file.
KINDS: dict[str, tuple[str, bool]] = {
    KIND_EXACT: (F16_NAME, False),
    KIND_IVF: (F16_NAME, True),
    KIND_EXACT_I8: (I8_NAME, False),
    KIND_IVF_I8: (I8_NAME, True),
}
ROW_ENCODINGS = ("i8", "f16")
FORMAT_VERSION = 1
# Vectors from which an ANN index is built: where the exact search's time crosses IVF's
# (between 25k and 50k rows, bench/ann.py).
ANN_THRESHOLD = 30_000
# A search of at most EXACT_QUERIES vectors over an index of at most EXACT_UNITS units reads the
# rows exactly (``exact_store``) instead of importing FAISS and mapping every IVF file: about
# 0.1 s less for a pre-commit check at 85k units (the default index), and exact.
EXACT_QUERIES = 16
EXACT_UNITS = 150_000
INSTALL_FAISS = "`pip install 'ipscan-code[faiss]'` adds FAISS"

log = logging.getLogger("ipscan")


def open_v1_store(path: Path, n_vectors: int, dim: int | None = None) -> FaissStore:
    """A v1 ``vectors.faiss`` file, checked and read by ``load_faiss``, as a VectorStore."""
    return FaissStore(load_faiss(path, n_vectors, dim))


def write_vector_store(
    folder: Path,
    vectors: np.ndarray,
    *,
    ann_threshold: int = ANN_THRESHOLD,
    rows: str = "i8",
) -> dict[str, Any]:
    """Write the store of ``vectors`` (n, d) into ``folder``, its rows as 8-bit codes with a
    scale (``rows="i8"``) or as float16 (``"f16"``, what indexes before 8-bit rows hold); its
    description for the manifest."""
    if vectors.ndim != 2 or vectors.shape[1] < 1:
        raise ValueError(f"vectors must be (n, d), not {vectors.shape}")
    if rows not in ROW_ENCODINGS:
        raise ValueError(f"rows must be one of {ROW_ENCODINGS}, not {rows!r}")
    n, dim = (int(s) for s in vectors.shape)
    if rows == "i8":
        write_i8(folder / I8_NAME, vectors)
    else:
        write_f16(folder / F16_NAME, vectors)
    rows_name = I8_NAME if rows == "i8" else F16_NAME
    description: dict[str, Any] = {
        "kind": KIND_EXACT_I8 if rows == "i8" else KIND_EXACT,
        "version": FORMAT_VERSION,
        "count": n,
        "dim": dim,
        "files": [rows_name],
    }
    if n < max(ann_threshold, 1):
        return description
    if not has_faiss():
        # Without FAISS the store is searched exactly, which needs no ANN file: as fast as IVF
        # for a pre-commit check, about a second more for a 1,000-unit scan at 85k units.
        _slow_without_faiss(n)
        return description
    import faiss

    nlist = choose_nlist(n)
    faiss.write_index(build_ivf(vectors, nlist), str(folder / IVF_NAME))
    # The file must pass the check every open makes: a FAISS whose layout changed fails here.
    check_ivf_file(folder / IVF_NAME, n, dim, nlist)
    description.update(
        kind=KIND_IVF_I8 if rows == "i8" else KIND_IVF,
        files=[rows_name, IVF_NAME],
        nlist=nlist,
        nprobe=choose_nprobe(n, nlist),
    )
    return description


_warned: set[str] = set()


def _slow_without_faiss(n: int) -> None:
    """Warn, once a process, that ``n`` vectors searched exactly (no FAISS) are slow: only past
    EXACT_UNITS, where exact search takes seconds a scan."""
    if n <= EXACT_UNITS or "faiss" in _warned:
        return
    _warned.add("faiss")
    log.warning(
        "faiss is not installed: %d vectors are searched exactly, which is slow at this size (%s)",
        n,
        INSTALL_FAISS,
    )


def _int_field(description: dict[str, Any], key: str, low: int, high: int) -> int:
    value = description.get(key)
    if type(value) is not int or not low <= value <= high:
        raise IpscanIndexError(f"manifest: vector store {key} {value!r} is not valid")
    return value


def _checked_kind(description: dict[str, Any], n: int, dim: int) -> str:
    """The store kind of a description whose fields match the index's (n, dim)."""
    if not isinstance(description, dict):
        raise IpscanIndexError("manifest: vector store description is not an object")
    kind = description.get("kind")
    if kind not in KINDS or description.get("files") != _files(str(kind)):
        raise IpscanIndexError(f"manifest: unknown vector store {kind!r}; upgrade ipscan")
    _int_field(description, "version", FORMAT_VERSION, FORMAT_VERSION)
    _int_field(description, "count", n, n)
    _int_field(description, "dim", dim, dim)
    if KINDS[str(kind)][1]:
        nlist = _int_field(description, "nlist", 1, n)
        _int_field(description, "nprobe", 1, nlist)
    return str(kind)


def _files(kind: str) -> list[str]:
    rows_name, has_ann = KINDS[kind]
    return [rows_name, IVF_NAME] if has_ann else [rows_name]


def open_vector_store(folder: Path, description: dict[str, Any], n: int, dim: int) -> VectorStore:
    """Map the store ``description`` says ``folder`` holds, after checking its files' headers
    and sizes against it (nothing is read whole, nothing hashed)."""
    kind = _checked_kind(description, n, dim)
    rows_name, has_ann = KINDS[kind]
    if not has_ann:
        return ExactStore(map_rows(folder, kind, n, dim))
    if not has_faiss():  # the rows hold every vector: the ANN file only makes search faster
        _slow_without_faiss(n)
        return ExactStore(map_rows(folder, kind, n, dim))
    index = _load_ivf(folder / IVF_NAME, n, dim, description["nlist"])
    path = folder / rows_name
    record = row_dtype(dim) if rows_name == I8_NAME else None
    offset = check_npy(path, (n,), record) if record is not None else check_f16_npy(path, n, dim)
    try:
        scattered = PreadRows(path, offset, n, dim, record)
    except OSError as exc:
        raise IpscanIndexError(f"{path}: cannot open the vectors file ({exc.strerror})") from exc
    rows = scattered if record is None else ScaledRows(scattered, dim)
    return IvfStore(rows, index, description["nprobe"])


def exact_store(folder: Path, description: dict[str, Any], n: int, dim: int) -> ExactStore:
    """The rows of the store ``description`` says ``folder`` holds, searched exactly: its ANN
    file, if any, is neither checked nor read (nor FAISS imported)."""
    return ExactStore(map_rows(folder, _checked_kind(description, n, dim), n, dim))


def map_rows(folder: Path, kind: str, n: int, dim: int) -> np.ndarray | ScaledRows:
    """The rows of a store of ``kind`` memory-mapped, read as float32 rows when decoded."""
    if KINDS[kind][0] == F16_NAME:
        return map_f16_rows(folder / F16_NAME, n, dim)
    return ScaledRows(_map_records(folder / I8_NAME, n, dim), dim)


def read_all_rows(folder: Path, description: dict[str, Any], n: int, dim: int) -> np.ndarray:
    """Every row of the store as float32 (n, dim) (compacting reads it whole)."""
    rows = map_rows(folder, _checked_kind(description, n, dim), n, dim)
    return np.asarray(rows[0:n], dtype=np.float32).reshape(n, dim)


def verify_vector_store(folder: Path, description: dict[str, Any], n: int, dim: int) -> None:
    """Everything ``open_vector_store`` checks, then every value: the rows are finite and the
    ANN lists hold each row id once (reads the files whole: for ``ipscan index verify``)."""
    kind = _checked_kind(description, n, dim)
    rows = map_rows(folder, kind, n, dim)
    for start in range(0, n, BLOCK_ROWS):
        if not np.isfinite(rows[start : start + BLOCK_ROWS]).all():
            raise IpscanIndexError(f"{folder / KINDS[kind][0]}: a vector is not finite; rebuild it")
    if KINDS[kind][1]:
        path = folder / IVF_NAME
        check_ivf_ids(path, *check_ivf_file(path, n, dim, description["nlist"]), dim)


def map_f16_rows(path: Path, n: int, dim: int) -> np.ndarray:
    """The (n, dim) rows of the fp16 .npy ``path``, checked, then memory-mapped read-only (read
    in order: exact search, verify, compact; scattered rows go through ``PreadRows``)."""
    offset = check_f16_npy(path, n, dim)
    if not n:
        return np.zeros((0, dim), dtype=F16)
    try:
        with path.open("rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise IpscanIndexError(f"{path}: cannot map the vectors file ({exc})") from exc
    rows = np.frombuffer(mapped, dtype=F16, count=n * dim, offset=offset)
    return rows.reshape(n, dim)


def _map_records(path: Path, n: int, dim: int) -> np.ndarray:
    """The (n,) 8-bit row records of ``path``, checked, then memory-mapped read-only."""
    record = row_dtype(dim)
    offset = check_npy(path, (n,), record)
    if not n:
        return np.zeros(0, dtype=record)
    try:
        with path.open("rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise IpscanIndexError(f"{path}: cannot map the vectors file ({exc})") from exc
    return np.frombuffer(mapped, dtype=record, count=n, offset=offset)


def _load_ivf(path: Path, n: int, dim: int, nlist: int) -> faiss.IndexIVFScalarQuantizer:
    require_faiss()
    import faiss

    check_ivf_file(path, n, dim, nlist)
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except (RuntimeError, MemoryError) as exc:
        raise IpscanIndexError(f"{path}: corrupt FAISS index; rebuild the index") from exc
    if not isinstance(index, faiss.IndexIVFScalarQuantizer) or (
        index.ntotal,
        index.d,
        index.nlist,
    ) != (n, dim, nlist):
        raise IpscanIndexError(f"{path}: the ANN file does not match the index; rebuild it")
    return index

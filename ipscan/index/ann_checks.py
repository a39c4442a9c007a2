"""Checks of the vector store's files against their description, before numpy or FAISS maps them.

Both checks read headers and fixed-size fields only (O(1) for the .npy, O(nlist) for the IVF
file), never the vectors, so opening an index costs the same at 10 thousand and 10 million units.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ipscan.errors import IpscanIndexError

F16 = np.dtype("<f2")

# numpy refuses longer .npy headers unless told otherwise; ours are under 128 bytes.
_MAX_NPY_HEADER = 10_000


def _bad(path: Path, what: str) -> IpscanIndexError:
    return IpscanIndexError(f"{path}: {what} does not match the index; rebuild the index")


def check_f16_npy(path: Path, n: int, dim: int) -> int:
    """The data offset of ``path``, a plain .npy of float16 (n, dim) rows in C order, whose size
    is exactly its header plus the rows; anything else fails with one line."""
    return check_npy(path, (n, dim), F16)


def check_npy(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> int:
    """The data offset of ``path``, a plain .npy of ``dtype`` and ``shape`` in C order, whose
    size is exactly its header plus the data; anything else fails with one line."""
    try:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(fh, max_header_size=_MAX_NPY_HEADER)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(fh, max_header_size=_MAX_NPY_HEADER)
            else:
                raise _bad(path, "the vectors file")
            offset = fh.tell()
            size = path.stat().st_size
    except OSError as exc:
        raise IpscanIndexError(f"{path}: cannot read the vectors file ({exc.strerror})") from exc
    except (ValueError, TypeError) as exc:
        raise _bad(path, "the vectors file") from exc
    found_shape, fortran_order, found_dtype = header
    expected_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if (
        found_dtype != dtype
        or fortran_order
        or found_shape != shape
        or size != offset + expected_bytes
    ):
        raise _bad(path, "the vectors file")
    return offset


# The layout faiss 1.15 writes for the IndexIVFScalarQuantizer of ann_build (impl/index_write.cpp:
# write_index for "IwSq", write_ivf_header, write_ScalarQuantizer, write_InvertedLists "ilar"):
# fourcc; index header (d, ntotal, two unused fields, is_trained, metric); nlist, nprobe; the
# coarse quantizer as an IndexFlatIP ("IxFI", its header, then nlist * d floats preceded by their
# count); the direct map (type, then an empty vector); the scalar quantizer (type, range
# statistic and its argument, d, code size, its trained values); code size and by_residual; the
# inverted lists ("ilar", nlist, code size, the list sizes "full" or "sprs", then every list's
# codes and 64-bit ids).
_INDEX_HEADER = struct.Struct("<iqqq?i")
_SQ_HEADER = struct.Struct("<iifQQ")
_U64 = struct.Struct("<Q")
_BOOL = struct.Struct("<?")
_BYTE = struct.Struct("<b")
_METRIC_INNER_PRODUCT = 0
_QT_8BIT = 0
_ID_BYTES = 8
_ID = np.dtype("<i8")


class _Reader:
    """Exact-length reads from a file, each short read a mismatch."""

    def __init__(self, fh: BinaryIO, bad: IpscanIndexError) -> None:
        self.fh = fh
        self.bad = bad

    def take(self, size: int) -> bytes:
        data = self.fh.read(size)
        if len(data) != size:
            raise self.bad
        return data

    def unpack(self, fmt: struct.Struct) -> tuple[object, ...]:
        return fmt.unpack(self.take(fmt.size))

    def u64(self) -> int:
        (value,) = _U64.unpack(self.take(_U64.size))
        assert isinstance(value, int)
        return value

    def expect(self, condition: bool) -> None:
        if not condition:
            raise self.bad


def _list_sizes(r: _Reader, nlist: int) -> list[int]:
    """The inverted list sizes, from their full or sparse form."""
    kind = r.take(4)
    count = r.u64()
    if kind == b"full":
        r.expect(count == nlist)
        return list(struct.unpack(f"<{nlist}Q", r.take(8 * nlist)))
    r.expect(kind == b"sprs" and count % 2 == 0 and count <= 2 * nlist)
    pairs = struct.unpack(f"<{count}Q", r.take(8 * count))
    sizes = [0] * nlist
    previous = -1
    for list_no, size in zip(pairs[0::2], pairs[1::2], strict=True):
        r.expect(previous < list_no < nlist and size > 0)
        sizes[list_no] = size
        previous = list_no
    return sizes


def check_ivf_file(path: Path, n: int, dim: int, nlist: int) -> tuple[int, list[int]]:
    """Check every length an IVF-SQ8 file declares against (n, dim, nlist) and its own size,
    before FAISS reads it: FAISS trusts those lengths, and a crafted one makes it allocate
    without bound or map lists past the end of the file. Returns where the lists start and
    their sizes."""
    bad = _bad(path, "the ANN file")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            r = _Reader(fh, bad)
            r.expect(r.take(4) == b"IwSq")
            d, ntotal, _, _, trained, metric = r.unpack(_INDEX_HEADER)
            r.expect((d, ntotal, trained, metric) == (dim, n, True, _METRIC_INNER_PRODUCT))
            r.expect(r.u64() == nlist)
            r.u64()  # nprobe: every search passes its own
            r.expect(r.take(4) == b"IxFI")
            d, ntotal, _, _, trained, metric = r.unpack(_INDEX_HEADER)
            r.expect((d, ntotal, trained, metric) == (dim, nlist, True, _METRIC_INNER_PRODUCT))
            r.expect(r.u64() == nlist * dim)
            fh.seek(4 * nlist * dim, 1)
            r.expect(r.unpack(_BYTE) == (0,) and r.u64() == 0)
            qtype, _, _, qd, code_size = r.unpack(_SQ_HEADER)
            r.expect((qtype, qd, code_size) == (_QT_8BIT, dim, dim))
            r.expect(r.u64() == 2 * dim)
            fh.seek(4 * 2 * dim, 1)
            r.expect(r.u64() == dim and r.unpack(_BOOL) == (True,))
            r.expect(r.take(4) == b"ilar" and r.u64() == nlist and r.u64() == dim)
            sizes = _list_sizes(r, nlist)
            start = fh.tell()
            r.expect(sum(sizes) == n and size == start + n * (dim + _ID_BYTES))
            return start, sizes
    except OSError as exc:
        raise IpscanIndexError(f"{path}: cannot read the ANN file ({exc.strerror})") from exc


def check_ivf_ids(path: Path, start: int, sizes: list[int], dim: int) -> None:
    """Check that the lists of an IVF file (laid out from ``start``: each list's codes, then its
    ids) hold every row id once; reads every id, so for verifying, not opening. The sizes add up
    to n, so n ids in range that leave none unseen are each there once."""
    n = sum(sizes)
    seen = np.zeros(n, dtype=bool)
    lists = np.memmap(path, dtype=np.uint8, mode="r") if n else np.zeros(0, np.uint8)
    offset = start
    for size in sizes:
        offset += size * dim
        ids = lists[offset : offset + size * _ID_BYTES].view(_ID)
        offset += size * _ID_BYTES
        if len(ids) and (ids.min() < 0 or ids.max() >= n):
            raise _bad(path, "the ANN file's row ids")
        seen[ids] = True
    if not seen.all():
        raise _bad(path, "the ANN file's row ids")

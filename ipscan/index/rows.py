"""Rows of a line-per-record index file, read only when asked for (issue #17).

``files.jsonl`` and ``unit_names.txt`` grow with the index; parsing them whole at open made the
open cost grow with it. A ``Lines`` view memory-maps the file and finds a row through an
offsets array: the one a build writes beside the file (``*.offsets.npy``, n + 1 line starts),
or, for an index built before those, one computed on first use. A row is decoded (and for
JSON Lines parsed and checked) when it is read, and a bad one is a one-line IpscanIndexError.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any
from typing import overload

import numpy as np

from ipscan.errors import IpscanIndexError

OFFSET_DTYPE = np.dtype("<u8")


def line_offsets(data: bytes | mmap.mmap) -> np.ndarray:
    """The start of every line of ``data`` and its end: n + 1 offsets for n lines."""
    raw = np.frombuffer(data, dtype=np.uint8) if len(data) else np.zeros(0, np.uint8)
    ends = np.flatnonzero(raw == ord("\n")) + 1
    if len(raw) and raw[-1] != ord("\n"):
        ends = np.append(ends, len(raw))  # a last line without its newline
    return np.concatenate([[0], ends]).astype(OFFSET_DTYPE)


class Lines(Sequence[str]):
    """The lines of a UTF-8 text file (without their newline), each decoded when read."""

    def __init__(self, path: Path, offsets_path: Path | None = None, count: int | None = None):
        self.path = path
        self._offsets_path = offsets_path
        self._count = count
        try:
            self._size = path.stat().st_size
        except OSError as exc:
            raise self._error(exc.strerror or "unreadable") from exc

    def _error(self, why: str) -> IpscanIndexError:
        return IpscanIndexError(f"{self.path}: cannot read the index ({why}); rebuild it")

    @cached_property
    def _data(self) -> bytes | mmap.mmap:
        if self._size == 0:
            return b""
        try:
            with self.path.open("rb") as fh:
                return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise self._error(str(exc)) from exc

    @cached_property
    def _offsets(self) -> np.ndarray:
        if self._offsets_path is None:
            offsets = line_offsets(self._data)
        else:
            try:
                offsets = np.load(self._offsets_path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError, EOFError) as exc:
                raise self._error(f"{self._offsets_path.name}: {exc}") from exc
            # Checked cheaply: the ends, not every offset (a row out of order fails when read).
            if offsets.dtype != OFFSET_DTYPE or offsets.ndim != 1 or not len(offsets):
                raise self._error(f"{self._offsets_path.name} has the wrong layout")
            if int(offsets[0]) != 0 or int(offsets[-1]) != self._size:
                raise self._error(f"{self._offsets_path.name} does not match {self.path.name}")
        if self._count is not None and len(offsets) != self._count + 1:
            raise self._error(f"{len(offsets) - 1} rows where the manifest counts {self._count}")
        return offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _text(self, i: int) -> str:
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        if not 0 <= start <= end <= self._size:
            raise self._error(f"row {i} lies outside the file")
        raw = self._data[start:end]
        try:
            return raw.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError as exc:
            raise self._error(f"row {i} is not UTF-8") from exc

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self._text(j) for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return self._text(i % n)

    def __iter__(self) -> Iterator[str]:
        return (self._text(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class JsonRows(Sequence[dict[str, Any]]):
    """The records of a JSON Lines file, each parsed (and checked to be an object) when read."""

    def __init__(self, lines: Lines):
        self._lines = lines
        self._cache: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def _row(self, i: int) -> dict[str, Any]:
        row = self._cache.get(i)
        if row is None:
            try:
                row = json.loads(self._lines[i])
            except (ValueError, RecursionError) as exc:
                raise self._lines._error(f"row {i} is not JSON") from exc
            if not isinstance(row, dict):
                raise self._lines._error(f"row {i} is not a record")
            self._cache[i] = row
        return row

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return self._row(i % n)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._row(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def write_lines(path: Path, offsets_path: Path, lines: Sequence[str]) -> None:
    """Write ``lines`` (no newlines inside) and their offsets array."""
    data = [line.encode("utf-8") + b"\n" for line in lines]
    with path.open("wb") as fh:
        for chunk in data:
            fh.write(chunk)
    sizes = np.fromiter((len(c) for c in data), dtype=OFFSET_DTYPE, count=len(data))
    offsets = np.concatenate([np.zeros(1, OFFSET_DTYPE), np.cumsum(sizes, dtype=OFFSET_DTYPE)])
    np.save(offsets_path, offsets, allow_pickle=False)

"""JSON Lines datasets (``.jsonl``, ``.jsonl.gz``): one JSON object a line.

The filtered copy is the input's own lines, byte for byte, less the dropped samples' lines
(blank lines, which hold no sample, are kept). Samples are counted over non-blank lines.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from collections.abc import Set
from pathlib import Path

from ipscan.dataset.atomic import atomic_path
from ipscan.dataset.samples import Fields
from ipscan.dataset.samples import Sample
from ipscan.dataset.samples import sample_id
from ipscan.errors import IpscanError


def _open(path: Path) -> io.BufferedIOBase:
    try:
        if path.name.endswith(".gz"):
            return gzip.open(path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise IpscanError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from exc


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, line) of the file, with its line ending."""
    with _open(path) as fh:
        try:
            yield from enumerate(fh, start=1)
        except (OSError, EOFError, zlib.error) as exc:
            raise IpscanError(f"{path}: cannot read ({exc})") from exc


def read_samples(path: Path, fields: Fields) -> Iterator[Sample]:
    """The samples of ``path`` in order; a line that is not a JSON object, or one without the
    content field, is an IpscanError naming the line."""
    index = 0
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise IpscanError(f"{path}:{number}: not valid JSON ({_first_line(exc)})") from exc
        if not isinstance(record, dict):
            raise IpscanError(f"{path}:{number}: not a JSON object")
        if fields.content not in record:
            raise IpscanError(f"{path}:{number}: no field {fields.content!r}")
        language = record.get(fields.language)
        yield Sample(
            index=index,
            id=sample_id(record.get(fields.id), index),
            content=record[fields.content],
            language=language if isinstance(language, str) else None,
        )
        index += 1


def write_filtered(path: Path, dest: Path, drop: Set[int]) -> int:
    """Write ``path`` less the samples at positions in ``drop`` to ``dest`` (gzip when its
    name ends in .gz); the number of samples kept."""
    kept = index = 0
    with atomic_path(dest) as tmp:
        # mtime 0: the same samples give the same bytes (a resumed audit equals a whole one)
        gz = dest.name.endswith(".gz")
        out: io.BufferedIOBase = gzip.GzipFile(tmp, "wb", mtime=0) if gz else tmp.open("wb")
        with out:
            for _number, line in _lines(path):
                if line.strip():
                    index += 1
                    if index - 1 in drop:
                        continue
                    kept += 1
                out.write(line)
    return kept


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

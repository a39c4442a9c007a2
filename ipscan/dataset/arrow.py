"""Arrow-backed datasets: Parquet files, and the Hugging Face ``datasets`` on-disk format.

``Dataset.save_to_disk`` writes a folder holding ``dataset_info.json`` (features, splits),
``state.json`` (``_data_files``: the data files in order, ``_fingerprint``, ``_split``) and
``data-NNNNN-of-NNNNN.arrow`` files in the Arrow IPC *streaming* format, which ``pyarrow``
reads without the ``datasets`` package. The filtered copy keeps the same files, schema
(with the ``huggingface`` features metadata) and other columns, less the dropped rows, with a
new fingerprint and the split's new row count. Parquet's copy keeps the schema, its metadata
and the compression of the input. Both are read and written a record batch at a time.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
from collections.abc import Iterator
from collections.abc import Set
from pathlib import Path
from typing import Any

from ipscan.dataset.atomic import atomic_path
from ipscan.dataset.samples import Fields
from ipscan.dataset.samples import Sample
from ipscan.dataset.samples import sample_id
from ipscan.errors import IpscanError
from ipscan.errors import UsageError

INSTALL_HINT = "pip install 'ipscan-code[dataset]'"
STATE = "state.json"
INFO = "dataset_info.json"
DATASET_DICT = "dataset_dict.json"
BATCH_ROWS = 1024


def _pa() -> Any:
    try:  # imported by name: pyarrow ships no type information
        importlib.import_module("pyarrow.ipc")
        importlib.import_module("pyarrow.parquet")
        return importlib.import_module("pyarrow")
    except ImportError as exc:
        raise UsageError(f"Parquet and Arrow datasets need pyarrow: {INSTALL_HINT}") from exc


def _arrow_error(path: Path, exc: BaseException) -> IpscanError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return IpscanError(f"{path}: cannot read ({first})")


def _samples(batches: Iterator[Any], fields: Fields, where: Path, start: int) -> Iterator[Sample]:
    index = start
    for batch in batches:
        names = batch.schema.names
        if fields.content not in names:
            raise IpscanError(
                f"{where}: no column {fields.content!r} (columns: {', '.join(names)})"
            )
        content = batch.column(fields.content).to_pylist()
        n = len(content)
        languages = batch.column(fields.language).to_pylist() if fields.language in names else []
        ids = batch.column(fields.id).to_pylist() if fields.id in names else []
        for i in range(n):
            language = languages[i] if languages else None
            yield Sample(
                index=index,
                id=sample_id(ids[i] if ids else None, index),
                content=content[i],
                language=language if isinstance(language, str) else None,
            )
            index += 1


# Parquet


def _parquet(path: Path) -> Any:
    pa = _pa()
    try:
        return pa.parquet.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise _arrow_error(path, exc) from exc


def read_parquet(path: Path, fields: Fields) -> Iterator[Sample]:
    """The rows of a Parquet file as samples, in order."""
    pa = _pa()
    pf = _parquet(path)
    have = set(pf.schema_arrow.names)
    if fields.content not in have:
        raise IpscanError(
            f"{path}: no column {fields.content!r} (columns: {', '.join(pf.schema_arrow.names)})"
        )
    columns = [c for c in (fields.content, fields.language, fields.id) if c in have]
    try:
        yield from _samples(pf.iter_batches(BATCH_ROWS, columns=columns), fields, path, 0)
    except (OSError, pa.ArrowException) as exc:
        raise _arrow_error(path, exc) from exc


def _kept(batch: Any, start: int, drop: Set[int]) -> Any:
    """The rows of ``batch`` (rows ``start``... of the dataset) not in ``drop``."""
    pa = _pa()
    mask = [start + i not in drop for i in range(batch.num_rows)]
    return batch.filter(pa.array(mask, type=pa.bool_()))


def write_parquet(path: Path, dest: Path, drop: Set[int]) -> int:
    """``path`` less the rows in ``drop``, to ``dest``; the number of rows kept."""
    pa = _pa()
    pf = _parquet(path)
    meta = pf.metadata
    compression = "snappy"
    if meta.num_row_groups and meta.num_columns:
        compression = str(meta.row_group(0).column(0).compression).lower()
    kept = start = 0
    with (
        atomic_path(dest) as tmp,
        pa.parquet.ParquetWriter(tmp, pf.schema_arrow, compression=compression) as out,
    ):
        for batch in pf.iter_batches(BATCH_ROWS):
            rows = _kept(batch, start, drop)
            start += batch.num_rows
            kept += rows.num_rows
            out.write_batch(rows)
    return kept


# The Hugging Face on-disk format


def is_hf_folder(path: Path) -> bool:
    return path.is_dir() and (path / STATE).is_file()


def _state(folder: Path) -> dict[str, Any]:
    if (folder / DATASET_DICT).is_file() and not (folder / STATE).is_file():
        raise UsageError(
            f"{folder}: a dataset with splits; audit one split's folder ({folder}/train)"
        )
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        files = [str(f["filename"]) for f in state["_data_files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IpscanError(
            f"{folder / STATE}: not a datasets state file ({type(exc).__name__})"
        ) from exc
    for name in files:
        if Path(name).name != name:
            raise IpscanError(f"{folder / STATE}: data file {name!r} is not in the folder")
    return dict(state)


def _data_files(folder: Path) -> list[Path]:
    return [folder / str(f["filename"]) for f in _state(folder)["_data_files"]]


def _stream(path: Path) -> Any:
    """A reader of an Arrow IPC file: the streaming format ``datasets`` writes, else the
    random-access file format."""
    pa = _pa()
    try:
        source = pa.memory_map(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise _arrow_error(path, exc) from exc
    try:
        return pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        try:
            return pa.ipc.open_file(source)
        except pa.ArrowException as exc:
            raise _arrow_error(path, exc) from exc


def _batches(reader: Any) -> Iterator[Any]:
    if hasattr(reader, "num_record_batches"):  # the file format
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
    else:
        yield from reader


def read_hf(folder: Path, fields: Fields) -> Iterator[Sample]:
    """The rows of a ``save_to_disk`` folder's data files as samples, in order."""
    pa = _pa()
    start = 0
    for path in _data_files(folder):
        reader = _stream(path)
        if fields.content not in reader.schema.names:
            raise IpscanError(
                f"{path}: no column {fields.content!r} (columns: {', '.join(reader.schema.names)})"
            )
        try:
            for sample in _samples(_batches(reader), fields, path, start):
                yield sample
                start = sample.index + 1
        except (OSError, pa.ArrowException) as exc:
            raise _arrow_error(path, exc) from exc


def write_hf(folder: Path, dest: Path, drop: Set[int]) -> int:
    """The dataset at ``folder`` less the rows in ``drop``, as a ``save_to_disk`` folder at
    ``dest``; the number of rows kept."""
    pa = _pa()
    state = _state(folder)
    kept = start = 0
    with atomic_path(dest) as tmp:
        tmp.mkdir()
        for path in _data_files(folder):
            reader = _stream(path)
            with (
                pa.OSFile(str(tmp / path.name), "wb") as sink,
                pa.ipc.new_stream(sink, reader.schema) as out,
            ):
                for batch in _batches(reader):
                    rows = _kept(batch, start, drop)
                    start += batch.num_rows
                    kept += rows.num_rows
                    out.write_batch(rows)
        data = {path.name for path in _data_files(folder)}
        for other in sorted(folder.iterdir()):
            if other.name not in data | {STATE, INFO} and other.is_file():
                shutil.copy2(other, tmp / other.name)
        state["_fingerprint"] = _fingerprint(state.get("_fingerprint"), drop, start)
        (tmp / STATE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        if (folder / INFO).is_file():
            info = _info(folder / INFO, state.get("_split"), kept)
            (tmp / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return kept


def _fingerprint(old: object, drop: Set[int], rows: int) -> str:
    """A new ``_fingerprint`` (``datasets`` caches by it): the old one and what was dropped."""
    h = hashlib.sha256(f"{old}|ipscan-dataset-filter|{rows}".encode())
    for i in sorted(i for i in drop if i < rows):
        h.update(i.to_bytes(8, "little"))
    return h.hexdigest()[:16]


def _info(path: Path, split: object, rows: int) -> dict[str, Any]:
    """``dataset_info.json`` with the split's row count updated (sizes in bytes dropped: they
    no longer hold)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IpscanError(f"{path}: not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(info, dict):
        raise IpscanError(f"{path}: not a datasets info file")
    splits = info.get("splits")
    if isinstance(splits, dict):
        names = [split] if split in splits else list(splits)
        if len(names) == 1 and isinstance(splits[names[0]], dict):
            splits[names[0]]["num_examples"] = rows
            splits[names[0]].pop("num_bytes", None)
    for key in ("dataset_size", "size_in_bytes"):
        info.pop(key, None)
    return dict(info)

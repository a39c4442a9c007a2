"""The dataset formats: which one an input is, and its reader and filtered-copy writer."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

from ipscan.dataset import arrow
from ipscan.dataset import folder
from ipscan.dataset import jsonl
from ipscan.dataset.samples import Fields
from ipscan.dataset.samples import Sample
from ipscan.errors import IpscanError
from ipscan.errors import UsageError

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
FORMAT_NAMES = ("auto", "jsonl", "parquet", "hf", "folder")


@dataclass(frozen=True)
class DatasetFormat:
    """How to read a format's samples and write its filtered copy (which returns the
    number of samples kept)."""

    name: str
    read: Callable[[Path, Fields], Iterator[Sample]]
    write_filtered: Callable[[Path, Path, Set[int]], int]
    is_folder: bool = False


FORMATS = {
    "jsonl": DatasetFormat("jsonl", jsonl.read_samples, jsonl.write_filtered),
    "parquet": DatasetFormat("parquet", arrow.read_parquet, arrow.write_parquet),
    "hf": DatasetFormat("hf", arrow.read_hf, arrow.write_hf, is_folder=True),
    "folder": DatasetFormat("folder", folder.read_samples, folder.write_filtered, True),
}


def detect_format(path: Path, name: str = "auto") -> DatasetFormat:
    """The format of ``path``: ``name``, or for "auto" by what ``path`` is: a folder with
    ``state.json`` is a Hugging Face dataset, another folder a folder of sources, a file by
    its extension."""
    if not path.exists():
        raise IpscanError(f"{path}: no such file or folder")
    if name == "auto":
        name = _guess(path)
    fmt = FORMATS.get(name)
    if fmt is None:
        raise UsageError(f"--format {name!r}: one of {', '.join(FORMAT_NAMES)}")
    if fmt.is_folder != path.is_dir():
        kind = "a folder" if fmt.is_folder else "a file"
        raise UsageError(f"{path}: --format {name} reads {kind}")
    return fmt


def _guess(path: Path) -> str:
    if path.is_dir():
        if arrow.is_hf_folder(path) or (path / arrow.DATASET_DICT).is_file():
            return "hf"
        return "folder"
    lower = path.name.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    raise UsageError(
        f"{path}: cannot tell the dataset format from its name; pass --format jsonl or parquet"
    )

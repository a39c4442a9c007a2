"""A generation's manifest: what it must hold, checked field by field before anything trusts it.

An index folder can come from anywhere (a cache, an archive, a colleague), so every field the
code reads is checked for its type here, and a wrong one is a one-line IpscanIndexError saying what
is there, never an internal error further on.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ipscan.errors import IpscanIndexError
from ipscan.extract.fingerprint import MIN_UNIT_TOKENS
from ipscan.extract.fingerprint import TOKEN_SCHEME
from ipscan.extract.fingerprint import K
from ipscan.extract.fingerprint import W
from ipscan.extract.line_sketch import SKETCH_SCHEME
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.extract.raw_fingerprint import RAW_SCHEMES
from ipscan.hashing import file_sha256
from ipscan.index import layout
from ipscan.tuning import MAX_SKETCH_LINES
from ipscan.tuning import MIN_FILE_CHARS
from ipscan.tuning import MIN_FILE_TOKENS
from ipscan.tuning import MIN_SKETCH_LINE_CHARS
from ipscan.tuning import MIN_TINY_FILE_CHARS
from ipscan.tuning import RAW_K
from ipscan.tuning import RAW_W
from ipscan.tuning import STRUCTURE_K
from ipscan.tuning import STRUCTURE_W

# Field → (type its value must have, type of each value inside it, or None).
_FIELDS: dict[str, tuple[type, type | None]] = {
    "encoder": (dict, None),
    "counts": (dict, int),
    "files": (dict, str),
}
# Fields that indexes built before them lack, checked when present.
_OPTIONAL_FIELDS: dict[str, tuple[type, type]] = {"sizes": (dict, int), "heads": (dict, str)}
# The vector store's description (ipscan.index.ann): its files must be plain names.
_VECTOR_FILE = re.compile(r"vectors\.[a-z0-9.]{1,40}")
# Encoder fields the code reads, and their types ("input" is missing in early indexes).
_ENCODER_FIELDS: dict[str, type] = {
    "id": str,
    "weights_sha256": str,
    "dim": int,
    "max_length": int,
    "input": str,
}


def fingerprint_params() -> dict[str, int]:
    """The parameters fingerprints depend on; an index is only usable with equal ones."""
    return {"k": K, "w": W, "min_unit_tokens": MIN_UNIT_TOKENS, "token_scheme": TOKEN_SCHEME}


def file_fingerprint_params(scheme: int = RAW_SCHEME) -> dict[str, int]:
    """The parameters of the verbatim channel's digests and raw-token fingerprints, made with
    raw-token ``scheme``."""
    return {
        "k": RAW_K,
        "w": RAW_W,
        "min_file_tokens": MIN_FILE_TOKENS,
        "min_file_chars": MIN_FILE_CHARS,
        "scheme": scheme,
    }


def readable_file_channel(params: object) -> bool:
    """Whether verbatim-channel ``params`` are ones this ipscan can scan against: today's, or
    an older raw-token scheme whose queries it can still make (``RAW_SCHEMES``)."""
    if not isinstance(params, dict) or params.get("scheme") not in RAW_SCHEMES:
        return False
    return params == file_fingerprint_params(params["scheme"])


def raw_scheme(manifest: dict[str, Any]) -> int:
    """The raw-token scheme of a checked manifest's verbatim channel (today's where it has
    none: nothing there to match, and what a build adding to it writes)."""
    if not has_file_channel(manifest):
        return RAW_SCHEME
    return int(manifest["file_fingerprints"]["scheme"])


def structure_fingerprint_params() -> dict[str, int]:
    """The parameters of the structure-insensitive channel."""
    return {"k": STRUCTURE_K, "w": STRUCTURE_W, "scheme": TOKEN_SCHEME}


def has_structure_channel(manifest: dict[str, Any]) -> bool:
    """Whether the generation holds the structure-insensitive channel."""
    return "structure_fingerprints" in manifest


def file_line_params() -> dict[str, int]:
    """The parameters of small files' line sketches (``ipscan.extract.line_sketch``)."""
    return {
        "min_line_chars": MIN_SKETCH_LINE_CHARS,
        "max_lines": MAX_SKETCH_LINES,
        "scheme": SKETCH_SCHEME,
    }


def has_line_channel(manifest: dict[str, Any]) -> bool:
    """Whether the generation holds line sketches made the way this ipscan makes them (an index
    built before them, or with other settings, is scanned without them)."""
    return manifest.get("file_lines") == file_line_params()


def tiny_file_params() -> dict[str, int]:
    """The parameters of the tiny files' digests (claimed only beside copies)."""
    return {"min_chars": MIN_TINY_FILE_CHARS}


def has_tiny_files(manifest: dict[str, Any]) -> bool:
    """Whether the generation records tiny files' digests as this ipscan does (an index built
    before them holds none: its tiny files are never claimed)."""
    return manifest.get("tiny_files") == tiny_file_params()


def has_file_channel(manifest: dict[str, Any]) -> bool:
    """Whether the generation holds the verbatim channel (indexes built before it do not)."""
    return "file_fingerprints" in manifest


def read_manifest(gen_dir: Path) -> dict[str, Any]:
    """The manifest of a generation, checked for format, version and the type of each field."""
    try:
        manifest = json.loads((gen_dir / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise IpscanIndexError(
            f"{gen_dir}: manifest.json is missing or corrupt; rebuild the index"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != layout.FORMAT:
        raise IpscanIndexError(f"{gen_dir}: not an ipscan index manifest")
    version = manifest.get("format_version")
    if not _is(version, int):
        raise IpscanIndexError(
            f"{gen_dir}: manifest format_version is {_show(version)}, not a whole number; "
            "rebuild the index with `ipscan index build`"
        )
    if version != layout.FORMAT_VERSION:
        raise IpscanIndexError(
            f"{gen_dir}: index format {version} but this ipscan reads formats "
            f"{layout.FORMAT_VERSION} and {layout.LIST_FORMAT_VERSION}; rebuild it with "
            "`ipscan index build`"
        )
    if manifest.get("fingerprints") != fingerprint_params():
        raise IpscanIndexError(
            f"{gen_dir}: fingerprint parameters differ from this ipscan; rebuild it"
        )
    if has_file_channel(manifest) and not readable_file_channel(manifest["file_fingerprints"]):
        raise IpscanIndexError(
            f"{gen_dir}: file fingerprint parameters differ from this ipscan; rebuild it"
        )
    structure = manifest.get("structure_fingerprints")
    if has_structure_channel(manifest) and structure != structure_fingerprint_params():
        raise IpscanIndexError(
            f"{gen_dir}: structure fingerprint parameters differ from this ipscan; rebuild it"
        )
    for key, (kind, item) in _FIELDS.items():
        value = manifest.get(key)
        items_ok = item is None or (
            isinstance(value, dict) and all(_is(v, item) for v in value.values())
        )
        if not _is(value, kind) or not items_ok:
            raise IpscanIndexError(
                f"{gen_dir}: manifest {key} is {_show(value)}, expected an object"
                f"{' of ' + _MANY[item] if item else ''}; rebuild the index"
            )
    for key, (kind, item) in _OPTIONAL_FIELDS.items():
        value = manifest.get(key)
        if value is not None and not (
            _is(value, kind) and all(_is(v, item) for v in value.values())
        ):
            raise IpscanIndexError(
                f"{gen_dir}: manifest {key} is {_show(value)}, expected an object of "
                f"{_MANY[item]}; rebuild the index"
            )
    vectors = manifest.get("vectors")
    if vectors is not None and not (
        isinstance(vectors, dict)
        and isinstance(vectors.get("files"), list)
        and all(isinstance(n, str) and _VECTOR_FILE.fullmatch(n) for n in vectors["files"])
    ):
        raise IpscanIndexError(
            f"{gen_dir}: manifest vectors is {_show(vectors)}, expected a vector store; "
            "rebuild the index"
        )
    for key, kind in _ENCODER_FIELDS.items():
        value = manifest["encoder"].get(key)
        if (value is not None or key != "input") and not _is(value, kind):
            raise IpscanIndexError(
                f"{gen_dir}: manifest encoder {key} is {_show(value)}, expected {_ONE[kind]}; "
                "rebuild the index"
            )
    return manifest


def data_files(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The data files a generation must hold: the core ones, its channels and the lookup aids
    its manifest lists."""
    names: tuple[str, ...] = layout.DATA_FILES
    if isinstance(manifest.get("vectors"), dict):  # the vector store replaces vectors.faiss
        stored = tuple(str(n) for n in manifest["vectors"].get("files") or ())
        names = tuple(n for n in names if n != layout.VECTORS) + stored
    names += layout.FILE_CHANNEL_FILES if has_file_channel(manifest) else ()
    if has_structure_channel(manifest):
        names += (layout.STRUCTURE_POSTINGS,)
    if has_line_channel(manifest):
        names += (layout.FILE_LINES,)
    return names + tuple(n for n in layout.LOOKUP_FILES if n in manifest["files"])


def read_generation(gen_dir: Path) -> tuple[dict[str, Any], list[str] | None]:
    """A generation's manifest, and the segments it lists (None: a format-1 generation, which
    is its own one segment and is checked as such by ``read_manifest``)."""
    try:
        manifest = json.loads((gen_dir / layout.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise IpscanIndexError(
            f"{gen_dir}: manifest.json is missing or corrupt; rebuild the index"
        ) from exc
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if not (_is(version, int) and version == layout.LIST_FORMAT_VERSION):
        return read_manifest(gen_dir), None
    if manifest.get("format") != layout.FORMAT:
        raise IpscanIndexError(f"{gen_dir}: not an ipscan index manifest")
    names = manifest.get("segments")
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and layout.SEGMENT_REF.fullmatch(n) for n in names)
        or len(set(names)) != len(names)
    ):
        raise IpscanIndexError(
            f"{gen_dir}: manifest segments is {_show(names)}, expected a list of segment names; "
            "rebuild the index"
        )
    return manifest, names


def verify_files(index_dir: Path, gen: Path, manifest: dict[str, Any]) -> None:
    """Check every data file against the sha256 the manifest recorded for it (reads them all:
    for builds and ``ipscan index verify``, not for scans)."""
    for name in data_files(manifest):
        digest = manifest["files"].get(name)
        path = gen / name
        if digest is None or not path.is_file() or file_sha256(path) != digest:
            raise IpscanIndexError(f"{index_dir}: {name} is missing or corrupt; rebuild the index")


HEAD_BYTES = 65536  # how much of each file the quick check hashes


def head_sha256(path: Path) -> str:
    """The sha256 of the first HEAD_BYTES of a file."""
    with path.open("rb") as fh:
        return hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()


def quick_check(index_dir: Path, gen: Path, manifest: dict[str, Any]) -> None:
    """What a scan checks on open, at a cost independent of the index's size: every data file
    is there with the size, and the first HEAD_BYTES, the manifest recorded (an index built
    before those were recorded: that each file is there). A change further inside a file is
    found by ``ipscan index verify``; the readers of each file check its structure."""
    sizes, heads = manifest.get("sizes") or {}, manifest.get("heads") or {}
    for name in data_files(manifest):
        path = gen / name
        try:
            ok = path.is_file() and (name not in sizes or path.stat().st_size == sizes[name])
            ok = ok and (name not in heads or head_sha256(path) == heads[name])
        except OSError:
            ok = False
        if not ok:
            raise IpscanIndexError(f"{index_dir}: {name} is missing or corrupt; rebuild the index")


_ONE: dict[type, str] = {str: "a string", int: "a whole number"}
_MANY: dict[type, str] = {str: "strings", int: "whole numbers"}


def _is(value: object, kind: type) -> bool:
    # JSON true/false are Python bools, which are ints: never accept them as numbers.
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _show(value: object) -> str:
    """A value as the user wrote it, short, with what kind of JSON value it is."""
    if value is None:
        return "missing (or null)"
    kind = {str: "a string", list: "a list", dict: "an object", bool: "a boolean"}.get(
        type(value), "a number"
    )
    text = json.dumps(value)
    return f"{text[:40]}{'…' if len(text) > 40 else ''} ({kind})"

"""An index packed into one compressed file, to ship it (issue #17: the default index).

An index folder is made for lookups, not for size: every unit costs about 2.2 KB on real code
with every channel, a quarter of it the contiguous hash columns that only speed lookups up. A
pack keeps what cannot be derived, column by column, each column an LZMA member of a zip file,
and nothing else. Fingerprint postings are stored in the order of their unit (or file) and
position, each column as its differences from the row before (a posting's end line as its
distance from its start line): positions, lines and owners then cost a fraction of a byte, and
only the hashes stay random: the posting columns take 24 % less than sorted by hash (whose
hash differences are small but whose other columns are then random), the pack 12 % less (957 to
842 bytes a unit, 3,871 units of four Python packages). The structure postings (hash, unit)
stay sorted by hash, which is smaller for them. ``unpack_index`` writes the folder back
once, with ``write_index`` (lookup files, manifest, checks), into a folder named by the pack's
digest, so a pack is unpacked once per machine and every later scan opens the folder.

Members: ``pack.json`` (format, version, the encoder and fingerprint settings, the counts and
each array's fields), ``sources.json``, ``files.jsonl``, ``unit_names.txt``, and one member per
array field (``units/file``, ``postings/hash``, ...; the vectors as ``vectors/code`` and
``vectors/scale``, the 8-bit rows of ``ann_i8``). No pickle: raw little-endian arrays and JSON.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.extract.parallel import available_cores
from ipscan.index import layout
from ipscan.index.ann_i8 import decode
from ipscan.index.ann_i8 import quantize
from ipscan.index.manifest import file_line_params
from ipscan.index.manifest import fingerprint_params
from ipscan.index.manifest import has_tiny_files
from ipscan.index.manifest import readable_file_channel
from ipscan.index.manifest import structure_fingerprint_params
from ipscan.index.manifest import tiny_file_params
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import write_index

PACK_FORMAT = "ipscan-index-pack"
PACK_VERSION = 2  # 2: postings in owner order (1: sorted by hash)
PACK_SUFFIX = ".ipack"  # also ipscan.index.open.PACK_SUFFIX
META = "pack.json"
# The arrays a pack holds, with their layout; a pack of another layout is refused.
ARRAYS: dict[str, np.dtype] = {
    "units": layout.UNIT_DTYPE,
    "postings": layout.POSTING_DTYPE,
    "file_keys": layout.FILE_KEY_DTYPE,
    "file_postings": layout.FILE_POSTING_DTYPE,
    "structure_postings": layout.STRUCTURE_POSTING_DTYPE,
}
# Arrays a pack holds when its index has them: small files' line sketches (newer than the rest).
OPTIONAL_ARRAYS: dict[str, np.dtype] = {"file_lines": layout.FILE_LINE_DTYPE}
# Arrays stored sorted by hash: their hash column as differences (small numbers).
SORTED = ("structure_postings", "file_lines")
# Arrays stored in the order of their owner (unit or file) and position: every column but the
# hash as differences from the row before, the end line from the start line.
OWNED = {"postings": "unit", "file_postings": "file"}
# Arrays a reader expects sorted by hash (``write_index`` sorts them, stable).
BY_HASH = ("postings", "file_postings", "structure_postings", "file_lines")
# What a pack may expand to: more is refused before anything is written.
MAX_UNPACKED_BYTES = 8 << 30
MAX_META_BYTES = 1 << 20
MAX_ROWS = 1 << 40
MAX_DIM = 8192
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_LZMA = zipfile.ZIP_LZMA


def pack_index(index_dir: Path, out: Path) -> int:
    """Write the index at ``index_dir`` as the pack ``out`` (atomically); its size in bytes."""
    with IndexReader(index_dir, verify=True) as reader:
        manifests = [seg.manifest for seg in reader.segments]
        if not all(_readable(m) for m in manifests):
            raise IpscanIndexError(
                f"{index_dir}: built with other fingerprint settings or without every channel; "
                "rebuild it with this ipscan before packing"
            )
        contents = reader.contents()
        manifest = manifests[0]
        arrays = {**ARRAYS, **(OPTIONAL_ARRAYS if contents.line_sketches else {})}
    meta: dict[str, Any] = {
        "format": PACK_FORMAT,
        "version": PACK_VERSION,
        "encoder": contents.encoder,
        "fingerprints": manifest.get("fingerprints"),
        "file_fingerprints": manifest.get("file_fingerprints"),
        "structure_fingerprints": manifest.get("structure_fingerprints"),
        "counts": {name: len(getattr(contents, name)) for name in arrays},
        "dim": int(contents.vectors.shape[1]) if contents.vectors.ndim == 2 else 0,
        "arrays": {name: _fields(dtype) for name, dtype in arrays.items()},
    }
    if "file_lines" in arrays:
        meta["file_lines"] = file_line_params()
    if contents.tiny_files:
        meta["tiny_files"] = tiny_file_params()
    members: dict[str, bytes] = {
        "sources.json": json.dumps(contents.sources, ensure_ascii=False).encode(),
        "files.jsonl": "".join(
            json.dumps(f, ensure_ascii=False) + "\n" for f in contents.files
        ).encode(),
        "unit_names.txt": "".join(
            n.replace("\n", " ") + "\n" for n in contents.unit_names
        ).encode(),
    }
    for name in arrays:
        for field, column in _columns(name, getattr(contents, name)).items():
            members[f"{name}/{field}"] = column.tobytes()
    records = quantize(np.asarray(contents.vectors, dtype=np.float32))
    members["vectors/code"] = np.ascontiguousarray(records["code"]).tobytes()
    members["vectors/scale"] = np.ascontiguousarray(records["scale"]).tobytes()
    meta["id"] = _digest(meta, members)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=_LZMA) as zf:
            zf.writestr(_member(META), json.dumps(meta, indent=1))
            for key in sorted(members):
                zf.writestr(_member(key), members[key])
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return out.stat().st_size


def _columns(name: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The columns array ``name`` is stored as (``_array`` reverses it)."""
    owner = OWNED.get(name)
    if owner is not None:
        rows = rows[np.lexsort((rows["hash"], rows["tok"], rows[owner]))]
    elif name in SORTED:
        rows = rows[np.argsort(rows["hash"], kind="stable")]
    out: dict[str, np.ndarray] = {}
    for field in rows.dtype.names or ():
        column = np.ascontiguousarray(rows[field])
        if owner is not None and field == "line1":
            column = column - rows["line0"]  # unsigned: wraps where it must, undone exactly
        elif (owner is not None and field != "hash") or (name in SORTED and field == "hash"):
            column = np.diff(column, prepend=column.dtype.type(0))
        out[field] = column
    return out


def _member(name: str) -> zipfile.ZipInfo:
    """A member with fixed time and mode, so the same index packs to the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = _LZMA
    info.external_attr = 0o644 << 16
    return info


def _fields(dtype: np.dtype) -> dict[str, str]:
    return {name: dtype.fields[name][0].str for name in dtype.names or ()}  # type: ignore[index]


def pack_id(pack: Path) -> str:
    """The digest a pack names its contents by (read from its ``pack.json``)."""
    meta = _read_meta(pack)
    return str(meta["id"])


def unpack_index(pack: Path, root: Path, announce: Callable[[Path], None] | None = None) -> Path:
    """The index folder of ``pack`` below ``root`` (``root/<id>``), written the first time:
    under a lock, into a temporary folder renamed into place, so concurrent scans wait for
    one writer and never see half an index. ``announce(target)`` is called when this call
    is the one that writes it."""
    meta = _read_meta(pack)
    target = root / str(meta["id"])
    if (target / layout.CURRENT).is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        with (root / ".unpack.lock").open("a") as lock_fh:
            fcntl.flock(lock_fh, fcntl.LOCK_EX)
            if (target / layout.CURRENT).is_file():  # another process unpacked it meanwhile
                return target
            _clear_leftovers(root, target)
            if announce is not None:
                announce(target)
            contents = _contents(pack, meta)
            work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
            try:
                write_index(work / "index", contents)
                os.replace(work / "index", target)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise IpscanIndexError(
            f"{root}: cannot unpack the index there ({reason}); set IPSCAN_CACHE_DIR to a "
            "writable folder"
        ) from exc
    return target


def _clear_leftovers(root: Path, target: Path) -> None:
    """Under the lock: what a killed unpack left (temporary folders, a target without CURRENT)."""
    for left in root.glob(".unpack-*"):
        shutil.rmtree(left, ignore_errors=True)
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)


def _digest(meta: dict[str, Any], members: dict[str, bytes]) -> str:
    """What names a pack: its metadata (but the id) and every member, name and bytes."""
    digest = hashlib.sha256()
    described = {k: v for k, v in meta.items() if k != "id"}
    digest.update(json.dumps(described, sort_keys=True).encode() + b"\0")
    for key in sorted(members):
        digest.update(key.encode() + b"\0" + hashlib.sha256(members[key]).digest())
    return digest.hexdigest()


def _read_meta(pack: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(pack) as zf:
            meta = json.loads(_read_member(zf, META, MAX_META_BYTES))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise IpscanIndexError(f"{pack}: not a readable index pack ({exc}); reinstall it") from exc
    if not isinstance(meta, dict) or meta.get("format") != PACK_FORMAT:
        raise IpscanIndexError(f"{pack}: not an ipscan index pack")
    if meta.get("version") != PACK_VERSION:
        raise IpscanIndexError(f"{pack}: pack version {meta.get('version')!r}; upgrade ipscan")
    if not isinstance(meta.get("id"), str) or not _HEX64.fullmatch(meta["id"]):
        raise IpscanIndexError(f"{pack}: the pack names no digest; rebuild it")
    if not _readable(meta):
        raise IpscanIndexError(
            f"{pack}: packed by an ipscan with other fingerprint settings; rebuild the index"
        )
    if meta.get("arrays") != {name: _fields(dtype) for name, dtype in _layout(meta).items()}:
        raise IpscanIndexError(f"{pack}: packed with another array layout; rebuild the index")
    counts, dim = meta.get("counts"), meta.get("dim")
    if (
        not isinstance(counts, dict)
        or sorted(counts) != sorted(_layout(meta))
        or not all(type(c) is int and 0 <= c <= MAX_ROWS for c in counts.values())
        or type(dim) is not int
        or not 0 <= dim <= MAX_DIM
        or not isinstance(meta.get("encoder"), dict)
    ):
        raise IpscanIndexError(f"{pack}: the pack's counts are not valid; rebuild it")
    return meta


class _Budget:
    """Bytes the members of one pack may still expand to, shared by the threads reading them."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.left = total
        self._lock = threading.Lock()

    def charge(self, name: str, n: int) -> None:
        with self._lock:
            self.left -= n
            if self.left < 0:
                raise ValueError(f"{name}: the pack expands past {self.total} bytes")


def _read_member(zf: zipfile.ZipFile, name: str, budget: int | _Budget) -> bytes:
    """Member ``name`` read in chunks, refused once it passes ``budget`` bytes (or, given a
    shared ``_Budget``, once all members read pass it): the sizes a zip declares are the
    writer's word, and a small member may expand to gigabytes."""
    shared = budget if isinstance(budget, _Budget) else _Budget(budget)
    out = bytearray()
    with zf.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            out += chunk
            shared.charge(name, len(chunk))
    return bytes(out)


def _read_members(pack: Path, names: list[str]) -> dict[str, bytes]:
    """Every member of ``names``, decompressed on as many threads as cores (LZMA lets go of
    the GIL: 4.5 s of one core for the default index's 72.6 MB), within one shared budget."""
    budget = _Budget(MAX_UNPACKED_BYTES)
    local = threading.local()

    def read(name: str) -> bytes:
        if not hasattr(local, "zf"):
            local.zf = zipfile.ZipFile(pack)  # a handle per thread: no shared file position
            opened.append(local.zf)
        return _read_member(local.zf, name, budget)

    opened: list[zipfile.ZipFile] = []
    # Largest first, so that the longest decompressions start at once.
    with zipfile.ZipFile(pack) as zf:
        size = {i.filename: i.compress_size for i in zf.infolist()}
    order = sorted(names, key=lambda n: -size.get(n, 0))
    try:
        with ThreadPoolExecutor(max_workers=min(4, available_cores())) as pool:
            return dict(zip(order, pool.map(read, order), strict=True))
    finally:
        for handle in opened:
            handle.close()


def _readable(doc: dict[str, Any]) -> bool:
    """Whether a manifest or pack holds all three fingerprint channels, made the way this
    ipscan makes them (the verbatim channel: any raw-token scheme it still reads)."""
    return (
        doc.get("fingerprints") == fingerprint_params()
        and doc.get("structure_fingerprints") == structure_fingerprint_params()
        and readable_file_channel(doc.get("file_fingerprints"))
    )


def _contents(pack: Path, meta: dict[str, Any]) -> IndexContents:
    """The pack's contents in memory, checked against its digest, then for consistency."""
    counts, dim = meta["counts"], meta["dim"]
    try:
        with zipfile.ZipFile(pack) as zf:
            names = sorted(n for n in zf.namelist() if n != META)
        data = _read_members(pack, names)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise IpscanIndexError(f"{pack}: cannot read the index pack ({exc}); reinstall it") from exc
    if _digest(meta, data) != meta["id"]:
        raise IpscanIndexError(f"{pack}: the pack's contents do not match its digest; reinstall it")
    try:
        arrays = {
            name: _array(data, name, dtype, counts[name]) for name, dtype in _layout(meta).items()
        }
        n = counts["units"]
        codes = np.frombuffer(data["vectors/code"], dtype=np.int8).reshape(n, dim)
        scales = np.frombuffer(data["vectors/scale"], dtype="<f4").reshape(n)
        records = np.empty(n, dtype=[("code", "i1", (dim,)), ("scale", "<f4")])
        records["code"], records["scale"] = codes, scales
        # Lines end in "\n" only: str.splitlines would also split at U+2028 and the like.
        files = [json.loads(line) for line in _lines(data["files.jsonl"])]
        names_ = _lines(data["unit_names.txt"])
        units = arrays["units"]
        if len(names_) != n or (n and int(units["file"].max()) >= len(files)):
            raise ValueError("unit names or files do not match the units")
        return IndexContents(
            encoder=meta["encoder"],
            raw_scheme=int(meta["file_fingerprints"]["scheme"]),
            sources=json.loads(data["sources.json"]),
            files=files,
            units=units,
            unit_names=names_,
            postings=arrays["postings"],
            vectors=decode(records),
            file_keys=arrays["file_keys"],
            file_postings=arrays["file_postings"],
            structure_postings=arrays["structure_postings"],
            file_lines=arrays["file_lines"] if _has_sketches(meta) else _NO_SKETCHES,
            line_sketches=_has_sketches(meta),
            tiny_files=has_tiny_files(meta),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise IpscanIndexError(f"{pack}: the index pack is malformed ({exc}); rebuild it") from exc


def _layout(meta: dict[str, Any]) -> dict[str, np.dtype]:
    """The arrays a pack holds: ``ARRAYS``, and those of ``OPTIONAL_ARRAYS`` it names."""
    named = meta.get("arrays")
    extra = {n: d for n, d in OPTIONAL_ARRAYS.items() if isinstance(named, dict) and n in named}
    return {**ARRAYS, **extra}


def _has_sketches(meta: dict[str, Any]) -> bool:
    """Whether the pack holds line sketches made as this ipscan makes them (else a scan goes
    without them, as with an index built before them)."""
    return "file_lines" in _layout(meta) and meta.get("file_lines") == file_line_params()


_NO_SKETCHES = np.zeros(0, layout.FILE_LINE_DTYPE)


def _lines(data: bytes) -> list[str]:
    """The lines of a member the packer wrote, each ended by "\\n"."""
    return data.decode().split("\n")[:-1]


def _array(data: dict[str, bytes], name: str, dtype: np.dtype, count: int) -> np.ndarray:
    """Array ``name`` back from its column members, each as long as ``count`` says (checked
    before anything is allocated)."""
    owner = OWNED.get(name)
    columns = {}
    for field in dtype.names or ():
        kind = dtype.fields[field][0]  # type: ignore[index]
        column = np.frombuffer(data[f"{name}/{field}"], dtype=kind)
        if len(column) != count:
            raise ValueError(f"{name}/{field} holds {len(column)} rows, not {count}")
        if (owner is not None and field not in ("hash", "line1")) or (
            name in SORTED and field == "hash"
        ):
            column = np.cumsum(column, dtype=kind)  # differences back (modulo the type's range)
        columns[field] = column
    if owner is not None:
        columns["line1"] = columns["line1"] + columns["line0"]
    out = np.empty(count, dtype=dtype)
    for field, column in columns.items():
        out[field] = column
    if name in BY_HASH and name not in SORTED:
        # Equal hashes in owner and position order, as a build leaves them.
        out = out[np.argsort(out["hash"], kind="stable")]
    return out

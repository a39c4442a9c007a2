"""An index packed into one compressed file, to ship it (issue #17: the default index).

An index folder is made for lookups, not for size: every unit costs about 2.2 KB on real code
with every channel, a quarter of it the contiguous hash columns that only speed lookups up. A
pack keeps what cannot be derived, column by column (a sorted hash column as its differences),
each column an LZMA member of a zip file, and nothing else: 894 bytes a unit on 5,414 units of
13 packages in 8 languages, against 2,207 in the folder. ``unpack_index`` writes the folder back
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
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ipscan.errors import IpscanIndexError
from ipscan.index import layout
from ipscan.index.ann_i8 import decode
from ipscan.index.ann_i8 import quantize
from ipscan.index.manifest import file_fingerprint_params
from ipscan.index.manifest import fingerprint_params
from ipscan.index.manifest import structure_fingerprint_params
from ipscan.index.reader import IndexReader
from ipscan.index.store import IndexContents
from ipscan.index.store import write_index

PACK_FORMAT = "ipscan-index-pack"
PACK_VERSION = 1
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
# Arrays kept sorted by hash: their hash column is stored as differences (small numbers).
SORTED = ("postings", "file_postings", "structure_postings")
# What a pack may expand to: more is refused before anything is written.
MAX_UNPACKED_BYTES = 8 << 30
_LZMA = zipfile.ZIP_LZMA


def pack_index(index_dir: Path, out: Path) -> int:
    """Write the index at ``index_dir`` as the pack ``out`` (atomically); its size in bytes."""
    with IndexReader(index_dir, verify=True) as reader:
        manifests = [seg.manifest for seg in reader.segments]
        current = _settings()
        if any(_settings(m) != current for m in manifests):
            raise IpscanIndexError(
                f"{index_dir}: built with other fingerprint settings or without every channel; "
                "rebuild it with this ipscan before packing"
            )
        contents = reader.contents()
        manifest = manifests[0]
    meta: dict[str, Any] = {
        "format": PACK_FORMAT,
        "version": PACK_VERSION,
        "encoder": contents.encoder,
        "fingerprints": manifest.get("fingerprints"),
        "file_fingerprints": manifest.get("file_fingerprints"),
        "structure_fingerprints": manifest.get("structure_fingerprints"),
        "counts": {name: len(getattr(contents, name)) for name in ARRAYS},
        "dim": int(contents.vectors.shape[1]) if contents.vectors.ndim == 2 else 0,
        "arrays": {name: _fields(dtype) for name, dtype in ARRAYS.items()},
    }
    members: dict[str, bytes] = {
        "sources.json": json.dumps(contents.sources, ensure_ascii=False).encode(),
        "files.jsonl": "".join(
            json.dumps(f, ensure_ascii=False) + "\n" for f in contents.files
        ).encode(),
        "unit_names.txt": "".join(
            n.replace("\n", " ") + "\n" for n in contents.unit_names
        ).encode(),
    }
    for name in ARRAYS:
        rows: np.ndarray = getattr(contents, name)
        if name in SORTED:
            rows = rows[np.argsort(rows["hash"], kind="stable")]
        for field in rows.dtype.names or ():
            column = np.ascontiguousarray(rows[field])
            if name in SORTED and field == "hash":
                column = np.diff(column, prepend=np.uint64(0))
            members[f"{name}/{field}"] = column.tobytes()
    records = quantize(np.asarray(contents.vectors, dtype=np.float32))
    members["vectors/code"] = np.ascontiguousarray(records["code"]).tobytes()
    members["vectors/scale"] = np.ascontiguousarray(records["scale"]).tobytes()
    digest = hashlib.sha256()
    for key in sorted(members):
        digest.update(key.encode() + b"\0" + hashlib.sha256(members[key]).digest())
    meta["id"] = digest.hexdigest()
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


def unpack_index(pack: Path, root: Path) -> Path:
    """The index folder of ``pack`` below ``root`` (``root/<id>``), written the first time:
    under a lock, into a temporary folder renamed into place, so concurrent scans wait for
    one writer and never see half an index."""
    meta = _read_meta(pack)
    target = root / str(meta["id"])
    if (target / layout.CURRENT).is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock_fh = (root / ".unpack.lock").open("a")
    except OSError as exc:
        raise IpscanIndexError(f"{root}: cannot unpack the index there ({exc.strerror})") from exc
    with lock_fh:
        fcntl.flock(lock_fh, fcntl.LOCK_EX)
        if (target / layout.CURRENT).is_file():  # another process unpacked it meanwhile
            return target
        contents = _contents(pack, meta)
        work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
        try:
            write_index(work / "index", contents)
            os.replace(work / "index", target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def _read_meta(pack: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(pack) as zf:
            meta = json.loads(zf.read(META))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise IpscanIndexError(f"{pack}: not a readable index pack ({exc}); reinstall it") from exc
    if not isinstance(meta, dict) or meta.get("format") != PACK_FORMAT:
        raise IpscanIndexError(f"{pack}: not an ipscan index pack")
    if meta.get("version") != PACK_VERSION:
        raise IpscanIndexError(f"{pack}: pack version {meta.get('version')!r}; upgrade ipscan")
    if not isinstance(meta.get("id"), str) or len(meta["id"]) != 64:
        raise IpscanIndexError(f"{pack}: the pack names no digest; rebuild it")
    if _settings(meta) != _settings():
        raise IpscanIndexError(
            f"{pack}: packed by an ipscan with other fingerprint settings; rebuild the index"
        )
    if meta.get("arrays") != {name: _fields(dtype) for name, dtype in ARRAYS.items()}:
        raise IpscanIndexError(f"{pack}: packed with another array layout; rebuild the index")
    return meta


def _settings(doc: dict[str, Any] | None = None) -> tuple[object, ...]:
    """The three fingerprint settings of a manifest or pack (None: this ipscan's)."""
    if doc is None:
        return (fingerprint_params(), file_fingerprint_params(), structure_fingerprint_params())
    return tuple(
        doc.get(k) for k in ("fingerprints", "file_fingerprints", "structure_fingerprints")
    )


def _contents(pack: Path, meta: dict[str, Any]) -> IndexContents:
    """The pack's contents in memory, checked member by member against its digest."""
    counts, dim = meta["counts"], meta["dim"]
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(pack) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED_BYTES:
                raise IpscanIndexError(f"{pack}: the pack expands past 8 GiB; refused")
            names = sorted(n for n in zf.namelist() if n != META)
            data = {n: zf.read(n) for n in names}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise IpscanIndexError(f"{pack}: cannot read the index pack ({exc}); reinstall it") from exc
    for key in names:
        digest.update(key.encode() + b"\0" + hashlib.sha256(data[key]).digest())
    if digest.hexdigest() != meta["id"]:
        raise IpscanIndexError(f"{pack}: the pack's contents do not match its digest; reinstall it")
    try:
        arrays = {name: _array(data, name, dtype, counts[name]) for name, dtype in ARRAYS.items()}
        n = int(counts["units"])
        codes = np.frombuffer(data["vectors/code"], dtype=np.int8).reshape(n, dim)
        scales = np.frombuffer(data["vectors/scale"], dtype="<f4")
        records = np.empty(n, dtype=[("code", "i1", (dim,)), ("scale", "<f4")])
        records["code"], records["scale"] = codes, scales
        return IndexContents(
            encoder=meta["encoder"],
            sources=json.loads(data["sources.json"]),
            files=[json.loads(line) for line in data["files.jsonl"].decode().splitlines()],
            units=arrays["units"],
            unit_names=data["unit_names.txt"].decode().splitlines(),
            postings=arrays["postings"],
            vectors=decode(records),
            file_keys=arrays["file_keys"],
            file_postings=arrays["file_postings"],
            structure_postings=arrays["structure_postings"],
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise IpscanIndexError(f"{pack}: the index pack is malformed ({exc}); rebuild it") from exc


def _array(data: dict[str, bytes], name: str, dtype: np.dtype, count: int) -> np.ndarray:
    out = np.empty(int(count), dtype=dtype)
    for field in dtype.names or ():
        column = np.frombuffer(data[f"{name}/{field}"], dtype=dtype.fields[field][0])  # type: ignore[index]
        if name in SORTED and field == "hash":
            column = np.cumsum(column, dtype=np.uint64)  # differences back to hashes (mod 2**64)
        out[field] = column
    return out

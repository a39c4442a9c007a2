"""Fuzz the index loader: a copied tiny real index with its CURRENT, manifest and data files
replaced or damaged must open and serve ``faiss_index``, ``unit_names``, ``digest_index``,
``files`` and ``sources``, or raise an IpscanError, nothing else.

Damaged data files are tried twice: as they are (the manifest's sizes and file heads catch most
of them on open) and with the manifest re-signed to match, so the readers behind those checks
see hostile content too.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.errors import IpscanError
from ipscan.index import layout
from ipscan.index.manifest import head_sha256
from ipscan.index.open import open_index
from ipscan.index.store import write_index
from tests.fuzz.support import NASTY_BYTES
from tests.fuzz.support import hard_limit
from tests.test_index_store import contents

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
BYTES = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(NASTY_BYTES, st.binary(max_size=8)), max_size=20).map(b"".join),
)
_DTYPES = [
    layout.UNIT_DTYPE,
    layout.POSTING_DTYPE,
    np.dtype("<u8"),
    np.dtype("<f4"),
    np.dtype("S3"),
]


@pytest.fixture(scope="module")
def pristine() -> Iterator[Path]:
    """One tiny real index, built once; every input works on a copy."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-index-"))
    write_index(root / "idx", contents(5))
    yield root / "idx"
    shutil.rmtree(root, ignore_errors=True)


def _copy(pristine: Path, scratch: Path) -> tuple[Path, Path]:
    """A copy of the index, and its live generation folder."""
    dest = Path(tempfile.mkdtemp(dir=scratch)) / "idx"
    shutil.copytree(pristine, dest)
    gen = (dest / layout.CURRENT).read_text(encoding="utf-8").strip()
    return dest, dest / gen


def _resign(gen: Path) -> None:
    """Make the manifest's sha256 of every data file match what is there now."""
    manifest = json.loads((gen / layout.MANIFEST).read_text(encoding="utf-8"))
    every = (*layout.DATA_FILES, *layout.LOOKUP_FILES, "vectors.f16.npy")
    names = [n for n in every if (gen / n).is_file()]
    manifest["files"] = {n: hashlib.sha256((gen / n).read_bytes()).hexdigest() for n in names}
    manifest["sizes"] = {n: (gen / n).stat().st_size for n in names}
    manifest["heads"] = {n: head_sha256(gen / n) for n in names}
    (gen / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _open_and_touch(index_dir: Path) -> None:
    """Open the index and read what a scan reads; only IpscanError may come out."""
    with hard_limit():
        try:
            reader = open_index(index_dir)
        except IpscanError as exc:
            assert str(exc)
            return
        try:
            for touch in (
                lambda: reader.faiss_index,
                lambda: list(reader.unit_names),
                lambda: reader.digest_index,
                lambda: list(reader.files),
                lambda: reader.sources,
            ):
                try:
                    touch()
                except IpscanError as exc:
                    assert str(exc)
        finally:
            getattr(reader, "close", lambda: None)()


@given(current=BYTES)
@example(current=b"\xff\xfe").via("invalid UTF-8 CURRENT (known, fixed in the index change)")
@example(current=b"../../etc").via("CURRENT naming a folder outside the index")
@example(current=b"").via("empty CURRENT")
def test_current(pristine: Path, scratch: Path, current: bytes) -> None:
    """Any CURRENT pointer."""
    index_dir, _gen = _copy(pristine, scratch)
    (index_dir / layout.CURRENT).write_bytes(current)
    _open_and_touch(index_dir)


_MANIFEST_KEYS = st.sampled_from(
    ["format", "format_version", "encoder", "fingerprints", "counts", "files", "metric", "x"]
)


@given(key=_MANIFEST_KEYS, value=JSON_VALUES, raw=st.one_of(st.none(), BYTES))
@example(key="format_version", value="1", raw=None).via("string format_version (known)")
@example(key="encoder", value={"dim": "8"}, raw=None)
@example(key="files", value=[], raw=None)
def test_manifest(
    pristine: Path, scratch: Path, key: str, value: object, raw: bytes | None
) -> None:
    """A manifest field replaced by any JSON value, or the whole manifest by any bytes."""
    index_dir, gen = _copy(pristine, scratch)
    path = gen / layout.MANIFEST
    if raw is not None:
        path.write_bytes(raw)
    else:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest[key] = value
        path.write_text(json.dumps(manifest), encoding="utf-8")
    _open_and_touch(index_dir)


def _npy(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros(shape, dtype), allow_pickle=False)
    return buf.getvalue()


# Data files other than vectors.faiss: FAISS's own reader can hang or abort on crafted bytes
# (see test_crafted_faiss_file), which an in-process test cannot survive.
_DATA = st.sampled_from(
    [
        n
        for n in (*layout.DATA_FILES, *layout.LOOKUP_FILES, "vectors.f16.npy")
        if n != layout.VECTORS
    ]
)


_DATA_BYTES = st.one_of(
    BYTES,
    st.tuples(
        st.sampled_from(_DTYPES),
        st.lists(st.integers(0, 6), min_size=0, max_size=3).map(tuple),
    ).map(lambda t: _npy(*t)),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)


@given(name=_DATA, data=_DATA_BYTES)
def test_data_files(pristine: Path, scratch: Path, name: str, data: bytes) -> None:
    """A data file replaced by any bytes, a valid .npy of another layout, or any JSON."""
    index_dir, gen = _copy(pristine, scratch)
    (gen / name).write_bytes(data)
    _open_and_touch(index_dir)


# Crashers found and fixed (ipscan/index/reader.py), reached once the manifest's sha256 matches
# the hostile file: an empty units.npy or postings.npy raised EOFError from np.load; a 0-d
# units.npy raised TypeError from len(self.units) in faiss_index.


@given(name=_DATA, data=_DATA_BYTES)
@example(name=layout.POSTINGS, data=b"").via("EOFError from np.load")
@example(name=layout.UNITS, data=b"").via("EOFError from np.load")
@example(name=layout.UNITS, data=_npy(layout.UNIT_DTYPE, ())).via("TypeError: len() of 0-d")
@example(name=layout.UNIT_NAMES, data=b"\xff\n").via("invalid UTF-8 unit names")
@example(name=layout.FILES, data=b"[]\n").via("files.jsonl rows not objects")
@example(name=layout.UNITS, data=_npy(layout.UNIT_DTYPE, (2, 2))).via("2-D units")
def test_resigned_data_files(pristine: Path, scratch: Path, name: str, data: bytes) -> None:
    """The same, with the manifest re-signed so the readers behind the checksum see it."""
    index_dir, gen = _copy(pristine, scratch)
    (gen / name).write_bytes(data)
    _resign(gen)
    _open_and_touch(index_dir)


# FAISS index files crafted from the tiny index's own vectors.faiss by changing a few bytes
# (found by this harness): one made faiss.read_index allocate until std::bad_alloc, the other
# made it run for minutes in C code. Fixed: vectors.check_faiss_file checks the file's declared
# sizes against the manifest before FAISS reads it.
FAISS_OOM = bytes.fromhex(
    "4978535108000000f500000000000000000010000000000000001000000000000100000000040000"
    "00000000000000000008000000000000001000000000000000000000000000000040000000910000"
    "0006303ab02039b72e49b8c935373d943ba1b910bdfcb8"
)
FAISS_HANG = bytes.fromhex(
    "49785351080000000400000000000000000010000000000000001000000000000100000000040000"
    "00000000000000000008000000000000001000000000000000000000f50000000040000000000b00"
    "0006303ab02039b72e49b8c9"
)
_CHILD = """
import sys
from pathlib import Path
from ipscan.errors import IpscanError
from ipscan.index.open import open_index
try:
    open_index(Path(sys.argv[1])).faiss_index
except IpscanError:
    pass
"""


@pytest.mark.parametrize("crafted", [FAISS_OOM, FAISS_HANG], ids=["bad-alloc", "hang"])
def test_crafted_faiss_file(pristine: Path, scratch: Path, crafted: bytes) -> None:
    """A re-signed crafted vectors.faiss: an IpscanIndexError within 2 s, in a child process so a
    hang in C code cannot hang the suite."""
    index_dir, gen = _copy(pristine, scratch)
    (gen / layout.VECTORS).write_bytes(crafted)
    _resign(gen)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(index_dir)], capture_output=True, timeout=5
        )
    except subprocess.TimeoutExpired:
        pytest.fail("faiss.read_index ran past 5 s")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-300:]

"""Raw-token schemes: a literal never equals a name, and an index of the older scheme still works.

Scheme 2 tagged a literal's raw token "L" + its text, so the number 10 and a name L10 were one
token; scheme 3 tags it with a character no name holds. The default index that ships with
ipscan may be of scheme 2 until its next rebuild: scans make their raw evidence the way the
index they ask was made, and such an index takes no new sources.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import ipscan.extract.analyze as analyze_module
import ipscan.index.build as build_module
from ipscan.errors import IpscanIndexError
from ipscan.extract.analyze import analyze_file
from ipscan.extract.analyze import with_raw_scheme
from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.extract.raw_fingerprint import file_evidence
from ipscan.extract.raw_fingerprint import raw_token_texts
from ipscan.index.build import build_index
from ipscan.index.info import describe_index
from ipscan.index.info import render_info
from ipscan.index.layout import MANIFEST
from ipscan.index.pack import pack_index
from ipscan.index.pack import unpack_index
from ipscan.index.reader import IndexReader
from ipscan.records import Scope
from ipscan.records import SourceFile
from ipscan.records import TokenColumns
from ipscan.scan import ScanOptions
from ipscan.scan import scan_analyzed
from ipscan.scan import scan_repo
from tests.conftest import init_repo

# Base-64 digits' values, as a JavaScript table (node-forge keeps one like it in util.js).
NUMBERS = "var table = [" + ", ".join(str(i) for i in range(10, 62)) + "];\n"
# The same shape written with names L10, L11, ... (template parameters in boost's mp11).
NAMES = "var table = [" + ", ".join(f"L{i}" for i in range(10, 62)) + "];\n"

OWN_CODE = """\
function listing(target) {
  const entries = readEntries(target || process.cwd());
  for (const entry of entries.sort()) {
    console.log(entry);
  }
  return entries.length;
}
"""

# A table of real values (the first 20 primes, then each with a 1 written before it) in a module
# written for this test.
PRIMES = ", ".join(
    str(p) for p in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71]
)
TABLE_MODULE = f"const SMALL_PRIMES = [{PRIMES}, {PRIMES.replace(', ', ', 1')}];\n"


def _js(text: str, path: str = "table.js") -> SourceFile:
    return SourceFile(path, text, "javascript")


def _evidence(text: str, scheme: int) -> tuple[int, list[int]]:
    af = analyze_file(_js(text), raw_scheme=scheme)
    return af.raw.code_digest, [int(h) for h in af.raw.hashes]


def test_a_literal_and_a_name_with_its_text_are_other_tokens_today() -> None:
    assert _evidence(NUMBERS, RAW_SCHEME) != _evidence(NAMES, RAW_SCHEME)
    assert set(_evidence(NUMBERS, RAW_SCHEME)[1]).isdisjoint(_evidence(NAMES, RAW_SCHEME)[1])


def test_scheme_2_is_made_as_it_was_the_collision_included() -> None:
    # What an index of scheme 2 holds, so that its copies are still found.
    assert _evidence(NUMBERS, 2) == _evidence(NAMES, 2)
    af = analyze_file(_js(NUMBERS))
    columns = analyze_module.parse_source(af.file).columns
    texts = raw_token_texts(columns, NUMBERS.encode(), scheme=2)
    assert "L10" in texts


def _shared(a: str, b: str, scheme: int) -> set[int]:
    return set(_evidence(a, scheme)[1]) & set(_evidence(b, scheme)[1])


# ASCII punctuation as markdown-it-py lists it, and a run of code points as idna's tables hold
# them: both count up by one from 0x21 to 0x2F, and neither is the other's copy.
PUNCTUATION = "const PUNCT = new Set([" + ", ".join(hex(c) for c in range(0x21, 0x30)) + "]);\n"
CODE_POINTS = "var points = [" + ", ".join(hex(c) for c in range(0x1E, 0x38)) + "];\n"


def test_a_run_of_evenly_spaced_numbers_is_no_evidence_today() -> None:
    assert _shared(PUNCTUATION, CODE_POINTS, 2)  # what scheme 2 matched
    assert not _shared(PUNCTUATION, CODE_POINTS, RAW_SCHEME)
    # Nor is a run counting down by two with Rust's type suffixes inside a longer one.
    assert _rust("A", 90, 30, 2) & _rust("B", 120, 10, 2)
    assert not _rust("A", 90, 30, RAW_SCHEME) & _rust("B", 120, 10, RAW_SCHEME)


def _rust(name: str, first: int, last: int, scheme: int) -> set[int]:
    run = ", ".join(f"{n}u8" for n in range(first, last, -2))
    text = f"const {name}: [u8; {len(range(first, last, -2))}] = [{run}];\n"
    af = analyze_file(SourceFile(f"{name}.rs", text, "rust"), None, scheme)
    return {int(h) for h in af.raw.hashes}


def _c_shared(a: str, b: str) -> set[int]:
    def hashes(text: str, path: str) -> set[int]:
        return {int(h) for h in analyze_file(SourceFile(path, text, "c")).raw.hashes}

    return hashes(a, "a.c") & hashes(b, "b.c")


# Tables made by a formula, as two unrelated C projects write them (libarchive's temporary-name
# alphabet and absl's; curl's base64 decoding table and hex table): ranges of code points or
# numbers, with breaks where a range ends.
ALPHABET = (
    "static const char num[] = {"
    + ", ".join(f"'{c}'" for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    + "};\n"
)
DECODE = (
    "static const unsigned char decodetable[] = {62, 255, 255, 255, 63, "
    + ", ".join(str(n) for n in range(52, 62))
    + ", 255, 255, 255, 255, 255, 255, 255, "
    + ", ".join(str(n) for n in range(26))
    + ", 255, 255, 255, 255, 255, 255, "
    + ", ".join(str(n) for n in range(26, 52))
    + "};\n"
)
LABELS = (
    "static int unreserved(int c) {\n  switch(c) {\n"
    + "".join(f"    case '{c}':\n" for c in "0123456789abcdefghijklmnopqrstuvwxyz")
    + "      return 1;\n  }\n  return 0;\n}\n"
)


def test_a_table_made_by_a_formula_is_no_evidence_today() -> None:
    own = "int count(const char *s) { int n = 0; while (*s++) n++; return n; }\n"
    assert not _c_shared(ALPHABET, "static const char digits[] = {" + ALPHABET.split("{")[1])
    # Of a switch over a range, or a table of ranges with breaks, only the code at its edges
    # is shared (too little for a region: tests/test_verbatim.py scans them); a table of real
    # values beside it still is evidence.
    assert len(_c_shared(LABELS, own + LABELS.replace("unreserved", "url_ok"))) <= 2
    assert len(_c_shared(DECODE, own + DECODE.replace("decodetable", "b64"))) <= 4
    primes = "static int p[] = {" + PRIMES + "};\n"
    assert len(_c_shared(DECODE + primes, own + primes)) >= 3


def test_a_table_of_real_values_is_still_evidence_today() -> None:
    copy = "function check(n) {\n  return n > 1;\n}\n" + TABLE_MODULE
    assert len(_shared(TABLE_MODULE, copy, RAW_SCHEME)) >= 3


def test_evidence_remade_with_another_scheme_equals_evidence_made_with_it() -> None:
    made = analyze_file(_js(OWN_CODE + NUMBERS), raw_scheme=2)
    remade = with_raw_scheme(analyze_file(_js(OWN_CODE + NUMBERS)), 2)
    assert remade.raw.scheme == made.raw.scheme == 2
    assert remade.raw.code_digest == made.raw.code_digest
    assert remade.raw.hashes.tolist() == made.raw.hashes.tolist()
    assert [u.canonical for u in remade.units] == [u.canonical for u in made.units]


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(KeyError):
        file_evidence(TokenColumns.empty(), b"", "", scheme=1)


@pytest.fixture(scope="module")
def scheme_2_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:  # type: ignore[no-untyped-def]
    """An index whose verbatim channel is of scheme 2, as an older ipscan built it."""
    src = tmp_path_factory.mktemp("primes-src") / "primes"
    src.mkdir()
    (src / "primes.js").write_text(TABLE_MODULE, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("primes-index") / "idx"
    patch = pytest.MonkeyPatch()
    made = analyze_module.file_evidence
    patch.setattr(
        analyze_module,
        "file_evidence",
        lambda tokens, data, text, scheme=RAW_SCHEME, name="": made(tokens, data, text, 2, name),
    )
    empty = build_module._empty
    patch.setattr(
        build_module, "_empty", lambda record, dim: replace(empty(record, dim), raw_scheme=2)
    )
    try:
        build_index([str(src)], index_dir, encoder, encoder.encode, jobs=1)
    finally:
        patch.undo()
    return index_dir


def test_an_index_of_scheme_2_says_so(scheme_2_index: Path) -> None:
    with IndexReader(scheme_2_index) as reader:
        assert reader.raw_scheme == 2
        [gen] = {seg.gen_dir for seg in reader.segments}
    manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["file_fingerprints"]["scheme"] == 2
    info = describe_index(scheme_2_index)
    assert info["raw_scheme"] == 2
    assert "raw-token scheme: 2 (older: scans read it; rebuild it to add sources)" in (
        render_info(info).splitlines()
    )


def _table_copy(report_findings: tuple) -> list:  # type: ignore[type-arg]
    return [f for f in report_findings if f.path == "src/app.js" and f.scope is Scope.UNIT]


def test_a_scan_finds_copied_data_in_an_index_of_scheme_2(
    tmp_path: Path, scheme_2_index: Path
) -> None:
    repo = init_repo(tmp_path / "repo", {"src/app.js": OWN_CODE + "\n" + TABLE_MODULE})
    report = scan_repo(repo, ScanOptions(index_dir=scheme_2_index, embeddings=False))
    [region] = _table_copy(report.findings)
    assert region.source.path.endswith("primes.js")


def test_files_analyzed_with_another_scheme_are_remade_for_the_index(
    scheme_2_index: Path,
) -> None:
    # A caller that analyzed before it knew the index (today's scheme) still finds the copy.
    af = analyze_file(_js(OWN_CODE + "\n" + TABLE_MODULE, "src/app.js"))
    assert af.raw.scheme == RAW_SCHEME
    options = ScanOptions(index_dir=scheme_2_index, embeddings=False)
    report = scan_analyzed("repo", [af], (), options, 0.0)
    [region] = _table_copy(report.findings)
    assert region.source.path.endswith("primes.js")


def test_an_index_of_scheme_2_takes_no_new_sources(
    tmp_path: Path,
    scheme_2_index: Path,
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    src = tmp_path / "more"
    src.mkdir()
    (src / "more.js").write_text(OWN_CODE, encoding="utf-8")
    with pytest.raises(IpscanIndexError, match=r"raw-token scheme 2.*rebuild it"):
        build_index([str(src)], scheme_2_index, encoder, encoder.encode, jobs=1)


def test_a_pack_keeps_the_scheme_it_was_made_with(tmp_path: Path, scheme_2_index: Path) -> None:
    pack = tmp_path / "primes.ipack"
    pack_index(scheme_2_index, pack)
    unpacked = unpack_index(pack, tmp_path / "unpacked")
    with IndexReader(unpacked) as reader:
        assert reader.raw_scheme == 2
    repo = init_repo(tmp_path / "repo", {"src/app.js": OWN_CODE + "\n" + TABLE_MODULE})
    report = scan_repo(repo, ScanOptions(index_dir=unpacked, embeddings=False))
    assert _table_copy(report.findings)

"""The pure-Python WordPiece tokenizer gives the ids `tokenizers` gives for the encoder's file."""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from ipscan.encoder import wordpiece
from ipscan.encoder.wordpiece import WordPieceTokenizer
from ipscan.errors import EncoderError

TOKENIZER_FILE = Path(__file__).resolve().parent.parent / "models" / "encoder" / "tokenizer.json"
# Enough real functions to meet most of the vocabulary; extracting them takes most of the time.
CORPUS_FUNCTIONS = 3000

Reference = Callable[[str, int], list[int]]
# wordpiece.py's tables are the differences between tokenizers and this Unicode version.
unicode_14 = pytest.mark.skipif(
    unicodedata.unidata_version != "14.0.0", reason="tables measured against Unicode 14.0"
)


@pytest.fixture(scope="module")
def ours() -> WordPieceTokenizer:
    return WordPieceTokenizer.from_file(TOKENIZER_FILE)


@pytest.fixture(scope="module")
def reference() -> Reference:
    """tokenizers' encode as the encoder set it up: no padding, truncation to max_length."""
    tokenizers = pytest.importorskip("tokenizers")
    loaded: dict[int, Any] = {}

    def encode(text: str, max_length: int) -> list[int]:
        if max_length not in loaded:
            loaded[max_length] = tokenizers.Tokenizer.from_file(str(TOKENIZER_FILE))
            loaded[max_length].no_padding()
            loaded[max_length].enable_truncation(max_length)
        return list(loaded[max_length].encode(text).ids)

    return encode


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[str]]:
    from ipscan.training.code_corpus import stdlib_functions

    functions = list(islice(stdlib_functions(), CORPUS_FUNCTIONS))
    return {
        "canonical": [f.unit.canonical for f in functions],
        "raw": [f.unit.unit.text for f in functions],
    }


@pytest.mark.parametrize("kind", ["canonical", "raw"])
@pytest.mark.parametrize("max_length", [128, 16])
def test_corpus_ids_equal_tokenizers(
    ours: WordPieceTokenizer,
    reference: Reference,
    corpus: dict[str, list[str]],
    kind: str,
    max_length: int,
) -> None:
    texts = corpus[kind]
    got = ours.encode_batch(texts, max_length)
    differ = [i for i, text in enumerate(texts) if got[i] != reference(text, max_length)]
    assert not differ, f"{len(differ)} of {len(texts)} differ, first: {texts[differ[0]]!r}"


# Characters where Unicode versions, special tokens or tokenizers' own rules make a difference.
_TRICKY = st.sampled_from(
    [
        *("[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]", "[cls]", "[CL", "S]", "##"),
        *("\x00", "\x0b", "\x0c", "\x1c", "\x7f", "\x85", "\xa0", "\u200b", "\u3000", "\ufffd"),
        *("\u0301", "\u0316", "\u0345", "\u07fd", "\u1734", "\U0001d165", "\U00011938"),
        *("\U000111c9", "\u166d", "\u2e43", "\u0890", "\ua7cb", "\U00010d50", "\u1c89"),
        *("\u0130", "\u03a3", "\u03c2", "\ufb01", "e\u0301", "\u1100\u1161", "\uac00"),
        *("日", "\U00020000", "\U0002b820", "\U0002b920", "\U0001f600", "\U0001f44d\U0001f3fd"),
        *(" ", "\t", "\n", "\r\n", "(", "_", ".", "v0", "def", "return", "Café"),
    ]
)
_TEXT = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=12),
        _TRICKY,
        st.text("abcXYZé_1", min_size=95, max_size=105),  # around max_input_chars_per_word
    ),
    max_size=24,
).map("".join)


@unicode_14
@settings(
    derandomize=True,
    database=None,
    deadline=2000,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=_TEXT, max_length=st.sampled_from([2, 3, 16, 128, 4096]))
@example(text="a\U000111c9b a\u07fdb x\u0890y \u1c89", max_length=128)  # its Unicode tables
@example(text="a" * 101 + " " + "b" * 100, max_length=128)
def test_any_text_ids_equal_tokenizers(
    ours: WordPieceTokenizer, reference: Reference, text: str, max_length: int
) -> None:
    assert ours.encode(text, max_length) == reference(text, max_length)


@functools.cache
def _names() -> dict[int, str]:
    vocab = json.loads(TOKENIZER_FILE.read_text(encoding="utf-8"))["model"]["vocab"]
    return {v: k for k, v in vocab.items()}


def _tokens(ids: list[int]) -> list[str]:
    return [_names()[i] for i in ids]


# (text, max_length, tokens between [CLS] and [SEP]): each case documents one rule.
CASES = [
    ("Café", 128, ["cafe"]),  # lowercased, NFD, combining marks dropped
    ("naïve RÉSUMÉ", 128, ["naive", "resume"]),
    ("\u0130stanbul", 128, ["istanbul"]),
    ("\u0391\u03a3", 128, ["α", "##σ"]),  # per character: no final sigma
    ("a日b", 128, ["a", "日", "b"]),  # CJK ideographs spaced out
    ("a\U0002b820b a\U0002b920b", 128, ["[UNK]", "a", "[UNK]", "b"]),  # its range starts 2B920
    ("x+=1;", 128, ["x", "+", "=", "1", ";"]),  # punctuation split off, one char each
    ("snake_case $x`", 128, ["snake", "_", "case", "$", "x", "`"]),  # ASCII symbols count
    ("¿Qué? ¡Sí!", 128, ["¿", "que", "?", "¡", "si", "!"]),
    (
        "def v0 ( v1 ) : return v1 + 1",
        128,
        ["def", "v", "##0", "(", "v", "##1", ")", ":", "return", "v", "##1", "+", "1"],
    ),
    ("unaffable", 128, ["una", "##ffa", "##ble"]),  # greedy longest match
    ("a" * 101, 128, ["[UNK]"]),  # longer than max_input_chars_per_word
    ("a" * 100, 4, ["aaa", "##aa"]),
    ("ab\U0001f600cd", 128, ["[UNK]"]),  # no full split: one [UNK] for the word
    ("a\x00b\x7fc\u200bd", 128, ["abc", "##d"]),  # NUL, DEL, format chars removed
    ("a\x0bb a\x1cb a\x85b", 128, ["ab", "ab", "ab"]),  # control chars, not separators
    ("\xa0x\u2003y\u3000z", 128, ["x", "y", "z"]),  # Unicode spaces separate
    ("x\ufffdy", 128, ["x", "##y"]),  # U+FFFD removed
    ("a[CLS]b [cls]", 128, ["a", "[CLS]", "b", "[", "cl", "##s", "]"]),  # exact, before lowercasing
    ("", 128, []),
    (" \t\r\n\u3000", 128, []),
    ("hello world", 2, []),  # only the specials fit
    ("hello world", 3, ["hello"]),
]


@pytest.mark.parametrize(("text", "max_length", "tokens"), CASES)
def test_documented_cases(
    ours: WordPieceTokenizer, text: str, max_length: int, tokens: list[str]
) -> None:
    assert _tokens(ours.encode(text, max_length)) == ["[CLS]", *tokens, "[SEP]"]


@pytest.mark.parametrize(("text", "max_length", "tokens"), CASES)
def test_documented_cases_are_tokenizers(
    reference: Reference, text: str, max_length: int, tokens: list[str]
) -> None:
    assert _tokens(reference(text, max_length)) == ["[CLS]", *tokens, "[SEP]"]


def test_token_to_id_and_batch(ours: WordPieceTokenizer) -> None:
    assert ours.token_to_id("[CLS]") == 101
    assert ours.token_to_id("[UNK]") == 100
    assert ours.token_to_id("##s") == 2015
    assert ours.token_to_id("not a token") is None
    assert ours.encode_batch(["a", "b"], 8) == [ours.encode("a", 8), ours.encode("b", 8)]


def test_lone_surrogates_are_dropped(ours: WordPieceTokenizer) -> None:
    """tokenizers refuses such text (TypeError); code read with surrogateescape has it."""
    assert ours.encode("a\ud800b\udfff", 16) == ours.encode("ab", 16)


def test_max_length_must_hold_the_specials(ours: WordPieceTokenizer) -> None:
    """tokenizers silently does not truncate at all below 2."""
    with pytest.raises(ValueError, match="max_length 1"):
        ours.encode("hello", 1)


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _edited(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the encoder's tokenizer.json with ``edit`` applied."""
    spec = json.loads(TOKENIZER_FILE.read_text(encoding="utf-8"))
    edit(spec)
    return _written(tmp_path / "tokenizer.json", json.dumps(spec))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "missing.json", "FileNotFoundError"),
        (lambda tmp: _written(tmp / "t.json", "{not json\n}"), "JSONDecodeError"),
        (lambda tmp: _edited(tmp, lambda s: s["model"].update(type="BPE")), 'model type "BPE"'),
        (lambda tmp: _edited(tmp, lambda s: s["normalizer"].update(lowercase=False)), "normalizer"),
        (lambda tmp: _edited(tmp, lambda s: s["normalizer"].update(strip_accents=False)), "norm"),
        (lambda tmp: _edited(tmp, lambda s: s.update(pre_tokenizer={"type": "Whitespace"})), "pre"),
        (lambda tmp: _edited(tmp, lambda s: s["added_tokens"][1].update(lstrip=True)), "added"),
        (lambda tmp: _edited(tmp, lambda s: s.pop("post_processor")), "KeyError: 'post_processor'"),
    ],
)
def test_unreadable_or_unsupported_file_is_one_line_encoder_error(
    tmp_path: Path, make: Callable[[Path], Path], words: str
) -> None:
    with pytest.raises(EncoderError) as err:
        WordPieceTokenizer.from_file(make(tmp_path))
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def _first_difference(ours: str, theirs: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), None)
    at = min(len(ours), len(theirs)) if at is None else at
    start = max(0, at - 8)
    return f"at {at}: ours {ours[start : at + 8]!r}, tokenizers {theirs[start : at + 8]!r}"


@unicode_14
@pytest.mark.slow
def test_every_code_point_is_classified_as_tokenizers() -> None:
    """The Unicode tables in wordpiece.py, checked over every code point (a few seconds)."""
    normalizers = pytest.importorskip("tokenizers.normalizers")
    pre_tokenizers = pytest.importorskip("tokenizers.pre_tokenizers")
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    # Each character alone (spaces are starters: nothing reorders across them), then each mark
    # after one of a higher combining class, where canonical ordering moves it first.
    marks = [c for c in chars if 0 < unicodedata.combining(c) < 240]
    text = " ".join(
        chars + [("\u0345" if unicodedata.combining(c) >= 230 else "\u0301") + c for c in marks]
    )
    chunks = [text[i : i + 4096] for i in range(0, len(text), 4096)]
    nfd = "".join(map(wordpiece._nfd, chunks))
    theirs = normalizers.NFD().normalize_str(text)
    assert nfd == theirs, _first_difference(nfd, theirs)
    clean, fold = wordpiece._Table(wordpiece._clean), wordpiece._Table(wordpiece._fold)
    bert = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    ours = "".join(wordpiece._nfd(c.translate(clean)) for c in chunks).translate(fold)
    theirs = bert.normalize_str(text)
    assert ours == theirs, _first_difference(ours, theirs)
    pieces = pre_tokenizers.BertPreTokenizer().pre_tokenize_str(" ".join(f"a{c}a" for c in chars))
    punctuation = {p for p, _ in pieces if len(p) == 1 and p != "a"}
    assert punctuation == {c for c in chars if wordpiece._is_punct.__wrapped__(c)}

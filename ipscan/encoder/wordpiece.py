"""A pure-Python BERT WordPiece tokenizer: the ids `tokenizers` gives for a BERT tokenizer.json.

Supports what the encoder's file uses and raises EncoderError on anything else. The file's
truncation and padding are ignored: the caller passes max_length, and ids come back unpadded.

Why not the `tokenizers` package: it brings huggingface_hub, hf_xet and an HTTP stack (42 MB of
a 360 MB install) into a scanner that never touches the network, for one lookup table. Its ids
are the reference: tests/test_wordpiece.py compares every code point and real code with it.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Sequence
from itertools import accumulate
from itertools import chain
from itertools import groupby
from pathlib import Path
from typing import Any

from ipscan.errors import EncoderError


def _cps(spec: str) -> frozenset[int]:
    """The code points of space-separated hex ranges ("41-5a 61")."""
    pairs = (part.partition("-") for part in spec.split())
    return frozenset(cp for lo, _, hi in pairs for cp in range(int(lo, 16), int(hi or lo, 16) + 1))


# tokenizers (0.23) classifies characters with older Unicode tables than Python 3.11's (14.0),
# and lowercases with newer ones (Rust's). These are the code points where its answers differ
# from unicodedata 14.0, measured over every code point; tests/test_wordpiece.py checks them.
# (On a Python with newer Unicode data, characters assigned since 14.0 may still differ.)
_NEW_CF = _cps("890-891 8e2 110cd 13430-13438")  # format controls it does not remove
_NEW_P = _cps(  # punctuation it does not split off
    "61d 9fd a76 c77 c84 1b7d-1b7e 2e43-2e4f 2e52-2e5d 10ead 10f55-10f59 10f86-10f89 1144b-1144f "
    "1145a-1145b 1145d 11660-1166c 116b9 1183b 11944-11946 119e2 11a3f-11a46 11a9a-11a9c 11fff "
    "11a9e-11aa2 11c41-11c45 11c70-11c71 11ef7-11ef8 12ff1-12ff2 16e97-16e9a 16fe2 1e95e-1e95f"
)
_OLD_P, _OLD_MN = _cps("166d 111c9"), _cps("1734")  # punctuation and a mark to it only
_NEW_MN = _cps(  # nonspacing marks it does not strip
    "7fd 898-89f 8ca-8e1 9fe afa-aff b55 c04 c3c d00 d3b-d3c d81 eba 180f 1885-1886 1abf-1ace 1df6-"
    "1dfb a82c a8c5 a8ff a9bd 10d24-10d27 10eab-10eac 10f46-10f50 10f82-10f85 11070 11073-11074 "
    "110c2 111c9 111cf 1123e 1133b 11438-1143f 11442-11444 11446 1145e 1182f-11837 11839-1183a "
    "1193b-1193c 1193e 11943 119d4-119d7 119da-119db 119e0 11a01-11a0a 11a33-11a38 11a3b-11a3e "
    "11a47 11a51-11a56 11a59-11a5b 11a8a-11a96 11a98-11a99 11c30-11c36 11c38-11c3d 11c3f 11c92-"
    "11ca7 11caa-11cb0 11cb2-11cb3 11cb5-11cb6 11d31-11d36 11d3a 11d3c-11d3d 11d3f-11d45 11d47 "
    "11d90-11d91 11d95 11d97 11ef3-11ef4 16f4f 16fe4 1cf00-1cf2d 1cf30-1cf46 1e000-1e006 1e008-"
    "1e018 1e01b-1e021 1e023-1e024 1e026-1e02a 1e130-1e136 1e2ae 1e2ec-1e2ef 1e944-1e94a"
)
_NEW_CCC = _cps(  # combining marks its NFD treats as starters (combining class 0)
    "7fd 898-89f 8ca-8d3 9fe c3c d3b-d3c eba 1715 1abf-1ace 1df6-1dfa a82c 10d24-10d27 10eab-10eac "
    "10f46-10f50 10f82-10f85 11070 1133b 1145e 11839-1183a 1193d-1193e 11943 119e0 11a34 11a47 "
    "11a99 11d42 11d44-11d45 11d97 16ff0-16ff1 1e130-1e136 1e2ae 1e2ec-1e2ef"
)
_NO_DECOMPOSITION = "\U00011938"  # decomposes in Python's NFD, not in its
_NEW_LOWER = {0xA7CB: "\u0264", 0xA7DC: "\u019b"}
for _spec, _step in ("1c89 a7cc a7ce a7d2 a7d4 a7da", 1), ("10d50-10d65", 32), ("16ea0-16eb8", 27):
    _NEW_LOWER |= {cp: chr(cp + _step) for cp in _cps(_spec)}
_PY_NFD = functools.partial(unicodedata.normalize, "NFD")
_ODD_NFD = re.compile(f"[{''.join(map(chr, sorted(_NEW_CCC)))}{_NO_DECOMPOSITION}]")
# Its CJK ranges: the sixth starts at U+2B920 where BERT's original has U+2B820.
_CJK = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002b81f"
    "\U0002b920-\U0002ceaf\U0002f800-\U0002fa1f]"
)
# Rust's char::is_whitespace; \x0b, \x0c and \x85 are not here: clean_text removes them first.
_SPACE = frozenset(map(chr, _cps("9-a d 20 a0 1680 2000-200a 2028-2029 202f 205f 3000")))
_ASCII_PIECES = re.compile(r"[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~]+")


def _clean(ch: str) -> str | None:
    """clean_text and handle_chinese_chars for one character (None: removed)."""
    cat = unicodedata.category(ch)  # lone surrogates (Cs) go too; tokenizers refuses such text
    if ch in _SPACE:
        return " "
    if ch in "\x00\ufffd" or (cat[0] == "C" and cat != "Cn" and ord(ch) not in _NEW_CF):
        return None
    return f" {ch} " if _CJK.match(ch) else ch


def _fold(ch: str) -> str | None:
    """Accent stripping (after NFD) then lowercasing, for one character."""
    cp = ord(ch)
    if (unicodedata.category(ch) == "Mn" and cp not in _NEW_MN) or cp in _OLD_MN:
        return None
    return _NEW_LOWER.get(cp) or ch.lower()  # per character: no final-sigma rule, as in Rust


class _Table(dict[int, str | None]):
    """A str.translate table that fills in each code point on first use."""

    def __init__(self, entry: Callable[[str], str | None]) -> None:
        super().__init__()
        self._entry = entry

    def __missing__(self, cp: int) -> str | None:
        self[cp] = value = self._entry(chr(cp))
        return value


_CLEAN, _FOLD = _Table(_clean), _Table(_fold)


def _nfd(text: str) -> str:
    """NFD with tokenizers' combining classes (Python's NFD where they agree, the usual case)."""
    if not _ODD_NFD.search(text):
        return _PY_NFD(text)
    chars = [d for c in text for d in (c if c == _NO_DECOMPOSITION else _PY_NFD(c))]
    ccc = [0 if ord(c) in _NEW_CCC else unicodedata.combining(c) for c in chars]
    run = list(accumulate(not c for c in ccc))  # a starter and the marks after it
    return "".join(chars[i] for i in sorted(range(len(chars)), key=lambda i: (run[i], ccc[i])))


@functools.cache
def _is_punct(ch: str) -> bool:
    """BertPreTokenizer's punctuation: ASCII symbols and punctuation, and categories P*."""
    cp = ord(ch)
    if cp < 128:  # 33-47, 58-64, 91-96 and 123-126
        return 32 < cp < 127 and not ch.isalnum()
    return (unicodedata.category(ch)[0] == "P" and cp not in _NEW_P) or cp in _OLD_P


class WordPieceTokenizer:
    """BERT's tokenization (tokenizers' BertNormalizer, BertPreTokenizer, WordPiece, template)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        """Build from a parsed tokenizer.json; ValueError names what is not supported."""

        def need(ok: object, what: str, value: object) -> None:
            if not ok:
                raise ValueError(f"unsupported {what} {json.dumps(value)}")

        norm = spec["normalizer"]
        bert = {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True}
        bert |= {"lowercase": True, "strip_accents": norm.get("strip_accents")}  # null: lowercase's
        need(norm == bert and bert["strip_accents"] in (None, True), "normalizer", norm)
        pre = spec["pre_tokenizer"]
        need(pre == {"type": "BertPreTokenizer"}, "pre_tokenizer", pre)
        model = {k: v for k, v in spec["model"].items() if k != "vocab"}
        need(model.get("type") == "WordPiece", "model type", model.get("type"))
        keys = {"type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word"}
        need(set(model) <= keys, "model settings", sorted(set(model) - keys))
        self._vocab: dict[str, int] = {str(k): int(v) for k, v in spec["model"]["vocab"].items()}
        self._unk = self._vocab[model["unk_token"]]
        self._prefix = str(model["continuing_subword_prefix"])
        self._max_chars = int(model["max_input_chars_per_word"])
        self._longest = max(map(len, self._vocab), default=1)
        self._added: dict[str, int] = {}
        for tok in spec["added_tokens"]:
            flags = [tok[k] for k in ("single_word", "lstrip", "rstrip", "normalized")]
            need(tok["content"] and not any(flags), "added token", tok)
            self._added[tok["content"]] = int(tok["id"])
        longest_first = sorted(self._added, key=len, reverse=True)
        self._added_re = re.compile("|".join(map(re.escape, longest_first)) or "(?!)")
        post = spec["post_processor"]
        need(post["type"] == "TemplateProcessing", "post_processor", post["type"])
        kinds = [(kind, body["id"]) for item in post["single"] for kind, body in item.items()]
        at = kinds.index(("Sequence", "A"))
        need({k for i, (k, _) in enumerate(kinds) if i != at} <= {"SpecialToken"}, "single", kinds)
        tokens = post["special_tokens"]
        self._head = [int(i) for _, name in kinds[:at] for i in tokens[name]["ids"]]
        self._tail = [int(i) for _, name in kinds[at + 1 :] for i in tokens[name]["ids"]]
        self._word_ids = functools.lru_cache(maxsize=1 << 16)(self._ids_of_word)
        self._piece_ids = functools.lru_cache(maxsize=1 << 16)(self._wordpiece)

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        """Load a tokenizer.json; EncoderError if unreadable or not what this class implements."""
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            raise EncoderError(f"{path}: cannot load tokenizer ({detail})") from None

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token`` (an added token or a vocabulary entry), None if neither."""
        return self._added.get(token, self._vocab.get(token))

    def encode(self, text: str, max_length: int) -> list[int]:
        """Ids with the template's special tokens, content cut to fit ``max_length``."""
        room = max_length - len(self._head) - len(self._tail)
        if room < 0:  # tokenizers silently skips truncation then; better to refuse
            raise ValueError(f"max_length {max_length} leaves no room for the special tokens")
        ids: list[int] = []
        pos = 0
        for match in self._added_re.finditer(text):
            ids += self._plain_ids(text[pos : match.start()], room)
            ids.append(self._added[match.group()])
            pos = match.end()
        ids += self._plain_ids(text[pos:], room)
        return self._head + ids[:room] + self._tail

    def encode_batch(self, texts: Sequence[str], max_length: int) -> list[list[int]]:
        """encode() of each text."""
        return [self.encode(text, max_length) for text in texts]

    def _plain_ids(self, text: str, room: int) -> list[int]:
        """Ids of text without added tokens; each word has one at least, so ``room`` words do."""
        text = text.translate(_CLEAN)
        if not text.isascii():  # ASCII words are lowercased in the word cache
            text = _nfd(text).translate(_FOLD)
        # Only " " is left of whitespace, so Python's split agrees with Rust's.
        return list(chain.from_iterable(map(self._word_ids, text.split()[:room])))

    def _ids_of_word(self, word: str) -> tuple[int, ...]:
        """A whitespace-free word split at punctuation, each piece WordPiece'd."""
        if word.isascii():
            pieces = _ASCII_PIECES.findall(word.lower())
        else:
            pieces = [p for k, g in groupby(word, _is_punct) for p in (g if k else ["".join(g)])]
        return tuple(chain.from_iterable(map(self._piece_ids, pieces)))

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match pieces of ``word``; one [UNK] if it has no full split."""
        ids: list[int] = []
        start = 0
        while start < len(word) <= self._max_chars:
            prefix = self._prefix if start else ""
            ends = range(min(len(word), start + self._longest), start, -1)
            end = next((e for e in ends if prefix + word[start:e] in self._vocab), start)
            if end == start:
                break
            ids.append(self._vocab[prefix + word[start:end]])
            start = end
        return tuple(ids) if start == len(word) else (self._unk,)

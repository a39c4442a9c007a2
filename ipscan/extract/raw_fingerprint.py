"""Evidence from a whole file's raw tokens: two file digests and verbatim fingerprints.

The normalized channel (``ipscan.extract.fingerprint``) turns names into ``ID`` and literals into
``LIT`` and works per unit, which finds renamed copies but cannot see a copied data table, a
short method, or a run of short methods that no unit holds alone. This channel keeps what a
verbatim copy keeps: the raw text of every identifier and literal, over the whole file, unit
boundaries ignored (as copydetect and Dolos fingerprint whole files).

- ``text_digest``: the file's text, line endings and trailing blanks aside: the same file.
- ``code_digest``: the raw token stream: the same code, comments and layout aside.
- winnowing fingerprints (Schleimer et al., SIGMOD 2003) over raw-token k-grams, ``RAW_K`` and
  ``RAW_W`` from ``ipscan.tuning``; a string literal counts by its contents, so a formatter that
  swaps quote characters does not hide a copy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import numpy as np

from ipscan.extract.fingerprint import DATA_TOKENS
from ipscan.extract.fingerprint import all_of
from ipscan.extract.fingerprint import kgram_hashes
from ipscan.extract.fingerprint import winnow
from ipscan.extract.line_sketch import EMPTY_SKETCH
from ipscan.extract.line_sketch import line_sketch
from ipscan.records import TokenColumns
from ipscan.tuning import MIN_FILE_CHARS
from ipscan.tuning import MIN_FILE_TOKENS
from ipscan.tuning import MIN_SMALL_FILE_CHARS
from ipscan.tuning import MIN_SMALL_FILE_LINES
from ipscan.tuning import MIN_TINY_FILE_CHARS
from ipscan.tuning import RAW_K
from ipscan.tuning import RAW_W

# Bump when raw tokens or their hashing change: fingerprints of different schemes never match.
# New indexes are built with RAW_SCHEME; a scan computes its queries' raw evidence with the
# scheme of the index it opens, any of RAW_SCHEMES.
RAW_SCHEME = 3
# Scheme 3's filler (``_without_filler``) has grown since (one-character literals, a switch's
# labels, ranges with breaks) without a new number: that only leaves fingerprints out, so a
# scan's are a subset of what an index of scheme 3 holds for the same code, and match as before.
# How a literal's raw token is tagged, by scheme, so that it never equals a keyword or a name.
# Scheme 2's "L" let the number 10 equal a name L10 (node-forge's table of 0..51 matched
# boost's template parameters L00, L01, ...); no identifier, keyword or operator holds "\x00".
_LITERAL_TAGS = {2: "L", 3: "\x00"}
RAW_SCHEMES = frozenset(_LITERAL_TAGS)
# Lines starting with these are imports (Python, JavaScript/TypeScript, Java, Go, Rust, C/C++):
# they are left out of the fingerprints (not of the digests). The same ten imports in the same
# order open many unrelated files, and a run of them is not a copy.
_IMPORT_STARTS = frozenset({"import", "from", "#include", "use", "package", "using"})
_QUOTES = "'\"`"
# Normalized tokens whose raw text is what makes them this token and not another.
_RAW_KINDS = frozenset({"ID", "LIT"})
# Type suffixes an integer literal may carry (C's 10UL, Rust's 10u8 and 10usize, JavaScript's
# 10n, Java's 10L).
_INT_SUFFIX = re.compile(r"(?:_?[uUiI](?:8|16|32|64|128|size)|[uUlLnN]{1,3})$")


@dataclass(frozen=True)
class FileEvidence:
    """The raw-token evidence of one whole file."""

    n_tokens: int
    n_lines: int
    n_chars: int  # characters of the text that are not blanks
    text_digest: int  # 64-bit prefix of sha256
    code_digest: int  # 64-bit prefix of sha256
    hashes: np.ndarray  # uint64, winnowed raw k-gram hashes
    token_pos: np.ndarray  # int64, token offset of each fingerprint's k-gram
    start_lines: np.ndarray  # int64, line of the k-gram's first token
    end_lines: np.ndarray  # int64, line of the k-gram's last token
    token_lines: np.ndarray  # int64, line of every fingerprinted token (imports left out)
    scheme: int = RAW_SCHEME  # the raw-token scheme the digest and hashes were made with
    # A small file's lines under its name (``ipscan.extract.line_sketch``); empty otherwise.
    lines: np.ndarray = field(default_factory=lambda: EMPTY_SKETCH)

    @property
    def code_is_evidence(self) -> bool:
        """Whether the code alone is big enough to call a copy of a file by its digest."""
        return self.n_tokens >= MIN_FILE_TOKENS

    @property
    def text_is_evidence(self) -> bool:
        """Whether the whole text is: big code, or a text (comments included) of some size."""
        return self.code_is_evidence or self.n_chars >= MIN_FILE_CHARS

    @property
    def is_small_text(self) -> bool:
        """Whether it is a small file whose identical text, under its own name, is evidence."""
        small = self.n_chars >= MIN_SMALL_FILE_CHARS and self.n_lines >= MIN_SMALL_FILE_LINES
        return small and not self.text_is_evidence

    @property
    def is_tiny_text(self) -> bool:
        """Whether it is a tiny file whose identical text, under its own name, is evidence only
        beside other files copied from the indexed file's folder."""
        tiny = self.n_chars >= MIN_TINY_FILE_CHARS
        return tiny and not self.text_is_evidence and not self.is_small_text

    @property
    def is_file_evidence(self) -> bool:
        """Whether a file digest of this file can say anything (alone or beside copies)."""
        return self.text_is_evidence or self.is_small_text or self.is_tiny_text


def _digest64(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def raw_token_texts(tokens: TokenColumns, data: bytes, scheme: int = RAW_SCHEME) -> list[str]:
    """Each token's raw text: names and literal values as written, other tokens as they are;
    a literal's tagged as ``scheme`` (one of ``RAW_SCHEMES``) says."""
    tag = _LITERAL_TAGS[scheme]
    out = []
    for kind, start, end in zip(tokens.texts, tokens.starts, tokens.ends, strict=True):
        if kind not in _RAW_KINDS or end < 0:
            out.append(kind)
            continue
        raw = data[start:end].decode("utf-8", "surrogatepass")
        if kind == "LIT":
            raw = tag + raw.strip(_QUOTES)
        out.append(raw)
    return out


def _ids(texts: Sequence[str]) -> np.ndarray:
    # Raw texts are too many and varied for a process-wide cache; one per file is enough.
    seen: dict[str, int] = {}
    for text in set(texts):
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8)
        seen[text] = int.from_bytes(digest.digest(), "little")
    return np.fromiter(map(seen.__getitem__, texts), dtype=np.uint64, count=len(texts))


def text_digest(text: str) -> int:
    """The digest of ``text`` with line endings, trailing blanks and blank edges ignored."""
    lines = [line.rstrip() for line in text.lstrip("\ufeff").splitlines()]
    return _digest64("\n".join(lines).strip("\n").encode("utf-8", "surrogatepass"))


def _not_imports(tokens: TokenColumns, lines: np.ndarray) -> np.ndarray:
    """Positions of the tokens that are not on a line that starts an import (``lines``: each
    token's line)."""
    first = np.ones(len(lines), dtype=bool)
    np.not_equal(lines[1:], lines[:-1], out=first[1:])
    texts = tokens.texts
    starts = [int(lines[i]) for i in np.flatnonzero(first).tolist() if texts[i] in _IMPORT_STARTS]
    if not starts:
        return np.arange(len(lines))
    kept: np.ndarray = np.flatnonzero(~np.isin(lines, starts))
    return kept


def _number(raw: str) -> int | None:
    """The value of an integer literal's text (``42``, ``0x2A``, ``1_000``, ``42u8``, ``42L``),
    or the code point of a one-character literal's (``'A'``: a table of the alphabet steps as
    a range of numbers does), else None."""
    if len(raw) == 1 and not raw.isdigit():
        return ord(raw)
    if not raw[:1].isdigit():
        return None
    for text in (raw, _INT_SUFFIX.sub("", raw)):
        try:
            return int(text, 0)
        except ValueError:
            continue
    return None


# Read as data too inside a run of it: a switch's labels (``case 'a': case 'b': ...``) list
# values as a table does.
_LABEL_TOKENS = DATA_TOKENS | {"case"}


def _without_filler(pos: np.ndarray, kinds: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """``pos`` less the k-grams made only of filler: brackets, separators, and integers or
    one-character literals that are one of three in a row with one step in a run of data
    (``0x21, 0x22, 0x23``: a range of code points, an enum's values, 0..51, ``'A', 'B', 'C'``, a
    switch's ``case 'a': case 'b':``; ``_mark_steps``). Only runs of RAW_K data tokens or more are
    read token by token: most files have none. ``kinds`` and ``texts``: the fingerprinted
    tokens' normalized and raw texts."""
    data = np.fromiter(map(_LABEL_TOKENS.__contains__, kinds), dtype=bool, count=len(kinds))
    if not all_of(data, pos, RAW_K).any():
        return pos
    filler = data.copy()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], data.astype(np.int8), [0]))))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start < RAW_K:
            continue
        run: list[tuple[int, int]] = []  # (token, value) of the numbers since another literal
        for j in range(start, end):
            if kinds[j] != "LIT":
                continue
            value = _number(texts[j][1:])  # the tag is one character from scheme 3 on
            if value is None:
                _mark_steps(run, filler)
                run = []
                filler[j] = False
                continue
            run.append((j, value))
        _mark_steps(run, filler)
    kept_pos: np.ndarray = pos[~all_of(filler, pos, RAW_K)]
    return kept_pos


def _mark_steps(run: Sequence[tuple[int, int]], filler: np.ndarray) -> None:
    """Mark filler the numbers of ``run`` (token, value) that are one of three in a row with
    one step: a table that is ranges and repeats (base64's decoding table, a ``tolower`` map,
    0..9 then 10..15 of a hex table) is made by a formula, not written, and two such tables
    share their breaks as well as their ranges."""
    values = [v for _, v in run]
    for i, (j, _) in enumerate(run):
        filler[j] = any(
            lo >= 0
            and lo + 2 < len(values)
            and values[lo + 2] - values[lo + 1] == values[lo + 1] - values[lo]
            for lo in (i - 2, i - 1, i)
        )


def file_evidence(
    tokens: TokenColumns, data: bytes, text: str, scheme: int = RAW_SCHEME, name: str = ""
) -> FileEvidence:
    """Digests of a whole file, and raw-token winnowing fingerprints of its code but imports,
    made the way raw-token ``scheme`` makes them (from scheme 3 on, none of a k-gram that is
    only filler: ``_without_filler``); with the file's path ``name``, the sketch of its lines
    if it is small."""
    texts = raw_token_texts(tokens, data, scheme)
    all_lines = np.array(tokens.lines, dtype=np.int64)
    kept = _not_imports(tokens, all_lines)
    whole = len(kept) == len(texts)
    kept_texts = texts if whole else [texts[i] for i in kept.tolist()]
    hashes = kgram_hashes(_ids(kept_texts), RAW_K)
    pos = winnow(hashes, RAW_W)
    if scheme >= 3 and len(pos):
        kinds = tokens.texts if whole else [tokens.texts[i] for i in kept.tolist()]
        pos = _without_filler(pos, kinds, kept_texts)
    lines = all_lines[kept]
    return FileEvidence(
        n_tokens=len(tokens),
        n_lines=text.count("\n") + (0 if text.endswith("\n") or not text else 1),
        n_chars=len(text) - sum(text.count(c) for c in " \t\r\n\f\v"),
        text_digest=text_digest(text),
        code_digest=_digest64("\x1f".join(texts).encode("utf-8", "surrogatepass")),
        hashes=hashes[pos],
        token_pos=pos,
        start_lines=lines[pos] if len(pos) else pos,
        end_lines=lines[pos + RAW_K - 1] if len(pos) else pos,
        token_lines=lines,
        scheme=scheme,
        lines=line_sketch(name, text, tokens.lines),
    )


EMPTY = file_evidence(TokenColumns.empty(), b"", "")

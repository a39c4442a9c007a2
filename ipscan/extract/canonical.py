"""What the encoder reads of a unit: its code with names, layout and comments taken out.

A copier renames identifiers, reformats and rewrites comments; none of that should move the
vector. The canonical text of a unit is its normalized token stream (see ``parse``) written out
with one space between tokens: identifiers become ``v0``, ``v1``, ... in order of first use (the
same name, the same number, so data flow survives), literals keep their first characters (a
copied message or constant is evidence; a long docstring is not), keywords and operators stay.
It is the same for every language the parser knows, so one model serves them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipscan.records import Token
from ipscan.records import TokenColumns

# Input formats an encoder model declares in ipscan-encoder.json ("input").
TEXT = "text"
CANONICAL = "canonical-v1"
INPUT_FORMATS = (TEXT, CANONICAL)

# Characters kept of a literal, and of any other leaf (a C macro body is one leaf).
LITERAL_CHARS = 24
LEAF_CHARS = 48


def canonical_text(tokens: Sequence[Token], data: bytes) -> str:
    """The canonical text of ``tokens`` (a unit's slice of the file's stream) over ``data``.

    ``data`` is the file's UTF-8 bytes, which token offsets point into.
    """
    return canonical_of(TokenColumns.of(tokens), 0, len(tokens), data)


def canonical_of(tokens: TokenColumns, lo: int, hi: int, data: bytes) -> str:
    """``canonical_text`` of the tokens ``lo:hi`` of a file's stream."""
    names: dict[bytes, str] = {}
    out: list[str] = []
    columns = (tokens.texts[lo:hi], tokens.starts[lo:hi], tokens.ends[lo:hi])
    for kind, start, end in zip(*columns, strict=True):
        if end < start:  # made without a source: the kind is all there is
            out.append(kind)
            continue
        raw = data[start:end]
        if kind == "ID":
            name = names.get(raw)
            if name is None:
                name = names[raw] = f"v{len(names)}"
            out.append(name)
            continue
        text = " ".join(raw.decode("utf-8", "replace").split())
        out.append(text[: LITERAL_CHARS if kind == "LIT" else LEAF_CHARS] or kind)
    return " ".join(out)

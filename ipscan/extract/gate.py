"""The gate every file passes before parsing: binary, encoding, size and minified checks."""

from __future__ import annotations

from ipscan.records import SkippedFile
from ipscan.records import SourceFile

MAX_FILE_BYTES = 2 * 1024 * 1024
# Minified or generated one-liners: a line this long is not hand-written code.
MAX_LINE_CHARS = 3000
MINIFIED_MEAN_LINE_CHARS = 300
MINIFIED_LONG_LINE_SHARE = 0.5


def decode_text(data: bytes) -> str:
    """UTF-8 text (BOM dropped); invalid bytes become U+FFFD so lines and the rest survive."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def gate(path: str, data: bytes, language: str) -> SourceFile | SkippedFile:
    """A SourceFile for scannable text, else a SkippedFile saying why it was passed over."""
    if len(data) > MAX_FILE_BYTES:
        return SkippedFile(path, "too-large")
    if b"\x00" in data[:8192]:
        return SkippedFile(path, "binary")
    text = decode_text(data)
    if is_minified(text):
        return SkippedFile(path, "minified")
    return SourceFile(path=path, text=text, language=language)


def is_minified(text: str) -> bool:
    """True for minified or machine-generated files: most of the text sits on very long lines.

    One long line (an embedded data string, a regular expression) does not make a file
    minified; its other thousands of lines are still code worth scanning.
    """
    if len(text) < 2000:
        return False
    lines = text.splitlines() or [""]
    if len(text) / len(lines) > MINIFIED_MEAN_LINE_CHARS:
        return True
    on_long_lines = sum(len(line) for line in lines if len(line) > MAX_LINE_CHARS)
    return on_long_lines > MINIFIED_LONG_LINE_SHARE * len(text)

"""Shared by the fuzz targets: a hard time limit and the text and bytes every target mixes in."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from hypothesis import strategies as st

# hypothesis' deadline (2 s) fails a slow input after it returns; an input that never returns
# would hang CI instead. Past this many seconds the input is stopped and fails the test.
HANG_SECONDS = 10.0


class Hang(AssertionError):
    """An input ran past HANG_SECONDS."""


@contextlib.contextmanager
def hard_limit(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Raise Hang in the main thread if the block runs longer than ``seconds``."""

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"input ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# Characters that break naive text handling: NUL, lone surrogates, BOM, bidi overrides, line
# separators other than \n, combining marks, astral characters.
NASTY_CHARS = st.sampled_from(
    [
        "\x00",
        "\ud800",
        "\udfff",
        "\ufeff",
        "\u202e",
        "\u2028",
        "\u2029",
        "\x85",
        "\r",
        "\r\n",
        "\x0b",
        "\x0c",
        "\u0301",
        "\U0001f600",
        "\ufffd",
        "\t",
        " ",
        "\n",
    ]
)
# Bytes that are not UTF-8: lone surrogates as CESU-8, overlongs, stray continuations, BOMs.
NASTY_BYTES = st.sampled_from(
    [
        b"\xed\xa0\x80",
        b"\xed\xbf\xbf",
        b"\xc0\x80",
        b"\x80",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"\xf4\x90\x80\x80",
        b"\x00",
        b"\r\n",
        b"\r",
        b"\xe2\x80\xa8",
    ]
)
ANY_TEXT = st.lists(st.one_of(st.characters(), NASTY_CHARS), max_size=300).map("".join)

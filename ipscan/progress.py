"""Progress on stderr, shown only where a person is watching: bars, and counters for work of
unknown length (an archive read as it streams)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Below this many items a bar is noise: the work is done before anyone reads it.
MIN_ITEMS = 50
# A counter redraws at most this often: writing every file would cost more than parsing some.
REDRAW_S = 0.1

Advance = Callable[[int], None]  # add n items done
# Opens a counter labelled with its argument; the index build takes one per source.
Meter = Callable[[str], AbstractContextManager[Advance]]


def watching() -> bool:
    """True when stderr is a terminal."""
    return sys.stderr.isatty()


def bar(
    items: Iterable[T], length: int, label: str, enabled: bool, min_items: int = MIN_ITEMS
) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on stderr when enabled and worth it."""
    if not enabled or length < min_items:
        yield from items
        return
    import click

    with click.progressbar(items, length=length, label=label, file=sys.stderr) as progress:
        yield from progress


def _ignore(_n: int) -> None:
    return None


@contextmanager
def counter(label: str, enabled: bool = True, unit: str = "files") -> Iterator[Advance]:
    """An ``advance(n)`` that shows ``label: N files`` on one stderr line while it counts, when
    enabled; the line is cleared at the end, for whatever is said next."""
    if not enabled:
        yield _ignore
        return
    done = 0
    drawn = ""
    last = 0.0

    def draw() -> None:
        nonlocal drawn, last
        text = f"{label}: {done} {unit}"
        sys.stderr.write("\r" + text.ljust(len(drawn)))
        sys.stderr.flush()
        drawn, last = text, time.monotonic()

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if time.monotonic() - last >= REDRAW_S:
            draw()

    draw()
    try:
        yield advance
    finally:
        sys.stderr.write("\r" + " " * len(drawn) + "\r")
        sys.stderr.flush()


def meter(enabled: bool) -> Meter:
    """Counters that show on stderr when ``enabled`` (else count silently)."""

    def open_counter(label: str) -> AbstractContextManager[Advance]:
        return counter(label, enabled)

    return open_counter

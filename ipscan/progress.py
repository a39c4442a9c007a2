"""Progress bars on stderr, shown only where a person is watching."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

# Below this many items a bar is noise: the work is done before anyone reads it.
MIN_ITEMS = 50


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

"""Options several commands share, each declared once: which index to read, how many
processes, which Ray cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
# What --device takes.
DEVICES = click.Choice(["auto", "cpu", "numpy", "cuda", "torch-cpu"])


def index_option() -> Decorator:
    """``--index DIR`` of a command that reads an index, or a pack of one (``*.ipack``)
    (default: $IPSCAN_INDEX, else the shipped one)."""
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        envvar="IPSCAN_INDEX",
        help="Index directory or *.ipack file (default: $IPSCAN_INDEX, else the index that ships "
        "with ipscan).",
    )


def jobs_option(help: str) -> Decorator:
    """``--jobs N`` (0: every core)."""
    return click.option(
        "--jobs", type=click.IntRange(0, 1024), default=0, show_default=True, help=help
    )


def ray_option(help: str) -> Decorator:
    """``--ray [ADDRESS]``: a bare ``--ray`` gives "local" (start a local Ray)."""
    return click.option(
        "--ray",
        "ray_address",
        is_flag=False,
        flag_value="local",
        default=None,
        metavar="[ADDRESS]",
        help=help,
    )

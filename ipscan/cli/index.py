"""`ipscan index ...`: build, rebuild and describe indexes of licensed open source."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ipscan.cli.conventions import quiet
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_INTERRUPTED

DEVICES = click.Choice(["auto", "cpu", "numpy", "cuda", "torch-cpu"])


@click.group()
def index() -> None:
    """Build and inspect indexes of licensed open source."""


def _say(msg: str) -> None:
    """A line of progress on stderr (none with -q)."""
    if not quiet():
        click.echo(msg, err=True)


@index.command("build")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Index directory (created, or extended when it exists).",
)
@click.option("--rev", help="Git revision to index for git sources (default: HEAD).")
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True)
@click.option("--include", multiple=True, help="Only index paths matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Skip paths matching this glob (repeatable).")
@click.option(
    "--jobs",
    type=click.IntRange(0, 1024),
    default=0,
    show_default=True,
    help="Processes that parse files (0: every core).",
)
def index_build(
    sources: Sequence[str],
    index_dir: Path,
    rev: str | None,
    device: str,
    batch_size: int,
    include: Sequence[str],
    exclude: Sequence[str],
    jobs: int,
) -> int:
    """Add SOURCES (folders, git repos or URLs, sdists, wheels, npm tarballs) to an index."""
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.build import build_index
    from ipscan.index.generations import live_name
    from ipscan.index.progress import progress_embedder
    from ipscan.index.store import check_index_folder
    from ipscan.progress import meter
    from ipscan.progress import watching

    check_index_folder(index_dir)  # before the encoder loads: a wrong folder fails at once
    before = live_name(index_dir)
    try:
        encoder = load_encoder(bulk_device(device, BULK_TEXTS))
        summary = build_index(
            list(sources),
            index_dir,
            encoder,
            progress_embedder(encoder, batch_size, not quiet()),
            rev=rev,
            progress=_say,
            include=include,
            exclude=exclude,
            jobs=jobs or None,
            meter=meter(watching() and not quiet()),
        )
    except KeyboardInterrupt:
        # CURRENT on disk, not how far the code got, says what the user now has: a Ctrl-C
        # while old generations are removed comes after the new index went live.
        after = live_name(index_dir)
        state = "the new index is live" if after not in (None, before) else "the index is unchanged"
        click.echo(f"ipscan: interrupted; {state} ({index_dir})", err=True)
        return EXIT_INTERRUPTED
    for line in summary.added:
        click.echo(f"added {line}")
    for line in summary.skipped:
        click.echo(f"skipped {line}")
    click.echo(
        f"{index_dir}: {summary.total_units} units ({summary.units_added} new, "
        f"{summary.files_added} new files)"
    )
    return EXIT_CLEAN


@index.command("build-default")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write it (default: the index that ships with ipscan, replaced).",
)
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True)
def index_build_default(index_dir: Path | None, device: str, batch_size: int) -> int:
    """Rebuild the default index from its pinned packages (needs pip and npm registry access)."""
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.default import build_default
    from ipscan.index.open import DEFAULT_INDEX_DIR
    from ipscan.index.progress import progress_embedder
    from ipscan.progress import meter
    from ipscan.progress import watching

    target = index_dir or DEFAULT_INDEX_DIR
    encoder = load_encoder(bulk_device(device, BULK_TEXTS))
    summary = build_default(
        target,
        encoder,
        progress_embedder(encoder, batch_size, not quiet()),
        progress=_say,
        meter=meter(watching() and not quiet()),
    )
    click.echo(f"{target}: {summary.total_units if summary else 0} units")
    return EXIT_CLEAN


@index.command("info")
@click.argument("index_dir", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def index_info(index_dir: Path | None, fmt: str) -> int:
    """Describe an index (default: the one that ships with ipscan)."""
    import json

    from ipscan.index.info import describe_index
    from ipscan.index.info import render_info
    from ipscan.index.info import render_markdown

    info = describe_index(index_dir)
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
    else:
        click.echo(render_markdown(info) if fmt == "markdown" else render_info(info))
    return EXIT_CLEAN

"""The `ipscan` command line: thin click commands over library functions.

One catch site: IpscanError → its one-line message and exit code; Ctrl-C → 130; anything else →
one line on screen and the traceback in a log file (on screen with --verbose). Heavy modules
(numpy, faiss, the encoder) are imported inside commands so `ipscan --help` stays instant.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ipscan import __version__
from ipscan.errors import EXIT_CANNOT_SCAN
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_FINDINGS
from ipscan.errors import EXIT_INTERRUPTED
from ipscan.errors import IpscanError

DEVICES = click.Choice(["auto", "cpu", "cuda", "torch-cpu"])


class IpscanGroup(click.Group):
    """A click group whose errors follow ipscan's exit-code contract."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        verbose = "--verbose" in sys.argv[1:] or "-v" in sys.argv[1:2]
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("ipscan: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except KeyboardInterrupt:
            click.echo("ipscan: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except IpscanError as exc:
            click.echo(f"ipscan: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            log = _log_traceback()
            if verbose:
                traceback.print_exc()
            click.echo(
                f"ipscan: internal error: {type(exc).__name__}: {exc} (details: {log})", err=True
            )
            sys.exit(EXIT_CANNOT_SCAN)
        sys.exit(code if isinstance(code, int) else EXIT_CLEAN)


def _log_traceback() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(os.environ.get("IPSCAN_CACHE_DIR") or Path(base) / "ipscan") / "last-error.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return "unavailable"
    return str(path)


@click.group(cls=IpscanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ipscan")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
def main(verbose: bool) -> None:
    """Find code copied from licensed open source, and say from where and under which license."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    help="Index directory (default: the index that ships with ipscan).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of stdout.",
)
@click.option("--explain", is_flag=True, help="Show the evidence, and `similar` matches too.")
@click.option(
    "--device", type=DEVICES, default="auto", show_default=True, help="Where the encoder runs."
)
@click.option("--no-embeddings", is_flag=True, help="Only the token matchers (no encoder).")
def repo(
    path: Path,
    index_dir: Path | None,
    fmt: str,
    output: Path | None,
    explain: bool,
    device: str,
    no_embeddings: bool,
) -> int:
    """Scan the git-tracked files of PATH (every file when PATH is not a git work tree)."""
    from ipscan.report import has_failing
    from ipscan.report.json_report import render_json
    from ipscan.report.text import render_text
    from ipscan.report.text import summary_line
    from ipscan.scan import ScanOptions
    from ipscan.scan import scan_repo

    options = ScanOptions(
        index_dir=index_dir, device=device, explain=explain, embeddings=not no_embeddings
    )
    report = scan_repo(path, options)
    body = render_json(report) if fmt == "json" else render_text(report, explain)
    _emit(body, output)
    if fmt == "text":
        click.echo(summary_line(report), err=True)
    return EXIT_FINDINGS if has_failing(report) else EXIT_CLEAN


def _emit(body: str, output: Path | None) -> None:
    if output is None:
        click.echo(body, nl=False)
        return
    from ipscan.errors import UsageError

    try:
        output.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write the report ({exc.strerror})") from exc


@main.group()
def index() -> None:
    """Build and inspect indexes of licensed open source."""


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
def index_build(
    sources: Sequence[str],
    index_dir: Path,
    rev: str | None,
    device: str,
    batch_size: int,
    include: Sequence[str],
    exclude: Sequence[str],
) -> int:
    """Add SOURCES (folders, git repos or URLs, sdists, wheels, npm tarballs) to an index."""
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.build import build_index
    from ipscan.index.progress import progress_embedder

    encoder = load_encoder(bulk_device(device, BULK_TEXTS))
    summary = build_index(
        list(sources),
        index_dir,
        encoder,
        progress_embedder(encoder, batch_size),
        rev=rev,
        progress=lambda msg: click.echo(msg, err=True),
        include=include,
        exclude=exclude,
    )
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

    target = index_dir or DEFAULT_INDEX_DIR
    encoder = load_encoder(bulk_device(device, BULK_TEXTS))
    summary = build_default(
        target,
        encoder,
        progress_embedder(encoder, batch_size),
        progress=lambda msg: click.echo(msg, err=True),
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


if __name__ == "__main__":  # pragma: no cover
    main()

"""`ipscan index ...`: build, rebuild and describe indexes of licensed open source."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ipscan.cli.conventions import quiet
from ipscan.cli.conventions import say
from ipscan.cli.options import DEVICES
from ipscan.cli.options import jobs_option
from ipscan.cli.options import ray_option
from ipscan.errors import EXIT_CANNOT_SCAN
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_INTERRUPTED
from ipscan.errors import UsageError

if TYPE_CHECKING:
    from ipscan.index.build import BuildSummary
    from ipscan.sources.source_list import ListedSource

# What --ray takes: a cluster address (a source after --ray would be read as one: refused).
_RAY_ADDRESS = re.compile(r"local|auto|ray://[^\s/]+|[\w.-]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5}")


@click.group()
def index() -> None:
    """Build and inspect indexes of licensed open source."""


@index.command("build")
@click.argument("sources", nargs=-1)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Index directory (created, or extended when it exists).",
)
@click.option(
    "--from-list",
    "lists",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also add the sources FILE lists, one a line (repeatable; see above).",
)
@click.option(
    "--failures",
    "failures_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to list the sources that failed (default: INDEX.failures.jsonl beside it).",
)
@click.option("--rev", help="Git revision to index for git sources (default: HEAD).")
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True)
@click.option("--include", multiple=True, help="Only index paths matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Skip paths matching this glob (repeatable).")
@jobs_option("Processes that parse files (0: every core); with --ray and no ADDRESS, Ray's CPUs.")
@ray_option(
    "Build on Ray workers: ADDRESS is auto, ray://HOST:PORT or HOST:PORT; none starts a "
    "local Ray. The index folder must be on storage every worker sees (docs/distributed.md)."
)
@click.option(
    "--shard-size",
    type=click.IntRange(0, 100_000),
    default=0,
    show_default=True,
    help="With --ray: sources per Ray task (0: about two tasks per worker, at most 32 each).",
)
def index_build(
    sources: Sequence[str],
    index_dir: Path,
    lists: Sequence[Path],
    failures_file: Path | None,
    rev: str | None,
    device: str,
    batch_size: int,
    include: Sequence[str],
    exclude: Sequence[str],
    jobs: int,
    ray_address: str | None,
    shard_size: int,
) -> int:
    """Add SOURCES (folders, git repos or URLs, sdists, wheels, npm tarballs) to an index.

    A --from-list FILE names one source a line (blank lines and # comments ignored):

    \b
      pypi:six==1.16.0 sha256=HEX   a PyPI sdist (pip download)
      npm:left-pad@1.3.0            an npm tarball (npm pack; npm:@scope/name@1.2.3 too)
      deb:hello=2.10-3              a Debian source package (apt-get source)
      deb-bin:golang-x-dev=1.0-1    the sources of a Debian binary package (apt-get download)
      https://host/repo.git@REV     a git URL (or git@host:path), @REV optional
      vendor/lib-1.0.tar.gz         a folder, git repository or archive, from FILE's folder

    sha256= (optional) pins an archive, a Debian source package's .dsc or a binary one's .deb.
    Downloads are cached in $IPSCAN_CACHE_DIR/sources (default ~/.cache/ipscan/sources) and
    never fetched twice.

    A source that cannot be fetched or read is skipped and the build goes on: each is printed
    as "failed SOURCE: reason" and listed in INDEX.failures.jsonl (or --failures; removed when
    none failed), which --from-list reads back to retry only those. Exit status: 0 when every
    source was added or already indexed, 3 when any failed (the index holds all the others).

    With --ray the sources are read, parsed and embedded by Ray tasks of --shard-size sources
    each, and the index takes them all at once when every task is done; run the same command
    again after a failure or Ctrl-C and only the unfinished tasks run (docs/distributed.md).
    """
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.build import build_index
    from ipscan.index.generations import live_name
    from ipscan.index.progress import progress_embedder
    from ipscan.index.store import check_index_folder
    from ipscan.progress import meter
    from ipscan.progress import watching
    from ipscan.sources.source_list import read_list
    from ipscan.sources.source_list import write_failures

    if not sources and not lists:
        raise UsageError("give SOURCE... or --from-list FILE")
    if ray_address is not None:
        from ipscan.index.distributed import import_ray

        _check_ray_address(ray_address)
        import_ray(local=ray_address == "local")  # without Ray: a usage error at once
    specs: list[str | ListedSource] = list(sources)
    for path in lists:  # read whole before anything runs: a bad line fails at once
        specs.extend(read_list(path))
    check_index_folder(index_dir)  # before the encoder loads: a wrong folder fails at once
    failures = failures_file or _failures_path(index_dir)
    before = live_name(index_dir)
    try:
        if ray_address is None:
            encoder = load_encoder(bulk_device(device, BULK_TEXTS))
            summary = build_index(
                specs,
                index_dir,
                encoder,
                progress_embedder(encoder, batch_size, not quiet()),
                rev=rev,
                progress=say,
                include=include,
                exclude=exclude,
                jobs=jobs or None,
                meter=meter(watching() and not quiet()),
                keep_going=True,
            )
        else:
            summary = _build_on_ray(
                specs,
                index_dir,
                ray_address,
                device,
                batch_size,
                rev,
                include,
                exclude,
                jobs,
                shard_size,
            )
    except KeyboardInterrupt:
        # CURRENT on disk, not how far the code got, says what the user now has: a Ctrl-C
        # while old generations are removed comes after the new index went live.
        after = live_name(index_dir)
        state = "the new index is live" if after not in (None, before) else "the index is unchanged"
        if ray_address is not None and after in (None, before):
            state += "; rerun the same command to resume the job"
        click.echo(f"ipscan: interrupted; {state} ({index_dir})", err=True)
        return EXIT_INTERRUPTED
    for line in summary.added:
        click.echo(f"added {line}")
    for line in summary.skipped:
        click.echo(f"skipped {line}")
    for failure in summary.failed:
        click.echo(f"failed {failure.source.label}: {failure.reason}")
    click.echo(
        f"{index_dir}: {summary.total_units} units ({summary.units_added} new, "
        f"{summary.files_added} new files) in {summary.segments} segment(s)"
        + (f", {summary.merges} merge(s) of small segments" if summary.merges else "")
    )
    if not summary.failed:
        with contextlib.suppress(OSError):  # an earlier build's failures are stale now
            failures.unlink(missing_ok=True)
        return EXIT_CLEAN
    n = len(summary.failed)
    try:
        write_failures(failures, summary.failed, rev)
        where = f"listed in {failures} (retry them with --from-list)"
    except OSError as exc:
        where = f"and cannot be listed in {failures}: {exc.strerror or exc}"
    click.echo(f"ipscan: {n} source{'s' if n > 1 else ''} failed, {where}", err=True)
    return EXIT_CANNOT_SCAN


def _check_ray_address(address: str) -> None:
    if not _RAY_ADDRESS.fullmatch(address):
        raise UsageError(
            f"--ray {address!r}: give auto, ray://HOST:PORT or HOST:PORT, or nothing for a "
            "local Ray (write --ray last, or --ray local, before SOURCEs)"
        )


def _build_on_ray(
    specs: Sequence[str | ListedSource],
    index_dir: Path,
    address: str,
    device: str,
    batch_size: int,
    rev: str | None,
    include: Sequence[str],
    exclude: Sequence[str],
    jobs: int,
    shard_size: int,
) -> BuildSummary:
    """``build_distributed`` for the command line; prints how many shards ran."""
    from ipscan.encoder import load_encoder
    from ipscan.index.distributed import RaySettings
    from ipscan.index.distributed import build_distributed

    settings = RaySettings(
        address=None if address == "local" else address,
        cpus=jobs or None,
        shard_size=shard_size,
        device=device,
        batch_size=batch_size,
    )
    # The driver only names the encoder in the index (workers load their own): no runtime.
    encoder = load_encoder("cpu")
    report = build_distributed(
        specs,
        index_dir,
        encoder,
        settings,
        rev=rev,
        include=include,
        exclude=exclude,
        progress=say,
    )
    say(
        f"job {report.job_id[:16]}: {report.shards} shards, {report.ran} run now, "
        f"{report.reused} reused"
    )
    return report.summary


def _failures_path(index_dir: Path) -> Path:
    """``INDEX.failures.jsonl``, beside the index folder."""
    index = index_dir.resolve()
    return index.with_name(f"{index.name}.failures.jsonl")


@index.command("build-default")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    help="Where to write it: a folder, or a pack file (*.ipack). Default: the pack that ships "
    "with ipscan (ipscan/data/default_index.ipack), replaced.",
)
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True)
def index_build_default(index_dir: Path | None, device: str, batch_size: int) -> int:
    """Rebuild the default index from its pinned packages (needs pip, npm and apt-get with
    registry access)."""
    import tempfile

    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.index.default import build_default
    from ipscan.index.open import DEFAULT_INDEX_PACK
    from ipscan.index.open import PACK_SUFFIX
    from ipscan.index.pack import pack_index
    from ipscan.index.progress import progress_embedder
    from ipscan.progress import meter
    from ipscan.progress import watching

    target = index_dir or DEFAULT_INDEX_PACK
    encoder = load_encoder(bulk_device(device, BULK_TEXTS))
    with tempfile.TemporaryDirectory(prefix="ipscan-default-") as tmp:
        folder = Path(tmp) / "index" if target.suffix == PACK_SUFFIX else target
        summary = build_default(
            folder,
            encoder,
            progress_embedder(encoder, batch_size, not quiet()),
            progress=say,
            meter=meter(watching() and not quiet()),
        )
        if folder != target:
            size = pack_index(folder, target)
            say(f"{target}: packed, {size / 1e6:.1f} MB")
    click.echo(f"{target}: {summary.total_units if summary else 0} units")
    return EXIT_CLEAN


@index.command("verify")
@click.argument("index_dir", type=click.Path(file_okay=False, path_type=Path), required=False)
def index_verify(index_dir: Path | None) -> int:
    """Check an index whole: every file's sha256, every row, every id (a scan checks only sizes
    and file heads, so that it opens as fast at any size). Exit 3 when something is wrong."""
    from ipscan.index.open import index_location
    from ipscan.index.verify import verify_index

    target = index_location(index_dir) if index_dir is None else index_dir
    found = verify_index(target)
    click.echo(
        f"{target}: ok ({found.units} units, {found.files} files, {found.sources} sources in "
        f"{found.segments} segment(s), {found.bytes / 1e6:.1f} MB)"
    )
    return EXIT_CLEAN


@index.command("compact")
@click.argument("index_dir", type=click.Path(file_okay=False, path_type=Path))
def index_compact(index_dir: Path) -> int:
    """Merge an index's segments into one (each build adds one; scans look up each)."""
    from ipscan.index.compact import compact_index

    before, units = compact_index(index_dir)
    click.echo(f"{index_dir}: {units} units, {before} segment(s) merged into 1")
    return EXIT_CLEAN


@index.command("pack")
@click.argument("index_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def index_pack(index_dir: Path, out: Path) -> int:
    """Pack an index into one compressed file (OUT, *.ipack) to ship or share it: about 2.5
    times smaller. --index accepts the pack; it is unpacked once into the cache folder."""
    from ipscan.index.pack import PACK_SUFFIX
    from ipscan.index.pack import pack_index

    if out.suffix != PACK_SUFFIX:
        raise UsageError(f"{out}: a pack's name ends in {PACK_SUFFIX}")
    size = pack_index(index_dir, out)
    click.echo(f"{out}: {size / 1e6:.1f} MB")
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

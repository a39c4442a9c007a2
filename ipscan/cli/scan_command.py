"""What every scanning command shares: its options, the ScanOptions they make, and how its
report is rendered, written and turned into an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from ipscan.cli.conventions import color_choice
from ipscan.cli.conventions import quiet
from ipscan.cli.conventions import use_color
from ipscan.cli.conventions import verbose
from ipscan.cli.options import DEVICES
from ipscan.cli.options import index_option
from ipscan.cli.options import jobs_option
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_FINDINGS

if TYPE_CHECKING:
    from ipscan.records import Report
    from ipscan.scan import ScanOptions

FORMATS = (
    "text",
    "json",
    "sarif",
    "github",
    "html",
    "spdx",
    "cyclonedx",
)  # = report.render.FORMATS


def scan_options(f: Callable[..., int]) -> Callable[..., int]:
    """The options every scanning command shares."""
    options = [
        index_option(),
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the report here instead of stdout.",
        ),
        click.option("--explain", is_flag=True, help="Show the evidence, and `similar` matches."),
        click.option(
            "--device",
            type=DEVICES,
            default="auto",
            show_default=True,
            help="Where the encoder runs.",
        ),
        click.option("--no-embeddings", is_flag=True, help="Only the token matchers (no encoder)."),
        click.option(
            "--every-source",
            is_flag=True,
            help="Report every indexed file a region was copied from, not only the likeliest "
            "one (pairwise plagiarism checks: a class's or a contest's submissions).",
        ),
        click.option(
            "--min-share",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            metavar="FRACTION",
            help="Report a file's findings only where one indexed file covers at least this "
            "share of its code (0.33: a plagiarism check that passes over the stock code every "
            "solution of a task shares; 0: any copied region, as a license scan needs). "
            "Default: the policy's min-share, else 0.",
        ),
        click.option(
            "--base-code",
            "base_code",
            multiple=True,
            type=click.Path(exists=True, path_type=Path),
            help="Code every submission was given (starter files, a template): a file or "
            "folder whose code is never evidence of copying. Repeatable.",
        ),
        click.option(
            "--no-idiom-census",
            is_flag=True,
            help="With --index, do not count code that many packages of the shipped default "
            "index hold (serde's visitors, derive lines) as boilerplate.",
        ),
        click.option(
            "--include-own-package",
            is_flag=True,
            help="Also report code matched to the project's own package (the names its root's "
            "package metadata or build files declare: pyproject.toml, setup.cfg, setup.py, "
            "package.json, Cargo.toml, go.mod, CMakeLists.txt, pom.xml, ...; and the policy's "
            "own-packages), left out and counted by default: its maintainers' code is not a "
            "copy of their release.",
        ),
        jobs_option("Processes that parse files (0: every core; small scans use one)."),
        click.option(
            "--project-license",
            metavar="SPDX",
            help="This project's license (default: the policy's, else the metadata and LICENSE "
            "of the nearest folder from PATH up to the repository root that has them).",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Policy file (default: the nearest .ipscan.toml, else [tool.ipscan] in "
            "pyproject.toml, from PATH up to the repository root).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def scan_settings(opts: dict[str, Any]) -> ScanOptions:
    """ScanOptions from the options that ``scan_options`` added."""
    from ipscan.progress import watching
    from ipscan.scan import ScanOptions

    return ScanOptions(
        index_dir=opts["index_dir"],
        device=opts["device"],
        explain=opts["explain"],
        embeddings=not opts["no_embeddings"],
        progress=watching() and not quiet(),
        project_license=opts["project_license"],
        config=opts["config"],
        jobs=opts["jobs"] or None,
        every_source=opts["every_source"],
        base_code=tuple(opts["base_code"]),
        idiom_census=not opts["no_idiom_census"],
        include_own_package=opts["include_own_package"],
        min_share=opts["min_share"],
    )


def finish(report: Report, fmt: str, output: Path | None, explain: bool = False) -> int:
    """Render, write, summarize; the exit code says whether anything failing was found."""
    from ipscan.report import has_failing
    from ipscan.report.render import render
    from ipscan.report.render import write_output
    from ipscan.report.render import write_step_summary
    from ipscan.report.text import render_text
    from ipscan.report.text import summary_line

    # The layout follows the terminal alone; colour (text only, stdout only) follows the
    # conventions in ipscan.cli.conventions, and click.echo drops the styles when it is off.
    terminal = output is None and sys.stdout.isatty()
    colour = output is None and use_color(color_choice(), os.environ, terminal)
    if fmt == "text":
        click.get_current_context().color = colour
    if fmt == "text" and colour and not terminal:
        body = render_text(report, explain, styled=True)
    else:
        body = render(report, fmt, explain, terminal=terminal)
    write_output(body, output)
    if fmt == "github":
        write_step_summary(report)
    if verbose():
        for skipped in report.skipped:
            click.echo(f"ipscan: skipped {skipped.path} ({skipped.reason})", err=True)
    if (fmt == "text" or output is not None) and not quiet():
        click.echo(summary_line(report), err=True)
    return EXIT_FINDINGS if has_failing(report) else EXIT_CLEAN


def finish_scan(report: Report, opts: dict[str, Any]) -> int:
    return finish(report, opts["fmt"], opts["output"], opts["explain"])

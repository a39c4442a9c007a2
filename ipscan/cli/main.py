"""The `ipscan` command line: thin click commands over library functions.

One catch site: IpscanError → its one-line message and exit code; Ctrl-C → 130; anything else →
one line on screen and the traceback in a log file (on screen with --verbose). Heavy modules
(numpy, faiss, the encoder) are imported inside commands so `ipscan --help` stays instant.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from ipscan import __version__
from ipscan.cli.conventions import add_global_options
from ipscan.cli.conventions import verbose
from ipscan.cli.scan_command import FORMATS
from ipscan.cli.scan_command import finish
from ipscan.cli.scan_command import finish_scan
from ipscan.cli.scan_command import scan_options
from ipscan.cli.scan_command import scan_settings
from ipscan.errors import EXIT_CANNOT_SCAN
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_INTERRUPTED
from ipscan.errors import IpscanError

if TYPE_CHECKING:
    pass


# Commands whose modules are imported when the command line names them (or --help lists them):
# a pre-commit hook's `ipscan check` imports none of them (about 25 ms).
LAZY_COMMANDS = {
    "dataset": ("ipscan.cli.dataset", "dataset"),
    "index": ("ipscan.cli.index", "index"),
    "model": ("ipscan.cli.model", "model"),
    "serve": ("ipscan.cli.serve", "serve_cmd"),
    "snippet": ("ipscan.cli.snippet", "snippet_cmd"),
}


class IpscanGroup(click.Group):
    """A click group whose errors follow ipscan's exit-code contract."""

    tracebacks = False  # -v, wherever given, for the catch site (the context is gone by then)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attr)
            add_global_options(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        finally:
            self.tracebacks = verbose(ctx)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        self.tracebacks = False
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
            if self.tracebacks:
                traceback.print_exc()
            click.echo(
                f"ipscan: internal error: {type(exc).__name__}: {exc} (details: {log})", err=True
            )
            sys.exit(EXIT_CANNOT_SCAN)
        sys.exit(code if isinstance(code, int) else EXIT_CLEAN)


def _log_traceback() -> str:
    from ipscan.encoder.cache import cache_dir

    path = cache_dir() / "last-error.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return "unavailable"
    return str(path)


@click.group(cls=IpscanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ipscan")
def main() -> None:
    """Find code copied from licensed open source, and say from where and under which license.

    -q, -v and --color may come before or after the command.
    """


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@scan_options
def repo(path: Path, **opts: Any) -> int:
    """Scan the git-tracked files of PATH (every file when PATH is not a git work tree)."""
    from ipscan.scan import scan_repo

    return finish_scan(scan_repo(path, scan_settings(opts)), opts)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--all-units", is_flag=True, help="Report whole files, not only what is staged.")
@scan_options
def check(files: Sequence[Path], all_units: bool, **opts: Any) -> int:
    """Scan the staged content of FILES (what a pre-commit hook passes).

    Only units that the staged change touches are reported, unless --all-units.
    """
    from ipscan.extract.changes import staged_changes
    from ipscan.scan import scan_changes

    changes = staged_changes(Path.cwd(), [str(f) for f in files])
    return finish_scan(scan_changes(changes, scan_settings(opts), all_units), opts)


@main.command()
@click.argument("revisions", required=False)
@click.option("--base", help="Base revision (instead of a BASE..HEAD range).")
@click.option("--head", help="Head revision (default: HEAD).")
@click.option(
    "-C",
    "--repo",
    "repo_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="The repository (default: the current directory).",
)
@click.option(
    "--fetch",
    is_flag=True,
    help="Fetch a revision that is not here from the remote `origin` (the only network use).",
)
@scan_options
def diff(
    revisions: str | None,
    base: str | None,
    head: str | None,
    repo_path: Path,
    fetch: bool,
    **opts: Any,
) -> int:
    """Scan what a range adds: REVISIONS is BASE..HEAD (or BASE...HEAD from the merge base).

    Everything is read locally; a revision missing here is an error unless --fetch is given.
    """
    from ipscan.extract.changes import parse_range
    from ipscan.extract.changes import range_changes
    from ipscan.scan import scan_changes

    b, h, merge_base = parse_range(revisions, base, head)
    changes = range_changes(repo_path, b, h, merge_base, fetch=fetch)
    return finish_scan(scan_changes(changes, scan_settings(opts)), opts)


@main.command("render")
@click.argument("report_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def render_cmd(report_file: Path, fmt: str, output: Path | None) -> int:
    """Turn a JSON report (from --format json) into another format, without scanning again."""
    from ipscan.report.json_report import load_report

    return finish(load_report(report_file), fmt, output)


@main.command("install-hooks")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--hook",
    "hooks",
    multiple=True,
    type=click.Choice(["pre-commit", "pre-push"]),
    help="Which hooks (default: both).",
)
@click.option("--force", is_flag=True, help="Replace hooks that ipscan did not install.")
def install_hooks_cmd(path: Path, hooks: Sequence[str], force: bool) -> int:
    """Install ipscan's plain git hooks (for repositories without the pre-commit framework)."""
    from ipscan.cli.install_hooks import install_hooks

    for installed in install_hooks(path, tuple(hooks) or ("pre-commit", "pre-push"), force):
        click.echo(f"installed {installed}")
    return EXIT_CLEAN


add_global_options(main)

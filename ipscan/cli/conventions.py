"""The options every command takes, anywhere on the line: -q, -v and --color.

``ipscan -q repo .`` and ``ipscan repo . -q`` mean the same: each command (groups and
subcommands alike) carries the options, and what any of them is given is kept in the context's
``meta``, which every context of one invocation shares.

Colour, first rule that applies wins:

1. ``--color always`` / ``--color never`` (the last one given);
2. ``NO_COLOR`` set and not empty (https://no-color.org): no colour;
3. ``FORCE_COLOR`` or ``CLICOLOR_FORCE`` set, not empty and not ``0``: colour, even piped;
4. ``TERM=dumb``: no colour;
5. otherwise (``--color auto``, the default): colour when the output is a terminal.

Colour never chooses the layout: the grouped terminal layout follows only whether stdout is a
terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping

import click

COLOR_CHOICES = ("auto", "always", "never")
_QUIET = "ipscan.quiet"
_VERBOSE = "ipscan.verbose"
_COLOR = "ipscan.color"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, object], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: object) -> None:
        # Options left out arrive too (False, None): they must not undo one given elsewhere.
        if value:
            ctx.meta[key] = value

    return callback


def global_options() -> list[click.Option]:
    """Fresh -q, -v and --color options (a click parameter belongs to one command)."""
    return [
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            callback=_remember(_VERBOSE),
            help="List skipped files; show tracebacks of internal errors.",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_remember(_QUIET),
            help="Only the report: no summary, no progress.",
        ),
        click.Option(
            ["--color"],
            type=click.Choice(COLOR_CHOICES),
            expose_value=False,
            callback=_remember(_COLOR),
            help="Colour the text report on stdout. auto (default): on a terminal, unless "
            "NO_COLOR or TERM=dumb; FORCE_COLOR or CLICOLOR_FORCE colour it anywhere.",
        ),
    ]


def add_global_options(command: click.Command) -> None:
    """Give ``command`` and every command below it -q, -v and --color."""
    command.params.extend(global_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)


def _meta(key: str, ctx: click.Context | None = None) -> object:
    ctx = ctx or click.get_current_context(silent=True)
    return ctx.meta.get(key) if ctx is not None else None


def quiet(ctx: click.Context | None = None) -> bool:
    """Whether -q was given anywhere on the command line."""
    return bool(_meta(_QUIET, ctx))


def say(msg: str) -> None:
    """A line of progress on stderr (none with -q)."""
    if not quiet():
        click.echo(msg, err=True)


def verbose(ctx: click.Context | None = None) -> bool:
    """Whether -v was given anywhere on the command line."""
    return bool(_meta(_VERBOSE, ctx))


def color_choice(ctx: click.Context | None = None) -> str:
    """The last --color given, else ``auto``."""
    return str(_meta(_COLOR, ctx) or "auto")


def _forced(value: str | None) -> bool:
    return bool(value) and value != "0"


def use_color(choice: str, env: Mapping[str, str], is_terminal: bool) -> bool:
    """Whether output gets colour (the rules in this module's docstring)."""
    if choice in ("always", "never"):
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if _forced(env.get("FORCE_COLOR")) or _forced(env.get("CLICOLOR_FORCE")):
        return True
    if env.get("TERM") == "dumb":
        return False
    return is_terminal

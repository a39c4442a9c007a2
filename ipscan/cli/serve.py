"""``ipscan serve``: an MCP server over stdio that checks snippets against a warm index."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ipscan.cli.conventions import quiet
from ipscan.cli.options import DEVICES
from ipscan.cli.options import index_option
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import UsageError

INSTALL_HINT = "ipscan serve needs the MCP SDK 2.x: pip install 'ipscan-code[serve]'"


@click.command("serve")
@index_option()
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project whose license and policy judge the findings (default: none; the "
    "findings are judged as for a project without a license).",
)
@click.option(
    "--project-license",
    metavar="SPDX",
    help="The project's license (overrides the one --project declares).",
)
@click.option(
    "--device",
    type=DEVICES,
    default="auto",
    show_default=True,
    help="Where the encoder runs.",
)
@click.option("--no-embeddings", is_flag=True, help="Only the token matchers (no encoder).")
def serve_cmd(
    index_dir: Path | None,
    project_dir: Path | None,
    project_license: str | None,
    device: str,
    no_embeddings: bool,
) -> int:
    """Answer snippet checks for editors and coding agents: MCP over stdin/stdout.

    Tools: check_code (code, language?, file_name?) and index_info. The index, the encoder
    and the project are loaded once, at startup; logs go to stderr. Stops when stdin closes.
    """
    try:
        import mcp.server.mcpserver  # noqa: F401 - only whether the SDK (2.x) is there
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    from ipscan.encoder import choose_device
    from ipscan.scan import ScanOptions
    from ipscan.serve.server import run_stdio
    from ipscan.serve.state import open_state

    options = ScanOptions(
        index_dir=index_dir,
        # Chosen once: "auto" looks for a GPU (a PATH walk) each time it is resolved, and never
        # switches a snippet to the bulk runtime anyway (ipscan.encoder.bulk_device).
        device=choose_device(device),
        embeddings=not no_embeddings,
        project_license=project_license,
        jobs=1,
    )
    # Until the SDK takes stdout over, nothing may be written there: it is the client's pipe.
    with contextlib.redirect_stdout(sys.stderr):
        state = open_state(options, project_dir)
        try:
            seconds = state.warm()
        except BaseException:
            state.close()
            raise
    if not quiet():
        units = state.reader.n_units
        click.echo(f"ipscan serve: ready ({units:,} units, warmed in {seconds:.1f} s)", err=True)
    try:
        run_stdio(state)
    finally:
        state.close()
    return EXIT_CLEAN

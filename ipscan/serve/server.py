"""The MCP server: tools ``check_code`` and ``index_info`` over the warm ``ServeState``.

Built on the official MCP SDK (``mcp`` 2.x, ``MCPServer``), spoken over stdio only: the client
(an editor, a coding agent) starts ``ipscan serve`` as its child and owns its lifetime; nothing
listens on a network. The SDK serves the protocol from a private copy of stdout and points fd 1 at
stderr, so a stray print cannot break a message; logs go to stderr.

A call that cannot be checked (an unknown language, binary or minified code, an empty snippet)
comes back as a tool error (``isError``) with a one-line message; the server keeps answering.
"""

from __future__ import annotations

import logging
from typing import Annotated
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from mcp.types import TextContent
from mcp.types import ToolAnnotations
from pydantic import Field

from ipscan import __version__
from ipscan.errors import IpscanError
from ipscan.extract.languages import LANGUAGES
from ipscan.serve.results import result_content
from ipscan.serve.results import result_text
from ipscan.serve.schema import CheckCodeResult
from ipscan.serve.state import ServeState

log = logging.getLogger("ipscan.serve")

INSTRUCTIONS = (
    "ipscan checks code against a local index of licensed open source. Call check_code with a "
    "piece of code (a suggestion before it is written, a pasted answer) to learn whether it was "
    "copied, from which package, file and lines, under which license, and which notice to add."
)

CHECK_CODE = (
    "Check a piece of code for copies of indexed open source. Returns the findings (source "
    "package, version, path and lines; its license and whether that license allows the copy "
    "here; similarity; verdict; the notice to add); an empty list when nothing matches."
)


def build_server(state: ServeState) -> MCPServer:
    """An MCP server whose tools answer from ``state``."""
    server: MCPServer = MCPServer(
        "ipscan",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False, idempotent_hint=True)

    @server.tool(name="check_code", description=CHECK_CODE, annotations=read_only)
    def check_code(
        code: Annotated[str, Field(description="The code to check (one file's worth at most).")],
        language: Annotated[
            str | None,
            Field(
                description="Its language: one of "
                + ", ".join(sorted(LANGUAGES))
                + " (default: from file_name, else the grammar that parses it best)."
            ),
        ] = None,
        file_name: Annotated[
            str | None,
            Field(description="The file it is meant for; its extension tells the language."),
        ] = None,
    ) -> Annotated[CallToolResult, CheckCodeResult]:
        try:
            checked = state.check(code, language, file_name)
        except IpscanError as exc:
            raise ToolError(str(exc)) from None
        except Exception as exc:
            log.exception("check_code failed")
            raise ToolError(f"internal error: {type(exc).__name__}: {exc}") from None
        return CallToolResult(
            content=[TextContent(type="text", text=result_text(checked))],
            structured_content=result_content(checked),
        )

    @server.tool(name="index_info", annotations=read_only)
    def index_info() -> dict[str, Any]:
        """The index and project this server checks against: index path, sources, units and
        encoder; the project's license; the languages check_code reads."""
        reader = state.reader
        return {
            "ipscan_version": __version__,
            "index": {
                "path": str(reader.index_dir),
                "sources": reader.counts.get("sources", 0),
                "units": reader.n_units,
                "encoder": reader.encoder_info.get("id"),
            },
            "project_license": (
                state.project.outbound if state.project else state.options.project_license
            ),
            "languages": sorted(LANGUAGES),
            "embeddings": state.options.embeddings,
        }

    return server


def run_stdio(state: ServeState) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    build_server(state).run("stdio")

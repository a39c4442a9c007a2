"""``ipscan serve``: snippet checks for editors and coding agents, over MCP on stdio (issue #21).

``state`` keeps the index, project and encoder warm; ``schema`` and ``results`` shape a check as
the tool's result; ``server`` is the MCP server. Only ``server`` and ``schema`` import the MCP
SDK (the ``serve`` extra).
"""

"""The `ipscan` command line: ``main`` (scan commands) with the ``index`` and ``model`` groups."""

from __future__ import annotations

from ipscan.cli.main import main

__all__ = ["main"]

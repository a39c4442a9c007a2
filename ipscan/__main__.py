"""``python -m ipscan``: the same as the ``ipscan`` command."""

from __future__ import annotations

from ipscan.cli.main import main

main()

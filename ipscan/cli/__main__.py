"""``python -m ipscan.cli``: the same as the ``ipscan`` command."""

from __future__ import annotations

from ipscan.cli.main import main

main()

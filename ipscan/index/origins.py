"""What the index's record of a source says about where it came from (issue #19).

Kept apart from ``ipscan.sources`` (whose package imports the archive and git readers), so a
scan that only looks findings up does not import them.
"""

from __future__ import annotations

# Where a stored source came from → its purl type. Registry downloads record
# ``registry:archive`` as their origin (``ipscan index build-default``); a wheel is always a
# Python distribution and an npm tarball an npm package. A folder, a git repository or a bare
# .tar.gz says nothing trustworthy about its ecosystem.
_REGISTRY_TYPES = {"pypi": "pypi", "npm": "npm", "deb": "deb", "cargo": "cargo", "crates": "cargo"}
_KIND_TYPES = {"wheel": "pypi", "npm": "npm"}


def ecosystem_of(origin: str, kind: str) -> str:
    """The purl type of a stored source (``pypi``, ``npm``, ...), or "" when it is not known."""
    registry, sep, _ = origin.partition(":")
    if sep and registry in _REGISTRY_TYPES:
        return _REGISTRY_TYPES[registry]
    return _KIND_TYPES.get(kind, "")

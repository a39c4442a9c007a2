"""The names users know packages by, from their ecosystem's manifest (issue #16).

A folder or archive is often named otherwise (``golang-golang-x-net-dev``, ``Brotli-1.1.0``):
Go modules are known by the module path of their ``go.mod`` (``golang.org/x/net``), Python
distributions by their normalized name (PEP 503: ``Brotli`` → ``brotli``), crates by the
``[package] name`` of ``Cargo.toml`` and npm packages by the ``name`` of ``package.json`` (those
two are read with the rest of their metadata).
"""

from __future__ import annotations

import re

from ipscan.sources.paths import DEBIAN_GO_MOD

# The go.mod "module" directive: `module golang.org/x/net`, `module "example.com/m" // note`.
_MODULE = re.compile(r'^\s*module\s+(?:"([^"\n]+)"|([^\s"/][^\s"]*))\s*(?://.*)?$', re.M)
_MODULE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~+-]*(?:/[A-Za-z0-9._~+-]+)*$")
_PEP503 = re.compile(r"[-_.]+")


def pypi_name(name: str) -> str:
    """A Python distribution name normalized as PEP 503 says (``Foo.Bar_baz`` → ``foo-bar-baz``)."""
    return _PEP503.sub("-", name.strip()).lower()


def go_module_path(data: bytes) -> str | None:
    """The module path a ``go.mod`` declares, or None when it declares none we can trust."""
    text = data.decode("utf-8", errors="replace")
    m = _MODULE.search(text)
    if not m:
        return None
    path = m.group(1) or m.group(2)
    return path if len(path) <= 300 and _MODULE_PATH.match(path) else None


def debian_go_roots(files: dict[str, bytes]) -> list[str]:
    """The folders where Go modules sit in a Debian binary package (``usr/share/gocode/src/
    golang.org/x/net/``), shallowest first."""
    found = [p.removesuffix("go.mod") for p in files if DEBIAN_GO_MOD.match(p)]
    return sorted(found, key=lambda r: (r.count("/"), r))


def go_name(files: dict[str, bytes]) -> str | None:
    """The module path of the source's ``go.mod``: the root one, else the one Debian installs
    (when there is exactly one at the shallowest level)."""
    if "go.mod" in files:
        return go_module_path(files["go.mod"])
    roots = debian_go_roots(files)
    if not roots or (len(roots) > 1 and roots[0].count("/") == roots[1].count("/")):
        return None
    return go_module_path(files[roots[0] + "go.mod"])

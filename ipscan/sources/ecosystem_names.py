"""The names users know packages by, from their ecosystem's manifest (issue #16).

A folder or archive is often named otherwise (``golang-golang-x-net-dev``, ``Brotli-1.1.0``):
Go modules are known by the module path of their ``go.mod`` (``golang.org/x/net``), Python
distributions by their normalized name (PEP 503: ``Brotli`` → ``brotli``), crates by the
``[package] name`` of ``Cargo.toml`` and npm packages by the ``name`` of ``package.json`` (those
two are read with the rest of their metadata).

Debian's binary packages install Go modules under ``usr/share/gocode/src/<import path>/`` and
crates under ``usr/share/cargo/registry/<crate>-<version>/``; a Go package without a go.mod is
known by that import path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ipscan.sources.paths import DEBIAN_CARGO_TOML
from ipscan.sources.paths import DEBIAN_GO_MOD
from ipscan.sources.paths import DEBIAN_GOCODE

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


def debian_crate_roots(files: dict[str, bytes]) -> list[str]:
    """The folders of the crates a Debian binary package installs (``usr/share/cargo/registry/
    cfg-if-1.0.0/``), sorted."""
    return sorted(p.removesuffix("Cargo.toml") for p in files if DEBIAN_CARGO_TOML.match(p))


def debian_go_path(paths: Iterable[str]) -> str | None:
    """The import path of the Go tree a Debian binary package installs without a go.mod: the
    deepest folder below ``usr/share/gocode/src/`` holding all its files (``host/path`` at
    least), or None."""
    common: list[str] | None = None
    for path in paths:
        if not path.startswith(DEBIAN_GOCODE):
            continue
        parts = path[len(DEBIAN_GOCODE) :].split("/")[:-1]
        if common is None:
            common = parts
            continue
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        del common[n:]
    found = "/".join(common or [])
    if found.count("/") < 1 or len(found) > 300 or not _MODULE_PATH.match(found):
        return None
    return found


def go_name(files: dict[str, bytes], paths: Iterable[str] = ()) -> str | None:
    """The module path of the source's ``go.mod``: the root one, else the one Debian installs
    (when there is exactly one at the shallowest level), else the import path of a Debian Go
    tree without one (``paths``: every file of the source)."""
    if "go.mod" in files:
        return go_module_path(files["go.mod"])
    roots = debian_go_roots(files)
    if not roots:
        return debian_go_path(paths)
    if len(roots) > 1 and roots[0].count("/") == roots[1].count("/"):
        return None
    return go_module_path(files[roots[0] + "go.mod"])

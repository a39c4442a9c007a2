"""Package URLs (purls) of matched open-source packages, built with packageurl-python.

A finding's source carries its ecosystem when the index knows it (``SourceRef.ecosystem``:
registry downloads record their registry, a wheel is PyPI, an npm tarball npm; see
``ipscan.index.origins.ecosystem_of``). Otherwise the purl type is inferred, and says
so: a scoped name (``@scope/name``) is npm and a module path (``golang.org/x/net``) is Go, as
only those manifests give such names; else the matched file's suffix names the ecosystem whose
packages ship it (``.py`` PyPI, ``.js`` npm, ``.rs`` Cargo) when the name is one that ecosystem
allows. Anything else is ``pkg:generic``. Names are lowercased where the purl spec's type
definition says they are not case sensitive; PyPI names also get ``-`` for ``_``.

packageurl-python comes with cyclonedx-python-lib (the ``sbom`` extra): imported when building.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipscan.records import SourceRef

if TYPE_CHECKING:  # packageurl-python is imported when building only
    from packageurl import PackageURL

ECOSYSTEMS = ("pypi", "npm", "cargo", "golang", "deb", "github", "generic")
# Purl types whose namespace and name are not case sensitive (purl spec type definitions).
_LOWERCASE = frozenset({"pypi", "npm", "golang", "deb", "github", "generic"})
_SUFFIX_TYPES = {
    ".py": "pypi",
    ".pyi": "pypi",
    ".js": "npm",
    ".mjs": "npm",
    ".cjs": "npm",
    ".jsx": "npm",
    ".ts": "npm",
    ".mts": "npm",
    ".cts": "npm",
    ".tsx": "npm",
    ".rs": "cargo",
}
# The names each ecosystem allows (PEP 508, npm's package.json rules, Cargo's).
_VALID_NAME = {
    "pypi": re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?"),
    "npm": re.compile(r"(?:@[A-Za-z0-9][A-Za-z0-9._~-]{0,100}/)?[A-Za-z0-9][A-Za-z0-9._~-]{0,213}"),
    "cargo": re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}"),
}
_NPM_SCOPED = re.compile(r"@[A-Za-z0-9][A-Za-z0-9._~-]*/[A-Za-z0-9][A-Za-z0-9._~-]*")
# A Go module path outside the standard library: a host name with a dot, then path elements.
_GO_MODULE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[A-Za-z0-9._~+-]+)+")
NO_VERSION = ("", "unknown")  # "unknown": the index's version when a source states none


@dataclass(frozen=True)
class Purl:
    """A package URL, and what its type rests on: ``ecosystem`` (recorded), ``name`` or
    ``suffix`` (inferred), ``unfit`` (recorded, but the name fits no purl of it) or ``""``
    (unknown); the last two are ``pkg:generic``."""

    url: PackageURL
    basis: str
    source_path: str = ""

    def __str__(self) -> str:
        return self.url.to_string()

    @property
    def note(self) -> str | None:
        """Why the type is what it is, when ipscan inferred it; None when it was recorded."""
        if self.basis == "name":
            return "purl type inferred from the package name (no ecosystem recorded)"
        if self.basis == "suffix":
            where = self.source_path
            return f"purl type inferred from the matched file {where} (no ecosystem recorded)"
        if self.basis == "unfit":
            return "the package name does not fit its ecosystem's purls: a generic purl"
        if not self.basis:
            return "no ecosystem recorded for this package: a generic purl"
        return None


def infer_ecosystem(package: str, source_path: str) -> tuple[str, str]:
    """(purl type, basis) of a package from its name, else from the matched file's suffix."""
    if _NPM_SCOPED.fullmatch(package):
        return "npm", "name"
    if _GO_MODULE.fullmatch(package):
        return "golang", "name"
    dot = source_path.rfind(".")
    kind = _SUFFIX_TYPES.get(source_path[dot:].lower()) if dot > source_path.rfind("/") else None
    if kind and _VALID_NAME[kind].fullmatch(package):
        return kind, "suffix"
    return "generic", ""


def source_purl(source: SourceRef, ecosystem: str | None = None) -> Purl | None:
    """The purl of a finding's source package; ``ecosystem`` when known, else inferred.
    None only for a source with no name."""
    if ecosystem in ECOSYSTEMS:
        kind, basis = str(ecosystem), "ecosystem"
    else:
        kind, basis = infer_ecosystem(source.package, source.path)
    stated = source.version.strip()
    version = None if stated in NO_VERSION else stated
    url = package_url(kind, source.package, version)
    if url is None and kind != "generic":
        basis = "unfit" if basis == "ecosystem" else ""
        url = package_url("generic", source.package, version)
    return Purl(url, basis, source.path) if url is not None else None


def package_url(kind: str, package: str, version: str | None) -> PackageURL | None:
    """A purl of type ``kind`` for ``package``; None when the name does not fit the type."""
    from packageurl import PackageURL

    name = package.strip().strip("/")
    namespace: str | None = None
    if kind == "deb":
        namespace = "debian"
    elif kind in ("npm", "golang", "github", "generic") and "/" in name:
        # A scope, a module path's leading elements, a repository's owner.
        namespace, name = name.rsplit("/", 1)
    if kind == "npm" and namespace is not None and not namespace.startswith("@"):
        return None
    if kind in ("golang", "github") and namespace is None:
        return None
    if kind in _LOWERCASE:
        namespace = namespace.lower() if namespace else None
        name = name.lower()
    if kind == "pypi":
        name = name.replace("_", "-")
    if not name:
        return None
    try:
        return PackageURL(type=kind, namespace=namespace, name=name, version=version)
    except ValueError:
        return None

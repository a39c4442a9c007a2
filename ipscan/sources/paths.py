"""Which paths of a source are kept, and which are read for metadata."""

from __future__ import annotations

import re

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar")
ARCHIVE_SUFFIXES = (*TAR_SUFFIXES, ".zip", ".whl")
LICENSE_NAME = re.compile(r"^(?:un)?licen[cs]e|^copying", re.IGNORECASE)
META_NAMES = frozenset(
    {
        "PKG-INFO",
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "package.json",
        "Cargo.toml",
        "METADATA",
        "go.mod",
        "copyright",
    }
)
# Debian's machine-readable copyright file (source or binary package), and a Go module as a
# golang-*-dev binary package installs it.
DEBIAN_COPYRIGHT = re.compile(r"^(?:debian|usr/share/doc/[^/]+)/copyright$")
DEBIAN_GO_MOD = re.compile(r"^usr/share/gocode/src/(?:[^/]+/){1,6}go\.mod$")
# A crate as a librust-*-dev binary package installs it, and where such packages keep sources.
DEBIAN_CARGO_TOML = re.compile(r"^usr/share/cargo/registry/[^/]+/Cargo\.toml$")
DEBIAN_GOCODE = "usr/share/gocode/src/"
DEBIAN_SOURCE_ROOTS = ("usr/share/cargo/registry/", DEBIAN_GOCODE, "usr/include/")


def safe_path(name: str) -> str | None:
    """A normalized relative POSIX path, or None for absolute, ``..`` or empty paths."""
    # tarfile and os.walk hand non-UTF-8 names over as surrogate escapes, which no UTF-8 writer
    # (the index's files.jsonl, JSON reports) can encode: show the bad bytes as U+FFFD instead.
    try:
        raw = name.encode("utf-8", "surrogateescape")  # the original bytes back
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")  # a lone surrogate of another origin
    name = raw.decode("utf-8", "replace")
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def is_debian_meta(rel: str) -> bool:
    """Debian's copyright file, or the go.mod or Cargo.toml of a Debian binary package."""
    return any(p.match(rel) for p in (DEBIAN_COPYRIGHT, DEBIAN_GO_MOD, DEBIAN_CARGO_TOML))


def skipped_dir(parts: tuple[str, ...] | list[str]) -> bool:
    """True when a path lies in a VCS folder or in a ``node_modules`` below the root."""
    return any(p in SKIP_DIRS for p in parts) or "node_modules" in parts


def is_meta_candidate(rel: str) -> bool:
    """Files read for name/version/license: root metadata, root license files, dist-info,
    Debian's copyright file and a Debian Go package's go.mod or Rust package's Cargo.toml."""
    if is_debian_meta(rel):
        return True
    parts = rel.split("/")
    base = parts[-1]
    if len(parts) == 1:
        return base in META_NAMES or bool(LICENSE_NAME.match(base))
    if not parts[0].endswith(".dist-info"):
        return False
    if len(parts) == 2:
        return base == "METADATA" or bool(LICENSE_NAME.match(base))
    return len(parts) == 3 and parts[1] == "licenses"


def shared_tail(a: str, b: str) -> int:
    """How many path components ``a`` and ``b`` end with alike (``x/y/z.rs``, ``w/y/z.rs``: 2)."""
    n = 0
    for x, y in zip(reversed(a.split("/")), reversed(b.split("/")), strict=False):
        if x != y:
            break
        n += 1
    return n


# Folders that hold other projects' code inside a package (a vendored or bundled copy).
VENDOR_DIRS = frozenset(
    {
        "vendor", "_vendor", "vendored", "_vendored", "_vendored_packages", "third_party",
        "third-party", "thirdparty", "3rdparty", "extern", "external", "deps", "node_modules",
        "bundled", "_bundled",
    }
)  # fmt: skip


def is_vendored(path: str) -> bool:
    """Whether ``path`` lies in a folder that holds another project's copy (``VENDOR_DIRS``)."""
    return not VENDOR_DIRS.isdisjoint(path.split("/")[:-1])


def source_likelihood(scanned: str, source: str) -> tuple[bool, int]:
    """How likely, of equally good matches, the indexed file at ``source`` is where the scanned
    file at ``scanned`` came from (higher: likelier): an original before another package's
    vendored copy of it, then the path that ends most like the scanned one's."""
    return not is_vendored(source), shared_tail(scanned, source)

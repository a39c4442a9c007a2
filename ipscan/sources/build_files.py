"""The project names that build files at a project's root declare, for projects with no package
manifest: CMake's and Meson's ``project()``, Maven's ``pom.xml`` (its ``name`` and
``artifactId``), Gradle's ``rootProject.name``.

These name the project itself (``project(leveldb VERSION 1.23.0 ...)``, ``<name>Apache Commons
Lang</name>``), as the index names C, C++ and Java sources after their upstream, so a maintainer
of such a project is not shown their own code as copied from its release. The files are read
as text, never run; a name built from a variable (``${PROJECT_NAME}``) is not read. ``pom.xml``
is parsed with defusedxml, which refuses document type declarations and entities, so a hostile
file cannot expand itself or reach outside.
"""

from __future__ import annotations

import re

# The files read, at a project's root.
BUILD_FILES = frozenset(
    {"CMakeLists.txt", "meson.build", "pom.xml", "settings.gradle", "settings.gradle.kts"}
)

# CMake commands are case-insensitive; a name is one argument, quoted ("Mbed TLS") or not. A
# line commented out (``# project(x)``) does not start with the command.
_CMAKE = re.compile(
    r'^[ \t]*project[ \t]*\([ \t\r\n]*(?:"([^"$]+)"|([A-Za-z0-9_.+-]+))',
    re.IGNORECASE | re.MULTILINE,
)
_MESON = re.compile(r"^[ \t]*project[ \t]*\([ \t\r\n]*'([^'$]+)'", re.MULTILINE)
_GRADLE = re.compile(r"""^[ \t]*rootProject\.name[ \t]*=[ \t]*["']([^"'$]+)["']""", re.MULTILINE)


def build_file_names(files: dict[str, bytes]) -> tuple[str, ...]:
    """The names the build files among ``files`` (root-relative path -> bytes) declare: CMake's,
    Meson's, Gradle's, then the POM's, without repeats."""
    names: list[str] = []
    for path, pattern in (
        ("CMakeLists.txt", _CMAKE),
        ("meson.build", _MESON),
        ("settings.gradle", _GRADLE),
        ("settings.gradle.kts", _GRADLE),
    ):
        if path in files:
            found = pattern.search(files[path].decode("utf-8", errors="replace"))
            if found:
                names.append(next(g for g in found.groups() if g))
    if "pom.xml" in files:
        names.extend(_maven_names(files["pom.xml"]))
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _maven_names(data: bytes) -> list[str]:
    """The ``name`` and ``artifactId`` of a POM's own project (not its parent's)."""
    import xml.etree.ElementTree as ET  # an XML parser: only for a project that has a POM

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        return []
    if _local(root.tag) != "project":
        return []
    out = []
    for child in root:
        text = (child.text or "").strip()
        if _local(child.tag) in ("name", "artifactId") and text and "${" not in text:
            out.append(text)
    return out


def _local(tag: object) -> str:
    """An XML tag without its namespace (``{http://maven.apache.org/POM/4.0.0}name``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

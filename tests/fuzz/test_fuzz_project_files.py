"""Fuzz the readers of a scanned project's own files: setup.cfg, setup.py (read as a syntax tree,
never run), CMakeLists.txt, meson.build, pom.xml and Gradle settings. Any bytes give a tuple of
names (``own_package_names``) and a license or None, never an exception and never a hang.

Inputs are fragments of each format spliced together (sections, ``setup(`` calls, ``project(``
commands, XML with document types and entities), deep nesting, and raw bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.licensing.project import own_package_names
from ipscan.licensing.project import project_license
from ipscan.sources.build_files import BUILD_FILES
from tests.fuzz.support import NASTY_BYTES
from tests.fuzz.support import hard_limit

_FILES = sorted({"setup.cfg", "setup.py", *BUILD_FILES})
_FRAGMENTS = st.sampled_from(
    [
        b"[metadata]\n",
        b"name = ",
        b"license = MIT\n",
        b"version = attr: x.__version__\n",
        b"setup(",
        b"name=",
        b"'pkg'",
        b'"pkg"',
        b", license='BSD')",
        b"**settings)",
        b"project(",
        b'"Mbed TLS"',
        b"${NAME}",
        b" VERSION 1.0)\n",
        b"rootProject.name = ",
        b"<?xml version='1.0'?>",
        b"<!DOCTYPE p [<!ENTITY e 'x'>]>",
        b"<!ENTITY f SYSTEM 'file:///etc/passwd'>",
        b"<project xmlns='http://maven.apache.org/POM/4.0.0'>",
        b"<artifactId>",
        b"</artifactId>",
        b"<name>&e;</name>",
        b"</project>",
        b"(" * 300,
        b"<a>" * 300,
        b"\n",
        b"#",
        b"\\",
    ]
)
_CONTENT = st.one_of(
    st.lists(st.one_of(_FRAGMENTS, NASTY_BYTES, st.binary(max_size=20)), max_size=25).map(b"".join),
    st.binary(max_size=200),
)


@given(files=st.dictionaries(st.sampled_from(_FILES), _CONTENT, min_size=1, max_size=4))
@example(files={"pom.xml": b"<!DOCTYPE p [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;'>]>"})
@example(files={"setup.py": b"setup(name=" + b"(" * 5000 + b"'x'" + b")" * 5000})
@example(files={"setup.cfg": b"\xff\xfe[metadata]\nname = x\n"})
def test_project_files(scratch: Path, files: dict[str, bytes]) -> None:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with hard_limit():
        names = own_package_names([folder])
        license_ = project_license(folder)
    assert isinstance(names, tuple) and all(isinstance(n, str) and n for n in names)
    assert license_ is None or isinstance(license_, str)
    shutil.rmtree(folder, ignore_errors=True)

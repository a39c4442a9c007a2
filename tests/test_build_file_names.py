"""Project names from build files (ipscan.sources.build_files): a C, C++ or Java project with no
package manifest is named by its CMake, Meson, Maven or Gradle file, as the index names its
upstream, so its maintainers are not shown their own code as copied."""

from __future__ import annotations

from pathlib import Path

from ipscan.licensing.project import own_package_names
from ipscan.sources.build_files import build_file_names

# Cut down from commons-io 2.11.0's pom.xml: the parent's artifactId comes first.
COMMONS_IO_POM = b"""<?xml version="1.0"?>
<!-- Licensed to the Apache Software Foundation (ASF) under one or more ... -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <parent>
    <groupId>org.apache.commons</groupId>
    <artifactId>commons-parent</artifactId>
    <version>52</version>
  </parent>
  <modelVersion>4.0.0</modelVersion>
  <groupId>commons-io</groupId>
  <artifactId>commons-io</artifactId>
  <version>2.11.0</version>
  <name>Apache Commons IO</name>
  <dependencies><dependency><artifactId>junit-jupiter</artifactId></dependency></dependencies>
</project>
"""

# Cut down from mbedtls 2.28.3's and LevelDB 1.23's CMakeLists.txt.
MBEDTLS_CMAKE = b"""# project(not-this-one)
cmake_minimum_required(VERSION 2.8.12)
cmake_policy(SET CMP0012 NEW)

if(TEST_CPP)
    project("mbed TLS" C CXX)
else()
    project("mbed TLS" C)
endif()
"""
LEVELDB_CMAKE = b"""cmake_minimum_required(VERSION 3.9)
# Keep the version below in sync with the one in db.h
project(leveldb VERSION 1.23.0 LANGUAGES C CXX)
"""


def test_build_files_name_the_project() -> None:
    assert build_file_names({"pom.xml": COMMONS_IO_POM}) == ("commons-io", "Apache Commons IO")
    assert build_file_names({"CMakeLists.txt": MBEDTLS_CMAKE}) == ("mbed TLS",)
    assert build_file_names({"CMakeLists.txt": LEVELDB_CMAKE}) == ("leveldb",)
    assert build_file_names({"CMakeLists.txt": b"PROJECT(YAML_CPP VERSION 0.7.0)\n"}) == (
        "YAML_CPP",
    )
    meson = b"project('glib', 'c', version : '2.74.6',\n  meson_version : '>= 0.60.0')\n"
    assert build_file_names({"meson.build": meson}) == ("glib",)
    gradle = b'pluginManagement {}\nrootProject.name = "okhttp-parent"\ninclude(":okhttp")\n'
    assert build_file_names({"settings.gradle.kts": gradle}) == ("okhttp-parent",)
    # A name built from a variable, or none at all, names nothing.
    assert build_file_names({"CMakeLists.txt": b"project(${NAME} C)\n"}) == ()
    pom = b"<project><artifactId>${project.name}</artifactId></project>"
    assert build_file_names({"pom.xml": pom, "CMakeLists.txt": b"add_library(x x.c)\n"}) == ()


def test_hostile_poms_name_nothing() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]><project><name>&lol9;</name></project>"
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<project><name>&x;</name></project>"
    )
    for data in (laughs, external, b"<project><name>unclosed", b"\xff\xfe<", b"<a>" * 100_000):
        assert build_file_names({"pom.xml": data}) == ()


def test_the_repository_root_build_file_names_the_project(tmp_path: Path) -> None:
    root = tmp_path / "leveldb"
    (root / "third_party" / "googletest").mkdir(parents=True)
    (root / "CMakeLists.txt").write_bytes(LEVELDB_CMAKE)
    (root / "third_party" / "googletest" / "CMakeLists.txt").write_bytes(
        b"project(googletest-distribution)\n"
    )
    assert own_package_names([root]) == ("leveldb",)
    # A vendored folder's build file is not the project's.
    assert own_package_names([root / "third_party" / "googletest", root]) == ("leveldb",)
    # A package manifest and a build file both name it: both names are the project's.
    (root / "package.json").write_text('{"name": "leveldb-wasm"}')
    assert own_package_names([root]) == ("leveldb-wasm", "leveldb")

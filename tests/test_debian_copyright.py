"""Debian's machine-readable copyright files (DEP-5): real ones, trimmed, as Debian ships them.

The fixtures are stanzas of the copyright files of Debian 12's golang-golang-x-net-dev
(0.7.0+dfsg-1) and libzstd-dev (1.5.4+dfsg2-5+deb12u1), with their license texts shortened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ipscan.licensing import file_license
from ipscan.licensing.debian_names import dep5_license
from ipscan.sources import open_source
from ipscan.sources.debian_copyright import read_copyright
from tests.conftest import write_files

X_NET = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Source: https://go.googlesource.com/net/
Comment: https://github.com/golang/net
Upstream-Name: golang.org/x/net
Files-Excluded: http2/testdata/draft-ietf-httpbis-http2.xml

Files: *
Copyright: 2011-2016 The Go Authors
License: BSD-3-Clause

Files: debian/*
Copyright: 2013 Jonathan Dray <jonathan.dray@gmail.com>
           2015 Martín Ferrari <tincho@debian.org>
License: BSD-3-Clause

Files: html/testdata/go1.html
Copyright: 2012 The Go Authors. All rights reserved.
License: CC-BY-3.0
Comment:
 Except as noted, the content of this page is licensed under the Creative
 Commons Attribution 3.0 License

Files: html/testdata/webkit/*
Copyright: 2009 Apple Inc. All rights reserved.
License: BSD-2-Clause

Files: html/charset/testdata/*
Copyright: 2009-2014 World Wide Web Consortium, (MIT, ERCIM, Keio, Beihang).
License: W3C

License: BSD-3-Clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that the following conditions are
 met:
"""

ZSTD = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Zstd
Source: https://github.com/facebook/zstd
Files-Excluded: appveyor.yml

Files: *
Copyright: Yann Collet
\t   Przemyslaw Skibinski
\t   Meta Platforms, Inc. and affiliates
License: BSD-3-clause or GPL-2
Comment: Starting from 1.3.1 zstd's patent claim is removed

Files: zlibWrapper/gz*.c
Copyright: (C) 2004, 2005, 2010, 2011, 2012, 2013 Mark Adler
License: zlib

Files: lib/dictBuilder/divsufsort.*
Copyright: 2003-2008, Yuta Mori
License: Expat

Files: debian/*
Copyright:
 2015-2016 Kevin Murray <spam@kdmurray.id.au>
 2022-2023 Peter Pentchev <roam@debian.org>
License: Expat

License: GPL-2
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License, v2, as
 published by the Free Software Foundation
"""

# The header of golang.org/x/net/html/parse.go: it points to a LICENSE file Debian leaves out.
GO_HEADER = """\
// Copyright 2010 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package html

import (
\t"errors"
\t"fmt"
)
"""


@pytest.mark.parametrize(
    ("short", "spdx"),
    [
        ("BSD-3-clause", "BSD-3-Clause"),
        ("Expat", "MIT"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPL-2", "GPL-2.0-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("Apache-2.0", "Apache-2.0"),
        ("zlib", "Zlib"),
        ("public-domain", "LicenseRef-public-domain"),
        ("Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
        ("BSD-3-clause or GPL-2", "BSD-3-Clause OR GPL-2.0-only"),
        # The spec's example: a comma makes "and" bind last.
        (
            "GPL-2+ or Artistic-2.0, and BSD-3-clause",
            "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause",
        ),
        ("GPL-2+ with OpenSSL exception", "GPL-2.0-or-later"),
        ("Google-Patent-Grant", "LicenseRef-Debian-Google-Patent-Grant"),
    ],
)
def test_dep5_short_names_to_spdx(short: str, spdx: str) -> None:
    assert dep5_license(short) == spdx


def test_last_matching_stanza_wins() -> None:
    dep5 = read_copyright(X_NET.encode())
    assert dep5 is not None
    assert dep5.license_for("html/parse.go") == "BSD-3-Clause"
    assert dep5.license_for("html/testdata/webkit/adoption01.dat") == "BSD-2-Clause"
    assert dep5.license_for("html/testdata/go1.html") == "CC-BY-3.0"
    assert dep5.license_for("html/charset/testdata/UTF-16BE-BOM.html") == "W3C"
    assert dep5.whole is not None and dep5.whole.license == "BSD-3-Clause"
    assert dep5.upstream_name == "golang.org/x/net"


def test_patterns_follow_the_spec() -> None:
    dep5 = read_copyright(ZSTD.encode())
    assert dep5 is not None
    assert dep5.license_for("lib/compress/zstd_compress.c") == "BSD-3-Clause OR GPL-2.0-only"
    assert dep5.license_for("zlibWrapper/gzlib.c") == "Zlib"
    assert dep5.license_for("zlibWrapper/zstd_zlibwrapper.c") == "BSD-3-Clause OR GPL-2.0-only"
    # "*" crosses folders, "." is literal.
    assert dep5.license_for("lib/dictBuilder/divsufsort.h") == "MIT"
    assert dep5.license_for("lib/dictBuilder/divsufsortXh") == "BSD-3-Clause OR GPL-2.0-only"
    assert dep5.license_for("debian/rules") == "MIT"
    assert dep5.whole is not None
    assert dep5.whole.copyright[0] == "Copyright Yann Collet"
    assert "Copyright Meta Platforms, Inc. and affiliates" in dep5.whole.copyright


def test_a_copyright_file_that_is_not_machine_readable_gives_nothing() -> None:
    old_style = b"This package was debianized by Jane.\n\nCopyright: 2001 Jane\nLicense: GPL\n"
    assert read_copyright(old_style) is None


def test_many_stars_do_not_make_matching_slow() -> None:
    hostile = X_NET.replace("Files: html/testdata/go1.html", "Files: " + "*a" * 2000 + "b")
    dep5 = read_copyright(hostile.encode())
    assert dep5 is not None
    assert dep5.license_for("a" * 300) == "BSD-3-Clause"


def _debian_binary_package(root: Path) -> Path:
    """golang-golang-x-net-dev as ``dpkg-deb -x`` lays it out (two of its files)."""
    pkg = root / "golang-golang-x-net-dev"
    doc = pkg / "usr/share/doc/golang-golang-x-net-dev"
    src = pkg / "usr/share/gocode/src/golang.org/x/net"
    (src / "html/testdata/webkit").mkdir(parents=True)
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(X_NET)
    (src / "go.mod").write_text("module golang.org/x/net\n\ngo 1.17\n")
    (src / "html/parse.go").write_text(GO_HEADER)
    (src / "html/testdata/webkit/x.go").write_text(GO_HEADER)
    return pkg


def test_a_debian_go_package_without_a_license_file(tmp_path: Path) -> None:
    pkg = _debian_binary_package(tmp_path)
    with open_source(str(pkg)) as (info, entries):
        files = {e.path: e.data.decode() for e in entries}
    assert info.name == "golang.org/x/net"
    assert info.license == "BSD-3-Clause"
    assert info.copyright == ("Copyright 2011-2016 The Go Authors",)
    src = "usr/share/gocode/src/golang.org/x/net/"
    # The header points to a LICENSE file that is not there: the copyright file says which.
    parse = src + "html/parse.go"
    assert file_license(files[parse], info.default_license_for(parse)) == "BSD-3-Clause"
    webkit = src + "html/testdata/webkit/x.go"
    assert file_license(files[webkit], info.default_license_for(webkit)) == "BSD-2-Clause"
    assert file_license(GO_HEADER, "NOASSERTION") == "LicenseRef-BSD-unknown-variant"


def test_a_debian_source_package(tmp_path: Path) -> None:
    pkg = tmp_path / "zstd-1.5.4+dfsg2"
    (pkg / "debian").mkdir(parents=True)
    (pkg / "lib/dictBuilder").mkdir(parents=True)
    (pkg / "debian/copyright").write_text(ZSTD)
    (pkg / "lib/dictBuilder/divsufsort.c").write_text("int divsufsort(void);\n")
    with open_source(str(pkg)) as (info, _):
        pass
    assert (info.name, info.version) == ("Zstd", "1.5.4+dfsg2")
    assert info.license == "BSD-3-Clause OR GPL-2.0-only"
    assert info.default_license_for("lib/dictBuilder/divsufsort.c") == "MIT"
    assert info.default_license_for("lib/zstd.h") == "BSD-3-Clause OR GPL-2.0-only"
    assert "file_licenses" not in info.stored()


def test_the_index_records_each_files_debian_license(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    from ipscan.index.build import build_index
    from ipscan.index.reader import IndexReader

    pkg = _debian_binary_package(tmp_path)
    body = "".join(
        f"\nfunc helper{i}(values []int, limit int) int {{\n\ttotal := 0\n"
        f"\tfor _, v := range values {{\n\t\tif v > limit {{\n\t\t\ttotal += v * {i}\n\t\t}}\n"
        f"\t}}\n\treturn total\n}}\n"
        for i in range(3)
    )
    src = pkg / "usr/share/gocode/src/golang.org/x/net"
    for rel in ("html/parse.go", "html/testdata/webkit/x.go"):
        (src / rel).write_text(GO_HEADER + body)
    index_dir = tmp_path / "index"
    build_index([str(pkg)], index_dir, encoder, encoder.encode)
    with IndexReader(index_dir) as reader:
        licenses = {f["path"].split("/net/")[1]: f["license"] for f in reader.contents().files}
    assert licenses == {
        "html/parse.go": "BSD-3-Clause",
        "html/testdata/webkit/x.go": "BSD-2-Clause",
    }


# The first paragraph of yaml-cpp's copyright file (Debian 12, 0.7.0+dfsg-8): Debian names the
# text "X11", but it is the MIT text with "X CONSORTIUM" in the liability clause and no
# advertising clause (upstream's LICENSE calls it MIT).
YAML_CPP = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: yaml-cpp
Source: https://github.com/jbeder/yaml-cpp
Files-Excluded: test/gtest-1.10.0

Files: *
Copyright: 2008 Jesse Beder <jbeder@gmail.com>
License: X11
 Permission is hereby granted, free of charge, to any person obtaining a
 copy of this software and associated documentation files (the "Software"),
 to deal in the Software without restriction, including without limitation
 the rights to use, copy, modify, merge, publish, distribute, sublicense,
 and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included
 in all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
 OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
 MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
 IN NO EVENT SHALL THE X CONSORTIUM BE LIABLE FOR ANY CLAIM, DAMAGES OR
 OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
 ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
 OTHER DEALINGS IN THE SOFTWARE.
"""

# readline's (Debian 12, 8.2-1.3), its first paragraph.
READLINE = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Readline
Source: http://ftp.gnu.org/gnu/readline/

Files: *
Copyright:
    Copyright (C) 1987-2022 Free Software Foundation, Inc.
License: GPL-3+
    Readline is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.
"""

# The heads of the FSF's license texts, as the two packages ship them in COPYING.
GPL2_HEAD = """\
                    GNU GENERAL PUBLIC LICENSE
                       Version 2, June 1991

 Copyright (C) 1989, 1991 Free Software Foundation, Inc.,
 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.
"""
GPL3_HEAD = """\
                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <http://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.
"""

# zstd's LICENSE (1.5.4).
ZSTD_LICENSE = """\
BSD License

For Zstandard software

Copyright (c) Meta Platforms, Inc. and affiliates. All rights reserved.

Redistribution and use in source and binary forms, with or without modification,
are permitted provided that the following conditions are met:

 * Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

 * Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

 * Neither the name Facebook, nor Meta, nor the names of its contributors may
   be used to endorse or promote products derived from this software without
   specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
(INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


def test_the_text_a_copyright_file_gives_a_name_wins_over_the_name(tmp_path: Path) -> None:
    dep5 = read_copyright(YAML_CPP.encode())
    assert dep5 is not None
    assert dep5.license_for("src/parse.cpp") == "MIT"
    # A name Debian uses as SPDX does, with its own text, stays what it says.
    assert dep5_license("BSD-3-clause", {"bsd-3-clause": "BSD-3-Clause"}) == "BSD-3-Clause"
    assert dep5_license("ISC", {"isc": "ISC"}) == "ISC"
    # Without a text, or with one read as an expression, the name is all there is.
    assert dep5_license("X11") == "X11"
    assert dep5_license("X11", {"x11": "MIT AND BSD-3-Clause"}) == "X11"


@pytest.mark.parametrize(
    ("folder", "files", "package", "a_file"),
    [
        # LICENSE + COPYING read alone as "GPL-2.0-only AND BSD-3-Clause"; Debian says "or",
        # as zstd's headers do.
        (
            "zstd-1.5.4+dfsg2",
            {"LICENSE": ZSTD_LICENSE, "COPYING": GPL2_HEAD, "debian/copyright": ZSTD},
            "BSD-3-Clause OR GPL-2.0-only",
            "BSD-3-Clause OR GPL-2.0-only",
        ),
        # The bare GPL-3 text reads as "-only"; Debian (and readline's headers) say "or later".
        (
            "readline-8.2",
            {"COPYING": GPL3_HEAD, "debian/copyright": READLINE},
            "GPL-3.0-or-later",
            "GPL-3.0-or-later",
        ),
        # Debian's name for the text is not upstream's: the LICENSE file and the text agree.
        (
            "yaml-cpp-0.7.0+dfsg",
            {
                "LICENSE": YAML_CPP.split("License: X11\n")[1].replace("\n .\n", "\n\n"),
                "debian/copyright": YAML_CPP,
            },
            "MIT",
            "MIT",
        ),
    ],
)
def test_a_source_packages_license_as_its_copyright_file_gives_it(
    tmp_path: Path, folder: str, files: dict[str, str], package: str, a_file: str
) -> None:
    root = write_files(tmp_path / folder, files)
    with open_source(str(root)) as (info, _):
        pass
    assert info.license == package
    assert info.default_license_for("lib/a.c") == a_file


def test_a_copyright_file_naming_other_licenses_does_not_replace_the_license_files(
    tmp_path: Path,
) -> None:
    # Debian's paragraph for the whole package names MIT; the package's own text is BSD-3:
    # not the same grant read two ways, so the package's own license file stays.
    other = YAML_CPP.replace("yaml-cpp", "other")
    root = write_files(tmp_path / "other-1.0", {"LICENSE": ZSTD_LICENSE, "debian/copyright": other})
    with open_source(str(root)) as (info, _):
        pass
    assert info.license == "BSD-3-Clause"

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

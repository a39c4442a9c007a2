"""Building and extending an index from real sources, and `ipscan index info`."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.errors import UsageError
from ipscan.index import default
from ipscan.index.build import build_index
from ipscan.index.reader import IndexReader
from tests.conftest import TinyIndexBuild
from tests.conftest import git
from tests.conftest import init_repo
from tests.conftest import installed_file
from tests.conftest import run_cli


def test_extending_an_index_embeds_only_new_units(tiny_index_build: TinyIndexBuild) -> None:
    b = tiny_index_build
    assert b.first.units_added == len(b.first_texts) > 20
    assert any("already indexed" in s for s in b.second.skipped)
    assert b.second.units_added == len(b.second_texts) > 20
    assert b.second.total_units == b.first.units_added + b.second.units_added
    after = IndexReader(b.index_dir)
    assert [s["name"] for s in after.sources] == ["click", "packaging"]
    assert np.allclose(after.contents().vectors[: len(b.first_vectors)], b.first_vectors)
    assert len(after.segments) == 2  # the second build added a segment, rewrote nothing
    licenses = {f["path"].split("/")[1]: f["license"] for f in after.contents().files}
    assert licenses == {"click": "BSD-3-Clause", "packaging": "Apache-2.0 OR BSD-2-Clause"}


def test_git_url_source_at_a_revision(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    text = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    work = init_repo(tmp_path / "work", {"fmt.py": text, "LICENSE": _mit()})
    first = git(work, "rev-parse", "HEAD").strip()
    (work / "fmt.py").write_text("x = 1\n")
    git(work, "commit", "-qam", "empty it")
    bare = tmp_path / "lib.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    idx = tmp_path / "idx"
    summary = build_index(
        [f"file://{bare}"], idx, encoder, encoder.encode, rev=first, include=["*.py"]
    )
    assert summary.units_added > 5  # the first commit's file, not the emptied one
    reader = IndexReader(idx)
    assert reader.sources[0]["kind"] == "git-url"
    assert reader.files[0]["license"] == "MIT"


def test_index_info_cli(tiny_index: Path) -> None:
    res = run_cli("index", "info", str(tiny_index), "--format", "json")
    info = json.loads(res.stdout)
    assert info["format"] == "ipscan-index/2" and info["segments"] == 2
    assert {s["name"] for s in info["sources"]} == {"click", "packaging"}
    assert info["counts"]["units"] == sum(s["units"] for s in info["sources"])
    text = run_cli("index", "info", str(tiny_index)).stdout
    assert "click" in text and "BSD-3-Clause" in text
    # A build of this ipscan records tiny files (one-line modules) for claims beside copies.
    assert info["tiny_files"] is True and "tiny files' digests: yes" in text


def _mit() -> str:
    return (
        "MIT License\n\nCopyright (c) 2024 Example\n\n"
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
        'software and associated documentation files (the "Software"), to deal in the Software '
        "without restriction, including without limitation the rights to use, copy, modify, "
        "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to "
        "permit persons to whom the Software is furnished to do so, subject to the following "
        "conditions:\n\nThe above copyright notice and this permission notice shall be included "
        "in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "
        '"AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED '
        "TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
        "NONINFRINGEMENT.\n"
    )


def test_files_take_the_own_license_when_metadata_also_lists_bundled_ones(
    tmp_path: Path,
    encoder,  # type: ignore[no-untyped-def]
) -> None:
    # numpy's metadata declares its bundled libraries' licenses too; its LICENSE.txt (and a
    # file without a header of its own) is BSD-3-Clause.
    root = tmp_path / "lib-1.0"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "lib"\nversion = "1.0"\nlicense = "BSD-3-Clause AND MIT"\n'
    )
    click = importlib.metadata.version("click")
    license_file = installed_file("click", f"click-{click}.dist-info/licenses/LICENSE.txt")
    (root / "LICENSE.txt").write_bytes(license_file.read_bytes())
    (root / "LICENSES_bundled.txt").write_text("lib bundles tinylib, under the MIT license.\n")
    text = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    (root / "fmt.py").write_text(text)
    build_index([str(root)], tmp_path / "idx", encoder, encoder.encode, origin="pypi:lib-1.0")
    reader = IndexReader(tmp_path / "idx")
    assert reader.sources[0]["origin"] == "pypi:lib-1.0"
    assert reader.sources[0]["license"] == "BSD-3-Clause AND MIT"
    assert "own_license" not in reader.sources[0]
    assert reader.files[0]["license"] == "BSD-3-Clause"


def test_an_extensionless_script_is_indexed_by_its_shebang(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    text = installed_file("click", "click/formatting.py").read_text(encoding="utf-8")
    src = tmp_path / "tool"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "fmt").write_text("#!/usr/bin/env python3\n" + text)
    (src / "bin" / "run").write_text("#!/bin/sh\necho hi\n")
    build_index([str(src)], tmp_path / "idx", encoder, encoder.encode)
    with IndexReader(tmp_path / "idx") as reader:
        assert [f["path"] for f in reader.files] == ["bin/fmt"]
        assert len(reader.units) > 5


def test_build_default_replaces_only_an_index_and_keeps_readers_working(
    tmp_path: Path, encoder, source_archives: dict[str, Path], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`index build-default --index DIR` never deletes a user's folder, and a scan open on the
    old index keeps working while the rebuilt one goes live (the download is the one step
    replaced here: the archive comes from the test's own sdist instead of the registry)."""

    pinned = default.PinnedSource("pypi", "click", "0", "", (), ())
    monkeypatch.setattr(default, "pinned_sources", lambda: [pinned])
    monkeypatch.setattr(default, "fetch", lambda _s, _d: source_archives["click"])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not an ipscan index"):
        default.build_default(mine, encoder, encoder.encode, lambda _m: None)
    assert (mine / "notes.txt").read_text() == "keep me"
    target = tmp_path / "idx"
    default.build_default(target, encoder, encoder.encode, lambda _m: None)
    with IndexReader(target) as old:
        default.build_default(target, encoder, encoder.encode, lambda _m: None)
        assert old.faiss_index.ntotal == len(old.units) > 20
        assert len(old.unit_names) == len(old.units)
    with IndexReader(target) as new:
        assert new.gen_dir != old.gen_dir and len(new.units) == len(old.units)


def test_build_default_into_a_pack_file_writes_the_pack_a_scan_unpacks(
    tmp_path: Path, source_archives: dict[str, Path], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`index build-default --index X.ipack` (and, without --index, the shipped
    default_index.ipack) builds in a temporary folder and writes one pack file."""
    from click.testing import CliRunner

    from ipscan.cli import main
    from ipscan.index.pack import unpack_index

    pinned = default.PinnedSource("pypi", "click", "0", "", (), ())
    monkeypatch.setattr(default, "pinned_sources", lambda: [pinned])
    monkeypatch.setattr(default, "fetch", lambda _s, _d: source_archives["click"])
    out = tmp_path / "default.ipack"
    res = CliRunner().invoke(main, ["index", "build-default", "--index", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and [p.name for p in tmp_path.iterdir()] == [out.name]
    with IndexReader(unpack_index(out, tmp_path / "cache")) as reader:
        assert [s["name"] for s in reader.sources] == ["click"] and len(reader.units) > 20

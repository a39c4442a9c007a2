"""Ecosystem idioms counted from the shipped default index (``ipscan.match.idiom_census``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ipscan.errors import IpscanIndexError
from ipscan.index.build import build_index
from ipscan.index.open import open_index
from ipscan.match import idiom_census
from ipscan.match.idiom_census import idiom_postings
from ipscan.match.idiom_census import open_census
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from ipscan.tuning import IDIOM_PACKAGES
from tests.conftest import init_repo

# serde's visitor boilerplate, written for this test around a type of its own: the indexed
# crate's for a gauge reading, the scanned project's for a log level. Many crates of the default
# index hold the same lines (serde_json, semver, toml, chrono, ...).
GAUGE = """\
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// A gauge reading from 0 to 100.
pub struct Gauge(u8);

impl<'de> Deserialize<'de> for Gauge {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        struct GaugeVisitor;

        impl<'de> Visitor<'de> for GaugeVisitor {
            type Value = Gauge;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a gauge reading")
            }

            fn visit_u64<E>(self, value: u64) -> Result<Gauge, E>
            where
                E: de::Error,
            {
                if value > 100 {
                    return Err(E::custom("a gauge reads at most 100"));
                }
                Ok(Gauge(value as u8))
            }
        }

        deserializer.deserialize_u64(GaugeVisitor)
    }
}
"""

LEVEL = """\
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// A log level, by name.
pub enum Level {
    Quiet,
    Loud,
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        struct LevelVisitor;

        impl<'de> Visitor<'de> for LevelVisitor {
            type Value = Level;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a log level")
            }

            fn visit_str<E>(self, name: &str) -> Result<Level, E>
            where
                E: de::Error,
            {
                match name {
                    "quiet" => Ok(Level::Quiet),
                    "loud" => Ok(Level::Loud),
                    other => Err(E::unknown_variant(other, &["quiet", "loud"])),
                }
            }
        }

        deserializer.deserialize_str(LevelVisitor)
    }
}
"""


def _gauge_index(tmp_path: Path, encoder: Any, name: str = "gauge") -> Path:
    src = tmp_path / name
    (src / "src").mkdir(parents=True)
    (src / "src" / "lib.rs").write_text(GAUGE, encoding="utf-8")
    manifest = f'[package]\nname = "{name}"\nversion = "0.3.1"\nlicense = "MIT"\n'
    (src / "Cargo.toml").write_text(manifest, encoding="utf-8")
    index_dir = tmp_path / "idx"
    build_index([str(src)], index_dir, encoder, encoder.encode)
    return index_dir


def test_an_idiom_many_default_packages_hold_is_no_copy_of_a_small_index(
    tmp_path: Path, encoder: Any
) -> None:
    index_dir = _gauge_index(tmp_path, encoder)
    repo = init_repo(tmp_path / "app", {"src/level.rs": LEVEL})
    options = ScanOptions(index_dir=index_dir, embeddings=False)
    assert scan_repo(repo, options).findings == ()
    # Without the census, the one crate that holds the idiom makes it look rare: a "copy".
    alone = scan_repo(repo, replace(options, idiom_census=False)).findings
    assert [(f.path, f.source.package) for f in alone] == [("src/level.rs", "gauge")]


def test_the_census_counts_only_for_another_index_made_the_same_way(
    tmp_path: Path, encoder: Any
) -> None:
    default = open_index(None)
    assert open_census(default, None) is None  # the default index itself
    # An index of a crate named like one of the default index's: that package is not counted
    # (semver's own code is not an idiom in a scan of an index of semver); the others are.
    reader = open_index(_gauge_index(tmp_path, encoder, "semver"))
    census = open_census(reader, reader.index_dir)
    assert census is not None
    for part in census.segments:
        names = [str(s["name"]) for s in part.seg.sources]
        source = np.array([int(f["source"]) for f in part.seg.files])
        own = np.isin(source, [i for i, n in enumerate(names) if n == "semver"])
        assert own.any()
        assert (part.file_package[own] == -1).all()
        assert (part.file_package[~own] >= 0).all()


def test_idiom_postings_count_only_hashes_of_enough_packages() -> None:
    n = IDIOM_PACKAGES
    # Hash 5 in one file of each of n packages; hash 7 n times in one package's file.
    column = np.array([5] * n + [7] * n, dtype=np.uint64)
    owners = np.array(list(range(n)) + [0] * n, dtype=np.int64)
    package_of = np.arange(n, dtype=np.int64)
    hashes = np.array([5, 7, 9], dtype=np.uint64)
    assert idiom_postings(hashes, column, package_of, owners).tolist() == [n, 0, 0]
    # One of the packages is the scanned index's own: too few left.
    package_of[0] = -1
    assert idiom_postings(hashes, column, package_of, owners).tolist() == [0, 0, 0]


def test_a_default_index_that_cannot_be_read_only_turns_the_census_off(
    tmp_path: Path, encoder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = _gauge_index(tmp_path, encoder)
    reader = open_index(index_dir)

    def unreadable(where: Path | None, announce: bool = False) -> None:
        raise IpscanIndexError("the default index is missing from this installation")

    monkeypatch.setattr(idiom_census, "open_index", unreadable)
    assert open_census(reader, index_dir) is None
    repo = init_repo(tmp_path / "app", {"src/level.rs": LEVEL})
    found = scan_repo(repo, ScanOptions(index_dir=index_dir, embeddings=False)).findings
    assert [(f.path, f.source.package) for f in found] == [("src/level.rs", "gauge")]

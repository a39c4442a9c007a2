"""Detection end to end in every language ipscan claims: index real code, copy one function with
some identifiers renamed into a git repository, scan it, and find the source file and lines.

Python, JavaScript, C and C++ come from installed packages (packaging: Apache-2.0 OR
BSD-2-Clause; torch's model_dump viewer and AOTInductor runtime: BSD-3-Clause; markupsafe's C
speedups: BSD-3-Clause). No TypeScript, Java, Go or Rust source ships with a dependency (the JDK,
Go and Rust sources some machines have are not there on a bare CI runner), so those are small
realistic files written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from ipscan.extract.languages import LANGUAGES
from ipscan.extract.languages import language_for_path
from ipscan.index.build import build_index
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file

TYPESCRIPT = """\
// SPDX-License-Identifier: MIT
// Copyright (c) 2024 The tiny-cache authors

export interface Entry<V> {
  value: V;
  expires: number;
}

export class LruCache<V> {
  private entries = new Map<string, Entry<V>>();

  constructor(private readonly capacity: number, private readonly ttlMs: number) {}

  get(key: string, now: number = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, now: number = Date.now()): void {
    if (this.entries.has(key)) {
      this.entries.delete(key);
    }
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) {
        break;
      }
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }
}

export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  const pattern = /(\\d+(?:\\.\\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    total += parseFloat(match[1]) * units[match[2]];
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.replace(/\\s+/g, "").length) {
    throw new Error(`invalid duration: ${text}`);
  }
  return Math.round(total);
}
"""

JAVA = """\
// SPDX-License-Identifier: Apache-2.0
// Copyright 2023 The text-tools contributors
package org.example.text;

import java.util.HashMap;
import java.util.Map;

public final class TextStats {
    private TextStats() {}

    public static int levenshtein(String left, String right) {
        int[] previous = new int[right.length() + 1];
        int[] current = new int[right.length() + 1];
        for (int j = 0; j <= right.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= left.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= right.length(); j++) {
                int cost = left.charAt(i - 1) == right.charAt(j - 1) ? 0 : 1;
                int insertOrDelete = Math.min(current[j - 1] + 1, previous[j] + 1);
                current[j] = Math.min(insertOrDelete, previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[right.length()];
    }

    public static Map<String, Integer> wordFrequencies(String text, int minLength) {
        Map<String, Integer> counts = new HashMap<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                word.append(Character.toLowerCase(c));
            } else if (word.length() > 0) {
                if (word.length() >= minLength) {
                    counts.merge(word.toString(), 1, Integer::sum);
                }
                word.setLength(0);
            }
        }
        return counts;
    }
}
"""

GO = """\
// SPDX-License-Identifier: BSD-3-Clause
// Copyright 2022 The limiter Authors.

package limiter

import (
\t"errors"
\t"fmt"
\t"strings"
\t"time"
)

// TokenBucket allows bursts of up to Capacity events, refilled at Rate per second.
type TokenBucket struct {
\tCapacity float64
\tRate     float64
\ttokens   float64
\tlast     time.Time
}

// Allow reports whether one event may happen at now, and takes a token if so.
func (b *TokenBucket) Allow(now time.Time) bool {
\tif b.last.IsZero() {
\t\tb.tokens = b.Capacity
\t\tb.last = now
\t}
\telapsed := now.Sub(b.last).Seconds()
\tif elapsed > 0 {
\t\tb.tokens += elapsed * b.Rate
\t\tif b.tokens > b.Capacity {
\t\t\tb.tokens = b.Capacity
\t\t}
\t\tb.last = now
\t}
\tif b.tokens < 1 {
\t\treturn false
\t}
\tb.tokens--
\treturn true
}

// ParseKeyValues reads "a=1, b=two" into a map; keys must be unique and non-empty.
func ParseKeyValues(s string) (map[string]string, error) {
\tout := make(map[string]string)
\tfor _, field := range strings.Split(s, ",") {
\t\tfield = strings.TrimSpace(field)
\t\tif field == "" {
\t\t\tcontinue
\t\t}
\t\tkey, value, found := strings.Cut(field, "=")
\t\tif !found {
\t\t\treturn nil, fmt.Errorf("missing '=' in %q", field)
\t\t}
\t\tkey = strings.TrimSpace(key)
\t\tif key == "" {
\t\t\treturn nil, errors.New("empty key")
\t\t}
\t\tif _, dup := out[key]; dup {
\t\t\treturn nil, fmt.Errorf("duplicate key %q", key)
\t\t}
\t\tout[key] = strings.TrimSpace(value)
\t}
\treturn out, nil
}
"""

RUST = """\
// SPDX-License-Identifier: MIT OR Apache-2.0
// Copyright (c) 2021 The rle-lite developers

/// Run-length encodes `data` as (byte, run length) pairs.
pub fn encode(data: &[u8]) -> Vec<(u8, usize)> {
    let mut runs: Vec<(u8, usize)> = Vec::new();
    for &byte in data {
        match runs.last_mut() {
            Some((last, count)) if *last == byte => *count += 1,
            _ => runs.push((byte, 1)),
        }
    }
    runs
}

/// Expands runs made by `encode`; `None` when the output would exceed `limit` bytes.
pub fn decode(runs: &[(u8, usize)], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for &(byte, count) in runs {
        if out.len() + count > limit {
            return None;
        }
        out.extend(std::iter::repeat(byte).take(count));
    }
    Some(out)
}

/// The median of `values`, sorted in place; `None` when empty or when a value is NaN.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mid = values.len() / 2;
    if values.len() % 2 == 0 {
        Some((values[mid - 1] + values[mid]) / 2.0)
    } else {
        Some(values[mid])
    }
}
"""


@dataclass(frozen=True)
class Case:
    """One language: an indexed source file, the function copied from it, and the renames."""

    source_path: str  # inside the indexed source
    text: str
    start: str  # where the copied function starts in ``text`` (unique)
    end: str  # the first occurrence of this after ``start`` ends it
    renames: tuple[tuple[str, str], ...]
    copy_path: str  # in the scanned repository
    wrap: tuple[str, str] = ("", "")  # code around the copy (a class for a Java method)


def _installed(dist: str, rel: str, first: str = "", last: str = "") -> str:
    """An installed file, or the run of its functions from ``first`` to the end of ``last``
    (a few neighbours are enough distractors, and fewer units keep the index quick to embed)."""
    text = installed_file(dist, rel).read_text(encoding="utf-8")
    if not first:
        return text
    return text[text.index(first) : text.index("\n}\n", text.index(last)) + 3]


CASES = {
    "python": Case(
        "packaging/utils.py",
        _installed("packaging", "packaging/utils.py"),
        "def parse_sdist_filename(",
        "    return (name, version)\n",
        (("parse_sdist_filename", "split_sdist"), ("file_stem", "stem"), ("name_part", "proj")),
        "tools/sdist.py",
    ),
    "javascript": Case(
        "torch/utils/model_dump/code.js",
        _installed(
            "torch",
            "torch/utils/model_dump/code.js",
            "function assertStorageAreEqual(",
            "function getTensorMemoryByDevice(",
        ),
        "function getTensorMemoryByDevice(",
        "\n}\n",
        (("getTensorMemoryByDevice", "memoryPerDevice"), ("all_tensors", "everything")),
        "web/memory.js",
    ),
    "typescript": Case(
        "src/cache.ts",
        TYPESCRIPT,
        "export function parseDuration(",
        "\n}\n",
        (("parseDuration", "toMillis"), ("total", "sum"), ("consumed", "seen")),
        "src/time.ts",
    ),
    "java": Case(
        "src/main/java/org/example/text/TextStats.java",
        JAVA,
        "    public static int levenshtein(",
        "\n    }\n",
        (("levenshtein", "editDistance"), ("previous", "prevRow"), ("current", "row")),
        "src/main/java/com/acme/Fuzzy.java",
        ("package com.acme;\n\npublic class Fuzzy {\n", "}\n"),
    ),
    "c": Case(
        "src/markupsafe/_speedups.c",
        _installed("markupsafe", "markupsafe/_speedups.c"),
        "static PyObject*\nescape_unicode(PyObject *self",
        "\n}\n",
        (("escape_unicode", "html_escape"),),
        "ext/escape.c",
    ),
    "cpp": Case(
        "torch/csrc/inductor/aoti_runtime/interface.cpp",
        _installed(
            "torch",
            "torch/_inductor/codegen/aoti_runtime/interface.cpp",
            "AOTIRuntimeError AOTInductorModelContainerGetConstantDataSize(",
            "AOTIRuntimeError AOTInductorModelContainerUpdateUserManagedConstantBufferPairs(",
        ),
        "AOTIRuntimeError AOTInductorModelContainerExtractConstantsMapEntries(",
        "\n}\n",
        (("extracted", "found"), ("num_entries", "count")),
        "runtime/constants.cpp",
    ),
    "go": Case(
        "limiter/limiter.go",
        GO,
        "func ParseKeyValues(",
        "\n}\n",
        (("ParseKeyValues", "parseLabels"), ("out", "labels"), ("field", "part")),
        "internal/labels.go",
    ),
    "rust": Case(
        "src/lib.rs",
        RUST,
        "pub fn median(",
        "\n}\n",
        (("median", "middle_value"), ("mid", "half")),
        "src/stats.rs",
    ),
}


def cut(case: Case) -> tuple[str, int, int]:
    """The copied function's text and its first and last line in the source."""
    i = case.text.index(case.start)
    assert case.text.count(case.start) == 1, case.start
    j = case.text.index(case.end, i) + len(case.end)
    first = case.text.count("\n", 0, i) + 1
    return case.text[i:j].lstrip("\n"), first, case.text.count("\n", 0, j - 1) + 1


def renamed(text: str, renames: tuple[tuple[str, str], ...]) -> str:
    for old, new in renames:
        assert re.search(rf"\b{old}\b", text), old
        text = re.sub(rf"\b{old}\b", new, text)
    return text


@dataclass(frozen=True)
class Scanned:
    report: Report
    copy_lines: dict[str, tuple[int, int]]  # language → lines of the copy in the repo
    source_lines: dict[str, tuple[int, int]]  # language → lines of the original


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, encoder) -> Scanned:  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("lang-src") / "polyglot"
    files: dict[str, str] = {}
    copy_lines: dict[str, tuple[int, int]] = {}
    source_lines: dict[str, tuple[int, int]] = {}
    for language, case in CASES.items():
        target = src / case.source_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case.text, encoding="utf-8")
        function, first, last = cut(case)
        source_lines[language] = (first, last)
        head = f"{case.wrap[0]}\n" if case.wrap[0] else ""
        files[case.copy_path] = head + renamed(function, case.renames) + case.wrap[1]
        start = head.count("\n") + 1
        copy_lines[language] = (start, start + function.count("\n") - 1)
    idx = tmp_path_factory.mktemp("lang-index") / "idx"
    build_index([str(src)], idx, encoder, encoder.encode)
    repo = init_repo(tmp_path_factory.mktemp("lang-repo") / "app", files)
    report = scan_repo(repo, ScanOptions(index_dir=idx, device="cpu"))
    return Scanned(report, copy_lines, source_lines)


def test_every_registered_language_has_a_case_read_as_that_language() -> None:
    # A new language needs a detection case here (TSX is TypeScript's grammar with JSX on top).
    assert set(LANGUAGES) - {"tsx"} == set(CASES)
    for language, case in CASES.items():
        for path in (case.source_path, case.copy_path):
            spec = language_for_path(path)
            assert spec is not None and spec.name == language, path


@pytest.mark.parametrize("language", sorted(CASES))
def test_a_renamed_copy_is_traced_to_its_source_file_and_lines(
    scanned: Scanned, language: str
) -> None:
    case = CASES[language]
    mine = [
        f for f in scanned.report.findings if f.path == case.copy_path and f.scope is Scope.UNIT
    ]
    assert mine, [(f.path, f.source.path) for f in scanned.report.findings]
    first, last = scanned.source_lines[language]
    q_first, q_last = scanned.copy_lines[language]
    right = [
        f
        for f in mine
        if f.source.path == case.source_path
        and f.source.start_line <= last
        and first <= f.source.end_line
        and f.start_line <= q_last
        and q_first <= f.end_line
    ]
    assert right, [(f.source.path, f.source.start_line, f.source.end_line) for f in mine]
    assert right[0].verdict.value in ("copied", "modified-copy")
    assert right[0].source.package == "polyglot"
    # Nothing from another language's file is blamed for this copy.
    assert {f.source.path for f in mine} == {case.source_path}

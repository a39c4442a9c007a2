"""An interface fixes its methods' signatures: two implementations of serde's ``Serialize``
share ``fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error> where S: Serializer``
word for word, whatever their bodies do. A match on a signature and no further than its body's
first line is claimed only beside a copy. On a real index built in the run; the code was
written for this test."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from ipscan.extract.analyze import gate_bytes
from ipscan.extract.parse import parse_source
from ipscan.extract.signature import body_line
from ipscan.records import SourceFile
from ipscan.records import Verdict
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import mit_index
from tests.conftest import write_files

TABLE = """\
use serde::ser::{Serialize, SerializeMap, Serializer};

impl<K, V, S> Serialize for OrderedTable<K, V, S>
where
    K: Serialize + Eq + Hash,
    V: Serialize,
    S: BuildHasher,
{
    fn serialize<T>(&self, serializer: T) -> Result<T::Ok, T::Error>
    where
        T: Serializer,
    {
        let mut entries = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self.iter() {
            entries.serialize_key(key)?;
            entries.serialize_value(value)?;
        }
        entries.end()
    }
}
"""
# Another type's Serialize: the interface's signature, the same first call, its own fields.
FRAGMENT = """\
use serde::ser::{Serialize, SerializeMap, Serializer};

impl Serialize for Fragment {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut entries = serializer.serialize_map(Some(self.len()))?;
        entries.serialize_entry("text", &self.text)?;
        entries.serialize_entry("offset", &self.offset)?;
        entries.end()
    }
}
"""
# The table's method copied into another type's impl.
COPIED = (
    "use serde::ser::{Serialize, SerializeMap, Serializer};\n\n"
    "impl<K, V> Serialize for Registry<K, V>\n"
    "where\n    K: Serialize + Ord,\n    V: Serialize,\n{\n"
    + TABLE[TABLE.index("    fn serialize") :]
)


def _body_lines(path: str, text: str) -> list[int]:
    source = gate_bytes(path, text.encode())
    assert isinstance(source, SourceFile)
    parsed = parse_source(source)
    starts = parsed.columns.starts
    out = []
    for unit in parsed.units:
        lo = bisect.bisect_left(starts, unit.span.start_byte)
        hi = bisect.bisect_left(starts, unit.span.end_byte, lo)
        out.append(body_line(parsed.columns, lo, hi, source.language))
    return out


@pytest.mark.parametrize(
    ("path", "text", "lines"),
    [
        ("ser.rs", TABLE, [13]),
        (
            "util.py",
            "def pick(items: dict[str, int], key=lambda x: x[0]) -> int:\n"
            '    """The first."""\n    return items[key(items)]\n',
            [2],
        ),
        ("color.go", "func (c *Color) Seq(p []int) string {\n\treturn fmt.Sprint(p)\n}\n", [2]),
        ("pick.js", "function pick(o, opts = {}) {\n  return o[opts.k];\n}\n", [2]),
        ("cmp.c", "static int\ncmp(const void *a,\n    const void *b)\n{\n  return 0;\n}\n", [5]),
    ],
)
def test_where_a_body_begins(path: str, text: str, lines: list[int]) -> None:
    assert _body_lines(path, text) == lines


def test_a_shared_signature_is_no_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    index = mit_index(tmp_path / "table", {"src/ser.rs": TABLE}, encoder)

    def claims(name: str, text: str) -> list[tuple[str, Verdict]]:
        report = scan_repo(
            write_files(tmp_path / name, {"src/x.rs": text}), ScanOptions(index_dir=index)
        )
        return [(f.path, f.verdict) for f in report.findings if f.verdict is not Verdict.SIMILAR]

    assert claims("fragment", FRAGMENT) == []
    assert claims("registry", COPIED)


# An API family: each method's signature is the standard library's, each body the package's own.
PRINTER = """\
package locale

import "io"

// Printer formats values the way one locale writes them.
type Printer struct {
	tag string
	buf []byte
}

func (p *Printer) Fprint(w io.Writer, a ...interface{}) (n int, err error) {
	p.buf = p.appendValues(p.buf[:0], a, false)
	return w.Write(p.buf)
}

func (p *Printer) Fprintf(w io.Writer, format string, a ...interface{}) (n int, err error) {
	p.buf = p.appendFormat(p.buf[:0], p.translate(format), a)
	return w.Write(p.buf)
}

func (p *Printer) Fprintln(w io.Writer, a ...interface{}) (n int, err error) {
	p.buf = append(p.appendValues(p.buf[:0], a, true), '\\n')
	return w.Write(p.buf)
}

func (p *Printer) Sprintf(format string, a ...interface{}) string {
	return string(p.appendFormat(nil, p.translate(format), a))
}
"""
# Another package's wrappers of the same family: the signatures, and nothing else.
STYLE = """\
package paint

import (
	"fmt"
	"io"
)

// Style writes text between a terminal's escape sequences.
type Style struct {
	codes []int
}

func (s *Style) Fprint(w io.Writer, a ...interface{}) (n int, err error) {
	s.begin(w)
	defer s.end(w)
	return fmt.Fprint(w, a...)
}

func (s *Style) Fprintf(w io.Writer, format string, a ...interface{}) (n int, err error) {
	s.begin(w)
	defer s.end(w)
	return fmt.Fprintf(w, format, a...)
}

func (s *Style) Fprintln(w io.Writer, a ...interface{}) (n int, err error) {
	s.begin(w)
	defer s.end(w)
	return fmt.Fprintln(w, a...)
}

func (s *Style) Sprintf(format string, a ...interface{}) string {
	return s.wrap(fmt.Sprintf(format, a...))
}
"""


def test_an_api_familys_signatures_are_no_copy(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    index = mit_index(tmp_path / "locale", {"locale/printer.go": PRINTER}, encoder)

    def claims(name: str, text: str) -> list[str]:
        report = scan_repo(
            write_files(tmp_path / name, {"paint/style.go": text}), ScanOptions(index_dir=index)
        )
        return [f.path for f in report.findings if f.verdict is not Verdict.SIMILAR]

    assert claims("style", STYLE) == []
    # The same methods with the upstream's bodies are a copy.
    assert claims("copied", STYLE[: STYLE.index("func")] + PRINTER[PRINTER.index("func") :])

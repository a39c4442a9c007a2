"""Debian's machine-readable copyright files (DEP-5, copyright-format 1.0): each file's license.

A Debian source package keeps the file at ``debian/copyright``; a binary package installs it at
``usr/share/doc/<package>/copyright``. Go libraries as Debian ships them (``golang-*-dev``) carry
no LICENSE file: their license is only there, and their headers point to "the LICENSE file".

The spec: ``Files:`` paragraphs list patterns relative to the root of the source tree, where
``*`` matches any run of characters (``/`` included), ``?`` one character, and a backslash
escapes either; the last paragraph whose patterns match a file gives its license and copyright.
Patterns are matched by a small wildcard matcher, not by regular expressions, so a hostile
file of many stars cannot make matching slow.

In a binary package the source tree sits deeper: Go code under
``usr/share/gocode/src/<module path>/`` (the folder of its ``go.mod``, given as ``roots``). A path
under no root is matched by every tail of it, so ``html/testdata/*`` still finds
``usr/share/.../html/testdata/x``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass

from ipscan.licensing import detect_license_text
from ipscan.licensing.debian_names import dep5_license

_FORMAT = re.compile(r"(?i)copyright-format|/deps/dep5")
_COPYRIGHT_WORD = re.compile(r"(?i)^(?:copyright|\(c\)|©)")
_STAR, _ONE = "**", "??"  # wildcard tokens (a literal token is one character)
# A hostile file cannot make every file's lookup slow: past these, the rest is not read.
_MAX_STANZAS = 1000
_MAX_PATTERNS = 4000

Pattern = tuple[str, ...]


@dataclass(frozen=True)
class Stanza:
    """One ``Files:`` paragraph: its patterns and its license (SPDX)."""

    patterns: tuple[Pattern, ...]
    license: str
    copyright: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileLicenses:
    """The licenses a DEP-5 file gives the files of a source, path by path."""

    stanzas: tuple[Stanza, ...]
    header_license: str | None = None
    roots: tuple[str, ...] = ()  # where the source tree sits in a binary package ("a/b/")
    binary: bool = False
    upstream_name: str | None = None  # the header's Upstream-Name

    def license_for(self, path: str) -> str | None:
        """The license of the last paragraph matching ``path``, or None when none does."""
        stanza = self._stanza_for(path)
        return stanza.license if stanza else self.header_license

    @property
    def whole(self) -> Stanza | None:
        """The last ``Files: *`` paragraph: what the package as a whole is under."""
        for stanza in reversed(self.stanzas):
            if (_STAR,) in stanza.patterns:
                return stanza
        return None

    def _stanza_for(self, path: str) -> Stanza | None:
        tails = list(self._tails(path))
        for stanza in reversed(self.stanzas):
            if any(_glob(p, t) for p in stanza.patterns for t in tails):
                return stanza
        return None

    def _tails(self, path: str) -> Iterator[str]:
        if not self.binary:
            yield path
            return
        for root in self.roots:
            if path.startswith(root):
                yield path[len(root) :]
                return
        yield path
        for i, ch in enumerate(path):
            if ch == "/":
                yield path[i + 1 :]


def read_copyright(
    data: bytes, roots: Iterable[str] = (), binary: bool = False
) -> FileLicenses | None:
    """The ``FileLicenses`` of a DEP-5 file, or None when it is not machine-readable."""
    paragraphs = list(_paragraphs(data.decode("utf-8", errors="replace")))
    if not paragraphs or not _FORMAT.search(paragraphs[0].get("format", "")):
        return None
    defined = _defined_names(paragraphs)
    header = paragraphs[0]
    header_license = dep5_license(_first_line(header.get("license", "")), defined)
    stanzas: list[Stanza] = []
    n_patterns = 0
    for para in paragraphs[1 : _MAX_STANZAS + 1]:
        patterns = para.get("files", "").split()
        license_ = dep5_license(_first_line(para.get("license", "")), defined)
        if not patterns or license_ is None:
            continue
        n_patterns += len(patterns)
        if n_patterns > _MAX_PATTERNS:
            break
        holders = tuple(_statement(h) for h in para.get("copyright", "").splitlines() if h.strip())
        stanzas.append(Stanza(tuple(map(_compile, patterns)), license_, holders[:12]))
    upstream = _first_line(header.get("upstream-name", ""))[:200] or None
    return FileLicenses(tuple(stanzas), header_license, tuple(roots), binary, upstream)


def _statement(holder: str) -> str:
    """A ``Copyright:`` line ("2011-2016 The Go Authors") as a copyright statement."""
    holder = holder.strip()
    return holder if _COPYRIGHT_WORD.match(holder) else f"Copyright {holder}"


def _paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The deb822 paragraphs of ``text``: lower-case field names to values (continuation
    lines joined with newlines, a lone "." standing for an empty line)."""
    fields: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, name = {}, ""
        elif line.startswith("#"):
            continue
        elif line[0] in " \t":
            if name:
                more = line.strip()
                fields[name] += "\n" + ("" if more == "." else more)
        elif ":" in line:
            key, value = line.split(":", 1)
            name = key.strip().lower()
            fields[name] = value.strip()
    if fields:
        yield fields


def _first_line(value: str) -> str:
    return value.split("\n", 1)[0].strip()


def _defined_names(paragraphs: list[dict[str, str]]) -> dict[str, str]:
    """The license of each name a paragraph gives a text (``License: name`` + the text)."""
    out: dict[str, str] = {}
    for para in paragraphs[1 : _MAX_STANZAS + 1]:
        name, _, body = para.get("license", "").partition("\n")
        found = detect_license_text(body) if body.strip() else None
        if name.strip() and found:
            out.setdefault(name.strip().lower(), found)
    return out


def _compile(pattern: str) -> Pattern:
    """A DEP-5 pattern as tokens: ``_STAR``, ``_ONE`` or one literal character."""
    out: list[str] = []
    chars = iter(pattern.removeprefix("./"))
    for ch in chars:
        if ch == "\\":
            out.append(next(chars, "\\"))
        elif ch == "*":
            if not out or out[-1] != _STAR:
                out.append(_STAR)
        else:
            out.append(_ONE if ch == "?" else ch)
    return tuple(out)


def _glob(pattern: Pattern, path: str) -> bool:
    """Whether ``pattern`` matches all of ``path`` (greedy with one backtrack point: linear
    in practice, never worse than the product of the two lengths)."""
    i = j = 0
    star, mark = -1, 0
    while j < len(path):
        if i < len(pattern) and pattern[i] != _STAR and pattern[i] in (_ONE, path[j]):
            i, j = i + 1, j + 1
        elif i < len(pattern) and pattern[i] == _STAR:
            star, mark, i = i, j, i + 1
        elif star >= 0:
            mark += 1
            i, j = star + 1, mark
        else:
            return False
    while i < len(pattern) and pattern[i] == _STAR:
        i += 1
    return i == len(pattern)

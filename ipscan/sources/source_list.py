"""Lists of sources to index (``ipscan index build --from-list FILE``), one source a line.

::

    # blank lines and comments are ignored; so is the rest of a line from " #"
    pypi:six==1.16.0 sha256=<64 hex digits>   PyPI sdist (``pip download``)
    npm:left-pad@1.3.0                        npm tarball (``npm pack``); npm:@scope/name@1.2.3
    deb:hello=2.10-3                          Debian source package (``apt-get source``)
    deb-bin:librust-cfg-if-dev=1.0.0-1        Debian binary package's sources (``apt-get
                                              download``): crates, Go trees, headers
    https://host/repo.git@v1.2                git URL (any ``--rev``-safe scheme, or
    git@host:owner/repo.git@0123abcd          user@host:path), optionally @REV
    vendor/lib-1.0.tar.gz                     local folder, git repository or archive,
                                              relative to FILE's folder

``sha256=`` pins a registry package (for a Debian source package: its ``.dsc``; for a binary
one: its ``.deb``, which differs per architecture for most ``librust-*-dev``) or a local
archive. Names, versions and revisions are checked against strict patterns; a bad line is a
UsageError naming FILE and the line. Registry packages are recorded with the origin
``pypi:NAME==VERSION``, ``npm:NAME@VERSION``, ``deb:NAME=VERSION`` or ``deb-bin:NAME=VERSION``.

The sources a build could not add are written as JSON Lines (``write_failures``); a file whose
name ends in ``.jsonl`` is read back as a list of them, so a rerun retries only those.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.errors import UsageError
from ipscan.sources import open_source
from ipscan.sources.downloads import REGISTRIES
from ipscan.sources.downloads import SEPARATORS
from ipscan.sources.downloads import Say
from ipscan.sources.downloads import SourceCache
from ipscan.sources.downloads import check_digest
from ipscan.sources.downloads import package_label
from ipscan.sources.downloads import package_problem
from ipscan.sources.gitsource import check_git_url
from ipscan.sources.gitsource import looks_like_git_url
from ipscan.sources.records import Entries
from ipscan.sources.records import SourceInfo

FAILURES_SUFFIX = ".jsonl"
_SHA256 = re.compile(r"sha256=([0-9A-Fa-f]{64})")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"[\w.-]+@[\w.-]+:")
# "word:" that is no Windows drive: a source type, known or not (write ./x:y for such a path).
_TYPED = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")
# What @REV may be: a branch, tag or commit name, never an option or a revision expression.
_REV = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}")
_OPTION = re.compile(r"[a-z][a-z0-9_-]*=")
_FORMS = {r: f"{r}:NAME{s}VERSION" for r, s in SEPARATORS.items()}


@dataclass(frozen=True)
class ListedSource:
    """One source of a build: a registry package, a git URL, a local path from a list, or a
    source as given on the command line (``spec``)."""

    kind: str  # "pypi", "npm", "deb", "deb-bin", "git", "path" or "spec"
    target: str  # the package name, the URL, the absolute path, or the spec as given
    version: str = ""
    rev: str | None = None
    sha256: str | None = None
    where: str = ""  # "FILE:LINE" of a list entry

    @classmethod
    def of_spec(cls, spec: str) -> ListedSource:
        """A source named on the command line."""
        return cls("spec", spec)

    @property
    def label(self) -> str:
        """How messages name it: its origin, URL@REV, or path."""
        if self.kind in REGISTRIES:
            return package_label(self.kind, self.target, self.version)
        return f"{self.target}@{self.rev}" if self.kind == "git" and self.rev else self.target

    @property
    def origin(self) -> str | None:
        """The origin the index records for a registry package (else the source's own)."""
        return self.label if self.kind in REGISTRIES else None

    def entry(self) -> str:
        """The list line that names this source again, from any folder."""
        text = self.label
        if self.kind == "spec":
            path = Path(self.target).expanduser()
            if path.exists() or not looks_like_git_url(self.target):
                text = str(path.resolve())
        return f"{text} sha256={self.sha256}" if self.sha256 else text


@dataclass(frozen=True)
class SourceFailure:
    """A source a build could not add, and why."""

    source: ListedSource
    reason: str


def parse_line(text: str, base: Path) -> ListedSource | None:
    """The source a list line names (None for a blank or comment line); a UsageError saying
    what is wrong. Relative paths are taken from ``base``."""
    text = _COMMENT.sub("", text).strip()
    if not text:
        return None
    sha256 = None
    words = text.split()
    found = _SHA256.fullmatch(words[-1])
    if found:
        sha256 = found.group(1).lower()
        text = text[: -len(words.pop())].rstrip()
    elif words[-1].startswith("sha256="):
        raise UsageError(f"{words[-1]!r}: sha256= takes 64 hex digits")
    if not words:
        raise UsageError("sha256= needs a source before it")
    typed = _TYPED.match(words[0])
    if typed and typed.group(1) in REGISTRIES:
        if len(words) != 1:
            raise UsageError(f"unexpected {words[1]!r} (only sha256=HEX may follow a package)")
        return _package(typed.group(1), words[0][typed.end() :], sha256)
    if _URL.match(words[0]) or _SCP.match(words[0]):
        if sha256 is not None:
            raise UsageError("sha256= pins archives; pin a git URL with @REV")
        if len(words) != 1:
            raise UsageError(f"unexpected {words[1]!r} after a git URL")
        return _git(words[0])
    if typed:
        raise UsageError(f"unknown source type {typed.group(1)!r} (write ./{words[0]} for a path)")
    option = next((w for w in words[1:] if _OPTION.match(w)), None)
    if option is not None:
        raise UsageError(f"unknown option {option!r} (only sha256=HEX)")
    if text.startswith("-"):
        raise UsageError(f"{text!r}: write ./{text} for a path starting with '-'")
    path = Path(os.path.expanduser(text))
    return ListedSource("path", str(path if path.is_absolute() else base / path), sha256=sha256)


def _package(registry: str, rest: str, sha256: str | None) -> ListedSource:
    separator = SEPARATORS[registry]
    # npm's scoped names start with '@': the version follows the last one.
    split = rest.rpartition if registry == "npm" else rest.partition
    name, sep, version = split(separator)
    if not sep or not name or not version:
        raise UsageError(f"{registry}:{rest}: write {_FORMS[registry]} (an exact version)")
    problem = package_problem(registry, name, version)
    if problem is not None:
        raise UsageError(problem)
    return ListedSource(registry, name, version, sha256=sha256)


def _check_rev(rev: object) -> str:
    if not isinstance(rev, str) or not _REV.fullmatch(rev) or ".." in rev:
        raise UsageError(f"{rev!r} is not a branch, tag or commit name")
    return rev


def _git(word: str) -> ListedSource:
    # REV follows the last '@' after the host: https://host/repo.git@v1, git@host:repo@v1.
    scp = _SCP.match(word)
    path_start = scp.end() if scp else word.find("/", word.index("://") + 3)
    url, rev = word, None
    at = word.rfind("@")
    if 0 <= path_start < at:
        url, rev = word[:at], _check_rev(word[at + 1 :])
    check_git_url(url)
    return ListedSource("git", url, rev=rev)


def read_list(path: Path) -> list[ListedSource]:
    """The sources ``path`` lists; a UsageError naming the file and line of a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the source list: {exc}") from exc
    base = path.resolve().parent
    failures = path.name.endswith(FAILURES_SUFFIX)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{n}"
        try:
            item = _failure_line(line, base) if failures else parse_line(line, base)
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from exc
        if item is not None:
            out.append(dataclasses.replace(item, where=where))
    return out


def _failure_line(line: str, base: Path) -> ListedSource | None:
    if not line.strip():
        return None
    try:
        doc = json.loads(line)
    except ValueError as exc:
        raise UsageError(f"not a JSON object: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("entry"), str):
        raise UsageError('not a failure record (no "entry")')
    item = parse_line(doc["entry"], base)
    if item is None:
        raise UsageError('an empty "entry"')
    rev = doc.get("rev")
    if rev is not None and item.rev is None and item.kind not in REGISTRIES:
        item = dataclasses.replace(item, rev=_check_rev(rev))
    return item


def write_failures(path: Path, failures: Sequence[SourceFailure], rev: str | None) -> None:
    """``failures`` as JSON Lines at ``path`` (replaced whole), readable by ``read_list``;
    ``rev`` is the build's ``--rev`` (kept for command-line sources)."""
    lines = []
    for f in failures:
        doc: dict[str, str] = {"source": f.source.label, "entry": f.source.entry()}
        if f.source.kind not in REGISTRIES and not (f.source.kind == "git" and f.source.rev):
            source_rev = f.source.rev or rev  # a git URL's own @REV is in its entry
            if source_rev:
                doc["rev"] = source_rev
        if f.source.where:
            doc["where"] = f.source.where
        doc["reason"] = f.reason
        lines.append(json.dumps(doc, ensure_ascii=False) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def open_listed(
    item: ListedSource, rev: str | None, cache: SourceCache | None = None, say: Say | None = None
) -> Iterator[tuple[SourceInfo, Entries]]:
    """``open_source`` of a listed source, downloaded into ``cache`` (default: the user's)
    first when it is a registry package; its info carries the package's origin. ``rev``
    applies to git sources that name none."""
    spec, revision, pinned = item.target, item.rev or rev, None
    if item.kind in REGISTRIES:
        cache = cache or SourceCache()
        spec = str(cache.archive(item.kind, item.target, item.version, item.sha256, say))
        revision = None
    elif item.kind == "path":
        path = Path(item.target)
        if not path.exists():
            raise SourceError(f"{item.target}: no such file or folder")
        if item.sha256 is not None and not path.is_file():
            raise SourceError(f"{item.target}: sha256= pins archives, not folders")
        pinned = item.sha256  # an archive's digest is its file's sha256
    with open_source(spec, rev=revision) as (info, entries):
        if pinned is not None:
            check_digest(item.target, info.digest, pinned, "listed")
        if item.origin is not None:
            info = dataclasses.replace(info, origin=item.origin)
        yield info, entries

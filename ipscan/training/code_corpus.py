"""Functions of real code for the encoder's training and evaluation, in every parsed language.

Read from package archives in a folder (npm and sdist tarballs, wheels, Debian packages turned
into tarballs by ``bench/license_corpus.py --list bench/encoder_packages.txt``) and from the
Python standard library. Nothing is kept on disk: archives are read in memory.
"""

from __future__ import annotations

import hashlib
import io
import sysconfig
import tarfile
import zipfile
from collections import defaultdict
from collections.abc import Container
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ipscan.errors import SourceError
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import AnalyzedUnit
from ipscan.extract.analyze import analyze_bytes
from ipscan.extract.languages import language_for_path
from ipscan.records import SourceFile
from ipscan.records import UnitKind
from ipscan.sources.archives import open_archive
from ipscan.sources.records import MAX_FILE_BYTES
from ipscan.tuning import MIN_CLAIM_TOKENS

LANGUAGES = ("python", "javascript", "typescript", "tsx", "java", "go", "rust", "c", "cpp")
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".whl", ".zip", ".tar.bz2", ".tar.xz")
# Functions shorter than this many normalized tokens are too short to call copies (verdict.py).
MIN_TOKENS = MIN_CLAIM_TOKENS
# Functions longer than this many lines are mostly generated tables or whole modules.
MAX_LINES = 150
# Files read per package at most: enough functions, and one huge package does not dominate.
MAX_FILES = 300
_SKIP_PARTS = frozenset({"test", "tests", "testing", "__tests__", "vendor", "third_party", "dist"})


@dataclass(frozen=True)
class CodeFunction:
    """One function of the corpus, parsed in its file."""

    package: str
    language: str
    file: SourceFile
    unit: AnalyzedUnit

    @property
    def text(self) -> str:
        return self.unit.unit.text


def package_split(package: str, salt: str = "ipscan-encoder") -> float:
    """A stable number in [0, 1) per package: splits train / eval by package, not by function."""
    digest = hashlib.sha256(f"{salt}:{package}".encode()).digest()
    return int.from_bytes(digest[:8], "little") / 2**64


def archive_packages(folder: Path) -> list[Path]:
    """The package archives under ``folder``, sorted."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name.lower().endswith(ARCHIVE_SUFFIXES)
    )


def stdlib_files() -> list[Path]:
    """The Python standard library's own modules (tests, idle and tkinter left out)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = ("test", "idlelib", "tkinter", "lib2to3", "site-packages", "ensurepip", "turtledemo")
    return sorted(
        p for p in root.rglob("*.py") if not any(part in skip for part in p.relative_to(root).parts)
    )


def _functions_of(package: str, path: str, data: bytes) -> Iterator[CodeFunction]:
    # Every caller passes only paths whose extension names a language, so the language found
    # here is the extension's (a shebang is read only for files without an extension).
    if any(part.lower() in _SKIP_PARTS for part in Path(path).parts[:-1]):
        return
    try:
        analyzed = analyze_bytes(path, data)
    except (RecursionError, ValueError):
        return
    if not isinstance(analyzed, AnalyzedFile):
        return
    for au in analyzed.units:
        unit = au.unit
        if unit.kind == UnitKind.TOP_LEVEL or au.evidence.n_tokens < MIN_TOKENS:
            continue
        if unit.span.end_line - unit.span.start_line + 1 > MAX_LINES:
            continue
        yield CodeFunction(package, analyzed.file.language, analyzed.file, au)


def _language(path: str) -> str | None:
    spec = language_for_path(path)
    return None if spec is None else spec.name


def _stable_order(paths: Iterable[str]) -> list[str]:
    return sorted(paths, key=lambda p: hashlib.sha256(p.encode()).digest())


def _zip_functions(
    name: str, data: bytes, max_files: int, languages: Container[str]
) -> Iterator[CodeFunction]:
    """Functions of a zip inside an archive (the JDK's src.zip): one package per top folder."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = {i.filename: i for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    by_top: dict[str, list[str]] = defaultdict(list)
    for path in members:
        if language_for_path(path) is not None and members[path].file_size <= MAX_FILE_BYTES:
            by_top[path.split("/", 1)[0]].append(path)
    for top in sorted(by_top):
        for path in _stable_order(by_top[top])[:max_files]:
            if _language(path) not in languages:
                continue
            try:
                member_data = zf.read(members[path])
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
                continue
            yield from _functions_of(f"{name}/{top}", path, member_data)


def _nested_zips(archive: Path) -> Iterator[bytes]:
    """Zip files inside a tar archive (too large for the source reader, which skips them)."""
    try:
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and member.name.lower().endswith(".zip"):
                    f = tar.extractfile(member)
                    if f is not None:
                        yield f.read()
    except (tarfile.TarError, OSError, EOFError):
        return


def archive_functions(
    archive: Path, max_files: int = MAX_FILES, languages: Container[str] = LANGUAGES
) -> Iterator[CodeFunction]:
    """Functions of one archive, named after it; at most ``max_files`` files (a stable pick).

    Only files in ``languages`` are parsed (the pick is the same whatever the languages).

    A zip inside the archive is read too, one package per top-level folder of the zip.
    """
    name = archive.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    try:
        _, entries = open_archive(archive, str(archive))
        files = {e.path: e.data for e in entries}
    except SourceError:
        return
    for data in _nested_zips(archive):
        yield from _zip_functions(name, data, max_files, languages)
    code = [p for p in files if language_for_path(p) is not None]
    for path in _stable_order(code)[:max_files]:
        if _language(path) in languages:
            yield from _functions_of(name, path, files[path])


def stdlib_functions() -> Iterator[CodeFunction]:
    """Every function of the standard library, one package per top-level module or package."""
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in stdlib_files():
        rel = path.relative_to(root)
        package = f"stdlib-{rel.parts[0].removesuffix('.py')}"
        yield from _functions_of(package, str(rel), path.read_bytes())


def corpus_functions(folder: Path | None, languages: Sequence[str]) -> Iterator[CodeFunction]:
    """The functions in ``languages`` of the standard library and the archives in ``folder``."""
    if "python" in languages:
        yield from stdlib_functions()
    if folder is None:
        return
    for archive in archive_packages(folder):
        yield from archive_functions(archive, languages=languages)

"""Check a piece of code that is not a file in a repository: a pasted answer, an assistant's
suggestion. The same stages as a scan (``ipscan.scan``) on one in-memory file.

The snippet is named ``<snippet>`` plus its language's extension (or the name the caller gives)
in findings. Inside a project, its license and policy judge the findings as they would in a scan
of that project.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path

from ipscan.errors import IpscanError
from ipscan.errors import UsageError
from ipscan.extract.analyze import analyze_file
from ipscan.extract.gate import gate
from ipscan.extract.guess_language import guess_language
from ipscan.extract.languages import LANGUAGES
from ipscan.extract.languages import get_language
from ipscan.extract.languages import language_for_file
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.licensing.project import find_policy
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import SourceFile
from ipscan.scan import ProjectContext
from ipscan.scan import ScanOptions
from ipscan.scan import project_context
from ipscan.scan import scan_analyzed

SNIPPET_NAME = "<snippet>"


@dataclass(frozen=True)
class Snippet:
    """A piece of code to check, in a known language, under the name findings give it."""

    text: str
    language: str
    name: str


def make_snippet(text: str, language: str | None = None, name: str | None = None) -> Snippet:
    """A Snippet of ``text``: in ``language`` when given, else by ``name``'s extension, else the
    language whose grammar parses it best. An empty snippet or an unknown language is a
    UsageError; code the gate refuses (binary, too large, minified), an IpscanError."""
    if not text.strip():
        raise UsageError("the snippet is empty")
    if language is not None and language not in LANGUAGES:
        raise UsageError(f"unknown language {language!r}; known: {', '.join(sorted(LANGUAGES))}")
    # Refuse binary and minified text before eight grammars parse it to guess its language.
    _gated(name or SNIPPET_NAME, text, language or "")
    if language is None and name is not None:
        spec = language_for_file(name, text.encode("utf-8", "surrogatepass"))
        language = spec.name if spec is not None else None
    if language is None:
        language = guess_language(text)
    if name is None:
        name = SNIPPET_NAME + get_language(language).extensions[0]
    return Snippet(text=text, language=language, name=name)


def snippet_file(snippet: Snippet) -> SourceFile:
    """The snippet as a SourceFile that passed the gate, or an IpscanError saying why not."""
    return _gated(snippet.name, snippet.text, snippet.language)


def _gated(name: str, text: str, language: str) -> SourceFile:
    gated = gate(name, text.encode("utf-8", "surrogatepass"), language)
    if not isinstance(gated, SourceFile):
        raise IpscanError(f"{name}: cannot check this code ({gated.reason})")
    return gated


def snippet_project(options: ScanOptions, folder: Path | None) -> ProjectContext | None:
    """The license and policy of the project at ``folder`` (None: judge by defaults and
    ``options.project_license`` alone)."""
    if folder is None:
        return None
    return project_context((), options, find_policy(folder, options.config))


def check_snippet(
    snippet: Snippet,
    options: ScanOptions,
    project: ProjectContext | None = None,
    reader: IndexReader | None = None,
) -> Report:
    """Match ``snippet`` against the index (``reader``, else ``options.index_dir``).

    A scan's file-level finding ("copied (whole file)") restates, for a snippet, the findings
    that name its lines in the same source file, and would count each copy twice: it is left
    out unless nothing else names that source file (a snippet that is a small indexed file with
    no units, such as a header of declarations).
    """
    started = time.perf_counter()
    reader = reader if reader is not None else open_index(options.index_dir, options.progress)
    analyzed = analyze_file(snippet_file(snippet), raw_scheme=reader.raw_scheme)
    report = scan_analyzed(
        SNIPPET_NAME, [analyzed], (), options, started, project=project, reader=reader
    )
    named = {f.source.file_key for f in report.findings if f.scope is not Scope.FILE}
    kept = tuple(
        f for f in report.findings if f.scope is not Scope.FILE or f.source.file_key not in named
    )
    return report if kept == report.findings else replace(report, findings=kept)

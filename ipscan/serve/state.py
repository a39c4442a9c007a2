"""What ``ipscan serve`` keeps warm between calls: the open index, the project, one worker.

Everything a check needs is loaded once, at startup: the index (``open_index``), the project's
license and policy (``snippet_project``), the verdict classifier, the encoder (the process's
``shared_encoder``, its ONNX Runtime session made by one dummy embedding) and every grammar (one
parse each). A check then pays only for its own code.

Checks run one at a time on one worker thread: tree-sitter parsers are made once per thread
(``ipscan.extract.languages.get_parser``), and one encoder session serves every call.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from ipscan.decide.classifier import load_classifier
from ipscan.encoder import choose_device
from ipscan.encoder import shared_encoder
from ipscan.extract.analyze import analyze_file
from ipscan.extract.guess_language import guess_language
from ipscan.extract.languages import LANGUAGES
from ipscan.index.compat import check_encoder
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader
from ipscan.records import Report
from ipscan.scan import ProjectContext
from ipscan.scan import ScanOptions
from ipscan.snippet import Snippet
from ipscan.snippet import check_snippet
from ipscan.snippet import make_snippet
from ipscan.snippet import snippet_file
from ipscan.snippet import snippet_project

log = logging.getLogger("ipscan.serve")

# Parsed in every language at startup (a syntax error is fine: the grammar and its queries load),
# then checked in full as Python: a unit above MIN_UNIT_TOKENS, so the encoder runs and the
# index's vectors (FAISS) load.
WARM_CODE = '''\
def warm_up_histogram(values, buckets=10, low=None, high=None):
    """Count the values in equal-width buckets between low and high."""
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    width = (high - low) / buckets or 1.0
    counts = [0] * buckets
    for value in values:
        if low <= value <= high:
            index = min(int((value - low) / width), buckets - 1)
            counts[index] += 1
    return {"low": low, "high": high, "counts": counts}
'''


@dataclass(frozen=True)
class CheckedSnippet:
    """A snippet and the report of its check."""

    snippet: Snippet
    report: Report


@dataclass
class ServeState:
    """The index, options and project every check of one server uses."""

    options: ScanOptions
    reader: IndexReader
    project: ProjectContext | None
    worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="ipscan-check")
    )

    def check(self, code: str, language: str | None, file_name: str | None) -> CheckedSnippet:
        """Check ``code`` on the worker thread; IpscanError says why it cannot be checked."""
        return self.worker.submit(self._check, code, language, file_name).result()

    def _check(self, code: str, language: str | None, file_name: str | None) -> CheckedSnippet:
        snippet = make_snippet(code, language, file_name)
        report = check_snippet(snippet, self.options, self.project, self.reader)
        return CheckedSnippet(snippet, report)

    def warm(self) -> float:
        """Load what the first check would (on the worker thread); the seconds it took."""
        return self.worker.submit(self._warm).result()

    def _warm(self) -> float:
        started = time.perf_counter()
        for language in LANGUAGES:
            analyze_file(snippet_file(make_snippet(WARM_CODE, language)))
        guess_language(WARM_CODE)
        if self.options.embeddings and self.reader.n_units:
            encoder = shared_encoder(choose_device(self.options.device))
            check_encoder(self.reader.encoder_info, encoder, self.reader.index_dir)
            encoder.encode([WARM_CODE])
        warmed = self._check(WARM_CODE, "python", None)
        log.debug("warmed with %d units", warmed.report.units_scanned)
        return time.perf_counter() - started

    def close(self) -> None:
        self.worker.shutdown(wait=True)
        self.reader.close()


def open_state(options: ScanOptions, project_dir: Path | None) -> ServeState:
    """Open the index and the project once, for every check this process answers."""
    load_classifier()
    reader = open_index(options.index_dir)
    try:
        project = snippet_project(options, project_dir)
    except BaseException:
        reader.close()
        raise
    return ServeState(options=options, reader=reader, project=project)

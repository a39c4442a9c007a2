"""A scanned file that is an indexed file takes its units' stored vectors instead of embedding
them (``ipscan.match.stored_vectors``): the same vectors, and the same findings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ipscan.extract.analyze import analyze_file
from ipscan.index.reader import IndexReader
from ipscan.match.stored_vectors import identical_by_segment
from ipscan.match.stored_vectors import stored_vectors
from ipscan.match.totals import index_totals
from ipscan.records import SourceFile
from ipscan.scan import ScanOptions
from ipscan.scan import scan_repo
from tests.conftest import init_repo
from tests.conftest import installed_file

MINE = """def weigh(items, scale):
    total = 0
    for item in items:
        if item.heavy:
            total += item.weight * scale
        else:
            total += item.weight
    return total
"""


def test_the_units_of_an_indexed_file_read_its_stored_vectors(
    tiny_index: Path, encoder: object
) -> None:
    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    # The same code with other comments is the same file to the matcher.
    relaid = "# vendored from click\n" + utils + "# end of the vendored file\n"
    analyzed = [
        analyze_file(SourceFile("vendor/utils.py", relaid, "python")),
        analyze_file(SourceFile("mine.py", MINE, "python")),
    ]
    queries = [au for af in analyzed for au in af.units]
    with IndexReader(tiny_index) as reader:
        totals = index_totals([au.evidence for au in queries], [af.raw for af in analyzed], reader)
        known = stored_vectors(analyzed, reader, identical_by_segment(analyzed, reader, totals))
    n_vendored = len(analyzed[0].units)
    assert n_vendored > 10 and sorted(known) == list(range(n_vendored))
    fresh = encoder.encode([queries[i].encoder_input("canonical-v1") for i in sorted(known)])  # type: ignore[attr-defined]
    stored = np.vstack([known[i] for i in sorted(known)])
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-5)
    assert float(np.einsum("ij,ij->i", fresh, stored).min()) > 0.998


def test_a_scan_finds_the_same_with_stored_vectors(
    tmp_path: Path, tiny_index: Path, monkeypatch: object
) -> None:
    import ipscan.scan

    utils = installed_file("click", "click/utils.py").read_text(encoding="utf-8")
    repo = init_repo(tmp_path / "repo", {"vendor/utils.py": utils, "mine.py": MINE})
    options = ScanOptions(index_dir=tiny_index, device="numpy")
    with_stored = scan_repo(repo, options)
    monkeypatch.setattr(ipscan.scan, "stored_vectors", lambda *_a: {})  # type: ignore[attr-defined]
    embedded = scan_repo(repo, options)

    def found(report: object) -> set[tuple[object, ...]]:
        return {
            (f.path, f.scope, f.verdict, f.source.path, f.start_line, f.end_line)
            for f in report.findings  # type: ignore[attr-defined]
        }

    assert with_stored.findings and found(with_stored) == found(embedded)

"""`ipscan dataset audit`: a dataset with planted copies of indexed GPL, MIT and Apache code,
audited under a permissive-only policy, loses exactly its GPL copies, in every format, on one
process, two, or Ray, and a stopped audit resumes to the same outputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from ipscan.cli import main
from ipscan.dataset.audit import AuditResult
from ipscan.dataset.audit import RunSettings
from ipscan.dataset.audit import audit_dataset
from ipscan.dataset.check import AuditSettings
from ipscan.dataset.formats import detect_format
from ipscan.dataset.samples import Fields
from ipscan.errors import UsageError
from tests.test_license_e2e import APACHE_CODE
from tests.test_license_e2e import GPL_CODE
from tests.test_license_e2e import GPL_HEADER
from tests.test_license_e2e import MIT_CODE
from tests.test_license_e2e import TEXTS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

# Copies of permissive code pass; copyleft and unlicensed code fail; attribution is the
# dataset's own concern (its metadata), so it does not fail here.
PERMISSIVE_ONLY = """\
project-license = "MIT"
allowed-licenses = ["MIT", "Apache-2.0", "BSD-*", "ISC"]
denied-licenses = ["GPL-*", "AGPL-*", "LGPL-*"]
fail-on = ["denied", "copyleft-conflict", "incompatible", "no-license", "restricted"]
"""

# The GPL function with every identifier renamed, as a model's training sample might hold it.
GPL_RENAMED = (
    GPL_CODE.replace("merge_interval_lists", "join_spans")
    .replace("first", "left")
    .replace("second", "right")
    .replace("merged", "out")
    .replace("tolerance", "slack")
)

CLEAN = [
    "def mean(values):\n    total = 0\n    for v in values:\n        total += v\n"
    "    return total / len(values) if values else 0.0\n",
    "function greet(name) {\n  const words = ['hello', name];\n  return words.join(' ');\n}\n",
    "def tally_votes(ballots):\n    counts = {}\n    for ballot in ballots:\n"
    "        choice = ballot.strip().lower()\n        counts[choice] = counts.get(choice, 0) + 1\n"
    "    winner = max(counts, key=counts.get) if counts else None\n    return winner, counts\n",
]


def _rows() -> list[dict[str, Any]]:
    """The dataset: clean samples, planted copies, and a sample whose content is no string."""
    rows: list[dict[str, Any]] = [
        {"id": "clean-0", "content": CLEAN[0], "lang": "Python", "stars": 3},
        {"id": "gpl-exact", "content": GPL_HEADER + GPL_CODE, "lang": "Python", "stars": 10},
        {"id": "mit-copy", "content": MIT_CODE, "lang": "Python", "stars": 7},
        {"id": "clean-1", "content": CLEAN[1], "lang": "JavaScript", "stars": 1},
        {"id": "not-text", "content": 42, "lang": "Python", "stars": 0},
        {"id": "gpl-renamed", "content": GPL_RENAMED, "stars": 2},  # no language: guessed
        {"id": "apache-copy", "content": APACHE_CODE, "lang": "Python", "stars": 5},
        {"id": "clean-2", "content": CLEAN[2], "lang": "Python", "stars": 4},
    ]
    return rows


FAILING = {"gpl-exact", "gpl-renamed"}


def _source(root: Path, name: str, spdx: str, files: dict[str, str]) -> Path:
    folder = root / f"{name}-1.0"
    folder.mkdir()
    text = TEXTS[spdx].replace("[year]", "2016").replace("[fullname]", "Ada Example")
    (folder / "LICENSE").write_text(text, encoding="utf-8")
    for rel, code in files.items():
        (folder / rel).write_text(code, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Path:
    """A real index of GPL-3.0, MIT and Apache-2.0 code."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("dataset-sources")
    sources = [
        _source(root, "gplkit", "GPL-3.0", {"intervals.py": GPL_HEADER + GPL_CODE}),
        _source(root, "mitkit", "MIT", {"durations.py": MIT_CODE}),
        _source(root, "apachekit", "Apache-2.0", {"checksums.py": APACHE_CODE}),
    ]
    build_index([str(s) for s in sources], root / "index", encoder, encoder.encode)
    return root / "index"


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "permissive-only.toml"
    path.write_text(PERMISSIVE_ONLY, encoding="utf-8")
    return path


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _audit(
    path: Path, index: Path, policy: Path, tmp: Path, **run: Any
) -> tuple[AuditResult, Path, Path]:
    """``audit_dataset`` with the report and the filtered copy in ``tmp``."""
    on_chunk = run.pop("on_chunk", None)
    suffix = "".join(path.suffixes) if path.is_file() else ""
    report, filtered = tmp / "report.jsonl", tmp / f"filtered{suffix}"
    settings = AuditSettings(index_dir=index, policy_file=policy)
    opts = RunSettings(report=report, filtered=filtered, **{"jobs": 1, **run})
    result = audit_dataset(path, detect_format(path), Fields(), settings, opts, on_chunk)
    return result, report, filtered


def _report(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_permissive_only_audit_removes_exactly_the_copyleft_copies(
    tmp_path: Path, index: Path, policy: Path
) -> None:
    data = _write_jsonl(tmp_path / "data.jsonl", _rows())
    out = tmp_path / "out"
    args = ["dataset", "audit", str(data), "--index", str(index), "--policy", str(policy)]
    args += ["--report", str(out / "report.jsonl"), "--filtered-out", str(out / "kept.jsonl")]
    run = CliRunner().invoke(main, [*args, "--jobs", "1"])
    assert run.exit_code == 1, run.output
    listed = [line for line in run.stdout.splitlines() if line.startswith("sample ")]
    assert [line.split()[2].strip("():") for line in listed] == ["gpl-exact", "gpl-renamed"]
    assert all("gplkit" in line and "denied" in line for line in listed)

    by_id = {r["id"]: r for r in _report(out / "report.jsonl")}
    assert [r["index"] for r in by_id.values()] == list(range(len(_rows())))
    assert {i for i, r in by_id.items() if r["status"] == "fail"} == FAILING
    assert by_id["mit-copy"]["status"] == by_id["apache-copy"]["status"] == "flagged"
    mit = by_id["mit-copy"]["findings"][0]
    assert (mit["source"]["package"], mit["source"]["license"]) == ("mitkit", "MIT")
    assert by_id["gpl-exact"]["findings"][0]["source"]["license"].startswith("GPL-3.0")
    assert by_id["gpl-renamed"]["language"] == "python"  # guessed: no language field
    assert by_id["not-text"]["status"] == "skipped"
    assert by_id["not-text"]["problem"] == "content is a number, not a string"
    assert {by_id[f"clean-{i}"]["status"] for i in range(3)} == {"clean"}

    # The filtered copy is the input's lines, unchanged and in order, less the failing ones.
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    want = [ln for ln in lines if json.loads(ln)["id"] not in FAILING]
    assert (out / "kept.jsonl").read_text(encoding="utf-8") == "".join(want)

    run = CliRunner().invoke(main, [*args, "--jobs", "1", "--summary-format", "json", "-q"])
    summary = json.loads(run.stdout)
    assert (summary["samples"], summary["skipped"], summary["flagged"]) == (8, 1, 4)
    assert (summary["failing"], summary["kept"]) == (2, 6)
    assert summary["by_license"]["MIT"] == {"samples": 1, "failing": 0}
    assert summary["by_verdict"]["denied"] == 2
    assert [s["id"] for s in summary["failing_samples"]] == ["gpl-exact", "gpl-renamed"]


def test_gzipped_json_lines_stay_gzipped(tmp_path: Path, index: Path, policy: Path) -> None:
    data = _write_jsonl(tmp_path / "data.jsonl.gz", _rows())
    result, _report_path, filtered = _audit(data, index, policy, tmp_path)
    assert result.summary.failing == 2
    kept = [json.loads(ln) for ln in gzip.decompress(filtered.read_bytes()).splitlines()]
    assert kept == [r for r in _rows() if r["id"] not in FAILING]


def _table() -> Any:
    rows = _rows()
    rows[4]["content"] = None  # Arrow columns hold one type: a null for the bad sample
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("content", pa.string()),
            ("lang", pa.string()),
            ("stars", pa.int64()),
        ],
        metadata={b"origin": b"ipscan test"},
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _without_failing(table: Any) -> Any:
    return table.filter(pa.array([i not in FAILING for i in table.column("id").to_pylist()]))


def test_parquet_round_trip_keeps_the_schema_and_other_columns(
    tmp_path: Path, index: Path, policy: Path
) -> None:
    data = tmp_path / "data.parquet"
    pq.write_table(_table(), data, compression="zstd")
    result, _report_path, filtered = _audit(data, index, policy, tmp_path)
    assert {r["id"] for r in result.failing} == FAILING
    got = pq.read_table(filtered)
    assert got.schema.equals(_table().schema, check_metadata=True)
    assert got.equals(_without_failing(_table()))
    assert pq.ParquetFile(filtered).metadata.row_group(0).column(0).compression == "ZSTD"


def test_hugging_face_folder_round_trip(tmp_path: Path, index: Path, policy: Path) -> None:
    """A ``save_to_disk`` folder of two Arrow stream files, as ``datasets`` writes it."""
    data = tmp_path / "hf"
    data.mkdir()
    table = _table().replace_schema_metadata({b"huggingface": b'{"info": {"features": {}}}'})
    names = ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
    for name, part in zip(names, (table.slice(0, 3), table.slice(3)), strict=True):
        with pa.OSFile(str(data / name), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(part)
    state = {
        "_data_files": [{"filename": n} for n in names],
        "_fingerprint": "abc",
        "_split": "train",
    }
    (data / "state.json").write_text(json.dumps(state), encoding="utf-8")
    info = {"features": {}, "splits": {"train": {"name": "train", "num_examples": 8}}}
    (data / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")

    result, _report_path, filtered = _audit(data, index, policy, tmp_path)
    assert {r["id"] for r in result.failing} == FAILING
    assert sorted(p.name for p in filtered.iterdir()) == sorted(
        [*names, "dataset_info.json", "state.json"]
    )
    parts = [pa.ipc.open_stream(pa.memory_map(str(filtered / n))).read_all() for n in names]
    assert all(p.schema.equals(table.schema, check_metadata=True) for p in parts)
    assert pa.concat_tables(parts).equals(_without_failing(table))
    new_state = json.loads((filtered / "state.json").read_text(encoding="utf-8"))
    assert new_state["_data_files"] == state["_data_files"] and new_state["_fingerprint"] != "abc"
    new_info = json.loads((filtered / "dataset_info.json").read_text(encoding="utf-8"))
    assert new_info["splits"]["train"]["num_examples"] == 6


def test_a_folder_of_sources(tmp_path: Path, index: Path, policy: Path) -> None:
    files = {
        "src/intervals.py": GPL_HEADER + GPL_CODE,
        "src/durations.py": MIT_CODE,
        "lib/mean.py": CLEAN[0],
        "scripts/join": GPL_RENAMED,  # no extension: the language is guessed
        "README.md": "# notes\n",
    }
    data = tmp_path / "repo"
    for rel, text in files.items():
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(text, encoding="utf-8")
    result, report, filtered = _audit(data, index, policy, tmp_path)
    assert {r["id"] for r in result.failing} == {"src/intervals.py", "scripts/join"}
    kept = sorted(p.relative_to(filtered).as_posix() for p in filtered.rglob("*") if p.is_file())
    assert kept == ["README.md", "lib/mean.py", "src/durations.py"]
    assert (filtered / "src/durations.py").read_text(encoding="utf-8") == MIT_CODE
    skipped = [r for r in _report(report) if r["status"] == "skipped"]
    assert [(r["id"], r["problem"]) for r in skipped] == [("README.md", "unsupported file type")]


class Stop(Exception):
    """The audit was killed after a chunk was recorded."""


def test_a_stopped_audit_resumes_to_the_same_outputs(
    tmp_path: Path, index: Path, policy: Path
) -> None:
    data = _write_jsonl(tmp_path / "data.jsonl", _rows())
    whole, report, filtered = _audit(data, index, policy, tmp_path / "whole", chunk_size=3)
    assert (whole.chunks, whole.chunks_run) == (3, 3)

    def stop(k: int) -> None:
        if k == 1:
            raise Stop

    out = tmp_path / "resumed"
    with pytest.raises(Stop):
        _audit(data, index, policy, out, chunk_size=3, on_chunk=stop)
    assert not (out / "report.jsonl").exists() and not (out / "filtered.jsonl").exists()
    with pytest.raises(UsageError, match="another audit"):  # other options: not this checkpoint
        _audit(data, index, policy, out, chunk_size=4, resume=True)
    again, report2, filtered2 = _audit(data, index, policy, out, chunk_size=3, resume=True)
    assert (again.chunks, again.chunks_run) == (3, 1)
    assert report2.read_bytes() == report.read_bytes()
    assert filtered2.read_bytes() == filtered.read_bytes()
    assert not list(out.glob(".*ipscan-audit"))  # a finished audit leaves no checkpoint


def test_two_processes_give_what_one_gives(tmp_path: Path, index: Path, policy: Path) -> None:
    data = _write_jsonl(tmp_path / "data.jsonl", _rows() * 2)
    _one, report1, filtered1 = _audit(data, index, policy, tmp_path / "one", chunk_size=2)
    two, report2, filtered2 = _audit(data, index, policy, tmp_path / "two", chunk_size=2, jobs=2)
    assert two.summary.failing == 4
    assert report2.read_bytes() == report1.read_bytes()
    assert filtered2.read_bytes() == filtered1.read_bytes()


@pytest.mark.slow
def test_ray_gives_what_one_process_gives(
    ray_cluster: ModuleType, tmp_path: Path, index: Path, policy: Path
) -> None:
    data = _write_jsonl(tmp_path / "data.jsonl", _rows() * 2)
    _one, report1, filtered1 = _audit(data, index, policy, tmp_path / "one", chunk_size=3)
    on_ray, report2, filtered2 = _audit(
        data, index, policy, tmp_path / "ray", chunk_size=3, ray=True
    )
    assert (on_ray.chunks, on_ray.chunks_run) == (6, 6)
    assert report2.read_bytes() == report1.read_bytes()
    assert filtered2.read_bytes() == filtered1.read_bytes()


@pytest.mark.parametrize(
    ("name", "text", "extra", "code", "message"),
    [
        ("bad.jsonl", '{"content": "x = 1"}\n{"content": \n', [], 3, "bad.jsonl:2: not valid JSON"),
        ("list.jsonl", "[1, 2]\n", [], 3, "list.jsonl:1: not a JSON object"),
        ("nofield.jsonl", '{"code": "x = 1"}\n', [], 3, "nofield.jsonl:1: no field 'content'"),
        ("data.csv", "content\n", [], 2, "cannot tell the dataset format"),
        (
            "ok.jsonl",
            '{"content": "x = 1"}\n',
            ["--project-license", "MIT", "--policy", "p"],
            2,
            "not both",
        ),
        (
            "ok.jsonl",
            '{"content": "x = 1"}\n',
            ["--project-license", "NOT A LICENSE"],
            2,
            "--project-license",
        ),
        ("bad.parquet", "not parquet", [], 3, "bad.parquet: cannot read"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    tmp_path: Path, index: Path, name: str, text: str, extra: list[str], code: int, message: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    args = ["dataset", "audit", str(tmp_path / name), "--index", str(index), "--jobs", "1"]
    run = CliRunner().invoke(main, [*args, "--report", str(tmp_path / "r.jsonl"), *extra])
    assert run.exit_code == code, run.output
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("ipscan: error:") or line.startswith("Error:"), line
    assert message in line
    assert not (tmp_path / "r.jsonl").exists()


def test_a_missing_input_is_an_error(tmp_path: Path, index: Path) -> None:
    run = CliRunner().invoke(main, ["dataset", "audit", str(tmp_path / "none.jsonl")])
    assert run.exit_code == 3
    assert run.stderr.strip() == f"ipscan: error: {tmp_path / 'none.jsonl'}: no such file or folder"

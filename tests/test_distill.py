"""Distilling a cheaper student encoder: the training forward is the runtime's, and a student
trained for a few steps on real canonical code becomes a folder scans load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.standalone import EMBEDDINGS_FILE
from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_bytes

torch = pytest.importorskip("torch")

from ipscan.training.distill import Student  # noqa: E402
from ipscan.training.distill import distill  # noqa: E402
from ipscan.training.distill import forward  # noqa: E402
from ipscan.training.distill import load_float_folder  # noqa: E402
from ipscan.training.distill import write_student_folder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEACHER = REPO / "models" / "encoder-float32"


def _canonical_units() -> list[str]:
    import json as stdlib_json  # a real module's functions, parsed as a scan parses them

    path = Path(stdlib_json.__file__).with_name("encoder.py")
    analyzed = analyze_bytes("encoder.py", path.read_bytes())
    assert isinstance(analyzed, AnalyzedFile)
    return [au.canonical for au in analyzed.units]


def _ids(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from ipscan.encoder.wordpiece import WordPieceTokenizer

    tok = WordPieceTokenizer.from_file(TEACHER / "tokenizer.json")
    ids = tok.encode_batch(texts, 128)
    width = max(map(len, ids))
    out = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.float32)
    for i, row in enumerate(ids):
        out[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return out, mask


def test_training_forward_is_the_numpy_runtime() -> None:
    texts = _canonical_units()[:12]
    weights, _ = load_float_folder(TEACHER)
    params = {k: torch.from_numpy(v) for k, v in weights.items()}
    ids, mask = _ids(texts)
    got = forward(params, 3, 12, torch.from_numpy(ids), torch.from_numpy(mask), 1e-12).numpy()
    want = load_encoder("numpy", TEACHER).encode(texts)
    cos = np.einsum("ij,ij->i", got, want)
    assert cos.min() > 0.9999, cos


def test_a_distilled_student_is_a_folder_scans_load(tmp_path: Path) -> None:
    texts = _canonical_units()
    tok_ids = [_ids([t])[0][0] for t in texts]
    lengths = np.array([len(x) for x in tok_ids])
    split = np.zeros(len(texts), dtype=np.uint8)
    split[-6:] = 1  # the last functions are the held-out ones
    np.savez_compressed(
        tmp_path / "data.npz",
        ids=np.concatenate(tok_ids).astype(np.uint16),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        split=split,
        pairs=np.array([[0, 1], [2, 3], [len(texts) - 2, len(texts) - 1]], dtype=np.int64),
    )
    spec = Student("tiny", (0, 2), 64, steps=20, batch=16, lr=1e-3)
    report = distill(
        tmp_path / "data.npz", TEACHER, tmp_path, [spec], device="cpu", say=lambda _: None
    )
    trained = report["students"]["tiny"]
    assert trained["after"]["cos_mean"] > trained["before"]["cos_mean"]  # it learned
    assert json.loads((tmp_path / "distill.json").read_text())["students"]["tiny"]
    folder = tmp_path / "student"
    write_student_folder(TEACHER, tmp_path / "tiny.safetensors", folder, spec, {"steps": 20})
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["config"]["num_hidden_layers"] == 2
    assert manifest["config"]["intermediate_size"] == 64
    assert (folder / EMBEDDINGS_FILE).read_bytes() == (TEACHER / EMBEDDINGS_FILE).read_bytes()
    # The student's own forward pass and both CPU runtimes give one vector per text.
    student = {k: torch.from_numpy(v) for k, v in load_float_folder(folder)[0].items()}
    ids, mask = _ids(texts[:5])
    want = forward(student, 2, 12, torch.from_numpy(ids), torch.from_numpy(mask), 1e-12)
    for device in ("numpy", "cpu"):
        got = load_encoder(device, folder).encode(texts[:5])
        assert got.shape == (5, 384)
        assert np.einsum("ij,ij->i", got, want.numpy()).min() > 0.999


def test_the_committed_student_is_the_teachers_tables_and_two_cheaper_layers() -> None:
    student = REPO / "models" / "encoder-student-float32"
    assert (student / EMBEDDINGS_FILE).read_bytes() == (TEACHER / EMBEDDINGS_FILE).read_bytes()
    manifest = json.loads((student / MANIFEST).read_text())
    assert manifest["config"]["num_hidden_layers"] == 2
    assert manifest["config"]["intermediate_size"] == 384
    assert manifest["distilled_from"]["id"] == json.loads((TEACHER / MANIFEST).read_text())["id"]
    texts = _canonical_units()[:8]
    numpy_vectors = load_encoder("numpy", student).encode(texts)
    ort_vectors = load_encoder("cpu", student).encode(texts)
    assert np.einsum("ij,ij->i", numpy_vectors, ort_vectors).min() > 0.9999
    # Distilled, not copied: close to the teacher's vectors, and not the same function.
    teacher = load_encoder("numpy", TEACHER).encode(texts)
    cos = np.einsum("ij,ij->i", numpy_vectors, teacher)
    assert 0.8 < cos.mean() < 0.9999

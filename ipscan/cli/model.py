"""`ipscan model ...`: train the models that ship in models/ (the verdict classifier)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from ipscan.cli.conventions import quiet
from ipscan.cli.conventions import say
from ipscan.cli.model_quantize import quantize_encoder
from ipscan.errors import EXIT_CLEAN

if TYPE_CHECKING:  # the commands import the training code when they run
    from ipscan.encoder.model_dir import ModelInfo
    from ipscan.training.encoder_eval import EvalSet
    from ipscan.training.encoder_train import Pair
    from ipscan.training.encoder_train import TrainOptions

DEFAULT_CLASSIFIER_DIR = Path("models") / "classifier"
# What `model export` writes: the float32 folder the shipped int8 encoder (models/encoder/) is
# quantized from (`model quantize`).
DEFAULT_ENCODER_DIR = Path("models") / "encoder-float32"
# Where `model train` writes its adapter: `model export` turns it into models/encoder-float32/.
DEFAULT_ADAPTER_DIR = Path("build") / "encoder-adapter"
# Installed with ipscan-code[dev] (and its dependencies), and disjoint from bench/detection.py's.
TRAIN_INDEX = (
    "attrs,jsonschema,GitPython,sortedcontainers,xmltodict,semantic-version,referencing,"
    "pyparsing,boolean.py,uritools,virtualenv,platformdirs,rdflib"
)
TRAIN_NEGATIVES = (
    "ply,distlib,cfgv,defusedxml,packageurl-python,license-expression,pre_commit,identify,"
    "typing_extensions,iniconfig,nodeenv,py-serializable,"
    "networkx:networkx/algorithms/*.py,networkx:networkx/readwrite/*.py,"
    "networkx:networkx/generators/*.py,mpmath:mpmath/*/*.py,sympy:sympy/printing/*.py,"
    "sympy:sympy/core/*.py,sympy:sympy/solvers/*.py,sympy:sympy/utilities/*.py,"
    "transformers:transformers/models/bert/*.py,transformers:transformers/models/gpt2/*.py,"
    "transformers:transformers/generation/*.py,transformers:transformers/utils/*.py,"
    "torch:torch/optim/*.py,torch:torch/utils/data/*.py"
)


@click.group()
def model() -> None:
    """Train and inspect ipscan's models."""


model.add_command(quantize_encoder)


@model.command("train-classifier")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CLASSIFIER_DIR,
    show_default=True,
    help="Where to write classifier.json and classifier.safetensors.",
)
@click.option("--index-packages", default=TRAIN_INDEX, show_default=True)
@click.option(
    "--negative-packages",
    default=TRAIN_NEGATIVES,
    show_default=True,
    help="Unrelated installed packages scanned as negatives: dist or dist:glob.",
)
@click.option("--per-level", type=click.IntRange(1, 5000), default=400, show_default=True)
@click.option(
    "--hidden",
    type=click.IntRange(0, 256),
    default=0,
    show_default=True,
    help="Hidden tanh units; 0 is a monotone logistic model.",
)
@click.option(
    "--target-precision",
    type=click.FloatRange(0.5, 1.0),
    default=0.99,
    show_default=True,
    help="Finding precision the threshold must reach on the calibration split.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--epochs", type=click.IntRange(10, 100000), default=1500, show_default=True)
@click.option("--no-embeddings", is_flag=True, help="Train without the encoder's cosine.")
@click.option(
    "--work",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the corpus and index here (default: a temporary folder, removed).",
)
def train_classifier(
    out: Path,
    index_packages: str,
    negative_packages: str,
    per_level: int,
    hidden: int,
    target_precision: float,
    seed: int,
    epochs: int,
    no_embeddings: bool,
    work: Path | None,
) -> int:
    """Train the verdict classifier on rewritten copies of installed packages' code."""
    from ipscan.decide.classifier import save_classifier
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.training.card import write_card
    from ipscan.training.fit import FitOptions
    from ipscan.training.fit import fit_classifier
    from ipscan.training.pair_data import label_pairs
    from ipscan.training.pair_data import make_corpus

    def say(msg: str) -> None:
        if not quiet():
            click.echo(f"ipscan: {msg}", err=True)

    folder = work or Path(tempfile.mkdtemp(prefix="ipscan-train-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        encoder = load_encoder(bulk_device("auto", BULK_TEXTS))
        index_dir, scanned, truth = make_corpus(
            folder,
            [d for d in index_packages.split(",") if d],
            [d for d in negative_packages.split(",") if d],
            per_level,
            seed,
            encoder,
            say,
        )
        data = label_pairs(index_dir, scanned, truth, embeddings=not no_embeddings)
        clf, evaluation = fit_classifier(
            data,
            FitOptions(hidden=hidden, epochs=epochs, seed=seed, target_precision=target_precision),
            say,
        )
        config = {
            **clf.config,
            "trained_on": {
                "index_packages": index_packages.split(","),
                "negative_packages": negative_packages.split(","),
                "per_level": per_level,
                "embeddings": not no_embeddings,
                "seed": seed,
            },
        }
        clf = type(clf)(clf.features, clf.threshold, clf.weights, config)
        save_classifier(out, clf)
        write_card(out, clf)
    finally:
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    click.echo(json.dumps(evaluation, indent=1))
    say(f"classifier written to {out}")
    return EXIT_CLEAN


_CORPUS = click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of package archives (bench/license_corpus.py --list "
    "bench/encoder_packages.txt); the Python standard library is always read too.",
)


@model.command("train")
@_CORPUS
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ADAPTER_DIR,
    show_default=True,
    help="Adapter folder to write (adapter.safetensors, ipscan-encoder.json); "
    "`ipscan model export` makes the shipped folder from it.",
)
@click.option("--per-language", type=click.IntRange(10, 10**6), default=2500, show_default=True)
@click.option("--layers", type=click.IntRange(1, 6), default=3, show_default=True)
@click.option("--rank", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(16, 512), default=128, show_default=True)
@click.option("--batch", "batch_pairs", type=click.IntRange(2, 4096), default=32, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 100), default=1, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True)
@click.option("--minutes", type=click.FloatRange(0.1), help="Stop training after this long.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--hard-negatives/--no-hard-negatives",
    default=False,
    show_default=True,
    help="Give each anchor its nearest other training function as an extra negative.",
)
@click.option(
    "--control-swapped/--no-control-swapped",
    default=False,
    show_default=True,
    help="Also train on copies with an if/else inverted or a for loop written as while.",
)
def train_encoder(
    corpus: Path | None,
    out: Path,
    per_language: int,
    layers: int,
    rank: int,
    max_length: int,
    batch_pairs: int,
    epochs: int,
    lr: float,
    minutes: float | None,
    seed: int,
    hard_negatives: bool,
    control_swapped: bool,
) -> int:
    """Fine-tune the code encoder contrastively on rewritten copies (LoRA adapter, GPU if any)."""
    from ipscan.encoder.model_dir import base_package_dir
    from ipscan.encoder.model_dir import describe_model_dir
    from ipscan.encoder.model_dir import find_model_dir
    from ipscan.training.code_corpus import LANGUAGES
    from ipscan.training.code_corpus import corpus_functions
    from ipscan.training.encoder_train import TRAIN_LEVELS
    from ipscan.training.encoder_train import TrainOptions
    from ipscan.training.encoder_train import save_adapter
    from ipscan.training.encoder_train import train_adapter
    from ipscan.training.encoder_train import training_pairs

    base = describe_model_dir(base_package_dir(), "package")
    functions = list(corpus_functions(corpus, LANGUAGES))
    say(f"{len(functions)} functions read")
    levels = (*TRAIN_LEVELS, "control-swapped") if control_swapped else TRAIN_LEVELS
    pairs = training_pairs(functions, per_language, seed, say, levels)
    if len(pairs) < batch_pairs:
        raise click.UsageError(f"only {len(pairs)} training pairs; add a --corpus")
    options = TrainOptions(
        layers=layers,
        rank=rank,
        max_length=max_length,
        batch_pairs=batch_pairs,
        epochs=epochs,
        lr=lr,
        seed=seed,
        hard_negatives=hard_negatives,
    )
    tensors, summary = train_adapter(
        pairs, str(base.path), options, say, None if minutes is None else minutes * 60
    )
    save_adapter(out, tensors, _encoder_manifest(base, pairs, options, summary, levels))
    say(f"encoder adapter written to {out} ({find_model_dir(out)[0]})")
    return EXIT_CLEAN


@model.command("export")
@_CORPUS
@click.option(
    "--tree",
    "trees",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of source files whose units the export measures agreement on (repeatable).",
)
@click.option(
    "--from",
    "source_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_ADAPTER_DIR,
    show_default=True,
    help="The trained model folder (an adapter over the base package, or full weights).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ENCODER_DIR,
    show_default=True,
    help="The standalone model folder to write (replaced as a whole).",
)
def export_encoder(
    corpus: Path | None, trees: tuple[Path, ...], source_dir: Path, out: Path
) -> int:
    """Write a trained encoder as a standalone folder that scans load without torch or the
    base package: merged float16 weights, the tokenizer and an ONNX graph."""
    from ipscan.encoder.model_dir import describe_model_dir
    from ipscan.training.export_standalone import export_standalone
    from ipscan.training.export_standalone import measured_texts

    source = describe_model_dir(source_dir)
    texts = measured_texts(corpus, trees)
    say(f"{len(texts)} units read")
    manifest = export_standalone(source, out, texts, say)
    same = (
        "same embeddings as the source"
        if "same_embeddings_as" in manifest
        else ("embeddings differ from the source: rebuild indexes made with it")
    )
    say(f"standalone encoder written to {out} ({same})")
    return EXIT_CLEAN


def _encoder_manifest(
    base: ModelInfo,
    pairs: Sequence[Pair],
    options: TrainOptions,
    summary: dict[str, Any],
    levels: Sequence[str],
) -> dict[str, Any]:
    """The trained adapter's ipscan-encoder.json: its base model, how it embeds, and how it
    was trained (per-language pair counts, levels, options, corpus packages)."""
    from ipscan.encoder.model_dir import BASE_ID
    from ipscan.encoder.model_dir import weights_sha256
    from ipscan.extract.canonical import CANONICAL

    languages: dict[str, int] = {}
    for p in pairs:
        languages[p.language] = languages.get(p.language, 0) + 1
    return {
        "id": f"ipscan-code-{BASE_ID}-l{options.layers}-lora{options.rank}",
        "base": {
            "package": base.base_package,
            "version": base.base_version,
            "weights_sha256": weights_sha256(base),
        },
        "adapter": "adapter.safetensors",
        "layers": options.layers,
        "pooling": "mean",
        "normalize": True,
        "max_length": options.max_length,
        "dim": base.dim,
        "input": CANONICAL,
        "training": {
            **summary,
            "pairs_per_language": languages,
            "levels": list(levels),
            "options": {k: getattr(options, k) for k in options.__dataclass_fields__},
            "corpus_packages": sorted({p.package for p in pairs}),
        },
    }


@model.command("eval")
@_CORPUS
@click.option(
    "--languages",
    default="python,javascript,typescript,java,go,rust,c,cpp",
    show_default=True,
    help="Comma-separated languages to report (those with held-out functions).",
)
@click.option("--n", "n_functions", type=click.IntRange(10, 100000), default=300, show_default=True)
@click.option("--distractors", type=click.IntRange(0, 1000000), default=1500, show_default=True)
@click.option("--unrelated", type=click.IntRange(10, 100000), default=300, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--input",
    "inputs",
    type=click.Choice(["raw", "canonical"]),
    multiple=True,
    help="What the encoder reads (default: what its model declares): the function as "
    "written, or its canonical text.",
)
@click.option(
    "--model-dir",
    "model_dirs",
    multiple=True,
    help="Encoder model folder to measure, repeatable; 'base' is the base model "
    "(default: the one scans use).",
)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "numpy", "cuda", "torch-cpu"]),
    default="auto",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_encoder(
    corpus: Path | None,
    languages: str,
    n_functions: int,
    distractors: int,
    unrelated: int,
    seed: int,
    inputs: tuple[str, ...],
    model_dirs: tuple[str, ...],
    device: str,
    as_json: bool,
) -> int:
    """Measure encoders: does a rewritten function's embedding find its original?

    Per language, functions of held-out packages (never trained on), rewritten at every level;
    recall@1, MRR, ROC-AUC and TPR at 1% FPR of copies vs functions of other packages.
    """
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.encoder.model_dir import base_package_dir
    from ipscan.extract.canonical import CANONICAL
    from ipscan.training.code_corpus import corpus_functions
    from ipscan.training.encoder_eval import eval_sets
    from ipscan.training.encoder_eval import evaluate_encoder

    wanted = [lang.strip() for lang in languages.split(",") if lang.strip()]
    sets = eval_sets(
        corpus_functions(corpus, wanted), wanted, n_functions, distractors, unrelated, seed
    )
    if not sets:
        raise click.UsageError("no held-out functions in the requested languages")
    chosen = bulk_device(device, n_functions + distractors)
    rows: list[dict[str, object]] = []
    for folder in model_dirs or (None,):
        where = base_package_dir() if folder == "base" else folder
        encoder = load_encoder(chosen, where)
        modes = inputs or ("canonical" if encoder.input_format == CANONICAL else "raw",)
        for data in sets:
            for mode in modes:
                levels = evaluate_encoder(data, encoder.encode, canonical=mode == "canonical")
                for level, r in levels.items():
                    rows.append(
                        {
                            "encoder": encoder.encoder_id,
                            "language": data.language,
                            "input": mode,
                            "level": level,
                            **r,
                        }
                    )
    if as_json:
        sizes = {
            d.language: {
                "indexed": len(d.originals),
                "distractors": len(d.distractors),
                "unrelated": len(d.unrelated),
            }
            for d in sets
        }
        click.echo(json.dumps({"sets": sizes, "results": rows}, indent=1))
        return EXIT_CLEAN
    _echo_eval_table(sets, rows)
    return EXIT_CLEAN


def _echo_eval_table(sets: Sequence[EvalSet], rows: list[dict[str, object]]) -> None:
    """Each set's sizes, then one table line per encoder, language, input and level."""
    for d in sets:
        click.echo(
            f"{d.language}: {len(d.originals)} functions indexed with {len(d.distractors)} "
            f"distractors; {len(d.unrelated)} unrelated functions"
        )
    click.echo(
        f"{'encoder':36} {'language':11} {'input':9} {'level':16} {'n':>4} {'R@1':>6} "
        f"{'MRR':>6} {'AUC':>6} {'TPR@1%':>7}"
    )
    for row in rows:
        name, lang, mode, level = (str(row[k]) for k in ("encoder", "language", "input", "level"))
        n, r1, mrr, auc, tpr = (
            float(row[k])  # type: ignore[arg-type]
            for k in ("n", "recall@1", "mrr", "roc_auc", "tpr@1%fpr")
        )
        click.echo(
            f"{name[:36]:36} {lang:11} {mode:9} {level:16} {int(n):4d} {r1:6.3f} {mrr:6.3f} "
            f"{auc:6.3f} {tpr:7.3f}"
        )

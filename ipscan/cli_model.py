"""`ipscan model ...`: train the models that ship in models/ (the verdict classifier)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import click

from ipscan.errors import EXIT_CLEAN

DEFAULT_CLASSIFIER_DIR = Path("models") / "classifier"
# Installed with ipscan[dev] (and its dependencies), and disjoint from bench/detection.py's.
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
    from ipscan.classifier import save_classifier
    from ipscan.encoder import BULK_TEXTS
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.training.card import write_card
    from ipscan.training.fit import FitOptions
    from ipscan.training.fit import fit_classifier
    from ipscan.training.pair_data import label_pairs
    from ipscan.training.pair_data import make_corpus

    def say(msg: str) -> None:
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


@model.command("eval")
@click.option("--n", "n_functions", type=click.IntRange(10, 100000), default=500, show_default=True)
@click.option("--distractors", type=click.IntRange(0, 1000000), default=2000, show_default=True)
@click.option("--unrelated", type=click.IntRange(10, 100000), default=500, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--input",
    "inputs",
    type=click.Choice(["raw", "canonical"]),
    multiple=True,
    help="Text given to the encoder (default: both): as written, or identifiers canonicalized.",
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "torch-cpu"]), default="auto")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_encoder(
    n_functions: int,
    distractors: int,
    unrelated: int,
    seed: int,
    inputs: tuple[str, ...],
    device: str,
    as_json: bool,
) -> int:
    """Measure the encoder: does a rewritten function's embedding find its original?

    Held-out functions of the Python standard library, rewritten at every level; recall@1, MRR,
    ROC-AUC and TPR at 1% FPR of copies vs functions of other modules.
    """
    from ipscan.encoder import bulk_device
    from ipscan.encoder import load_encoder
    from ipscan.training.encoder_eval import evaluate_encoder
    from ipscan.training.encoder_eval import make_eval_set
    from ipscan.training.encoder_eval import stdlib_modules

    data = make_eval_set(stdlib_modules(), n_functions, distractors, unrelated, seed)
    encoder = load_encoder(bulk_device(device, n_functions + distractors))
    results = {
        mode: evaluate_encoder(data, encoder.encode, canonical_input=mode == "canonical")
        for mode in inputs or ("raw", "canonical")
    }
    if as_json:
        click.echo(json.dumps({"encoder": encoder.info.encoder_id, "results": results}, indent=1))
        return EXIT_CLEAN
    click.echo(
        f"encoder {encoder.info.encoder_id}; {len(data.originals)} functions indexed with "
        f"{len(data.distractors)} distractors; {len(data.unrelated)} unrelated functions"
    )
    click.echo(f"{'input':10} {'level':16} {'n':>5} {'R@1':>6} {'MRR':>6} {'AUC':>6} {'TPR@1%':>7}")
    for mode, levels in results.items():
        for level, r in levels.items():
            click.echo(
                f"{mode:10} {level:16} {int(r['n']):5d} {r['recall@1']:6.3f} {r['mrr']:6.3f} "
                f"{r['roc_auc']:6.3f} {r['tpr@1%fpr']:7.3f}"
            )
    return EXIT_CLEAN

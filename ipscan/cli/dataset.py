"""`ipscan dataset audit`: which samples of a code dataset copy licensed code, under which
license, and a copy of the dataset without the samples that fail the policy (docs/dataset.md).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from ipscan.cli.conventions import quiet
from ipscan.cli.options import DEVICES
from ipscan.cli.options import index_option
from ipscan.cli.options import jobs_option
from ipscan.cli.options import ray_option
from ipscan.errors import EXIT_CLEAN
from ipscan.errors import EXIT_FINDINGS
from ipscan.errors import UsageError

FORMAT_CHOICES = ("auto", "jsonl", "parquet", "hf", "folder")  # = dataset.formats.FORMAT_NAMES
# What --ray takes: a cluster address (as `index build --ray`).
_RAY_ADDRESS = re.compile(r"local|auto|ray://[^\s/]+|[\w.-]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5}")


@click.group()
def dataset() -> None:
    """Audit code datasets (as used to train code models) for licensed copies."""


@dataset.command("audit")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default="auto",
    show_default=True,
    help="The input's format. auto: a folder with state.json is a Hugging Face save_to_disk "
    "dataset, another folder a folder of sources, a file by its extension (.jsonl[.gz], "
    ".parquet).",
)
@click.option("--content-field", default="content", show_default=True, help="The code's field.")
@click.option(
    "--language-field",
    default="lang",
    show_default=True,
    help="The language's field; a sample without one is checked in the language its id's "
    "extension names, else the one whose grammar parses it best.",
)
@click.option(
    "--id-field",
    default="id",
    show_default=True,
    help="The field samples are reported by (default: their position).",
)
@index_option()
@click.option(
    "--project-license",
    metavar="SPDX",
    help="The license the dataset's samples must be usable under (e.g. MIT).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A policy file (.ipscan.toml keys: project-license, allowed/denied-licenses, fail-on).",
)
@click.option(
    "--filtered-out",
    "filtered",
    type=click.Path(path_type=Path),
    help="Write the dataset without its failing samples here, in the input's format.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one JSON line a sample here: status, findings, sources, licenses, verdicts.",
)
@click.option(
    "--summary-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How the summary on stdout is written.",
)
@jobs_option("Worker processes (0: every core); with --ray and no ADDRESS, the local Ray's CPUs.")
@ray_option(
    "Check chunks as Ray tasks: ADDRESS is auto, ray://HOST:PORT or HOST:PORT; none "
    "starts a local Ray. The index must be at the same path on every node."
)
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 100_000),
    default=128,
    show_default=True,
    help="Samples checked together (one task, one checkpoint entry).",
)
@click.option(
    "--resume", is_flag=True, help="Skip the chunks a stopped run of the same audit finished."
)
@click.option(
    "--checkpoint",
    type=click.Path(file_okay=False, path_type=Path),
    help="The checkpoint folder (default: .NAME.ipscan-audit beside the first output).",
)
@click.option(
    "--device", type=DEVICES, default="auto", show_default=True, help="Where the encoder runs."
)
@click.option("--no-embeddings", is_flag=True, help="Only the token matchers (no encoder).")
def audit_cmd(
    input_path: Path,
    fmt: str,
    content_field: str,
    language_field: str,
    id_field: str,
    index_dir: Path | None,
    project_license: str | None,
    policy_file: Path | None,
    filtered: Path | None,
    report: Path | None,
    summary_format: str,
    jobs: int,
    ray_address: str | None,
    chunk_size: int,
    resume: bool,
    checkpoint: Path | None,
    device: str,
    no_embeddings: bool,
) -> int:
    """Audit the samples of INPUT (JSON Lines, Parquet, a Hugging Face dataset folder or a
    folder of sources) against the index under a target license or policy.

    Prints the failing samples and a summary; exits 1 when a sample fails the policy.
    """
    from ipscan.dataset.audit import RunSettings
    from ipscan.dataset.audit import audit_dataset
    from ipscan.dataset.check import AuditSettings
    from ipscan.dataset.formats import detect_format
    from ipscan.dataset.samples import Fields
    from ipscan.dataset.summary import failing_line
    from ipscan.dataset.summary import render_summary
    from ipscan.extract.parallel import available_cores

    if project_license and policy_file:
        raise UsageError("give --project-license or --policy, not both")
    if ray_address is not None and not _RAY_ADDRESS.fullmatch(ray_address):
        raise UsageError(
            f"--ray {ray_address!r}: give auto, ray://HOST:PORT or HOST:PORT, or nothing for a "
            "local Ray (write --ray last, or --ray local, before INPUT)"
        )
    for out in (filtered, report):
        if out is not None and out.resolve() == input_path.resolve():
            raise UsageError(f"{out}: would overwrite the input")
    started = time.perf_counter()
    dataset_format = detect_format(input_path, fmt)
    settings = AuditSettings(
        index_dir=index_dir,
        project_license=project_license,
        policy_file=policy_file,
        embeddings=not no_embeddings,
        device=device,
    )
    on_ray = ray_address is not None
    run = RunSettings(
        jobs=jobs if on_ray else (jobs or available_cores()),
        ray=on_ray,
        ray_address=None if ray_address in (None, "local") else ray_address,
        chunk_size=chunk_size,
        resume=resume,
        checkpoint=checkpoint,
        report=report,
        filtered=filtered,
    )
    fields = Fields(content=content_field, language=language_field, id=id_field)
    result = audit_dataset(input_path, dataset_format, fields, settings, run)
    if summary_format == "json":
        doc = result.summary.to_dict() | {
            "failing_samples": [{"index": r["index"], "id": r["id"]} for r in result.failing]
        }
        click.echo(json.dumps(doc, indent=2))
    else:
        for r in result.failing:
            click.echo(failing_line(r))
        click.echo(render_summary(result.summary), nl=False)
    if not quiet():
        took = time.perf_counter() - started
        n = result.summary.samples
        reused = result.chunks - result.chunks_run
        again = f", {reused} of {result.chunks} chunks from the checkpoint" if reused else ""
        click.echo(
            f"ipscan: {n} samples in {took:.1f} s ({n / max(took, 1e-9):.1f}/s){again}", err=True
        )
    sys.stdout.flush()
    return EXIT_FINDINGS if result.failing else EXIT_CLEAN

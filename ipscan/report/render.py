"""Pick the renderer for a format, and write a report where the user asked."""

from __future__ import annotations

import os
from pathlib import Path

from ipscan.errors import UsageError
from ipscan.records import Report

FORMATS = ("text", "json", "sarif", "github")


def render(report: Report, fmt: str, explain: bool = False) -> str:
    """The report in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        from ipscan.report.json_report import render_json

        return render_json(report)
    if fmt == "sarif":
        from ipscan.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from ipscan.report.github import render_github

        return render_github(report)
    from ipscan.report.text import render_text

    return render_text(report, explain)


def write_step_summary(report: Report) -> None:
    """Append the Markdown job summary where GitHub Actions asks for it (when it does)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from ipscan.report.github import render_step_summary

    try:
        with Path(target).open("a", encoding="utf-8") as fh:
            fh.write(render_step_summary(report))
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the job summary ({exc.strerror})") from exc


def write_output(body: str, output: Path | None) -> None:
    """Write ``body`` to ``output``, or to stdout when it is None."""
    import click

    if output is None:
        click.echo(body, nl=False)
        return
    try:
        output.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write the report ({exc.strerror})") from exc

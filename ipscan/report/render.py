"""Pick the renderer for a format, and write a report where the user asked."""

from __future__ import annotations

import os
from pathlib import Path

from ipscan.errors import UsageError
from ipscan.records import Report

FORMATS = ("text", "json", "sarif", "github", "html", "spdx", "cyclonedx")


def render(report: Report, fmt: str, explain: bool = False, terminal: bool = False) -> str:
    """The report in ``fmt`` (one of FORMATS); ``terminal`` text is grouped and coloured."""
    if fmt == "json":
        from ipscan.report.json_report import render_json

        return render_json(report)
    if fmt == "sarif":
        from ipscan.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from ipscan.report.github import render_github

        return render_github(report)
    if fmt == "html":
        from ipscan.report.html import render_html

        return render_html(report)
    if fmt == "spdx":
        from ipscan.report.spdx import render_spdx

        return render_spdx(report)
    if fmt == "cyclonedx":
        from ipscan.report.cyclonedx import render_cyclonedx

        return render_cyclonedx(report)
    if terminal:
        from ipscan.report.terminal import render_terminal

        return render_terminal(report, explain)
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

"""``ipscan snippet``: check one piece of code that is not a file in a repository (a pasted
answer, an assistant's suggestion) against the index, judged by the project it is meant for.

The snippet comes on stdin or from ``--file``. Its language is ``--language``, else the file's
(or ``--name``'s) extension, else the grammar that parses it best. The project whose license
and policy judge the findings is ``--project DIR``, else the current directory when it is in a
git work tree or declares a policy or license, else none (``--no-project``): the defaults and
``--project-license`` alone. Exit codes are those of ``ipscan check``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from typing import BinaryIO

import click

from ipscan.cli.conventions import quiet
from ipscan.cli.scan_command import finish_scan
from ipscan.cli.scan_command import scan_options
from ipscan.cli.scan_command import scan_settings
from ipscan.errors import IpscanError
from ipscan.errors import UsageError


@click.command("snippet")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=True, allow_dash=True, path_type=Path),
    default="-",
    show_default=True,
    help="Read the snippet from FILE ('-': stdin).",
)
@click.option(
    "--language",
    metavar="LANG",
    help="python, javascript, typescript, tsx, java, c, cpp, go or rust, or an extension "
    "(js, rs, ...) (default: the file's or --name's extension, else the language whose "
    "grammar parses the snippet best).",
)
@click.option(
    "--name",
    help="The path findings give the snippet (default: FILE, else <snippet> and the "
    "language's extension).",
)
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The project the snippet is for: its license and policy judge the findings (default: "
    "the current directory, when it is in a git work tree or has a policy or LICENSE file).",
)
@click.option(
    "--no-project",
    is_flag=True,
    help="Judge by the default policy (and --project-license) alone.",
)
@scan_options
def snippet_cmd(
    file: Path,
    language: str | None,
    name: str | None,
    project_dir: Path | None,
    no_project: bool,
    **opts: Any,
) -> int:
    """Check a snippet (stdin, or --file) for code copied from licensed open source.

    Exits 0 when nothing fails the policy, 1 when a finding does, 2 on a usage error (empty
    snippet, unknown language, unreadable file), 3 when it cannot be checked (binary,
    minified or over 2 MiB, no usable index).
    """
    from ipscan.snippet import check_snippet
    from ipscan.snippet import make_snippet
    from ipscan.snippet import snippet_project

    if no_project and (project_dir is not None or opts["config"] is not None):
        raise UsageError("--no-project cannot be combined with --project or --config")
    from_stdin = str(file) == "-"
    if name is None and not from_stdin:
        name = file.as_posix()
    language = _language(language)
    text = _read_stdin() if from_stdin else _read_file(file)
    options = scan_settings(opts)
    snip = make_snippet(text, language, name)
    folder = None if no_project else _project_folder(project_dir, options.config is not None)
    report = check_snippet(snip, options, snippet_project(options, folder))
    return finish_scan(report, opts)


def _language(value: str | None) -> str | None:
    """The language by name or extension (``--language``); None leaves it to ``make_snippet``
    (the file's or ``--name``'s extension, a ``.h`` header by its content, else a guess)."""
    from ipscan.extract.languages import LANGUAGES
    from ipscan.extract.languages import language_for_path

    if value is None:
        return None
    key = value.strip().lower()
    if key in LANGUAGES:
        return key
    spec = language_for_path("snippet." + key.lstrip("."))
    if spec is None:
        known = ", ".join(sorted(LANGUAGES))
        raise UsageError(f"--language {value!r}: unknown language (known: {known})")
    return spec.name


def _read_stdin() -> str:
    if sys.stdin.isatty() and not quiet():
        click.echo("ipscan: reading the snippet from the terminal; end it with Ctrl-D", err=True)
    return _decoded(sys.stdin.buffer)


def _read_file(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return _decoded(stream)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _decoded(stream: BinaryIO) -> str:
    """The text as the scan reads files (BOM dropped, bad bytes replaced); one byte past the
    size limit is enough for the gate to refuse it."""
    from ipscan.extract.gate import MAX_FILE_BYTES
    from ipscan.extract.gate import decode_text

    return decode_text(stream.read(MAX_FILE_BYTES + 1))


def _project_folder(chosen: Path | None, has_config: bool) -> Path | None:
    """The folder whose project judges the snippet: ``chosen``, else the current directory when
    it is in a git work tree, has a policy or a license, or ``--config`` names a policy."""
    from ipscan.extract.changes import repo_root
    from ipscan.licensing.project import find_policy
    from ipscan.licensing.project import project_license

    if chosen is not None:
        if not chosen.is_dir():
            raise UsageError(f"--project {chosen}: no such directory")
        return chosen
    here = Path.cwd()
    if has_config:
        return here
    try:
        repo_root(here)
        return here
    except IpscanError:  # not in a work tree (or no git): does the folder describe itself?
        pass
    if find_policy(here, None).policy.origin is not None or project_license(here) is not None:
        return here
    return None

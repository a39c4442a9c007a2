"""The project's policy: ``.ipscan.toml``, or ``[tool.ipscan]`` in pyproject.toml.

Keys (all optional)::

    project-license   = "MIT"                 # the outbound license (else: metadata, LICENSE files)
    allowed-licenses  = ["MIT", "BSD-*"]      # copies under these pass the compatibility check
    flagged-licenses  = ["MPL-2.0"]           # reported as `flagged` (does not fail by default)
    denied-licenses   = ["AGPL-*"]            # reported as `denied` (fails by default)
    ignore            = ["vendor/**", "*.min.js"]   # scanned paths to leave out
    own-packages      = ["click"]             # this project's own packages (besides its metadata's)
    threshold         = 0.9                   # findings below this similarity are not reported
    min-share         = 0.33                  # a file's findings only where one indexed file
                                              # covers this share of its code (--min-share)
    fail-on           = ["copyleft-conflict", ...]  # verdicts that make the run exit 1
    [[components]]                            # third-party code the team has approved
    name = "lodash"; license = "MIT"; paths = ["vendor/lodash/**"]; version = "4.17.21"

License patterns are SPDX ids, case-insensitive, with ``*`` as a wildcard (``GPL-*``). In an
expression, ``A OR B`` is allowed when one option is, denied only when every option is; ``A AND
B`` is allowed only when both are, denied when either is. Path patterns are globs over POSIX
paths relative to the project root (``**`` crosses folders, a pattern without ``/`` matches the
file name anywhere; ``ipscan.licensing.path_patterns`` matches them). ``project-license`` and
each component's ``license`` must be SPDX expressions over ids on the SPDX License List or in
ipscan's table (or ``LicenseRef-``), parsed by the same parser that later judges them
(``ipscan.licensing.compat.expression_tree``); the list is read on first use
(``ipscan.licensing.license_db``).

A wrong key or value is a UsageError naming the file and the key. The file is read by people and
by CI alike, so it is bounded: at most ``MAX_POLICY_BYTES`` and ``MAX_PATTERNS`` patterns a list
(a 40 MB file of two million globs once made a one-file scan take minutes); path patterns are
compiled once into one matcher per list (``path_patterns``: literal ones looked up, globs as one
regex).
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipscan.errors import UsageError
from ipscan.licensing import normalize_license
from ipscan.licensing.compat import LICENSES
from ipscan.licensing.compat import LicenseVerdict
from ipscan.licensing.compat import Node
from ipscan.licensing.compat import expression_tree
from ipscan.licensing.path_patterns import union_regex
from ipscan.licensing.spdx import SPDX_IDS
from ipscan.licensing.spdx import canonical_license_id
from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Verdict

POLICY_FILE = ".ipscan.toml"
FLAGGED = "flagged"
DENIED = "denied"
# Every verdict string fail-on may name: the detection verdicts and the license verdicts.
LICENSE_VERDICTS = (*(v.value for v in LicenseVerdict), FLAGGED, DENIED)
ALL_VERDICTS = (*(v.value for v in Verdict), *LICENSE_VERDICTS)
_REFS = ("licenseref-", "documentref-")
# SPDX idstring (SPDX 2.3 annex D), what an exception after WITH must look like.
_IDSTRING = re.compile(r"[A-Za-z0-9.\-]+")
MAX_POLICY_BYTES = 1024 * 1024
MAX_PATTERNS = 10_000  # a list of patterns, and all components' paths together
MAX_EXPRESSION = 512  # characters of one license expression


@dataclass(frozen=True)
class Component:
    """Third-party code the team has approved: where it lives and under which license."""

    name: str
    license: str
    paths: tuple[str, ...]
    version: str = ""


@dataclass(frozen=True)
class Policy:
    """What the project allows, and what fails a run."""

    project_license: str | None = None
    allowed: tuple[str, ...] = ()
    flagged: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    own_packages: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    threshold: float = 0.0
    min_share: float = 0.0
    fail_on: tuple[str, ...] = DEFAULT_FAIL_ON
    origin: str | None = None  # the file it came from; None for the defaults


def load_policy(root: Path, config: Path | None = None) -> Policy:
    """The policy of the project at ``root``: ``config`` when given, else its policy file."""
    if config is not None:
        if not config.is_file():
            raise UsageError(f"{config}: no such policy file")
        return _from_file(config, pyproject=config.name == "pyproject.toml")
    for name in (POLICY_FILE, "pyproject.toml"):
        path = root / name
        if path.is_file():
            # The scanned tree's own file: a link out of the project is not its policy.
            if not path.resolve().is_relative_to(root.resolve()):
                raise UsageError(f"{path}: links outside the project; pass --config to use it")
            return _from_file(path, pyproject=name == "pyproject.toml")
    return Policy()


def _read(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the policy ({type(exc).__name__})") from exc
    if len(data) > MAX_POLICY_BYTES:
        raise UsageError(f"{path}: policy file larger than {MAX_POLICY_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read the policy (not UTF-8)") from exc


def _from_file(path: Path, pyproject: bool) -> Policy:
    text = _read(path)
    try:
        doc = tomllib.loads(text)
    except RecursionError as exc:  # tomllib recurses once per nested array or inline table
        raise UsageError(f"{path}: not valid TOML (nested too deeply)") from exc
    except ValueError as exc:  # TOMLDecodeError, or an integer past Python's digit limit
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    if pyproject:
        tool = doc.get("tool")
        table = tool.get("ipscan") if isinstance(tool, dict) else None
        if table is None:
            return Policy()
        where = f"{path} [tool.ipscan]"
    else:
        table, where = doc, str(path)
    if not isinstance(table, dict):
        raise UsageError(f"{where}: must be a table of settings")
    return _parse(table, where, str(path))


# Every key a policy may hold.
KEYS = (
    "project-license",
    "allowed-licenses",
    "flagged-licenses",
    "denied-licenses",
    "ignore",
    "own-packages",
    "components",
    "threshold",
    "min-share",
    "fail-on",
)


def _parse(table: dict[str, Any], where: str, origin: str) -> Policy:
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(KEYS)})"
            raise UsageError(f"{where}: unknown key {quote_value(key)}{hint}")
    project = table.get("project-license")
    if project is not None:
        project = _expression(project, f"{where}: 'project-license'")
    fail_on = _strings(table, "fail-on", where, DEFAULT_FAIL_ON)
    for verdict in fail_on:
        if verdict not in ALL_VERDICTS:
            raise UsageError(
                f"{where}: 'fail-on' has unknown verdict {quote_value(verdict)} "
                f"(known: {', '.join(ALL_VERDICTS)})"
            )
    return Policy(
        project_license=project,
        allowed=_licenses(table, "allowed-licenses", where),
        flagged=_licenses(table, "flagged-licenses", where),
        denied=_licenses(table, "denied-licenses", where),
        ignore=_strings(table, "ignore", where, ()),
        own_packages=_strings(table, "own-packages", where, ()),
        components=_components(table.get("components", []), where),
        threshold=_fraction(table, "threshold", where),
        min_share=_fraction(table, "min-share", where),
        fail_on=fail_on,
        origin=origin,
    )


def _fraction(table: dict[str, Any], key: str, where: str) -> float:
    """``table[key]``, a number from 0 to 1 (0 when absent)."""
    value = table.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: '{key}' must be a number between 0 and 1")
    if not 0.0 <= float(value) <= 1.0:
        raise UsageError(f"{where}: '{key}' must be between 0 and 1, not {value}")
    return float(value)


def _strings(
    table: dict[str, Any], key: str, where: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UsageError(f"{where}: '{key}' must be a list of non-empty strings")
    if len(value) > MAX_PATTERNS:
        raise UsageError(f"{where}: '{key}' has {len(value)} entries, more than {MAX_PATTERNS}")
    return tuple(v.strip() for v in value)


def _licenses(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    patterns = _strings(table, key, where, ())
    for p in dict.fromkeys(patterns):
        low = p.lower()
        if "*" in low:
            if not any(fnmatch.fnmatchcase(k, low) for k in _known_ids()):
                raise UsageError(
                    f"{where}: '{key}' pattern {quote_value(p)} matches no SPDX license id"
                )
        elif low not in _known_ids() and not low.startswith("licenseref-"):
            raise UsageError(
                f"{where}: '{key}' has {quote_value(p)}, not an SPDX license id{_hint(low)}"
            )
    return patterns


@functools.cache
def _known_ids() -> dict[str, str]:
    """Every license id a policy may name, lower case → spelling: the SPDX License List (a
    project under BUSL-1.1 is valid, whatever ipscan's rules) and ipscan's table. Deprecated
    spellings are left out: ``GPL-2.0`` is judged as ``GPL-2.0-only``, so only that matches."""
    ids = {v.lower(): v for v in SPDX_IDS.values()}
    ids.update({k.lower(): k for k in LICENSES})
    ids["noassertion"] = "NOASSERTION"
    return ids


def _hint(low: str) -> str:
    if len(low) >= 100:
        return ""
    current = canonical_license_id(low)
    if current is not None and current.lower() in _known_ids():
        return f" (did you mean '{current}'?)"
    close = difflib.get_close_matches(low, sorted(_known_ids()), n=1)
    return f" (did you mean '{_known_ids()[close[0]]}'?)" if close else ""


def quote_value(text: str, limit: int = 60) -> str:
    """``text`` quoted for a one-line message: control characters escaped, long text cut."""
    out = text if len(text) <= limit else text[:limit] + "..."
    return "'" + out.encode("unicode_escape").decode("ascii").replace("'", "\\'") + "'"


def expression_problem(text: str) -> str | None:
    """Why ``text`` is not an SPDX license expression ipscan can judge, or None when it is one.

    Its ids must be ones ipscan knows (the same rule as the license lists) or ``LicenseRef-``;
    an exception after ``WITH`` must be an SPDX idstring.
    """
    if len(text) > MAX_EXPRESSION:
        return f"longer than {MAX_EXPRESSION} characters"
    tree = expression_tree(text)
    if tree is None:
        meant = normalize_license(text)
        hint = f" (did you mean '{meant}'?)" if meant and expression_tree(meant) else ""
        return f"not an SPDX license expression{hint}"
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "and" or node[0] == "or":  # mypy narrows through ==, not through in
            stack += [node[1], node[2]]
            continue
        low = node[1].lower()
        if low not in _known_ids() and not low.startswith(_REFS):
            return f"unknown license id {quote_value(node[1])}{_hint(low)}"
        if node[0] == "with" and not _IDSTRING.fullmatch(node[2]):
            return f"{quote_value(node[2])} is not an SPDX exception id"
    return None


def _expression(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be an SPDX expression string")
    problem = expression_problem(value)
    if problem:
        raise UsageError(f"{what} is {quote_value(value)}: {problem}")
    return value.strip()


def _components(value: Any, where: str) -> tuple[Component, ...]:
    if not isinstance(value, list):
        raise UsageError(f"{where}: 'components' must be an array of tables ([[components]])")
    out = []
    paths_left = MAX_PATTERNS
    for i, item in enumerate(value):
        at = f"{where}: components[{i}]"
        if not isinstance(item, dict):
            raise UsageError(f"{at} must be a table with name, license and paths")
        for key in item:
            if key not in ("name", "license", "paths", "version"):
                known = "name, license, paths, version"
                raise UsageError(f"{at}: unknown key {quote_value(key)} (known: {known})")
        name, lic, version = item.get("name"), item.get("license"), item.get("version", "")
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{at}: 'name' must be a non-empty string")
        lic = _expression(lic, f"{at}: 'license'")
        if not isinstance(version, str):
            raise UsageError(f"{at}: 'version' must be a string")
        paths = _strings(item, "paths", at, ())
        if not paths:
            raise UsageError(f"{at}: 'paths' must list where the component lives")
        paths_left -= len(paths)
        if paths_left < 0:
            raise UsageError(f"{where}: components list more than {MAX_PATTERNS} paths in all")
        out.append(Component(name.strip(), lic, paths, version.strip()))
    return tuple(out)


def license_status(expression: str, policy: Policy) -> str | None:
    """``denied``, ``allowed``, ``flagged`` or None: what the policy says about a license."""
    tree = expression_tree(expression)
    if tree is None:
        return _atom_status(expression, policy)
    return _status(tree, policy)


_ORDER = ("allowed", None, FLAGGED, DENIED)  # best first


def _status(node: Node, policy: Policy) -> str | None:
    if node[0] == "id" or node[0] == "with":
        return _atom_status(node[1], policy)
    left, right = _status(node[1], policy), _status(node[2], policy)
    pick = min if node[0] == "or" else max
    return pick((left, right), key=_ORDER.index)


def _atom_status(lic: str, policy: Policy) -> str | None:
    low = lic.lower()

    def hit(patterns: tuple[str, ...]) -> bool:
        return _license_glob(patterns).match(low) is not None

    if hit(policy.denied):
        return DENIED
    if hit(policy.allowed):
        return "allowed"
    if hit(policy.flagged):
        return FLAGGED
    return None


@functools.lru_cache(maxsize=16)
def _license_glob(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """License patterns, case-insensitive, as one regex (``(?!)`` matches nothing)."""
    return union_regex([fnmatch.translate(p.lower()) for p in patterns]) or re.compile("(?!)")

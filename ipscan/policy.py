"""The project's policy: ``.ipscan.toml``, or ``[tool.ipscan]`` in pyproject.toml.

Keys (all optional)::

    project-license   = "MIT"                 # the outbound license (else: metadata, LICENSE files)
    allowed-licenses  = ["MIT", "BSD-*"]      # copies under these pass the compatibility check
    flagged-licenses  = ["MPL-2.0"]           # reported as `flagged` (does not fail by default)
    denied-licenses   = ["AGPL-*"]            # reported as `denied` (fails by default)
    ignore            = ["vendor/**", "*.min.js"]   # scanned paths to leave out
    threshold         = 0.9                   # findings below this similarity are not reported
    fail-on           = ["copyleft-conflict", ...]  # verdicts that make the run exit 1
    [[components]]                            # third-party code the team has approved
    name = "lodash"; license = "MIT"; paths = ["vendor/lodash/**"]; version = "4.17.21"

License patterns are SPDX ids, case-insensitive, with ``*`` as a wildcard (``GPL-*``). In an
expression, ``A OR B`` is allowed when one option is, denied only when every option is; ``A AND
B`` is allowed only when both are, denied when either is. Path patterns are globs over POSIX
paths relative to the project root (``**`` crosses folders, a pattern without ``/`` matches the
file name anywhere). A wrong key or value is a UsageError naming the file and the key.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipscan.errors import UsageError
from ipscan.licenses.compat import LICENSES
from ipscan.licenses.compat import LicenseVerdict
from ipscan.licenses.compat import expression_tree
from ipscan.licenses.spdx import SPDX_IDS
from ipscan.records import DEFAULT_FAIL_ON
from ipscan.records import Verdict

POLICY_FILE = ".ipscan.toml"
FLAGGED = "flagged"
DENIED = "denied"
# Every verdict string fail-on may name: the detection verdicts and the license verdicts.
LICENSE_VERDICTS = (*(v.value for v in LicenseVerdict), FLAGGED, DENIED)
ALL_VERDICTS = (*(v.value for v in Verdict), *LICENSE_VERDICTS)
_KNOWN_IDS = {k.lower() for k in LICENSES} | {k.lower() for k in SPDX_IDS} | {"noassertion"}


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
    components: tuple[Component, ...] = ()
    threshold: float = 0.0
    fail_on: tuple[str, ...] = DEFAULT_FAIL_ON
    origin: str | None = None  # the file it came from; None for the defaults


def load_policy(root: Path, config: Path | None = None) -> Policy:
    """The policy of the project at ``root``: ``config`` when given, else its policy file."""
    if config is not None:
        if not config.is_file():
            raise UsageError(f"{config}: no such policy file")
        return _from_file(config, pyproject=config.name == "pyproject.toml")
    if (root / POLICY_FILE).is_file():
        return _from_file(root / POLICY_FILE, pyproject=False)
    if (root / "pyproject.toml").is_file():
        return _from_file(root / "pyproject.toml", pyproject=True)
    return Policy()


def _from_file(path: Path, pyproject: bool) -> Policy:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the policy ({type(exc).__name__})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    if pyproject:
        table = (doc.get("tool") or {}).get("ipscan")
        if table is None:
            return Policy()
        where = f"{path} [tool.ipscan]"
    else:
        table, where = doc, str(path)
    if not isinstance(table, dict):
        raise UsageError(f"{where}: must be a table of settings")
    return _parse(table, where, str(path))


_KEYS = (
    "project-license",
    "allowed-licenses",
    "flagged-licenses",
    "denied-licenses",
    "ignore",
    "components",
    "threshold",
    "fail-on",
)


def _parse(table: dict[str, Any], where: str, origin: str) -> Policy:
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(_KEYS)})"
            raise UsageError(f"{where}: unknown key '{key}'{hint}")
    project = table.get("project-license")
    if project is not None and (not isinstance(project, str) or not project.strip()):
        raise UsageError(f"{where}: 'project-license' must be an SPDX expression string")
    threshold = table.get("threshold", 0.0)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise UsageError(f"{where}: 'threshold' must be a number between 0 and 1")
    if not 0.0 <= float(threshold) <= 1.0:
        raise UsageError(f"{where}: 'threshold' must be between 0 and 1, not {threshold}")
    fail_on = _strings(table, "fail-on", where, DEFAULT_FAIL_ON)
    for verdict in fail_on:
        if verdict not in ALL_VERDICTS:
            raise UsageError(
                f"{where}: 'fail-on' has unknown verdict '{verdict}' "
                f"(known: {', '.join(ALL_VERDICTS)})"
            )
    return Policy(
        project_license=project.strip() if isinstance(project, str) else None,
        allowed=_licenses(table, "allowed-licenses", where),
        flagged=_licenses(table, "flagged-licenses", where),
        denied=_licenses(table, "denied-licenses", where),
        ignore=_strings(table, "ignore", where, ()),
        components=_components(table.get("components", []), where),
        threshold=float(threshold),
        fail_on=fail_on,
        origin=origin,
    )


def _strings(
    table: dict[str, Any], key: str, where: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UsageError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _licenses(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    patterns = _strings(table, key, where, ())
    for p in patterns:
        low = p.lower()
        if "*" in low:
            if not any(fnmatch.fnmatchcase(k, low) for k in _KNOWN_IDS):
                raise UsageError(f"{where}: '{key}' pattern '{p}' matches no SPDX license id")
        elif low not in _KNOWN_IDS and not low.startswith("licenseref-"):
            close = difflib.get_close_matches(low, sorted(_KNOWN_IDS), n=1)
            hint = f" (did you mean '{_display(close[0])}'?)" if close else ""
            raise UsageError(f"{where}: '{key}' has '{p}', not an SPDX license id{hint}")
    return patterns


def _display(low: str) -> str:
    for k in (*LICENSES, *SPDX_IDS):
        if k.lower() == low:
            return k
    return low


def _components(value: Any, where: str) -> tuple[Component, ...]:
    if not isinstance(value, list):
        raise UsageError(f"{where}: 'components' must be an array of tables ([[components]])")
    out = []
    for i, item in enumerate(value):
        at = f"{where}: components[{i}]"
        if not isinstance(item, dict):
            raise UsageError(f"{at} must be a table with name, license and paths")
        for key in item:
            if key not in ("name", "license", "paths", "version"):
                known = "name, license, paths, version"
                raise UsageError(f"{at}: unknown key '{key}' (known: {known})")
        name, lic, version = item.get("name"), item.get("license"), item.get("version", "")
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{at}: 'name' must be a non-empty string")
        if not isinstance(lic, str) or not lic.strip():
            raise UsageError(f"{at}: 'license' must be an SPDX expression string")
        if not isinstance(version, str):
            raise UsageError(f"{at}: 'version' must be a string")
        paths = _strings(item, "paths", at, ())
        if not paths:
            raise UsageError(f"{at}: 'paths' must list where the component lives")
        out.append(Component(name.strip(), lic.strip(), paths, version.strip()))
    return tuple(out)


def path_matches(path: str, patterns: Sequence[str]) -> bool:
    """True when the POSIX ``path`` matches one of the glob ``patterns``."""
    name = path.rsplit("/", 1)[-1]
    for p in patterns:
        p = p.strip("/")
        if "/" not in p and fnmatch.fnmatchcase(name, p):
            return True
        if fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, p.replace("**/", "")):
            return True
        if p.endswith("/**") and (path == p[:-3] or path.startswith(p[:-2])):
            return True
        if path.startswith(p + "/"):
            return True
    return False


def license_status(expression: str, policy: Policy) -> str | None:
    """``denied``, ``allowed``, ``flagged`` or None: what the policy says about a license."""
    tree = expression_tree(expression)
    if tree is None:
        return _atom_status(expression, policy)
    return _status(tree, policy)


_ORDER = ("allowed", None, FLAGGED, DENIED)  # best first


def _status(node: tuple, policy: Policy) -> str | None:
    kind = node[0]
    if kind in ("id", "with"):
        return _atom_status(node[1], policy)
    left, right = _status(node[1], policy), _status(node[2], policy)
    pick = min if kind == "or" else max
    return pick((left, right), key=_ORDER.index)


def _atom_status(lic: str, policy: Policy) -> str | None:
    low = lic.lower()

    def hit(patterns: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)

    if hit(policy.denied):
        return DENIED
    if hit(policy.allowed):
        return "allowed"
    if hit(policy.flagged):
        return FLAGGED
    return None

"""The policy file: keys, values, where it is found, and the one-line errors for wrong ones."""

from __future__ import annotations

import fnmatch
import itertools
from pathlib import Path

import pytest

from ipscan.errors import UsageError
from ipscan.licensing.path_patterns import path_matches
from ipscan.licensing.policy import DEFAULT_FAIL_ON
from ipscan.licensing.policy import MAX_PATTERNS
from ipscan.licensing.policy import MAX_POLICY_BYTES
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import license_status
from ipscan.licensing.policy import load_policy

FULL = """
project-license = "Apache-2.0"
allowed-licenses = ["MIT", "BSD-*"]
flagged-licenses = ["MPL-2.0"]
denied-licenses = ["AGPL-*"]
ignore = ["vendor/**", "*.min.js"]
threshold = 0.9
fail-on = ["copied", "denied"]

[[components]]
name = "lodash"
license = "MIT"
paths = ["third_party/lodash/**"]
version = "4.17.21"
"""


def _write(root: Path, name: str, text: str) -> Path:
    (root / name).write_text(text, encoding="utf-8")
    return root


def test_defaults_without_a_policy_file(tmp_path: Path) -> None:
    policy = load_policy(tmp_path)
    assert policy == Policy()
    assert policy.fail_on == DEFAULT_FAIL_ON
    assert policy.origin is None


def test_every_key_of_ipscan_toml(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, ".ipscan.toml", FULL))
    assert policy.project_license == "Apache-2.0"
    assert policy.allowed == ("MIT", "BSD-*")
    assert policy.ignore == ("vendor/**", "*.min.js")
    assert policy.threshold == 0.9
    assert policy.fail_on == ("copied", "denied")
    assert policy.components[0].name == "lodash"
    assert policy.components[0].paths == ("third_party/lodash/**",)
    assert policy.origin == str(tmp_path / ".ipscan.toml")


def test_pyproject_tool_table_and_precedence(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.ipscan]\nthreshold = 0.5\n')
    assert load_policy(tmp_path).threshold == 0.5
    _write(tmp_path, ".ipscan.toml", "threshold = 0.7\n")
    assert load_policy(tmp_path).threshold == 0.7  # .ipscan.toml wins
    assert load_policy(tmp_path, tmp_path / "pyproject.toml").threshold == 0.5  # --config


def test_pyproject_without_a_tool_table_means_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert load_policy(tmp_path) == Policy()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'alowed-licenses = ["MIT"]',
            "unknown key 'alowed-licenses' (did you mean 'allowed-licenses'?)",
        ),
        (
            'allowed-licenses = ["MITT"]',
            "'allowed-licenses' has 'MITT', not an SPDX license id (did you mean 'MIT'?)",
        ),
        (
            'denied-licenses = ["XYZ-*"]',
            "'denied-licenses' pattern 'XYZ-*' matches no SPDX license id",
        ),
        ('allowed-licenses = "MIT"', "'allowed-licenses' must be a list of non-empty strings"),
        ("threshold = 2", "'threshold' must be between 0 and 1, not 2"),
        ('threshold = "high"', "'threshold' must be a number between 0 and 1"),
        ('fail-on = ["sometimes"]', "'fail-on' has unknown verdict 'sometimes'"),
        ("project-license = 3", "'project-license' must be an SPDX expression string"),
        ("components = 1", "'components' must be an array of tables ([[components]])"),
        (
            '[[components]]\nname = "x"\nlicense = "MIT"',
            "components[0]: 'paths' must list where the component lives",
        ),
        (
            '[[components]]\nname = "x"\nlicense = "MIT"\npaths = ["v/**"]\nurl = "u"',
            "components[0]: unknown key 'url'",
        ),
        ("threshold = ", "not valid TOML"),
        ("a = " + "[" * 100_000 + "]" * 100_000, "not valid TOML (nested too deeply)"),
        ("a = " + "{b = " * 100_000 + "1" + "}" * 100_000, "not valid TOML (nested too deeply)"),
        ("threshold = 1" + "0" * 5000, "not valid TOML"),
        (
            'project-license = "NOT A LICENSE((("',
            "'project-license' is 'NOT A LICENSE(((': not an SPDX license expression",
        ),
        (
            'project-license = "Apache 2.0"',
            "not an SPDX license expression (did you mean 'Apache-2.0'?)",
        ),
        ('project-license = "MITT"', "unknown license id 'MITT' (did you mean 'MIT'?)"),
        ('project-license = "MIT AND"', "'project-license' is 'MIT AND': not an SPDX"),
        ('project-license = "' + "(" * 50 + "MIT" + ")" * 50 + '"', "not an SPDX license"),
        ('project-license = "MIT\\nfoo"', "'project-license' is 'MIT\\nfoo'"),
        (
            '[[components]]\nname = "x"\nlicense = "NOT A LICENSE((("\npaths = ["v/**"]',
            "components[0]: 'license' is 'NOT A LICENSE(((': not an SPDX license expression",
        ),
        (
            "ignore = [" + '"a",' * (MAX_PATTERNS + 1) + "]",
            f"'ignore' has {MAX_PATTERNS + 1} entries, more than {MAX_PATTERNS}",
        ),
        (
            "allowed-licenses = [" + '"MIT",' * (MAX_PATTERNS + 1) + "]",
            f"'allowed-licenses' has {MAX_PATTERNS + 1} entries",
        ),
        (
            '[[components]]\nname = "x"\nlicense = "MIT"\npaths = ['
            + '"v/**",' * (MAX_PATTERNS // 2 + 1)
            + ']\n[[components]]\nname = "y"\nlicense = "MIT"\npaths = ['
            + '"w/**",' * (MAX_PATTERNS // 2)
            + "]",
            f"components list more than {MAX_PATTERNS} paths in all",
        ),
        ('["unknown\\u001b[31m"]\nx = 1', "unknown key 'unknown\\x1b[31m'"),
    ],
)
def test_wrong_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path, ".ipscan.toml", text + "\n")
    with pytest.raises(UsageError) as err:
        load_policy(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / '.ipscan.toml'}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such policy file"):
        load_policy(tmp_path, tmp_path / "nope.toml")


def test_license_status_follows_the_expression() -> None:
    policy = Policy(allowed=("MIT",), flagged=("MPL-2.0",), denied=("GPL-*",))
    assert license_status("MIT", policy) == "allowed"
    assert license_status("mit", policy) == "allowed"
    assert license_status("GPL-3.0-only", policy) == "denied"
    assert license_status("GPL-3.0-only OR MIT", policy) == "allowed"  # one option suffices
    assert license_status("GPL-3.0-only AND MIT", policy) == "denied"  # every part counts
    assert license_status("MPL-2.0", policy) == "flagged"
    assert license_status("Apache-2.0", policy) is None


@pytest.mark.parametrize(
    ("path", "patterns", "hit"),
    [
        ("vendor/a/b.js", ("vendor/**",), True),
        ("vendor", ("vendor/**",), True),
        ("src/vendor/a.js", ("vendor/**",), False),
        ("src/x.min.js", ("*.min.js",), True),
        ("src/deep/x.py", ("src/**/*.py",), True),
        ("src/x.py", ("src/**/*.py",), True),
        ("docs/x.py", ("src",), False),
        ("src/x.py", ("src",), True),
    ],
)
def test_path_patterns(path: str, patterns: tuple[str, ...], hit: bool) -> None:
    assert path_matches(path, patterns) is hit


def test_a_policy_file_too_big_to_be_one_is_an_error(tmp_path: Path) -> None:
    globs = '"vendor/**/*.js",' * (MAX_POLICY_BYTES // 16)
    _write(tmp_path, ".ipscan.toml", f"ignore = [{globs}]\n")
    with pytest.raises(UsageError) as err:
        load_policy(tmp_path)
    assert str(err.value) == f"{tmp_path / '.ipscan.toml'}: policy file larger than 1024 KiB"


def test_valid_license_expressions_are_kept(tmp_path: Path) -> None:
    for expr in (
        "MIT",
        "(MIT OR Apache-2.0) AND BSD-3-Clause",
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        "GPL-2.0+",
        "LicenseRef-acme-proprietary",
        "BUSL-1.1",  # on the SPDX list, though ipscan has no compatibility rule for it
        "Elastic-2.0 OR SSPL-1.0",
    ):
        _write(tmp_path, ".ipscan.toml", f'project-license = "{expr}"\n')
        assert load_policy(tmp_path).project_license == expr


def _old_path_matches(path: str, patterns: tuple[str, ...]) -> bool:
    """The matcher as it was before it was compiled: the reference for what a pattern means."""
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


PATTERNS = [
    "vendor/**",
    "/vendor/",
    "*.min.js",
    "src/**/*.py",
    "src",
    "x.py",
    "a/b/c.py",
    "**",
    "**/test_*.py",
    "[ab]*/*.go",
    "?.c",
    "docs/*",
    "build/**/gen/**",
    "a*b",
    "*",
    "[",
    "src*",
]
PATHS = [
    "vendor",
    "vendor/a/b.js",
    "src/vendor/a.js",
    "x.min.js",
    "src/deep/x.py",
    "src/x.py",
    "docs/x.py",
    "x.py",
    "lib/x.py",
    "a/b/c.py",
    "a/b/c.pyx",
    "tests/test_a.py",
    "test_a.py",
    "b/main.go",
    "c/main.go",
    "a.c",
    "ab.c",
    "docs/a/b.md",
    "build/x/gen/y.c",
    "src*/a",
    "axb",
    "a/xb",
    "[",
    "srcx/a.py",
]


def test_compiled_path_patterns_mean_what_each_pattern_meant() -> None:
    for n in (1, 2, 3):
        for combo in itertools.combinations(PATTERNS, n):
            for path in PATHS:
                assert path_matches(path, combo) is _old_path_matches(path, combo), (path, combo)


def test_a_policy_file_linked_from_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('project-license = "MIT"\n')
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".ipscan.toml").symlink_to(outside)
    with pytest.raises(UsageError, match="links outside the project"):
        load_policy(root)
    assert load_policy(root, outside).project_license == "MIT"  # named on purpose: fine

"""Fuzz the policy loader: any ``.ipscan.toml`` or ``pyproject.toml`` gives a Policy or a
UsageError naming the file, never another exception.

Inputs are TOML documents generated from values (right keys with wrong types, deep nesting,
odd strings), TOML-ish text spliced from fragments, and raw bytes (invalid UTF-8, NULs, BOMs).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from ipscan.errors import UsageError
from ipscan.licensing.path_patterns import path_matches
from ipscan.licensing.policy import KEYS
from ipscan.licensing.policy import POLICY_FILE
from ipscan.licensing.policy import Policy
from ipscan.licensing.policy import license_status
from ipscan.licensing.policy import load_policy
from tests.fuzz.support import NASTY_BYTES
from tests.fuzz.support import NASTY_CHARS
from tests.fuzz.support import hard_limit

_STRINGS = st.one_of(
    st.sampled_from(
        [
            "MIT",
            "GPL-*",
            "*",
            "",
            " ",
            "vendor/**",
            "copied",
            "denied",
            "nan",
            "LicenseRef-x",
            "Apache-2.0 OR MIT",
            "**/*.js",
            "[",
            "\\",
        ]
    ),
    st.lists(st.one_of(st.characters(), NASTY_CHARS), max_size=20).map("".join),
)
_SCALARS = st.one_of(
    _STRINGS,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), _STRINGS), inner, max_size=4),
    ),
    max_leaves=20,
)
_COMPONENT = st.dictionaries(
    st.sampled_from(["name", "license", "paths", "version", "other"]), _VALUES, max_size=5
)
POLICY_TABLE = st.dictionaries(
    st.sampled_from(KEYS),
    st.one_of(_VALUES, st.lists(_COMPONENT, max_size=3), st.lists(_STRINGS, max_size=4)),
    max_size=8,
)


def _toml_key(key: str) -> str:
    return (
        key if key.replace("-", "").replace("_", "").isalnum() and key.isascii() else _toml_str(key)
    )


def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else ch)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(v: object) -> str:
    """An inline TOML value (tomllib has no writer; arrays and inline tables are enough)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    return v.isoformat()  # type: ignore[attr-defined]


def _document(table: dict[str, object], pyproject: bool) -> str:
    body = "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in table.items())
    return ("[tool.ipscan]\n" + body) if pyproject else body


_FRAGMENTS = st.sampled_from(
    [
        "[tool.ipscan]\n",
        "[tool]\n",
        "ipscan = 1\n",
        "[[components]]\n",
        "threshold = ",
        "project-license = ",
        "fail-on = [",
        "]",
        "[",
        "{",
        "}",
        '"',
        "'''",
        '"""',
        "= ",
        "\n",
        "\r\n",
        "# c\n",
        "0.5",
        "1e400",
        "nan",
        "inf",
        "1979-05-27T07:32:00Z",
        "true",
        ",",
        'allowed-licenses = ["GPL-*"]\n',
        "a.b.c = 1\n",
        "[a.b.c]\n",
    ]
)
TOML_TEXT = st.lists(st.one_of(_FRAGMENTS, NASTY_CHARS, st.text(max_size=6)), max_size=80).map(
    "".join
)
# Deep nesting: tomllib recurses per array level.
DEEP_TOML = st.tuples(st.integers(1, 3000), st.sampled_from(["[", "{a="])).map(
    lambda t: "threshold = " + t[1] * t[0]
)


def _load(root: Path, name: str, data: bytes) -> Policy | None:
    """Write ``data`` as ``name`` in a fresh folder and load the policy; None on UsageError."""
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        (folder / name).write_bytes(data)
        with hard_limit():
            try:
                policy = load_policy(folder)
            except UsageError as exc:
                assert str(exc)  # the one-line message the CLI prints
                return None
        assert isinstance(policy, Policy)
        assert 0.0 <= policy.threshold <= 1.0
        for lic in (*policy.allowed, *policy.denied, "MIT", "GPL-3.0-only"):
            license_status(lic, policy)
        path_matches("src/a/b.py", policy.ignore)
        return policy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@given(table=POLICY_TABLE, pyproject=st.booleans())
def test_generated_policy_tables(scratch: Path, table: dict[str, object], pyproject: bool) -> None:
    """Right keys, any values: a Policy or a UsageError."""
    text = _document(table, pyproject)
    _load(
        scratch,
        "pyproject.toml" if pyproject else POLICY_FILE,
        text.encode("utf-8", "surrogatepass"),
    )


@given(text=TOML_TEXT, pyproject=st.booleans())
@example(text="threshold = nan\n", pyproject=False).via("NaN threshold")
@example(text="[tool]\nipscan = 1\n", pyproject=True).via("[tool.ipscan] not a table")
def test_toml_ish_text(scratch: Path, text: str, pyproject: bool) -> None:
    """TOML-ish text, valid or not: a Policy or a UsageError."""
    _load(
        scratch,
        "pyproject.toml" if pyproject else POLICY_FILE,
        text.encode("utf-8", "surrogatepass"),
    )


# Crashers found and fixed (ipscan/licensing/policy.py): tomllib recurses once per nested array
# or inline table, so ~340 levels raised RecursionError out of load_policy; a pyproject.toml whose
# ``tool`` is not a table raised AttributeError. Both are now a UsageError naming the file.
@given(text=DEEP_TOML, pyproject=st.booleans())
@example(text="tool = 1\n", pyproject=True).via("AttributeError: 'int' object has no 'get'")
@example(text="threshold = " + "[" * 1000, pyproject=False).via("tomllib RecursionError")
@example(text="threshold = " + "{a=" * 1000, pyproject=False).via("tomllib RecursionError")
def test_policy_crashers(scratch: Path, text: str, pyproject: bool) -> None:
    """Deeply nested TOML and a non-table ``tool``: a UsageError, not a crash."""
    _load(
        scratch,
        "pyproject.toml" if pyproject else POLICY_FILE,
        text.encode("utf-8", "surrogatepass"),
    )


@given(
    data=st.lists(
        st.one_of(
            NASTY_BYTES,
            st.binary(max_size=12),
            st.sampled_from([b"threshold = 0.5\n", b"[tool.ipscan]\n", b'ignore = ["']),
        ),
        max_size=30,
    ).map(b"".join),
    pyproject=st.booleans(),
)
def test_any_bytes(scratch: Path, data: bytes, pyproject: bool) -> None:
    """Raw bytes (invalid UTF-8, NULs, BOMs): a Policy or a UsageError."""
    _load(scratch, "pyproject.toml" if pyproject else POLICY_FILE, data)

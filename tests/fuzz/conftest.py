"""Hypothesis profiles of the fuzz suite: ``ci`` (bounded, derandomized) and ``dev`` (longer).

Why hypothesis rather than atheris: it runs inside pytest with no compiled libFuzzer build,
``derandomize=True`` makes a CI run the same inputs every time, and ``@example`` pins every
crasher found as a permanent corpus entry next to the property it broke. atheris would measure
coverage of the C extensions (tree-sitter, FAISS, SQLite), which are not what we test here.

``ci`` is sized so the whole suite stays under 3 minutes on two slow cores (measured by
``bench/fuzz_report.py``); each input may take at most 2 s (``deadline``). ``dev`` searches
longer with the example database on, for fuzzing sessions that look for new crashers:
``IPSCAN_FUZZ_PROFILE=dev pytest tests/fuzz``. ``--hypothesis-profile NAME`` also works.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings

PROFILE_ENV = "IPSCAN_FUZZ_PROFILE"
# An input that takes longer than this is a failure (the hardening issue's per-input limit).
DEADLINE_MS = 2000

# Inputs here are large on purpose (deep nesting, whole archives) and built in temporary
# folders; the health checks that flag that would only hide the fuzzing.
_RELAXED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=DEADLINE_MS,
    max_examples=200,
    print_blob=True,
    suppress_health_check=_RELAXED,
)
settings.register_profile(
    "dev",
    deadline=DEADLINE_MS,
    max_examples=2000,
    print_blob=True,
    suppress_health_check=_RELAXED,
)


def pytest_configure(config: pytest.Config) -> None:
    """Load the fuzz profile unless ``--hypothesis-profile`` chose one."""
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile(os.environ.get(PROFILE_ENV, "ci"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every fuzz test is ``slow`` (about a minute together): ``-m "not slow"`` skips them."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def scratch(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder for one fuzz module's files (hypothesis re-runs the test body per input, so a
    function-scoped ``tmp_path`` would be shared by every input anyway)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    path = Path(tempfile.mkdtemp(prefix=f"ipscan-{name}-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)

"""``ipscan serve``: a real MCP client session (the SDK's stdio client) against a real server
process on a tiny real index of licensed sources."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TypeVar

import anyio
import pytest

from tests.conftest import init_repo
from tests.test_license_e2e import GPL_CODE as LICENSE_E2E_GPL
from tests.test_license_e2e import MIT_CODE as LICENSE_E2E_MIT

mcp = pytest.importorskip("mcp")

from mcp import Client  # noqa: E402
from mcp import StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

# The licensed functions of the license end-to-end tests, from their first line.
GPL_CODE = LICENSE_E2E_GPL.lstrip("\n")
MIT_CODE = LICENSE_E2E_MIT.lstrip("\n")

UNRELATED_CODE = '''\
def schedule_watering(beds, forecast, reservoir_litres):
    """Share the reservoir between garden beds, driest first, skipping rainy days."""
    plan = {}
    rain = sum(day.get("rain_mm", 0) for day in forecast[:3])
    if rain > 12:
        return plan
    for bed in sorted(beds, key=lambda b: b["moisture"]):
        want = max(0.0, bed["area_m2"] * (0.35 - bed["moisture"]) * 40)
        give = min(want, reservoir_litres)
        if give <= 0:
            break
        plan[bed["name"]] = round(give, 1)
        reservoir_litres -= give
    return plan
'''


@pytest.fixture(scope="module")
def licensed_index(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Path:
    """An index of two sources: GPL-3.0-or-later code (gplkit) and MIT code (mitkit)."""
    from ipscan.index.build import build_index

    root = tmp_path_factory.mktemp("serve-sources")
    sources = []
    for name, spdx, holder, file, code in (
        ("gplkit", "GPL-3.0-or-later", "Jane Hacker", "intervals.py", GPL_CODE),
        ("mitkit", "MIT", "Ada Example", "durations.py", MIT_CODE),
    ):
        folder = root / f"{name}-1.0"
        folder.mkdir()
        header = f"# Copyright (c) 2019 {holder}\n# SPDX-License-Identifier: {spdx}\n\n"
        (folder / file).write_text(header + code, encoding="utf-8")
        sources.append(str(folder))
    index_dir = root / "index"
    build_index(sources, index_dir, encoder, encoder.encode)
    return index_dir


def _params(*args: str) -> StdioServerParameters:
    """``python -m ipscan.cli serve ARGS`` with this checkout first on the path; the SDK's
    client passes only a safe subset of the environment, so the test's cache folder is named."""
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        "IPSCAN_CACHE_DIR": os.environ["IPSCAN_CACHE_DIR"],
    }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "ipscan.cli", "serve", *args], env=env, cwd=str(ROOT)
    )


def _session(params: StdioServerParameters, body: Callable[[Client], Awaitable[T]]) -> T:
    """Run ``body`` in one MCP client session with a server started from ``params``."""

    async def run() -> T:
        with anyio.fail_after(120):
            async with Client(stdio_client(params), read_timeout_seconds=60) as client:
                return await body(client)

    return anyio.run(run)


def _findings(result: Any) -> list[dict[str, Any]]:
    assert not result.is_error, result.content
    assert result.structured_content["schema"] == "ipscan.check-code/1"
    return list(result.structured_content["findings"])


def test_copied_code_is_found_with_its_source_and_license_verdict(licensed_index: Path) -> None:
    async def body(client: Client) -> tuple[Any, Any]:
        gpl = await client.call_tool("check_code", {"code": GPL_CODE, "language": "python"})
        mit = await client.call_tool(
            "check_code", {"code": MIT_CODE, "file_name": "app/durations.py"}
        )
        return gpl, mit

    gpl, mit = _session(_params("--index", str(licensed_index)), body)
    (found,) = [f for f in _findings(gpl) if f["scope"] == "unit"]
    assert found["verdict"] == "copied"
    assert found["source"]["package"] == "gplkit"
    assert found["source"]["version"] == "1.0"
    assert found["source"]["path"] == "intervals.py"
    assert found["source"]["license"] == "GPL-3.0-or-later"
    assert found["source"]["start_line"] == 4
    # No project given: judged as a project without a license, into which GPL cannot go.
    assert found["license_verdict"] == "copyleft-conflict"
    assert found["similarity"] > 0.9 and found["fails"] is True
    assert found["path"] == "<snippet>.py"
    text = gpl.content[0].text
    assert "copied from gplkit 1.0 intervals.py:4-" in text and "copyleft-conflict" in text

    (attributed,) = [f for f in _findings(mit) if f["scope"] == "unit"]
    assert attributed["path"] == "app/durations.py"
    assert attributed["source"]["package"] == "mitkit"
    assert attributed["license_verdict"] == "attribution-required"
    assert "Ada Example" in attributed["notice"] and "MIT" in attributed["notice"]


def test_the_project_license_judges_the_findings(licensed_index: Path, tmp_path: Path) -> None:
    project = init_repo(
        tmp_path / "gpl project",
        {"pyproject.toml": '[project]\nname = "p"\nversion = "1"\nlicense = "GPL-3.0-or-later"\n'},
    )

    async def body(client: Client) -> Any:
        return await client.call_tool("check_code", {"code": GPL_CODE})

    result = _session(_params("--index", str(licensed_index), "--project", str(project)), body)
    (found,) = [f for f in _findings(result) if f["scope"] == "unit"]
    assert found["source"]["package"] == "gplkit"
    assert found["license_verdict"] == "ok"
    assert result.structured_content["project_license"] == "GPL-3.0-or-later"


def test_tools_are_listed_with_their_schemas(licensed_index: Path) -> None:
    async def body(client: Client) -> Any:
        return await client.list_tools()

    tools = {t.name: t for t in _session(_params("--index", str(licensed_index)), body).tools}
    assert set(tools) == {"check_code", "index_info"}
    check = tools["check_code"]
    assert check.input_schema["required"] == ["code"]
    assert set(check.input_schema["properties"]) == {"code", "language", "file_name"}
    assert check.output_schema is not None
    assert "findings" in check.output_schema["properties"]
    assert check.annotations is not None and check.annotations.read_only_hint is True


def test_unrelated_code_has_no_findings(licensed_index: Path) -> None:
    async def body(client: Client) -> tuple[Any, Any]:
        checked = await client.call_tool("check_code", {"code": UNRELATED_CODE})
        info = await client.call_tool("index_info", {})
        return checked, info

    checked, info = _session(_params("--index", str(licensed_index)), body)
    assert _findings(checked) == []
    assert checked.structured_content["language"] == "python"
    assert checked.structured_content["units_checked"] >= 1
    assert checked.content[0].text.startswith("No findings:")
    assert info.structured_content["index"]["sources"] == 2
    assert "python" in info.structured_content["languages"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"code": GPL_CODE, "language": "cobol"}, "unknown language 'cobol'"),
        ({"code": "\x00\x01\x02 binary " * 200}, "cannot check this code (binary)"),
    ],
)
def test_a_bad_call_is_a_tool_error_and_the_server_keeps_answering(
    licensed_index: Path, arguments: dict[str, str], message: str
) -> None:
    async def body(client: Client) -> tuple[Any, Any, Any]:
        bad = await client.call_tool("check_code", arguments)
        missing = await client.call_tool("check_code", {"language": "python"})
        good = await client.call_tool("check_code", {"code": GPL_CODE})
        return bad, missing, good

    bad, missing, good = _session(_params("--index", str(licensed_index)), body)
    assert bad.is_error
    (content,) = bad.content
    assert message in content.text and "\n" not in content.text
    assert missing.is_error and "code" in missing.content[0].text
    assert [f["source"]["package"] for f in _findings(good)][:1] == ["gplkit"]


def _run_python(*args: str) -> subprocess.CompletedProcess[str]:
    """This Python with ``args``, from the repository root, stdin closed."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def test_a_missing_index_exits_3_before_serving(tmp_path: Path) -> None:
    run = _run_python("-m", "ipscan.cli", "serve", "--index", str(tmp_path / "none"))
    assert run.returncode == 3, run.stderr
    assert run.stdout == ""
    assert run.stderr.startswith("ipscan: error: ") and run.stderr.count("\n") == 1


def test_without_the_mcp_sdk_serve_exits_2_with_the_install_hint() -> None:
    # A None entry in sys.modules makes `import mcp` raise ImportError, as if it were absent.
    code = (
        "import sys; sys.modules['mcp'] = None; from ipscan.cli.main import main; main(['serve'])"
    )
    run = _run_python("-c", code)
    assert run.returncode == 2, run.stderr
    assert run.stderr == "ipscan: error: " + (
        "ipscan serve needs the MCP SDK 2.x: pip install 'ipscan-code[serve]'\n"
    )


def test_a_process_loads_its_encoder_once() -> None:
    from ipscan.encoder import shared_encoder

    first = shared_encoder("numpy")
    assert shared_encoder("numpy") is first
    assert shared_encoder("cpu") is not first

"""MCP tools: the config file, tool specs and results, and the hub against the demo server (stdio and HTTP).

Real servers on 127.0.0.1 only: `examples/maintenance_server.py` as a subprocess, and the same server over
streamable HTTP in a uvicorn thread. The demo server appends what it does to MAINTENANCE_LOG, which is how these
tests see its environment and the cancellations it received.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn
from mcp.types import CallToolResult, ImageContent, TextContent, Tool, ToolAnnotations

from chat.tools import MAX_RESULT_CHARS, ToolConfigError, ToolHub, ToolResult, ToolSpec, parse_config, shared_hub
from chat.tools.config import HttpServer, SseServer, StdioServer
from chat.tools.spec import cap, function_name, result_text

pytestmark = pytest.mark.slow  # MCP servers run as subprocesses and over HTTP

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "examples" / "maintenance_server.py"
ALLOWED_ENV = {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LC_CTYPE", "MAINTENANCE_LOG"}
"""The SDK's whitelist, the config's env, and LC_CTYPE (set by the child's own Python for its C locale)."""
TOKEN = "demo-token-123"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def stdio(log: Path | None = None, **options: Any) -> dict[str, Any]:
    env = {"MAINTENANCE_LOG": str(log)} if log else {}
    return {"command": "python", "args": [str(SERVER)], "env": env, **options}


def demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("maintenance_server", SERVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- fixtures: one stdio hub and one HTTP server for the module ---


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp") / "maintenance.log"


@pytest.fixture(scope="module")
def hub(server_log: Path) -> Iterator[ToolHub]:
    """maint (every tool), limited (an allow-list), ghost (a command that does not exist).

    Started while Charla's keys and settings are in the environment, to show none reach the server.
    """
    config = parse_config(
        {
            "mcpServers": {
                "maint": stdio(server_log, autoApprove=["calibrate"]),
                "limited": stdio(
                    tools=["equipment_status", "schedule_maintenance"], autoApprove=["schedule_maintenance"]
                ),
                "ghost": {"command": "/nonexistent/mcp-server"},
            }
        }
    )
    hub = ToolHub(config)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GROQ_API_KEY", "gsk_not_for_tools")
        env.setenv("MISTRAL_API_KEY", "mistral_not_for_tools")
        env.setenv("CHARLA_API_TOKEN", "not-for-tools")
        hub.start()
    yield hub
    hub.close()


def serve(app: Any, path: str) -> Iterator[str]:
    """`app` on a free port of 127.0.0.1 in a thread, for the length of the fixture; its URL ending in `path`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started), "uvicorn did not start"
    yield f"http://127.0.0.1:{port}{path}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    yield from serve(demo_module().http_app(TOKEN), "/mcp")


@pytest.fixture(scope="module")
def sse_url() -> Iterator[str]:
    yield from serve(demo_module().sse_app(TOKEN), "/sse")


# --- config ---


def test_config_reads_both_kinds_and_their_options() -> None:
    config = parse_config(
        {
            "mcpServers": {
                "local": {
                    "command": "npx",
                    "args": ["-y", "x"],
                    "env": {"A": "1"},
                    "type": "stdio",
                    "tools": ["a"],
                    "autoApprove": ["a"],
                    "timeout": 5,
                    "description": "ignored",
                },
                "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer t"}},
                "off": {"command": "x", "disabled": True},
            }
        }
    )
    local, remote = config.enabled()["local"], config.enabled()["remote"]
    assert list(config.enabled()) == ["local", "remote"]
    assert isinstance(local, StdioServer) and isinstance(remote, HttpServer)
    assert (local.args, local.env, local.timeout) == (("-y", "x"), {"A": "1"}, 5)
    assert local.offers("a") and not local.offers("b") and local.auto_approve == ("a",)
    assert (remote.headers, remote.timeout) == ({"Authorization": "Bearer t"}, 30)
    assert remote.offers("anything")
    assert list(parse_config({"servers": {"vs": {"url": "http://127.0.0.1/mcp"}}}).enabled()) == ["vs"]


def test_config_tells_the_older_sse_transport_by_its_type_or_its_path() -> None:
    servers = {
        "typed": {"url": "https://h/events", "type": "sse"},
        "by_path": {"url": "https://h/v1/sse?x=1"},
        "streamable": {"url": "https://h/mcp"},
        "said_http": {"url": "https://h/sse", "type": "streamable-http"},
    }
    parsed = parse_config({"mcpServers": servers}).servers
    sse = {name for name, server in parsed.items() if isinstance(server, SseServer)}
    assert sse == {"typed", "by_path"} and all(isinstance(server, HttpServer) for server in parsed.values())


@pytest.mark.parametrize(
    ("data", "english", "spanish"),
    [
        ({}, 'an "mcpServers" object is required', 'se requiere un objeto "mcpServers"'),
        ({"mcpServers": {"a": {"args": []}}}, 'mcpServers.a: give either "command"', 'indica "command"'),
        ({"mcpServers": {"a": {"command": "x", "url": "http://h"}}}, "give either", "uno de los dos"),
        ({"mcpServers": {"a": {"url": "ftp://h"}}}, "mcpServers.a.url: the url must start", "debe empezar"),
        ({"mcpServers": {"a": {"url": "ftp://h/sse", "type": "sse"}}}, "mcpServers.a.url: the url must", "empezar"),
        (
            {"mcpServers": {"a": {"command": "x", "env": {"GROQ_API_KEY": "k"}}}},
            "env may not set GROQ_API_KEY",
            "no puede fijar GROQ_API_KEY",
        ),
        ({"mcpServers": {"a": {"command": "x", "env": {"CHARLA_DATA_DIR": "/"}}}}, "CHARLA_DATA_DIR", "CHARLA_"),
        (
            {"mcpServers": {"a": {"command": "x", "timeout": 0}, "b": 3}},
            "a.timeout: Input should be greater",
            "1 problema(s) más",
        ),
    ],
)
def test_a_bad_config_is_one_sentence_naming_the_file(data: Any, english: str, spanish: str) -> None:
    with pytest.raises(ToolConfigError) as info:
        parse_config(data, "/etc/charla/mcp.json")
    message, mensaje = info.value.message("en"), info.value.message("es")
    assert message.startswith("The MCP config /etc/charla/mcp.json cannot be used: ") and english in message
    assert message.endswith("The chat works without tools until it is fixed.") and "\n" not in message
    assert mensaje.startswith("La configuración MCP /etc/charla/mcp.json no se puede usar: ") and spanish in mensaje


def test_a_bad_file_leaves_a_hub_without_tools(tmp_path: Path) -> None:
    broken = tmp_path / "mcp.json"
    broken.write_text('{"mcpServers": {"a": {"command": "x",}}}')
    hub = ToolHub.from_file(broken)
    assert hub.config_error is not None and hub.tools() == [] and hub.servers() == []
    assert "is not valid JSON (line 1, column 38" in hub.config_error.message("en")
    assert "no es JSON válido (línea 1, columna 38" in hub.config_error.message("es")
    missing = ToolHub.from_file(tmp_path / "nope.json").config_error
    assert missing is not None and "nope.json cannot be used: the file does not exist." in str(missing)
    hub.close()


def test_shared_hub_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert shared_hub().servers() == [] and shared_hub().config_error is None
    path = tmp_path / "mcp.json"
    path.write_text('{"mcpServers": {"a": {"command": "/nonexistent/x", "disabled": true}}}')
    monkeypatch.setenv("CHARLA_MCP_CONFIG", str(path))
    first = shared_hub()
    assert first is shared_hub() and first.config_error is None and first.servers() == []
    path.write_text("[]")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert shared_hub() is not first and shared_hub().config_error is not None


# --- specs and results (no server) ---


def test_function_names_are_provider_safe_and_unique() -> None:
    taken: set[str] = set()
    names = [
        function_name("maint", "equipment_status", taken),
        function_name("my server", "get.thing", taken),
        function_name("my.server", "get thing", taken),
        function_name("s" * 40, "t" * 40, taken),
        function_name("s" * 40, "t" * 40 + "x", taken),
    ]
    assert names[:3] == ["maint__equipment_status", "my_server__get_thing", "my_server__get_thing_2"]
    assert len(set(names)) == 5
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name) for name in names)


@pytest.mark.parametrize(
    ("hints", "auto", "read_only", "destructive", "asks"),
    [
        (None, False, False, True, True),  # spec defaults: may write, may destroy
        (ToolAnnotations(read_only_hint=True), False, True, False, False),
        (ToolAnnotations(read_only_hint=False, destructive_hint=False), False, False, False, True),
        (ToolAnnotations(destructive_hint=True), True, False, True, False),  # auto-approved
        (ToolAnnotations(read_only_hint=True, destructive_hint=True), False, True, True, True),  # contradicts
    ],
)
def test_spec_decides_approval_from_annotations(
    hints: ToolAnnotations | None, auto: bool, read_only: bool, destructive: bool, asks: bool
) -> None:
    tool = Tool(name="t", description="Does t.", input_schema={"type": "object"}, annotations=hints)
    spec = ToolSpec.from_mcp("s", tool, function="s__t", auto_approve=auto)
    assert (spec.read_only, spec.destructive, spec.needs_approval, spec.api_allowed) == (
        read_only,
        destructive,
        asks,
        not asks,
    )
    assert spec.openai_tool() == {
        "type": "function",
        "function": {"name": "s__t", "description": "Does t.", "parameters": {"type": "object", "properties": {}}},
    }


def test_result_text_cap_and_denials() -> None:
    structured = CallToolResult(content=[], structured_content={"a": 1, "b": "ñ"})
    assert result_text(structured) == '{"a":1,"b":"ñ"}'
    mixed = CallToolResult(content=[TextContent(text="one"), ImageContent(data="AA==", mime_type="image/png")])
    assert result_text(mixed) == "one\n[image content omitted]"
    assert cap("x" * 10, 4) == ("xxxx", True) and cap("xy", 4) == ("xy", False)
    cut = ToolResult(output="x" * 4, truncated=True, total_chars=20_000, tool="s__t")
    assert cut.text.endswith("[Cut: the tool returned 20,000 characters; only the first 4 are kept.]")
    assert "devolvió 20.000 caracteres" in cut.message("es")
    spec = ToolSpec("maint", "schedule_maintenance", "maint__schedule_maintenance", "", {}, False, True)
    denied = ToolResult.denied(spec, by_api=True)
    assert denied.status == "denied" and denied.is_error and "needs a person's approval" in denied.text
    assert ToolResult.denied(spec).message("es").startswith("La persona no permitió ejecutar schedule_maintenance")


# --- the stdio demo server ---


@pytest.mark.slow
def test_servers_are_listed_with_tools_and_flags(hub: ToolHub) -> None:
    status = {s.name: s for s in hub.servers()}
    assert status["maint"].state == "up" and status["maint"].transport == "stdio" and status["maint"].error is None
    tools = {spec.tool: spec for spec in status["maint"].tools}
    assert set(tools) == {
        "list_equipment",
        "equipment_status",
        "pending_maintenance_tasks",
        "schedule_maintenance",
        "calibrate",
    }
    assert tools["equipment_status"].description.startswith("Current state and readings")
    assert tools["equipment_status"].read_only and not tools["equipment_status"].needs_approval
    assert tools["schedule_maintenance"].destructive and tools["schedule_maintenance"].needs_approval
    assert not tools["schedule_maintenance"].api_allowed
    assert tools["calibrate"].auto_approve and not tools["calibrate"].read_only and tools["calibrate"].api_allowed
    ghost = status["ghost"]
    assert ghost.state == "down" and ghost.tools == () and ghost.retry_in is not None
    assert ghost.error_text() == "the command /nonexistent/mcp-server was not found; install it or give its full path"
    assert ghost.error_text("es").startswith("no se encontró la orden /nonexistent/mcp-server")


@pytest.mark.slow
def test_allow_list_and_auto_approve(hub: ToolHub) -> None:
    limited = {spec.function: spec for spec in hub.tools() if spec.server == "limited"}
    assert set(limited) == {"limited__equipment_status", "limited__schedule_maintenance"}
    assert not limited["limited__schedule_maintenance"].needs_approval
    assert hub.tool("maint__schedule_maintenance") is not None
    assert hub.call("limited__calibrate", {"equipment_id": "UMA-001"}).text.startswith(
        "There is no tool called limited__calibrate. Use one of: "
    )


@pytest.mark.slow
def test_a_call_and_its_result(hub: ToolHub) -> None:
    result = hub.call("maint__equipment_status", '{"equipment_id": "UMA-001"}')
    assert result.status == "ok" and not result.is_error and not result.truncated and 0 < result.elapsed < 5
    assert json.loads(result.text)["state"] == "running"
    tasks = json.loads(hub.call("maint__pending_maintenance_tasks", {"equipment_id": "uma-002"}).text)
    assert [task["id"] for task in tasks["tasks"]] == ["OT-1041"]
    refused = hub.call("maint__equipment_status", {"equipment_id": "XYZ-9"})
    assert refused.status == "error" and "unknown equipment 'XYZ-9'" in refused.text
    garbled = hub.call("maint__equipment_status", '{"equipment_id": ')
    assert garbled.status == "error" and garbled.text.startswith("The arguments for equipment_status are not a JSON")


@pytest.mark.slow
def test_no_charla_key_or_setting_reaches_a_tool(hub: ToolHub, server_log: Path) -> None:
    assert hub.call("maint__list_equipment").status == "ok"
    started = [line for line in server_log.read_text().splitlines() if line.startswith("start ")]
    names = set(started[0].split(" env=")[1].split(","))
    assert names <= ALLOWED_ENV and "MAINTENANCE_LOG" in names and "PATH" in names


@pytest.mark.slow
def test_a_timeout_is_a_clear_result_and_the_server_is_told(hub: ToolHub, server_log: Path) -> None:
    result = hub.call("maint__calibrate", {"equipment_id": "UMA-003", "seconds": 10}, timeout=0.5)
    assert result.status == "timeout" and result.is_error and result.elapsed < 3
    assert (
        result.text == "calibrate (maint) did not finish within 0.5 s and was stopped. Try again later or do "
        "without it."
    )
    assert result.message("es").startswith("calibrate (maint) no terminó en 0.5 s y se detuvo.")
    assert wait_for(lambda: "calibrate cancelled UMA-003" in server_log.read_text())
    assert hub.call("maint__equipment_status", {"equipment_id": "UMA-003"}).status == "ok"


@pytest.mark.slow
def test_cancel_from_another_thread(hub: ToolHub, server_log: Path) -> None:
    call = hub.submit("maint__calibrate", {"equipment_id": "CHL-001", "seconds": 10})
    assert wait_for(lambda: call.progress is not None), "no progress report"
    assert call.progress is not None and call.progress[2] == "calibrating CHL-001"
    stopper = threading.Thread(target=call.cancel)
    stopper.start()
    stopper.join(5)
    result = call.result(timeout=5)
    assert result.status == "cancelled" and result.text == "calibrate (maint) was stopped before it finished."
    assert wait_for(lambda: "calibrate cancelled CHL-001" in server_log.read_text())
    assert "calibrate done CHL-001" not in server_log.read_text()
    assert hub.call("maint__calibrate", {"equipment_id": "CHL-001", "seconds": 0.1}).text == (
        "CHL-001: sensors calibrated"
    )


@pytest.mark.slow
def test_async_callers_cancel_by_cancelling_their_task(hub: ToolHub, server_log: Path) -> None:
    async def client_that_leaves() -> None:
        call = hub.submit("maint__calibrate", {"equipment_id": "BMB-001", "seconds": 10})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(call.aresult(), 0.5)
        assert call.result().status == "cancelled"

    async def client_that_waits() -> str:
        return (await hub.submit("maint__equipment_status", {"equipment_id": "BMB-001"}).aresult()).status

    asyncio.run(client_that_leaves())
    assert wait_for(lambda: "calibrate cancelled BMB-001" in server_log.read_text())
    assert asyncio.run(client_that_waits()) == "ok"


@pytest.mark.slow
def test_a_lost_server_is_started_again_after_the_backoff(tmp_path: Path) -> None:
    log, clock = tmp_path / "server.log", Clock()
    with ToolHub(parse_config({"mcpServers": {"m": stdio(log)}}), clock=clock) as hub:
        assert hub.call("m__list_equipment").status == "ok"
        pid = int(log.read_text().split("pid=")[1].split()[0])
        os.kill(pid, signal.SIGKILL)
        lost = hub.call("m__list_equipment")
        assert lost.status == "unavailable" and "the connection to the server was lost" in lost.text
        assert hub.call("m__list_equipment").status == "unavailable"  # within the backoff: not retried
        clock.now += 1.5
        assert hub.call("m__list_equipment").status == "ok"
        assert log.read_text().count("start pid=") == 2


@pytest.mark.slow
def test_a_down_server_is_retried_only_after_its_backoff(tmp_path: Path) -> None:
    clock, command = Clock(), tmp_path / "maintenance-server"
    with ToolHub(parse_config({"mcpServers": {"late": {"command": str(command)}}}), clock=clock) as hub:
        assert hub.tools() == [] and hub.servers()[0].retry_in == 1.0
        command.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{SERVER}'\n")
        command.chmod(0o755)
        hub.start()
        assert hub.servers()[0].state == "down"  # installed now, but not tried again before the backoff
        clock.now += 1.0
        assert [spec.tool for spec in hub.tools()][:2] == ["list_equipment", "equipment_status"]
        assert hub.servers()[0].state == "up"
    assert hub.call("late__list_equipment").text.endswith("(Charla's tool hub is closed).")


# --- streamable HTTP ---


@pytest.mark.slow
def test_http_server_with_headers(http_url: str) -> None:
    servers = {
        "plant": {"url": http_url, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        "stranger": {"url": http_url + "?key=do-not-show"},
    }
    with ToolHub(parse_config({"mcpServers": servers})) as hub:
        assert {spec.function for spec in hub.tools()} >= {"plant__equipment_status", "plant__calibrate"}
        result = hub.call("plant__equipment_status", {"equipment_id": "UMA-002"})
        assert result.status == "ok" and json.loads(result.text)["alarm"] == "filter pressure drop high"
        stranger = {s.name: s for s in hub.servers()}["stranger"]
        assert stranger.state == "down" and stranger.where == http_url and "do-not-show" not in stranger.error_text()
        assert (
            stranger.error_text() == f"{http_url} refused the credentials (HTTP 401); check this server's "
            "headers in the config"
        )


def test_a_server_on_the_older_sse_transport_lists_and_runs_its_tools(sse_url: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    servers = {
        "plant": {"url": sse_url, "headers": auth},  # a path ending in /sse says which transport
        "typed": {"url": sse_url.removesuffix("/sse") + "/sse/", "type": "SSE", "headers": auth},
        "stranger": {"url": sse_url},
    }
    with ToolHub(parse_config({"mcpServers": servers})) as hub:
        assert {"plant__equipment_status", "typed__equipment_status"} <= {spec.function for spec in hub.tools()}
        result = hub.call("plant__equipment_status", {"equipment_id": "UMA-002"})
        assert result.status == "ok" and json.loads(result.text)["alarm"] == "filter pressure drop high"
        assert hub.call("typed__equipment_status", {"equipment_id": "UMA-002"}).status == "ok"
        stranger = {s.name: s for s in hub.servers()}["stranger"]
        assert stranger.state == "down"
        assert stranger.error_text().startswith(f"{sse_url} refused the credentials (HTTP 401)")


@pytest.mark.slow
def test_results_are_capped(http_url: str) -> None:
    servers = {"plant": {"url": http_url, "headers": {"Authorization": f"Bearer {TOKEN}"}}}
    with ToolHub(parse_config({"mcpServers": servers}), max_result_chars=100) as hub:
        result = hub.call("plant__list_equipment")
    assert result.status == "ok" and result.truncated and len(result.output) == 100 and result.total_chars > 100
    assert result.text.endswith("only the first 100 are kept.]") and MAX_RESULT_CHARS == 16_000


def test_a_step_label_cannot_carry_markdown_from_the_model() -> None:
    from chat.tools.present import step_label
    from chat.tools.steps import ToolStep

    step = ToolStep("c1", "![x](https://elsewhere.example/?d=secret)", "{}", 1)
    label = step_label(step, "en")
    assert "](" not in label and "![" not in label and "https://" not in label
    assert label.endswith("— running…")

"""Tool steps in a turn: the model calls the demo MCP server's tools through the service, the session, the page and
the API, on each vendor's wire (the HTTP fake) or in-process where the wire is not the point.

The demo server (examples/maintenance_server.py) runs as a real stdio subprocess and writes what it did to
MAINTENANCE_LOG, which is how these tests see a tool run, never run, or get cancelled.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from chat import persist, service
from chat.errors import RateLimited
from chat.schema import ChatRequest, Message, TextPart
from chat.session import ChatSession
from chat.store import Store
from chat.tools import close_shared, shared_hub
from chat.tools.steps import MAX_STEPS
from chat.turn import Turn
from tests.api_fixtures import make_client, sse_events
from tests.fakes import FakeUpstream, Script
from tests.fakes.provider import InProcess
from tests.turns import CALLER, run

pytestmark = pytest.mark.slow  # the MCP server runs as a subprocess

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "examples" / "maintenance_server.py"
STATUS = {"name": "maintenance__equipment_status", "arguments": {"equipment_id": "BMB-001"}}
SCHEDULE = {
    "name": "maintenance__schedule_maintenance",
    "arguments": {"equipment_id": "BMB-001", "task": "Replace seal", "date": "2026-12-20"},
}


@pytest.fixture(scope="module")
def mcp_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """One config (and so one shared hub, one server process) for the module; calibrate runs without asking."""
    folder = tmp_path_factory.mktemp("tools")
    log, config = folder / "maintenance.log", folder / "mcp.json"
    server = {
        "command": sys.executable,
        "args": [str(SERVER)],
        "env": {"MAINTENANCE_LOG": str(log)},
        "autoApprove": ["calibrate"],
        "timeout": 20,
    }
    config.write_text(json.dumps({"mcpServers": {"maintenance": server}}))
    yield config, log
    close_shared()


@pytest.fixture
def tools_on(mcp_config: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """CHARLA_MCP_CONFIG set; the server's log, emptied."""
    config, log = mcp_config
    monkeypatch.setenv("CHARLA_MCP_CONFIG", str(config))
    log.write_text("")
    return log


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "charla.db")


def ask(text: str, model: str) -> ChatRequest:
    return ChatRequest(messages=[Message(role="user", parts=[TextPart(text=text)])], model=model)


# --- the loop on each vendor's wire ---


@pytest.mark.parametrize(("vendor", "model"), [("groq", "openai/gpt-oss-20b"), ("mistral", "mistral-small-latest")])
def test_a_read_only_tool_runs_and_the_model_answers_from_its_result(
    upstream: FakeUpstream, tools_on: Path, vendor: str, model: str
) -> None:
    upstream.script(Script(text="Let me look.", tool_calls=[STATUS]), Script(text="The booster pump is running."))
    reply = service.send(ask("How is the booster pump?", model), caller=CALLER, tools="ui")
    list(reply)
    assert reply.text == "The booster pump is running."
    [step] = reply.steps
    assert (step.server, step.tool, step.said) == ("maintenance", "equipment_status", "Let me look.")
    assert step.result is not None and step.result.status == "ok" and "15730" in step.result.output
    first, second = upstream.chat_requests(vendor)
    offered = {t["function"]["name"] for t in first.body["tools"]}
    assert {"maintenance__equipment_status", "maintenance__schedule_maintenance"} <= offered
    call, result = second.body["messages"][-2:]
    assert call["role"] == "assistant" and call["tool_calls"][0]["function"]["name"] == STATUS["name"]
    assert result["role"] == "tool" and result["tool_call_id"] == call["tool_calls"][0]["id"]
    assert "15730" in result["content"]


def test_after_five_steps_the_model_answers_without_tools(inprocess: InProcess, tools_on: Path) -> None:
    inprocess.script(*[Script(text="", tool_calls=[STATUS]) for _ in range(MAX_STEPS)], Script(text="Done."))
    reply = service.send(ask("Check it again and again", "openai/gpt-oss-20b"), caller=CALLER, tools="ui")
    list(reply)
    requests = inprocess.chat_requests("groq")
    assert len(requests) == MAX_STEPS + 1 and len(reply.steps) == MAX_STEPS
    assert all(r.body.get("tool_choice") != "none" for r in requests[:-1])
    assert requests[-1].body["tool_choice"] == "none"
    assert reply.text == "Done." and reply.step_limited


def test_each_step_counts_against_the_rate_limit(
    inprocess: InProcess, tools_on: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat import ratelimit

    monkeypatch.setenv("CHARLA_RATE_LIMIT", "2/60")
    ratelimit.clear()
    inprocess.script(*[Script(text="", tool_calls=[STATUS]) for _ in range(3)], Script(text="never"))
    reply = service.send(ask("status?", "openai/gpt-oss-20b"), caller=CALLER, tools="ui")
    with pytest.raises(RateLimited):
        list(reply)
    assert len(inprocess.chat_requests()) == 2  # the third call of the model was refused before it was made


# --- in the session: approval, stop, the store ---


def test_a_tool_that_changes_things_waits_for_run(inprocess: InProcess, tools_on: Path, store: Store) -> None:
    inprocess.script(Script(text="I will schedule it.", tool_calls=[SCHEDULE]), Script(text="Scheduled as OT-1045."))
    chat = ChatSession()
    chat.submit("Schedule a seal replacement for BMB-001 on 2026-12-20")
    run(chat, store)
    reply = chat.messages[-1]
    [step] = reply.waiting
    assert step.tool == "schedule_maintenance" and "scheduled" not in tools_on.read_text()
    assert len(inprocess.chat_requests()) == 1  # nothing goes on until the person answers
    # a refresh shows the same question
    again = persist.load(store, chat.conversation_id or "", None)
    assert again is not None and [s.id for s in again.messages[-1].waiting] == [step.id]
    chat.decide(reply.id, step.id, run=True)
    run(chat, store)
    assert "scheduled OT-" in tools_on.read_text()
    assert chat.messages[-1] is reply and reply.text == "Scheduled as OT-1045." and not reply.waiting
    assert reply.steps[0].result is not None and reply.steps[0].result.status == "ok"
    tool_message = inprocess.chat_requests()[-1].body["messages"][-1]
    assert tool_message["role"] == "tool" and "OT-10" in tool_message["content"]
    stored = persist.load(store, chat.conversation_id or "", None)
    assert stored is not None
    kept = stored.messages[-1]
    assert kept.text == "Scheduled as OT-1045." and kept.steps[0].said == "I will schedule it."
    markdown = persist.export(store, chat.conversation_id or "", None, "md")
    assert "Tool `maintenance/schedule_maintenance` (ok)" in markdown and "OT-10" in markdown


def test_deny_tells_the_model_and_runs_nothing(inprocess: InProcess, tools_on: Path, store: Store) -> None:
    inprocess.script(Script(text="", tool_calls=[SCHEDULE]), Script(text="Understood, nothing was scheduled."))
    chat = ChatSession()
    chat.submit("Schedule it")
    run(chat, store)
    reply = chat.messages[-1]
    chat.decide(reply.id, reply.waiting[0].id, run=False)
    run(chat, store)
    assert "scheduled" not in tools_on.read_text()
    assert reply.text == "Understood, nothing was scheduled."
    told = inprocess.chat_requests()[-1].body["messages"][-1]["content"]
    assert "did not allow schedule_maintenance" in told


def test_a_new_message_instead_of_an_answer_denies_the_waiting_call(
    inprocess: InProcess, tools_on: Path, store: Store
) -> None:
    inprocess.script(Script(text="", tool_calls=[SCHEDULE]), Script(text="OK, what else?"))
    chat = ChatSession()
    chat.submit("Schedule it")
    run(chat, store)
    chat.submit("Actually, never mind")
    run(chat, store)
    sent = inprocess.chat_requests()[-1].body["messages"]
    roles = [m["role"] for m in sent]
    assert roles == ["user", "assistant", "tool", "user"]  # every call has its result: the vendors demand it
    assert "did not allow" in sent[2]["content"] and "scheduled" not in tools_on.read_text()
    # after a refresh the denied call reads as denied, and the conversation goes on without a dangling call
    again = persist.load(store, chat.conversation_id or "", None)
    assert again is not None and not any(m.waiting for m in again.messages)
    [denied] = again.messages[1].steps
    assert denied.result is not None and denied.result.status == "denied"


def test_stop_during_a_slow_tool_cancels_it(inprocess: InProcess, tools_on: Path, store: Store) -> None:
    slow = {"name": "maintenance__calibrate", "arguments": {"equipment_id": "BMB-001", "seconds": 20}}
    inprocess.script(Script(text="Calibrating.", tool_calls=[slow]), Script(text="never"))
    chat = ChatSession()
    chat.submit("Calibrate the booster pump")
    turn = Turn.start(chat, CALLER, store, None)
    assert turn is not None
    started = time.monotonic()
    try:
        for _ in turn.ticks():
            if "calibrate start" in tools_on.read_text():
                break  # what a Stop click does to the page's loop
    finally:
        turn.close()
    reply = chat.messages[-1]
    assert reply.status == "stopped" and time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while "calibrate cancelled" not in tools_on.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "calibrate cancelled" in tools_on.read_text()  # the server was told (MCP cancellation)
    assert len(inprocess.chat_requests()) == 1
    assert reply.steps[0].said == "Calibrating."


# --- the page ---


def test_the_page_shows_each_step_and_asks_before_a_tool_that_changes_things(
    inprocess: InProcess, tools_on: Path
) -> None:
    st.cache_resource.clear()
    shared_hub().start()  # what app.py's warm-up does when the process starts
    inprocess.script(
        Script(text="", tool_calls=[STATUS]),
        Script(text="Booking it.", tool_calls=[SCHEDULE]),
        Script(text="Booked as OT-1045."),
    )
    at = AppTest.from_file(str(REPO / "pages" / "chat_view.py"), default_timeout=60)
    at.run()
    sidebar = " ".join(str(m.value) for m in at.sidebar.markdown)
    assert "maintenance" in sidebar and "equipment_status" in sidebar and "read-only" in sidebar
    at.chat_input[0].set_value("Check BMB-001 and book a seal replacement").run()
    assert not at.exception, at.exception
    labels = [s.label for s in at.status]
    assert labels[0].startswith("equipment_status · maintenance — ") and labels[0].endswith(" s")
    assert labels[1] == "schedule_maintenance · maintenance — waiting for your approval"
    assert any("15730" in str(c.value) for c in at.code)  # the result, as plain text
    assert "scheduled" not in tools_on.read_text()
    [run_button] = [b for b in at.button if b.label == "Run"]
    run_button.click().run()
    assert not at.exception, at.exception
    assert "scheduled OT-" in tools_on.read_text()
    answer = " ".join(m.value for m in at.chat_message[-1].markdown)
    assert "Booked as OT-1045." in answer and "Run" not in [b.label for b in at.button]


# --- the API ---


def test_the_api_runs_read_only_tools_and_denies_the_others(inprocess: InProcess, tools_on: Path) -> None:
    inprocess.script(Script(text="", tool_calls=[STATUS, SCHEDULE]), Script(text="Pump running; booking needs you."))
    body: dict[str, Any] = {"messages": [{"role": "user", "parts": [{"type": "text", "text": "check and book"}]}]}
    with make_client() as client:
        response = client.post("/api/chat", json=body)
    events = [e for e in sse_events(response.text) if isinstance(e, dict)]
    types = [e["type"] for e in events]
    assert types.count("tool-input-available") == 2 and "tool-output-available" in types
    assert "tool-output-denied" in types
    # one step per call of the model: its two tool calls, then the answer
    steps = " ".join(types).split("start-step")[1:]
    assert len(steps) == 2 and steps[0].count("tool-input-available") == 2 and "text-delta" in steps[1]
    assert "scheduled" not in tools_on.read_text()
    assert (
        "".join(e.get("delta", "") for e in events if e["type"] == "text-delta") == "Pump running; booking needs you."
    )

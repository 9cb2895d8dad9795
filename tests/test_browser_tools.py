"""Tool steps in real Chromium, with the README's example config (the demo MCP server over stdio).

Asked about a piece of equipment, the model (the fake) calls the demo server's tool: the step shows in a status box
with its result, then the answer; a tool that can change things waits for Run, and runs only after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import BROWSER, env, last_reply, open_chat, settle, shot, type_and_send
from tests.fakes import FakeUpstream, Script
from tests.live import LiveServer

pytestmark = BROWSER
STATUS = {"name": "maintenance__equipment_status", "arguments": {"equipment_id": "UMA-001"}}
SCHEDULE = {
    "name": "maintenance__schedule_maintenance",
    "arguments": {"equipment_id": "UMA-001", "task": "Replace filters", "date": "2026-12-21"},
}


@pytest.fixture(scope="module")
def tools_server(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("tools")
    srv = LiveServer(env(fake, data, CHARLA_MCP_CONFIG="examples/mcp.json")).start()
    yield srv
    srv.stop()


def test_a_question_about_equipment_shows_the_step_and_an_answer_from_it(
    page: Any, tools_server: LiveServer, fake: FakeUpstream
) -> None:
    fake.script(Script(text="", tool_calls=[STATUS]), Script(text="UMA-001 is running; filters at 145 Pa."))
    open_chat(page, tools_server.url)
    type_and_send(page, "What is the status of equipment UMA-001?")
    reply = last_reply(page)
    reply.get_by_text("UMA-001 is running; filters at 145 Pa.").wait_for(timeout=30_000)
    settle(page)
    status = last_reply(page).get_by_test_id("stExpander").first
    assert "equipment_status · maintenance — " in status.inner_text()
    status.locator("summary").click()
    status.get_by_text("12480").first.wait_for(timeout=10_000)  # the tool's result, as plain text
    sent = fake.chat_requests()[-1].body["messages"]
    assert sent[-1]["role"] == "tool" and "12480" in sent[-1]["content"]
    shot(page, "browser_tool_step")


def test_a_tool_that_changes_things_runs_only_after_run(
    page: Any, tools_server: LiveServer, fake: FakeUpstream
) -> None:
    fake.script(Script(text="I will book it.", tool_calls=[SCHEDULE]), Script(text="Booked."))
    open_chat(page, tools_server.url)
    type_and_send(page, "Book a filter change for UMA-001 on 2026-12-21")
    run = page.get_by_role("button", name="Run")
    run.wait_for(timeout=30_000)
    assert "waiting for your approval" in last_reply(page).inner_text()
    assert len(fake.chat_requests()) == 1
    run.click()
    last_reply(page).get_by_text("Booked.").wait_for(timeout=30_000)
    settle(page)
    assert "schedule_maintenance · maintenance — " in last_reply(page).inner_text()
    assert "OT-10" in fake.chat_requests()[-1].body["messages"][-1]["content"]
    assert page.get_by_role("button", name="Run").count() == 0

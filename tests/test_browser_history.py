"""Stored conversations in Chromium: refresh, ownership between two browsers, export/import, a SIGKILL mid-reply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from tests.browser import BROWSER, IDLE, env, last_reply, open_chat, settle, shot, type_and_send
from tests.fakes import FakeUpstream, Script
from tests.live import LiveServer

pytestmark = BROWSER


def conv_of(page: Any) -> str:
    return parse_qs(urlparse(page.url).query)["c"][0]


def bubbles(page: Any) -> list[str]:
    return [
        t.strip()
        for t in page.locator('[data-testid="stChatMessageContent"] [data-testid="stMarkdown"]').all_inner_texts()
    ]


def test_refresh_brings_the_conversation_back(page: Any, server: LiveServer) -> None:
    open_chat(page, server.url)
    type_and_send(page, "remember the lighthouse")
    last_reply(page).get_by_text("Echo: remember the lighthouse").wait_for(timeout=15_000)
    settle(page)
    conv = conv_of(page)
    page.reload()
    open_chat(page, page.url)
    last_reply(page).get_by_text("Echo: remember the lighthouse").wait_for(timeout=15_000)
    assert conv_of(page) == conv
    assert page.locator('[data-testid="stChatMessage"]').count() == 2
    shot(page, "history_refresh")


@pytest.fixture(scope="module")
def prod_server(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = LiveServer(env(fake, tmp_path_factory.mktemp("prod"), CHARLA_ENV="production")).start()
    yield srv
    srv.stop()


def test_two_browsers_never_see_each_other(browser: Any, prod_server: LiveServer) -> None:
    alice = browser.new_context(viewport={"width": 1200, "height": 1000})
    bob = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        a, b = alice.new_page(), bob.new_page()
        open_chat(a, prod_server.url)
        type_and_send(a, "alice plans a surprise")
        last_reply(a).get_by_text("Echo: alice plans a surprise").wait_for(timeout=15_000)
        settle(a)
        link = a.url
        cookies = {c["name"]: c for c in alice.cookies()}
        assert "charla_owner" in cookies and cookies["charla_owner"]["sameSite"] == "Strict"
        assert cookies["charla_owner"]["value"] not in link  # the secret never goes in a URL
        a.reload()  # the cookie, not the session, proves ownership now
        open_chat(a, a.url)
        last_reply(a).get_by_text("Echo: alice plans a surprise").wait_for(timeout=15_000)

        open_chat(b, link)
        b.get_by_text("could not be opened").wait_for(timeout=15_000)
        assert "surprise" not in b.inner_text("body")
        shot(b, "history_foreign_link")
        b.goto(prod_server.url + "/history")
        b.wait_for_selector(IDLE, timeout=30_000)
        b.get_by_text("No conversations yet").wait_for(timeout=15_000)
        assert "surprise" not in b.inner_text("body")

        a.goto(prod_server.url + "/history")
        a.wait_for_selector(IDLE, timeout=30_000)
        a.get_by_text("alice plans a surprise").wait_for(timeout=15_000)
        shot(a, "history_page")
    finally:
        alice.close()
        bob.close()


def test_history_gives_times_in_the_visitors_own_zone_and_names_it(browser: Any, server: LiveServer) -> None:
    zone = ZoneInfo("Asia/Kolkata")  # UTC+05:30 all year: unlike the server's zone, whatever that is
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, timezone_id="Asia/Kolkata")
    try:
        page = context.new_page()
        open_chat(page, server.url)
        before = datetime.now(zone).strftime("%Y-%m-%d %H:%M IST")
        type_and_send(page, "when did we talk")
        last_reply(page).get_by_text("Echo: when did we talk").wait_for(timeout=15_000)
        settle(page)
        after = datetime.now(zone).strftime("%Y-%m-%d %H:%M IST")
        conv = conv_of(page)
        page.goto(server.url + "/history")
        page.wait_for_selector(IDLE, timeout=30_000)
        row = page.locator(f'[class*="st-key-conv_{conv}"]')
        row.get_by_text("when did we talk").wait_for(timeout=15_000)
        meta = row.get_by_test_id("stCaptionContainer").first.inner_text()
        assert meta.split(" · ")[0] in {before, after}, meta
        shot(page, "history_zone")
    finally:
        context.close()


def test_export_json_then_import_gives_the_same_conversation(page: Any, server: LiveServer, tmp_path: Any) -> None:
    open_chat(page, server.url)
    type_and_send(page, "pack for the islands")
    last_reply(page).get_by_text("Echo: pack for the islands").wait_for(timeout=15_000)
    settle(page)
    before, conv = bubbles(page), conv_of(page)
    page.goto(server.url + "/history")
    page.wait_for_selector(IDLE, timeout=30_000)
    with page.expect_download() as info:
        page.locator(f'[class*="st-key-json_{conv}"] button').first.click()
    exported = tmp_path / "export.json"
    info.value.save_as(str(exported))
    doc = json.loads(exported.read_text())
    assert [m["text"] for m in doc["messages"]] == ["pack for the islands", "Echo: pack for the islands"]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(exported))
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=20_000)
    assert conv_of(page) != conv
    last_reply(page).get_by_text("Echo: pack for the islands").wait_for(timeout=15_000)
    assert bubbles(page) == before
    shot(page, "history_imported")


def test_a_killed_server_keeps_the_question_and_the_partial_reply(
    browser: Any, fake: FakeUpstream, tmp_path: Any
) -> None:
    words = [f"w{i}" for i in range(400)]
    fake.script(Script(text=" ".join(words), delay=0.03))
    data = tmp_path / "data"
    first = LiveServer(env(fake, data)).start()
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        page = context.new_page()
        open_chat(page, first.url)
        type_and_send(page, "count slowly")
        last_reply(page).get_by_text("w40").wait_for(timeout=15_000)
        page.wait_for_timeout(700)  # past one throttled write
        conv = conv_of(page)
        shown = last_reply(page).inner_text()
        first.kill()
        second = LiveServer(env(fake, data)).start()
        try:
            open_chat(page, f"{second.url}/?c={conv}")
            last_reply(page).get_by_text("Interrupted").wait_for(timeout=15_000)
            texts = bubbles(page)
            assert texts[0] == "count slowly"
            stored = texts[1].split()
            assert len(stored) >= 20 and stored == words[: len(stored)]
            assert " ".join(stored) in shown.replace("▌", "")
            shot(page, "history_after_kill")
        finally:
            second.stop()
    finally:
        first.stop()
        context.close()

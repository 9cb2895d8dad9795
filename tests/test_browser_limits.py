"""The per-IP limit in a real browser: a refresh does not reset it, a forged X-Forwarded-For does not dodge it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import BROWSER, env, open_chat, settle, type_and_send
from tests.fakes import FakeUpstream
from tests.live import LiveServer

pytestmark = BROWSER


@pytest.fixture(scope="module")
def one_per_ip(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = env(fake, tmp_path_factory.mktemp("limits"))
    settings.update(CHARLA_RATE_LIMIT="50/60", CHARLA_IP_RATE_LIMIT="1/60")
    srv = LiveServer(settings).start()
    yield srv
    srv.stop()


def sending_disabled(page: Any) -> bool:
    return bool(page.get_by_test_id("stChatInputTextArea").is_disabled())


def test_refresh_and_forged_forwarded_for_keep_the_ip_limit(
    browser: Any, one_per_ip: LiveServer, fake: FakeUpstream, tmp_path: Path
) -> None:
    first = browser.new_context()
    page = first.new_page()
    open_chat(page, one_per_ip.url)
    type_and_send(page, "the only message this minute")
    page.get_by_text("Echo: the only message this minute", exact=True).first.wait_for(timeout=15_000)
    settle(page)
    page.reload()  # a new Streamlit session: the per-session quota is fresh, the IP's is not
    open_chat(page, one_per_ip.url)
    page.wait_for_function("() => document.querySelector('[data-testid=stChatInputTextArea]').disabled", timeout=10_000)
    first.close()

    forged = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.77"})
    page = forged.new_page()
    open_chat(page, one_per_ip.url)
    page.wait_for_function("() => document.querySelector('[data-testid=stChatInputTextArea]').disabled", timeout=10_000)
    assert sending_disabled(page)
    forged.close()
    assert len(fake.chat_requests()) == 1

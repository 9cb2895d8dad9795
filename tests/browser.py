"""Shared pieces of the browser tests: Debian's Chromium via Playwright, fixtures, helpers, screenshots.

Import the fixtures into a test module (`from tests.browser import browser, fake, page`) and set
`pytestmark = BROWSER` so the module skips, with the reason, without /usr/bin/chromium or playwright.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeUpstream
from tests.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

_missing = [
    why
    for why, ok in (
        (f"{CHROMIUM} not found", shutil.which(CHROMIUM) is not None),
        ("the playwright package is not installed", importlib.util.find_spec("playwright") is not None),
    )
    if not ok
]
BROWSER = [pytest.mark.browser, pytest.mark.skipif(bool(_missing), reason="; ".join(_missing) or "ok")]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


def env(fake: FakeUpstream, data: Path, **extra: str) -> dict[str, str]:
    return {
        "GROQ_BASE_URL": fake.url,
        "MISTRAL_BASE_URL": fake.url,
        "GROQ_API_KEY": "test-key",
        "MISTRAL_API_KEY": "test-key",
        "CHARLA_DATA_DIR": str(data),
        "CHARLA_RATE_LIMIT": "50/60",
        "CHARLA_IP_RATE_LIMIT": "200/60",
        **extra,
    }


@pytest.fixture(scope="module")
def server(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = LiveServer(env(fake, tmp_path_factory.mktemp("live"))).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, fake: FakeUpstream) -> Iterator[Any]:
    fake.reset()
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def open_chat(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=30_000)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=30_000)


def type_and_send(page: Any, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def settle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=30_000)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def last_reply(page: Any) -> Any:
    return page.locator('[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])').last

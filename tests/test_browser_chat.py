"""The chat page in Debian's Chromium (Playwright) against a live `streamlit run app.py` and the fake upstream.

Screenshots land in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import BROWSER, env, last_reply, open_chat, settle, shot, type_and_send
from tests.fakes import FakeUpstream, Script
from tests.live import LiveServer

pytestmark = BROWSER


def test_reply_streams_in_the_page(page: Any, server: LiveServer, fake: FakeUpstream) -> None:
    words = [f"word{i}" for i in range(120)]
    fake.script(Script(text=" ".join(words), delay=0.02))
    open_chat(page, server.url)
    type_and_send(page, "stream please")
    last_reply(page).wait_for(timeout=15_000)
    lengths = []
    for i in range(8):
        lengths.append(len(last_reply(page).inner_text()))
        if i == 3:
            shot(page, "browser_stream_mid")  # no faded "ghost" copies of earlier bubbles while streaming
            assert page.locator('[data-testid="stChatMessage"]').count() == 2
        page.wait_for_timeout(200)
    last_reply(page).get_by_text("tokens/s").wait_for(timeout=15_000)
    settle(page)
    final = last_reply(page).inner_text()
    assert "word119" in final and "tokens/s" in final
    growing = [b for a, b in zip(lengths, lengths[1:], strict=False) if b > a]
    assert len(growing) >= 3, lengths
    shot(page, "browser_stream")


def in_messages(page: Any, text: str) -> Any:
    """The last chat message showing `text` (the context inspector, hidden in its expander, lists it too)."""
    return page.locator('[data-testid="stChatMessage"]').get_by_text(text).last


SHOWN = """() => [...document.querySelectorAll('[data-testid="stChatMessage"]')]
  .map(e => e.innerText.split('\\n').find(line => /(asked|told) \\w+/.test(line)) || '')
  .filter(Boolean)"""


def test_the_conversation_stays_on_screen_while_the_provider_is_silent(
    page: Any, server: LiveServer, fake: FakeUpstream
) -> None:
    open_chat(page, server.url)
    for n in ("one", "two"):
        fake.script(Script(text=f"told {n}"))
        type_and_send(page, f"asked {n}")
        in_messages(page, f"told {n}").wait_for(timeout=15_000)
        settle(page)
    fake.script(Script(text="told three", first_delay=2.0))
    type_and_send(page, "asked three")
    in_messages(page, "asked three").wait_for(timeout=15_000)
    seen = []
    for _ in range(12):  # about 1.2 s of the provider's silence
        seen.append(page.evaluate(SHOWN))
        page.wait_for_timeout(100)
    everything = ["asked one", "told one", "asked two", "told two", "asked three"]
    assert all(shown == everything for shown in seen), seen  # nothing missing, nothing out of order
    in_messages(page, "told three").wait_for(timeout=15_000)
    settle(page)
    assert page.evaluate(SHOWN) == [*everything, "told three"]


def _png() -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (320, 200), (30, 90, 200))
    ImageDraw.Draw(im).ellipse((100, 40, 220, 160), fill=(250, 200, 0))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def test_image_and_pdf_reach_the_upstream(page: Any, server: LiveServer, fake: FakeUpstream) -> None:
    from tests.test_attachments_pdf import text_pdf

    open_chat(page, server.url)
    page.locator('[data-testid="stChatInput"] input[type="file"]').set_input_files(
        [
            {"name": "sun.png", "mimeType": "image/png", "buffer": _png()},
            {
                "name": "notes.pdf",
                "mimeType": "application/pdf",
                "buffer": text_pdf(["Alpha page text", "Beta page text"]),
            },
        ]
    )
    page.get_by_test_id("stFileChip").nth(1).wait_for(timeout=20_000)
    page.wait_for_function(  # both uploads finished (a chip shows a spinner until then): Enter sends both files
        "() => document.querySelectorAll('[data-testid=stFileChipIconSpinner]').length === 0", timeout=20_000
    )
    type_and_send(page, "describe both")
    settle(page)
    switch = page.get_by_role("button", name="Switch to Qwen3.8 27B (vision) and send")
    switch.wait_for(timeout=30_000)
    assert fake.chat_requests() == []  # refused before sending: the default model cannot see
    shot(page, "browser_attachments_blocked")
    switch.click()
    last_reply(page).get_by_text("first token").first.wait_for(timeout=30_000)
    settle(page)
    body = fake.chat_requests()[0].body
    assert body["model"] == "qwen/qwen3.8-27b"
    parts = body["messages"][-1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(urls) == 1 and urls[0].startswith("data:image/")
    text = " ".join(p["text"] for p in parts if p["type"] == "text")
    assert "[notes.pdf — page 1 of 2]" in text and "Beta page text" in text and "describe both" in text
    assert page.locator('[data-testid="stChatMessage"] img').count() >= 1  # the thumbnail
    shot(page, "browser_attachments_sent")


def test_stop_keeps_the_partial_reply_and_closes_the_upstream(
    page: Any, server: LiveServer, fake: FakeUpstream
) -> None:
    fake.script(Script(text=" ".join(f"w{i}" for i in range(1000)), delay=0.02))
    open_chat(page, server.url)
    type_and_send(page, "long story")
    last_reply(page).wait_for(timeout=15_000)
    page.wait_for_timeout(1200)
    page.get_by_test_id("stChatInputStopButton").click()
    assert fake.wait_disconnect(timeout=5), "the fake upstream did not see the client go away"
    stopped = page.get_by_text("Stopped: the reply was cut short")
    stopped.wait_for(timeout=10_000)
    settle(page)
    text = last_reply(page).inner_text()
    assert "w10 " in text and "w999" not in text and "▌" not in text
    shot(page, "browser_stop")


def test_markup_in_a_reply_stays_inert(page: Any, server: LiveServer, fake: FakeUpstream) -> None:
    evil = '<script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> done'
    fake.script(Script(chunks=[evil]))
    open_chat(page, server.url)
    type_and_send(page, "say something nasty")
    last_reply(page).get_by_text("first token").first.wait_for(timeout=15_000)
    settle(page)
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('[data-testid="stChatMessage"] img[src="x"]').count() == 0
    assert "<script>window.__pwned=1</script>" in last_reply(page).inner_text()
    shot(page, "browser_xss")


@pytest.fixture(scope="module")
def tight_server(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = LiveServer(env(fake, tmp_path_factory.mktemp("tight"), CHARLA_RATE_LIMIT="1/5")).start()
    yield srv
    srv.stop()


def test_quota_countdown_disables_then_reenables_sending(page: Any, tight_server: LiveServer) -> None:
    open_chat(page, tight_server.url)
    type_and_send(page, "one")
    last_reply(page).wait_for(timeout=15_000)
    box = page.get_by_test_id("stChatInputTextArea")
    page.wait_for_function("document.querySelector('[data-testid=stChatInputTextArea]').disabled", timeout=5_000)
    warning = page.get_by_text("you can send again in")
    warning.wait_for(timeout=5_000)
    first = warning.inner_text()
    shot(page, "browser_quota_countdown")
    page.wait_for_timeout(1500)
    assert warning.inner_text() != first  # the countdown is live
    started = time.monotonic()
    page.wait_for_function("!document.querySelector('[data-testid=stChatInputTextArea]').disabled", timeout=10_000)
    assert time.monotonic() - started < 8
    box.fill("two")
    box.press("Enter")
    last_reply(page).get_by_text("Echo: two").wait_for(timeout=15_000)
    shot(page, "browser_quota_reenabled")


def test_spanish_switch_renders_every_label(page: Any, server: LiveServer, fake: FakeUpstream) -> None:
    open_chat(page, server.url)
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    page.get_by_text("Ajustes").wait_for(timeout=10_000)
    settle(page)
    assert page.get_by_test_id("stChatInputTextArea").get_attribute("placeholder") == "Escribe a Charla…"
    type_and_send(page, "hola")
    last_reply(page).get_by_text("primer token").first.wait_for(timeout=15_000)
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    for word in ("Idioma", "Nuevo chat", "Proveedor", "Modelo", "Temperatura", "Claves de API"):
        assert word in sidebar
    assert "Settings" not in sidebar and "Temperature" not in sidebar
    shot(page, "browser_spanish")


def imports_in(text: str) -> list[str]:
    """The modules `-X importtime` (PYTHONPROFILEIMPORTTIME) logged in `text` (those an `import` statement loaded;
    importlib.import_module's own are not logged, the ones they import are)."""
    return [line.rpartition("|")[2].strip() for line in text.splitlines() if line.startswith("import time:")]


def test_the_first_visitor_of_a_fresh_process_waits_for_no_import(
    page: Any, fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The warm-up at start loads what the first page and the first reply need: the first visitor waits no longer
    than the next (before it, its page loaded the MCP SDK and Streamlit's emoji table, ~0.6 s, and read the model
    list, and its reply loaded babel's dates)."""
    data = tmp_path_factory.mktemp("cold")
    with LiveServer(env(fake, data, PYTHONPROFILEIMPORTTIME="1")) as srv:
        size, quiet = -1, 0.0
        deadline = time.monotonic() + 60
        while quiet < 2.0 and time.monotonic() < deadline:  # the warm-up's imports are over
            now = srv.log_path.stat().st_size
            quiet, size = (quiet + 0.25 if now == size else 0.0), now
            time.sleep(0.25)
        started = srv.log_path.stat().st_size
        assert "chat.api" in imports_in(srv.log_path.read_text(errors="replace"))  # the log shows imports
        listings = len(fake.model_requests())
        assert listings, "the warm-up reads the model lists with the server's keys"
        fake.script(Script(text="first reply", delay=0.01))
        open_chat(page, srv.url)
        type_and_send(page, "hello")
        last_reply(page).get_by_text("first reply").wait_for(timeout=15_000)
        settle(page)
        late = imports_in(srv.log_path.read_bytes()[started:].decode(errors="replace"))
    assert len(fake.model_requests()) == listings  # the page's model picker had its list already
    ours = ("chat", "pages", "groq", "mistralai", "httpx", "httpcore", "babel", "mcp", "tiktoken", "sqlalchemy")
    assert not [m for m in late if m.split(".")[0] in ours or m == "streamlit.emojis"], late

"""Voice in real Chromium: its fake microphone plays a WAV made here into the composer's recorder.

A recording becomes a transcribed message and a streamed answer; "Read aloud" plays the answer; a silent
recording gets its sentence (in Spanish here) and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, BROWSER, CHROMIUM, IDLE, last_reply, settle, shot
from tests.fakes import FakeUpstream
from tests.fakes import audio as fake_audio
from tests.live import LiveServer
from tests.test_voice import silence, tone

pytestmark = BROWSER


@pytest.fixture
def microphone(tmp_path: Path) -> Iterator[Any]:
    """A Chromium whose microphone plays the WAV it is given (one browser per recording)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browsers: list[Any] = []

        def launch(audio: bytes) -> Any:
            wav = tmp_path / f"mic{len(browsers)}.wav"
            wav.write_bytes(audio)
            extra = [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={wav}",
            ]
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + extra)
            browsers.append(browser)
            context = browser.new_context(viewport={"width": 1200, "height": 1000}, permissions=["microphone"])
            return context.new_page()

        yield launch
        for browser in browsers:
            browser.close()


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=30_000)


def record(page: Any, seconds: float = 2.5) -> None:
    page.get_by_test_id("stChatInputMicButton").click()
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_test_id("stChatInputApproveButton").click()
    settle(page)


def test_a_recording_becomes_a_transcribed_message_and_an_answer_read_aloud(
    microphone: Any, server: LiveServer, fake: FakeUpstream
) -> None:
    fake.reset()
    page = microphone(tone(3.0))
    open_page(page, server.url)
    record(page)
    user = page.locator('[data-testid="stChatMessage"]').first
    user.get_by_text("Heard ").wait_for(timeout=30_000)
    assert "transcribed by Groq" in user.inner_text()
    assert user.locator("audio").count() == 1  # the recording plays back beside its transcript
    reply = last_reply(page)
    reply.get_by_text("Echo: Heard").wait_for(timeout=30_000)
    [heard] = fake_audio.received(fake, kind="transcription")
    assert heard.file_name == "recording.wav" and heard.file_bytes[:4] == b"RIFF"
    assert fake.chat_requests()[0].body["messages"][-1]["content"].startswith("Heard ")
    reply.get_by_role("button", name="Read aloud").click()
    settle(page)
    last_reply(page).locator("audio").wait_for(timeout=30_000)
    assert len(fake_audio.received(fake, kind="speech")) == 1
    shot(page, "voice-recording")


def test_a_silent_recording_says_so_in_spanish_and_sends_nothing(
    microphone: Any, server: LiveServer, fake: FakeUpstream
) -> None:
    fake.reset()
    page = microphone(silence(3.0))
    open_page(page, server.url)
    page.get_by_text("Español").click()
    settle(page)
    record(page)
    page.get_by_text("La grabación está en silencio").wait_for(timeout=30_000)
    assert fake_audio.received(fake) == [] and fake.chat_requests() == []
    assert page.get_by_role("button", name="Reintentar").count() >= 1

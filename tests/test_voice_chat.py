"""Voice in a chat turn: a recording becomes the message (session, store, page) and an API request's audio file part
becomes its transcript; "Read aloud" plays a reply. Against the fake Groq and Mistral (speech and chat endpoints).
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from chat import hearing, persist, ratelimit
from chat.hearing import voice_mark
from chat.intake import Upload
from chat.session import ChatSession
from chat.store import Store
from chat.voice import limits
from tests.api_fixtures import make_client, sse_events
from tests.fakes import FakeUpstream
from tests.fakes import audio as fake_audio
from tests.fakes.audio import AudioScript
from tests.test_voice import encoded, silence, tone
from tests.turns import CALLER, run

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "chat_view.py")


@pytest.fixture(autouse=True)
def forget() -> None:
    """Each test hears its recordings afresh (the process keeps transcripts and speech by content)."""
    hearing.clear()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "charla.db")


def test_a_recording_becomes_the_message_and_gets_an_answer(upstream: FakeUpstream, store: Store) -> None:
    chat = ChatSession()
    user = chat.submit("", [Upload("recording.wav", tone(2.0), "audio/wav")])
    assert chat.pending == user.id and user.unheard
    assert chat.listen(user, CALLER)  # what the page does at once, under a spinner
    assert user.text == "Heard 2.0 seconds of audio."
    run(chat, store)
    sent = upstream.chat_requests("groq")[0].body["messages"]
    assert sent == [{"role": "user", "content": "Heard 2.0 seconds of audio."}]
    [heard] = fake_audio.received(upstream, vendor="groq")
    assert heard.path == "/openai/v1/audio/transcriptions" and heard.file_bytes == tone(2.0)
    assert chat.messages[-1].text.startswith("Echo: Heard 2.0 seconds")
    assert voice_mark(user.voice[0], "en") == ":material/mic: transcribed by Groq · English · 2.0 s"
    # a refresh keeps the transcript and the mark (not the sound)
    again = persist.load(store, chat.conversation_id or "", None)
    assert again is not None
    restored = again.messages[0]
    assert restored.text == "Heard 2.0 seconds of audio." and restored.voice[0].heard == restored.text
    assert not restored.unheard and restored.voice[0].audio == b""


def test_typed_text_and_a_recording_go_together(upstream: FakeUpstream, store: Store) -> None:
    fake_audio.script(upstream, AudioScript(text="y también esto", language="es"))
    chat = ChatSession()
    user = chat.submit("Mira esto", [Upload("nota.ogg", encoded("OGG", "OPUS"), "audio/ogg")])
    run(chat, store)  # the turn transcribes what the page did not
    assert user.text == "Mira esto\n\ny también esto"
    assert voice_mark(user.voice[0], "es") == ":material/mic: transcrito por Groq · español · 1.0 s"


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The recording is silent, so nothing was sent."),
        ("es", "La grabación está en silencio, así que no se envió nada."),
    ],
)
def test_a_silent_recording_says_so_and_sends_nothing(
    upstream: FakeUpstream, store: Store, lang: str, sentence: str
) -> None:
    chat = ChatSession()
    user = chat.submit("", [Upload("recording.wav", silence(), "audio/wav")])
    assert not chat.listen(user, CALLER)
    assert user.status == "failed" and user.error is not None
    assert user.error.message(lang).startswith(sentence)  # type: ignore[arg-type]
    assert chat.pending is None and user.voice[0].audio == silence()  # kept: nothing is lost
    assert fake_audio.received(upstream) == [] and upstream.chat_requests() == []


@pytest.mark.parametrize(
    ("lang", "start"),
    [("en", "The audio is 0 MB; Groq takes at most 0 MB per file."), ("es", "El audio ocupa 0 MB; Groq admite como")],
)
def test_an_oversized_file_is_refused_with_the_limit(
    upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch, lang: str, start: str
) -> None:
    monkeypatch.setitem(limits.STT, "groq", dataclasses.replace(limits.GROQ_STT, max_bytes=5_000))
    chat = ChatSession()
    user = chat.submit("", [Upload("memo.flac", encoded("FLAC", seconds=2.0), "audio/flac")])
    assert not chat.listen(user, CALLER) and user.error is not None
    assert user.error.message(lang).startswith(start)  # type: ignore[arg-type]
    assert fake_audio.received(upstream) == []


def test_retry_after_a_failed_transcription_transcribes_again(upstream: FakeUpstream, store: Store) -> None:
    fake_audio.script(upstream, AudioScript(status=429, retry_after=7))
    chat = ChatSession()
    user = chat.submit("", [Upload("recording.wav", tone(1.0), "audio/wav")])
    assert run(chat, store) is None and user.status == "failed"
    assert user.error is not None and "7" in user.error.message("en")
    chat.retry(user.id)
    run(chat, store)
    assert user.text == "Heard 1.0 seconds of audio." and chat.messages[-1].role == "assistant"
    assert len(fake_audio.received(upstream)) == 2


def test_a_transcription_counts_against_the_rate_limit(
    upstream: FakeUpstream, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "1/60")
    ratelimit.clear()
    chat = ChatSession()
    user = chat.submit("", [Upload("recording.wav", tone(1.0), "audio/wav")])
    run(chat, store)
    assert user.status == "failed" and user.error is not None and user.error.kind == "RateLimited"
    assert len(fake_audio.received(upstream)) == 1 and upstream.chat_requests() == []


# --- the API ---


def audio_part(data: bytes) -> dict[str, str]:
    return {"type": "file", "mediaType": "audio/wav", "url": "data:audio/wav;base64," + base64.b64encode(data).decode()}


def test_an_api_audio_part_is_transcribed_once_and_its_transcript_reported(upstream: FakeUpstream) -> None:
    first = {"role": "user", "parts": [audio_part(tone(2.0))]}
    with make_client() as client:
        response = client.post("/api/chat", json={"messages": [first]})
        events = [e for e in sse_events(response.text) if isinstance(e, dict)]
        assert events[-1]["type"] == "finish"
        assert events[-1]["messageMetadata"]["transcript"] == "Heard 2.0 seconds of audio."
        assert upstream.chat_requests()[0].body["messages"][-1]["content"] == "Heard 2.0 seconds of audio."
        # the client sends the conversation again: the old recording is not transcribed again
        history = [first, {"role": "assistant", "parts": [{"type": "text", "text": "ok"}]}]
        second = client.post(
            "/api/chat", json={"messages": [*history, {"role": "user", "parts": [audio_part(tone(1.0))]}]}
        )
    assert second.status_code == 200
    assert len(fake_audio.received(upstream)) == 2  # one per recording
    sent = upstream.chat_requests()[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == [
        "Heard 2.0 seconds of audio.",
        "Heard 1.0 seconds of audio.",
    ]


def test_an_api_silent_recording_is_a_clear_400(upstream: FakeUpstream) -> None:
    body = {"messages": [{"role": "user", "parts": [audio_part(silence())]}]}
    with make_client() as client:
        response = client.post("/api/chat", json=body, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert "La grabación está en silencio" in response.text and upstream.chat_requests() == []


# --- the page: Read aloud ---


def test_read_aloud_plays_the_reply_and_asks_only_once(upstream: FakeUpstream) -> None:
    st.cache_resource.clear()
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    at.chat_input[0].set_value("Say something").run()
    assert not at.exception, at.exception
    [button] = [b for b in at.button if b.label == "Read aloud"]
    button.click().run()
    assert not at.exception, at.exception
    players = at.get("audio")
    assert len(players) == 1
    [spoken] = fake_audio.received(upstream, kind="speech")
    assert "Echo: Say something" in str(spoken.body)
    at.run()
    assert len(at.get("audio")) == 1 and len(fake_audio.received(upstream, kind="speech")) == 1
    assert "Read aloud" not in [b.label for b in at.button]


def test_a_failed_recording_is_stored_and_says_after_a_refresh_that_it_must_be_recorded_again(
    upstream: FakeUpstream, store: Store
) -> None:
    chat = ChatSession()
    user = chat.submit("about this:", [Upload("recording.wav", silence(), "audio/wav")])
    assert not chat.listen(user, CALLER)
    persist.save_draft(store, chat, user, None)  # what the page does with a message that could not go
    again = persist.load(store, chat.conversation_id or "", None)
    assert again is not None
    [kept] = again.messages
    assert (kept.text, kept.status) == ("about this:", "failed") and kept.error is not None
    assert kept.error.message("en").startswith("The recording is silent")
    assert voice_mark(kept.voice[0], "es").startswith(":material/mic_off: sin transcribir")

"""The chat page through AppTest, on the in-process Groq and Mistral (the HTTP fake where the wire matters)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from chat import ratelimit
from tests.fakes import FakeUpstream, Script
from tests.fakes.provider import InProcess

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "chat_view.py")
ROUTER = str(Path(__file__).resolve().parents[1] / "pages" / "router.py")


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """Caches and the shared rate limiters outlive an AppTest: start each test clean."""
    st.cache_resource.clear()
    ratelimit.clear()
    yield
    ratelimit.clear()


def app(path: str = PAGE) -> AppTest:
    at = AppTest.from_file(path, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, role: str) -> list[str]:
    return [" ".join(m.value for m in msg.markdown) for msg in at.chat_message if msg.name == role]


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[-1]


def all_text(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.warning, *at.info)]
    return "\n".join(str(p) for p in parts)


def test_send_streams_and_shows_metrics(inprocess: InProcess) -> None:
    inprocess.script(Script(text="Hello **world**, nice to meet you.", usage=(11, 9), delay=0.03))
    at = app()
    send(at, "hi there")
    assert texts(at, "user") == ["hi there"]
    assert texts(at, "assistant")[0].startswith("Hello **world**, nice to meet you.")
    captions = [c.value for c in at.chat_message[-1].caption]
    assert any("GPT-OSS 20B · 11 → 9 tokens · first token" in c and "tokens/s" in c for c in captions)
    body = inprocess.chat_requests("groq")[0].body
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert body["temperature"] == 1.0 and body["max_completion_tokens"] == 1000 and body["stream"] is True
    assert body["reasoning_effort"] == "low" and "reasoning_format" not in body  # gpt-oss takes only the effort
    assert len(at.feedback) == 1


def test_system_prompt_and_settings_reach_the_upstream(inprocess: InProcess) -> None:
    at = app()
    at.text_area(key="system_prompt").set_value("Answer in haiku.")
    at.slider(key="temp_openai/gpt-oss-20b").set_value(1.3)
    at.slider(key="maxout_openai/gpt-oss-20b").set_value(300)
    at.run()
    send(at, "sea")
    body = inprocess.chat_requests("groq")[0].body
    assert body["messages"][0] == {"role": "system", "content": "Answer in haiku."}
    assert body["temperature"] == pytest.approx(1.3) and body["max_completion_tokens"] == 300


def test_settings_changed_with_the_message_apply_to_it(inprocess: InProcess) -> None:
    """The browser sends a setting changed just before Enter with the message, in one run: the turn goes out
    before the sidebar is drawn, and still with this run's settings."""
    inprocess.script(Script(status=503))
    at = app()
    at.text_area(key="system_prompt").set_value("Answer in haiku.")
    at.slider(key="temp_openai/gpt-oss-20b").set_value(1.3)
    at.slider(key="maxout_openai/gpt-oss-20b").set_value(300)
    at.selectbox(key="effort_openai/gpt-oss-20b").set_value("high")
    at.toggle(key="auto_fallback").set_value(True)
    send(at, "sea")
    groq, mistral = (r.body for r in inprocess.chat_requests())
    assert groq["messages"][0] == {"role": "system", "content": "Answer in haiku."}
    assert groq["temperature"] == pytest.approx(1.3) and groq["max_completion_tokens"] == 300
    assert groq["reasoning_effort"] == "high"
    assert mistral["model"].startswith("mistral")  # the fallback turned on in the same run answered
    assert at.text_area(key="system_prompt").value == "Answer in haiku." and at.toggle(key="auto_fallback").value


def test_a_store_failure_before_the_reply_still_draws_the_sidebar_and_keeps_its_values(
    inprocess: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidebar is drawn after a turn's first token; a failure before it must not lose what it holds (a
    session key typed in, a system prompt): Streamlit drops the state of widgets a finished run did not draw."""
    from chat import shared_store

    at = app()
    at.text_input(key="key_mistral").set_value("sk-session-typed")
    at.text_area(key="system_prompt").set_value("Be brief.")
    at.run()
    store = shared_store()

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("database or disk is full")

    monkeypatch.setattr(type(store), "start_reply", refuse)
    at.chat_input[0].set_value("hello").run()
    assert at.exception  # shown without its details (client.showErrorDetails is off)
    assert at.text_input(key="key_mistral").value == "sk-session-typed"
    assert at.text_area(key="system_prompt").value == "Be brief."
    assert texts(at, "user") == ["hello"]


@pytest.mark.parametrize(
    ("script", "env", "expect"),
    [
        (None, {"GROQ_API_KEY": "", "MISTRAL_API_KEY": ""}, ["GROQ_API_KEY", "Settings"]),
        (Script(status=404), {}, ["no longer serves openai/gpt-oss-20b", "Switch to openai/gpt-oss-120b"]),
        (Script(status=413), {}, ["413", "too large"]),
        (Script(status=429, retry_after=9), {}, ["429", "9 s"]),
        (Script(status=503), {}, ["unavailable", "503"]),
    ],
    ids=["missing-key", "404", "413", "429", "5xx"],
)
def test_errors_keep_the_message_and_retry_works(
    inprocess: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    script: Script | None,
    env: dict[str, str],
    expect: list[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if script is not None:
        inprocess.script(script)
    error_then_retry(monkeypatch, expect)


def test_a_silent_upstream_times_out_and_retry_works(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_UPSTREAM_TIMEOUT", "1")  # a read timeout is the SDK's: the HTTP fake, not in-process
    upstream.script(Script(stall_after=0, stall_seconds=5))
    error_then_retry(monkeypatch, ["did not answer in time"])


def error_then_retry(monkeypatch: pytest.MonkeyPatch, expect: list[str]) -> None:
    at = app()
    send(at, "keep me")
    assert texts(at, "user") == ["keep me"]
    assert texts(at, "assistant") == []
    errors = " ".join(e.value for e in at.error)
    for words in expect:
        assert words in errors, errors
    monkeypatch.setenv("GROQ_API_KEY", "test-key")  # healthy again
    button(at, "Retry").click().run()
    assert not at.exception
    assert texts(at, "user") == ["keep me"]
    assert texts(at, "assistant")[0].startswith("Echo: keep me")
    assert not at.error


def test_wrong_session_key_says_401_and_where(inprocess: InProcess) -> None:
    at = app()
    at.text_input(key="key_groq").set_value("bad-key").run()
    assert "Using your key for this session" in all_text(at)
    send(at, "hello")
    assert "401" in at.error[0].value and "Settings" in at.error[0].value
    assert "bad-key" not in all_text(at)


def test_key_status_lines(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY")
    at = app()
    text = all_text(at)
    assert "Using the server's Groq key" in text
    assert "No key: set MISTRAL_API_KEY or enter one" in text
    assert "test-key" not in text


def test_rate_limit_disables_sending_with_a_countdown(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "2/60")
    at = app()
    assert "2 of 2 messages left" in all_text(at)
    send(at, "one")
    assert "1 of 2 messages left" in all_text(at)
    assert not at.chat_input[0].disabled
    send(at, "two")
    assert at.chat_input[0].disabled
    assert "Limit of 2 messages reached: you can send again in" in " ".join(w.value for w in at.warning)
    assert len(inprocess.chat_requests()) == 2


def test_inspector_marks_eight_of_twelve_in_window(inprocess: InProcess) -> None:
    at = app()
    for i in range(6):
        send(at, f"message {i}")
    assert len(at.chat_message) == 12
    inspector = all_text(at)
    assert "8 of 12 messages are in the window" in inspector
    rows = [m.value for m in at.markdown if "in window" in m.value or "outside" in m.value]
    listing = "\n".join(rows)
    assert listing.count("in window") == 8 and listing.count("outside") == 2
    sent = inprocess.chat_requests()[-1].body["messages"]
    assert len(sent) == 7 and sent[0]["role"] == "user"  # 11 messages, last 8, never starting on a reply
    assert any('"model": "openai/gpt-oss-20b"' in c.value for c in at.code)


def test_temperature_bounds_follow_the_model_and_clamp_with_a_note(inprocess: InProcess) -> None:
    at = app()
    assert at.slider(key="temp_openai/gpt-oss-20b").max == 2.0
    at.slider(key="temp_openai/gpt-oss-20b").set_value(1.9).run()
    at.selectbox(key="provider").set_value("mistral").run()
    assert at.slider(key="temp_mistral-small-latest").max == 1.5
    assert at.slider(key="temp_mistral-small-latest").value == 1.5
    assert any("Temperature set to 1.5" in i.value for i in at.info)
    send(at, "hola")
    assert inprocess.chat_requests("mistral")[0].body["temperature"] == 1.5


def test_spanish_everywhere(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY")
    monkeypatch.delenv("MISTRAL_API_KEY")
    at = app(ROUTER)
    at.radio(key="lang").set_value("es").run()
    send(at, "hola")
    text = all_text(at)
    assert "Ajustes" in text and "GROQ_API_KEY" in at.error[0].value and "Configúrala" in at.error[0].value
    assert at.chat_input[0].placeholder == "Escribe a Charla…"
    assert button(at, "Reintentar")
    assert "Settings" not in text and "Retry" not in [b.label for b in at.button]


def test_fallback_offer_on_429_when_both_keys_exist(inprocess: InProcess) -> None:
    inprocess.script(Script(status=429, retry_after=20))
    at = app()
    send(at, "hello")
    assert "429" in at.error[0].value
    button(at, "Send with Mistral Small 4 (vision) instead").click().run()
    assert inprocess.chat_requests("mistral")[0].last_user_text == "hello"
    assert texts(at, "assistant")[0].startswith("Echo: hello")
    via = [c.value for c in at.chat_message[-1].caption]
    assert any("via Mistral Small 4 (vision) — Groq was rate limited" in c for c in via)


def test_no_fallback_offer_without_the_other_key(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY")
    inprocess.script(Script(status=503))
    at = app()
    send(at, "hello")
    assert not [b for b in at.button if "instead" in b.label]


def test_automatic_fallback_when_turned_on(inprocess: InProcess) -> None:
    inprocess.script(Script(status=503))
    at = app()
    at.toggle(key="auto_fallback").set_value(True).run()
    send(at, "hello")
    assert [r.vendor for r in inprocess.chat_requests()] == ["groq", "mistral"]
    assert texts(at, "assistant")[0].startswith("Echo: hello")
    assert not at.error


def test_text_attachment_is_sent_with_its_chip(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("notes.md", b"# Plan\n\nbuy milk", "text/markdown")
    send(at, "see file")
    user = at.chat_message[0]
    assert any("notes.md" in m.value and "fits" in m.value for m in user.markdown)
    sent = inprocess.chat_requests()[0].last_user_text
    assert "see file" in sent and "buy milk" in sent


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_image_to_a_text_model_is_refused_before_sending_then_switch_and_send(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "what colour?")
    assert inprocess.chat_requests() == []
    assert any("cannot see images" in c.value for c in at.chat_message[0].caption)
    assert "Not sent yet" in " ".join(w.value for w in at.warning)
    assert len(at.chat_message[0].image) == 1  # the thumbnail
    assert any("red.png · 64×48 · ~" in m.value for m in at.chat_message[0].markdown)  # the chip: pixel size
    button(at, "Switch to Qwen3.8 27B (vision) and send").click().run()
    body = inprocess.chat_requests()[0].body
    assert body["model"] == "qwen/qwen3.8-27b"
    parts = body["messages"][-1]["content"]
    assert any(p["type"] == "image_url" and p["image_url"]["url"].startswith("data:image/") for p in parts)
    assert texts(at, "assistant")


def test_send_without_and_remove(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "just text please")
    button(at, "Send without red.png").click().run()
    assert inprocess.chat_requests()[0].last_user_text == "just text please"
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "second")
    button(at, "Remove").click().run()
    assert texts(at, "user") == ["just text please"]
    assert at.chat_input[0].proto.value == "second"  # the typed text went back into the box


def test_regenerate_and_edit_last_message(inprocess: InProcess) -> None:
    at = app()
    send(at, "first")
    button(at, "Regenerate").click().run()
    assert len(inprocess.chat_requests()) == 2 and len(at.chat_message) == 2
    button(at, "Edit").click().run()
    at.text_area(key=f"edit_{at.session_state['charla'].messages[0].id}").set_value("edited")
    button(at, "Send").click().run()
    assert texts(at, "user") == ["edited"]
    assert texts(at, "assistant")[0].startswith("Echo: edited")


def test_long_history_is_capped_with_show_older(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_BENCH_SEED_MESSAGES", "120")
    at = app()
    assert len(at.chat_message) == 50
    button(at, "Show 50 older messages").click().run()
    assert len(at.chat_message) == 100


def test_markup_in_replies_is_not_html(inprocess: InProcess) -> None:
    inprocess.script(Script(text='<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2">'))
    at = app()
    send(at, "xss")
    md = at.chat_message[-1].markdown[0]
    assert "<script>" in md.value and not md.proto.allow_html


def test_what_was_done_to_a_file_is_shown_under_its_chip(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("log.txt", b"line of the log file\n" * 8_000, "text/plain")
    send(at, "summarise")
    captions = " ".join(c.value for c in at.chat_message[0].caption)
    assert "–168,000 not included (text cap 100,000)" in captions  # the note says what was cut

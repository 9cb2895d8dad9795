"""Reasoning models: each provider's wire format split from the answer, the parameters each model takes, the
API's reasoning parts, and the page's folded thinking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from chat import catalog, errors, persist, ratelimit
from chat.providers.deltas import Delta, ThinkTags
from chat.reply import Reply
from chat.schema import ChatRequest, GenerationSettings, Message
from chat.service import Caller, send
from chat.store import shared_store
from tests.api_fixtures import api, event_types, sse_events, streamed_text  # noqa: F401  (fixture)
from tests.fakes import FakeUpstream, Script
from tests.fakes.models import FakeModel

CALLER = Caller(session="s", ip="127.0.0.1")
PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "chat_view.py")
THINKING = "Two plus two is four, nothing to carry."


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    catalog.CACHE.drop()
    st.cache_resource.clear()
    ratelimit.clear()
    yield


def ask(model: str, *texts: str, **settings: object) -> Reply:
    roles = ["user", "assistant"]
    messages = [Message.of(roles[i % 2], t) for i, t in enumerate(texts)]  # type: ignore[arg-type]
    request = ChatRequest(messages=messages, model=model, settings=GenerationSettings(**settings))  # type: ignore[arg-type]
    reply = send(request, caller=CALLER)
    list(reply)
    return reply


@pytest.mark.parametrize(
    ("model", "sent"),
    [
        ("openai/gpt-oss-20b", {"reasoning_effort": "low"}),
        ("qwen/qwen3.8-27b", {"reasoning_effort": "low", "reasoning_format": "parsed"}),
    ],
)
def test_groq_thinking_streams_apart_from_the_answer(upstream: FakeUpstream, model: str, sent: dict[str, str]) -> None:
    upstream.script(Script(text="It is 4.", reasoning=THINKING, delay=0.01))
    reply = ask(model, "2+2?")
    assert reply.reasoning == THINKING and reply.text == "It is 4."
    assert reply.ttfr is not None and reply.ttft is not None and reply.ttfr < reply.ttft
    body = upstream.chat_requests("groq")[0].body
    assert {k: body.get(k) for k in ("reasoning_effort", "reasoning_format")} == {
        "reasoning_effort": sent["reasoning_effort"],
        "reasoning_format": sent.get("reasoning_format"),
    }
    assert "include_reasoning" not in body


def test_mistral_thinks_when_asked_for_high_effort(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="It is 4.", reasoning=THINKING), Script(text="It is 4.", reasoning=THINKING))
    high = ask("mistral-small-latest", "2+2?", reasoning_effort="high")
    assert high.reasoning == THINKING and high.text == "It is 4."
    plain = ask("mistral-small-latest", "2+2?")
    assert plain.reasoning == "" and plain.text == "It is 4."
    first, second = upstream.chat_requests("mistral")
    assert first.body["reasoning_effort"] == "high" and second.body["reasoning_effort"] == "none"
    assert "max_completion_tokens" not in first.body and first.body["max_tokens"] == 2048


def test_models_that_do_not_reason_get_no_reasoning_parameter(upstream: FakeUpstream) -> None:
    ask("mistral-large-latest", "hi")
    body = upstream.chat_requests("mistral")[0].body
    assert "reasoning_effort" not in body


def test_think_tags_in_the_content_are_split_even_across_deltas(upstream: FakeUpstream) -> None:
    # a listed model Charla does not know, thinking the Qwen way: <think>…</think> inside the content
    upstream.models.add("groq", FakeModel("qwen/qwen4-preview", reasoning="qwen", efforts=("none", "default")))
    upstream.script(Script(text="Four.", reasoning=THINKING))
    reply = ask("qwen/qwen4-preview", "2+2?")
    assert reply.reasoning == THINKING and reply.text == "Four."
    body = upstream.chat_requests("groq")[0].body
    assert "reasoning_format" not in body and "reasoning_effort" not in body  # unknown model: nothing it may refuse


@pytest.mark.parametrize(
    ("chunks", "reasoning", "text"),
    [
        (["Hello ", "there"], "", "Hello there"),
        (["<think>a", " b</think>", "\n\nAnswer"], "a b", "Answer"),
        (["<", "thi", "nk>x</", "think", ">y"], "x", "y"),
        (["  \n", "<think>", "deep", "</think>"], "deep", ""),
        (["<think>never closed"], "never closed", ""),
        (["I <think> mid-text"], "", "I <think> mid-text"),
    ],
)
def test_think_tags(chunks: list[str], reasoning: str, text: str) -> None:
    tags = ThinkTags()
    out: list[Delta] = [d for c in chunks for d in tags.feed(c)] + tags.flush()
    assert "".join(d.text for d in out if d.reasoning) == reasoning
    assert "".join(d.text for d in out if not d.reasoning) == text


def test_plain_text_is_not_held_back() -> None:
    tags = ThinkTags()
    assert tags.feed("Hi") == [Delta("Hi")]
    assert tags.feed(" there") == [Delta(" there")]


def test_an_effort_the_model_does_not_take_is_refused_before_sending(upstream: FakeUpstream) -> None:
    with pytest.raises(errors.EffortNotTaken) as info:
        ask("openai/gpt-oss-20b", "hi", reasoning_effort="none")
    assert "low | medium | high" in info.value.message("en")
    with pytest.raises(errors.EffortNotTaken) as info:
        ask("mistral-large-latest", "hi", reasoning_effort="high")
    assert "does not reason" in info.value.message("en") and "no razona" in info.value.message("es")
    assert upstream.chat_requests() == []


def test_the_fakes_refuse_what_the_real_ones_refuse(upstream: FakeUpstream) -> None:
    import groq

    client = groq.Groq(api_key="k", base_url=upstream.url, max_retries=0)
    with pytest.raises(groq.BadRequestError, match="reasoning_format"):
        client.chat.completions.create(
            model="openai/gpt-oss-20b",
            messages=[{"role": "user", "content": "hi"}],
            reasoning_format="parsed",
        )


def test_thinking_out_of_tokens_says_so(upstream: FakeUpstream, api: TestClient) -> None:  # noqa: F811
    upstream.script(Script(text="", reasoning=THINKING, finish_reason="length"))
    r = api.post("/api/chat", json={"messages": [{"role": "user", "content": "hard"}], "model": "openai/gpt-oss-20b"})
    meta = sse_events(r.text)[-2]["messageMetadata"]
    assert meta["finishReason"] == "length"
    assert "used all 1,000 output tokens thinking" in meta["note"] and "Max output" in meta["note"]


def test_the_thinking_is_never_sent_back(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="It is 4.", reasoning=THINKING))
    ask("openai/gpt-oss-20b", "2+2?")
    ask("openai/gpt-oss-20b", "2+2?", "It is 4.", "and 3+3?")
    history = upstream.chat_requests("groq")[1].messages
    assert [m["content"] for m in history] == ["2+2?", "It is 4.", "and 3+3?"]
    assert all(set(m) == {"role", "content"} for m in history)


# --- POST /api/chat ---------------------------------------------------------------------------------------------


def test_api_sends_no_reasoning_unless_asked(api: TestClient, upstream: FakeUpstream) -> None:  # noqa: F811
    upstream.script(Script(text="It is 4.", reasoning=THINKING))
    events = sse_events(api.post("/api/chat", json={"messages": [{"role": "user", "content": "2+2?"}]}).text)
    assert not any(t.startswith("reasoning") for t in event_types(events))
    assert streamed_text(events) == "It is 4."


def test_api_streams_reasoning_parts_before_the_text(api: TestClient, upstream: FakeUpstream) -> None:  # noqa: F811
    upstream.script(Script(text="It is 4.", reasoning=THINKING))
    body = {"messages": [{"role": "user", "content": "2+2?"}], "sendReasoning": True, "reasoningEffort": "high"}
    events = sse_events(api.post("/api/chat", json=body).text)
    types = [t for t in event_types(events) if t not in ("text-delta", "reasoning-delta")]
    assert types[:6] == ["start", "start-step", "reasoning-start", "reasoning-end", "text-start", "text-end"]
    thought = "".join(e["delta"] for e in events if isinstance(e, dict) and e["type"] == "reasoning-delta")
    assert thought == THINKING and streamed_text(events) == "It is 4."
    assert upstream.chat_requests()[0].body["reasoning_effort"] == "high"
    assert events[-2]["messageMetadata"]["ttfrMs"] is not None


def test_api_refuses_an_effort_the_model_does_not_take(api: TestClient, upstream: FakeUpstream) -> None:  # noqa: F811
    r = api.post("/api/chat", json={"messages": [{"role": "user", "content": "hi"}], "reasoningEffort": "max"})
    assert r.status_code == 400
    [detail] = r.json()["details"]
    assert detail["path"] == ["reasoningEffort"] and "low | medium | high" in detail["message"]
    assert upstream.chat_requests() == []


# --- the chat page ----------------------------------------------------------------------------------------------


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_the_page_folds_the_thinking_above_the_answer(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="It is 4.", reasoning=THINKING))
    at = page()
    at.chat_input[0].set_value("2+2?").run()
    assert not at.exception
    bubble = at.chat_message[-1]
    [fold] = bubble.expander
    assert fold.label.startswith("Thought for ")
    assert fold.markdown[0].value == THINKING
    assert [m.value for m in bubble.markdown if m.value == "It is 4."]  # the answer, apart from the thinking
    assert any("first thought" in c.value and "first token" in c.value for c in bubble.caption)
    conv = shared_store().list_conversations()[0]
    back = persist.load(shared_store(), conv.id, None)
    assert back is not None and back.messages[-1].reasoning == THINKING


def test_the_page_offers_the_models_efforts(upstream: FakeUpstream) -> None:
    at = page()
    effort = at.selectbox(key="effort_openai/gpt-oss-20b")
    assert effort.options == ["low", "medium", "high"] and effort.value == "low"
    effort.set_value("high").run()
    at.chat_input[0].set_value("think hard").run()
    assert upstream.chat_requests("groq")[0].body["reasoning_effort"] == "high"


def test_the_page_says_when_thinking_used_the_whole_budget(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="", reasoning=THINKING, finish_reason="length", usage=(10, 1000)))
    at = page()
    at.chat_input[0].set_value("hard").run()
    warnings = " ".join(w.value for w in at.chat_message[-1].warning)
    assert "used all 1,000 output tokens thinking" in warnings

"""The catalog as a person meets it: the picker, a model retired mid-session, an old conversation, the API default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from chat import catalog, ratelimit
from chat.store import shared_store
from tests.api_fixtures import api, sse_events  # noqa: F401  (fixture)
from tests.fakes import FakeUpstream
from tests.fakes.models import FakeModel

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "chat_view.py")


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    catalog.CACHE.drop()
    st.cache_resource.clear()
    ratelimit.clear()
    yield


def page(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return at


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_the_picker_offers_what_the_provider_serves_today(upstream: FakeUpstream) -> None:
    upstream.models.add("groq", FakeModel("acme/chat-9b", owner="Acme"))
    at = page()
    picker = at.selectbox(key="model")
    assert picker.value == "openai/gpt-oss-20b"
    assert picker.options == [
        "GPT-OSS 20B",
        "GPT-OSS 120B",
        "Qwen3.8 27B (vision)",
        "acme/chat-9b · limits unverified",
    ]
    assert "Groq: 4 models, as listed by Groq." in captions(at)
    at.selectbox(key="provider").set_value("mistral").run()
    assert at.selectbox(key="model").options[:3] == [
        "Mistral Small 4 (vision)",
        "Mistral Medium 3.5 (vision)",
        "Mistral Large 3 (vision)",
    ]
    assert not any("pixtral" in o or "embed" in o or "ocr" in o for o in at.selectbox(key="model").options)


def test_a_failed_listing_is_said_in_the_settings(upstream: FakeUpstream) -> None:
    upstream.listing_status["groq"] = 503
    at = page()
    assert "Groq's model list could not be read" in captions(at) and "Showing Charla's own list" in captions(at)
    assert at.selectbox(key="model").options == ["GPT-OSS 20B", "GPT-OSS 120B", "Qwen3.8 27B (vision)"]
    del upstream.listing_status["groq"]
    next(b for b in at.sidebar.button if b.label == "Refresh models").click().run()
    assert "as listed by Groq" in captions(at)


def test_a_model_retired_mid_session_offers_a_one_click_switch(upstream: FakeUpstream) -> None:
    at = page()
    upstream.models.retire("groq", "openai/gpt-oss-20b")
    at.chat_input[0].set_value("still there?").run()
    assert "no longer serves openai/gpt-oss-20b" in at.error[0].value
    switch = next(b for b in at.button if b.label == "Switch to GPT-OSS 120B and send again")
    switch.click().run()
    assert not at.exception and not at.error
    assert [m.markdown[0].value for m in at.chat_message if m.name == "user"] == ["still there?"]
    assert at.selectbox(key="model").value == "openai/gpt-oss-120b"
    assert upstream.chat_requests("groq")[-1].model == "openai/gpt-oss-120b"


def test_an_old_conversation_on_a_retired_model_opens_on_its_successor(upstream: FakeUpstream) -> None:
    store = shared_store()
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings={})
    store.add_message(conv.id, role="user", text="from last summer")
    at = page(c=conv.id)
    assert at.selectbox(key="model").value == "openai/gpt-oss-20b"
    note = " ".join(i.value for i in at.info)
    assert "llama-3.1-8b-instant is no longer served by Groq: this conversation continues on GPT-OSS 20B" in note
    at.chat_input[0].set_value("and now?").run()
    assert upstream.chat_requests("groq")[-1].model == "openai/gpt-oss-20b"


def test_api_with_only_a_mistral_key_answers_on_mistral(
    api: TestClient,  # noqa: F811
    upstream: FakeUpstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GROQ_API_KEY")
    r = api.post("/api/chat", json={"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    meta = sse_events(r.text)[-2]["messageMetadata"]
    assert meta["model"] == "mistral-small-latest" and meta["provider"] == "mistral"
    assert upstream.chat_requests("mistral")[0].model == "mistral-small-latest"


def test_api_with_only_a_groq_key_answers_on_groq(
    api: TestClient,  # noqa: F811
    upstream: FakeUpstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY")
    r = api.post("/api/chat", json={"messages": [{"role": "user", "content": "hi"}]})
    assert sse_events(r.text)[-2]["messageMetadata"]["model"] == "openai/gpt-oss-20b"

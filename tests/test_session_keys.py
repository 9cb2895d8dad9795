"""A visitor's own key lives as long as their session: the SDK client built with it goes when the session goes."""

from __future__ import annotations

import gc
import uuid

import groq
from pydantic import SecretStr

from chat import config
from chat.providers.clients import CLIENTS, SessionKeys
from chat.schema import ChatRequest, Message
from chat.service import Caller, send
from tests.fakes import FakeUpstream


def clients_holding(secret: str) -> list[groq.Groq]:
    return [o for o in gc.get_objects() if isinstance(o, groq.Groq) and o.api_key == secret]


def test_no_client_holds_a_session_key_after_the_session(upstream: FakeUpstream) -> None:
    secret = "gsk_" + uuid.uuid4().hex
    session = SessionKeys()
    key = session.note(SecretStr(secret))
    reply = send(
        ChatRequest(messages=[Message.of("user", "hi")], model="openai/gpt-oss-20b"),
        caller=Caller(session="s", ip="127.0.0.1", keys={"groq": key}),
    )
    assert "".join(d.text for d in reply) == "Echo: hi"
    assert upstream.chat_requests()[0].headers["authorization"] == f"Bearer {secret}"
    assert clients_holding(secret), "the client is kept while the session lasts"
    idents = [str(i) for i in CLIENTS._items]
    assert all(secret not in i for i in idents)  # cached by digest, never by the key
    assert any(config.key_digest(SecretStr(secret)) in i for i in idents)
    del session, key, reply
    gc.collect()
    assert clients_holding(secret) == []
    assert all(config.key_digest(SecretStr(secret)) not in str(i) for i in CLIENTS._items)


def test_the_servers_key_keeps_its_client(upstream: FakeUpstream) -> None:
    list(send(ChatRequest(messages=[Message.of("user", "hi")], model="openai/gpt-oss-20b"), caller=Caller()))
    gc.collect()
    assert clients_holding("test-key")

"""A visitor's own key lives as long as their session: the SDK client built with it goes when the session goes."""

from __future__ import annotations

import gc
import ssl
import uuid
from typing import Any

import certifi
import groq
import pytest
from pydantic import SecretStr

from chat import config
from chat.providers.clients import CLIENTS, SessionKeys, client_for
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


def test_a_new_key_shares_the_tls_context_instead_of_reading_the_ca_bundle_again(
    upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every visitor with a key of their own gets new clients: each read the whole CA bundle (~37 ms of CPU,
    twice for mistralai) before their first request could leave."""
    client_for("groq", SecretStr("gsk_first"), None, 30.0)
    client_for("mistral", SecretStr("first"), None, 30.0)
    loads: list[object] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    session = SessionKeys()  # the visitors' session: their clients last as long as it does
    for provider, model in (("groq", "openai/gpt-oss-20b"), ("mistral", "mistral-small-latest")):
        key = session.note(SecretStr(f"{provider}_" + uuid.uuid4().hex))
        request = ChatRequest(messages=[Message.of("user", "hi")], model=model)
        reply = send(request, caller=Caller(session=provider, ip="127.0.0.1", keys={provider: key}))  # type: ignore[dict-item]
        assert "".join(d.text for d in reply) == "Echo: hi"
    assert loads == []
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())  # a CA setting of its own gets a context of its own
    client_for("groq", SecretStr("gsk_" + uuid.uuid4().hex), None, 30.0)
    assert len(loads) == 1 and certifi.where() in str(loads[0]), loads

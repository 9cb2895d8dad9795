"""POST /api/chat in-process (Starlette TestClient): seed 004's statuses, bodies, headers and both languages."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests import api_fixtures
from tests.api_fixtures import body, event_types, make_client, sse_events, streamed_text, user
from tests.fakes import Script
from tests.fakes.provider import InProcess

api = api_fixtures.api_here

ES = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
SEQUENCE = ["start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish", "[DONE]"]


def collapse(types: list[str]) -> list[str]:
    """Event types with runs of text-delta folded into one."""
    out: list[str] = []
    for kind in types:
        if not (kind == "text-delta" and out and out[-1] == kind):
            out.append(kind)
    return out


def assert_rate_headers(headers: Any) -> None:
    for name in RATE_HEADERS:
        assert headers[name].isdigit(), name


# --- 200 ----------------------------------------------------------------------------------------------------------


def test_stream_follows_the_ui_message_protocol(api: TestClient, inprocess: InProcess) -> None:
    inprocess.script(Script(text="Hola qué tal", usage=(11, 3)))
    r = api.post("/api/chat", json=body("hi"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-accel-buffering"] == "no"
    assert_rate_headers(r.headers)
    events = sse_events(r.text)
    assert collapse(event_types(events)) == SEQUENCE
    assert streamed_text(events) == "Hola qué tal"
    ids = {e["id"] for e in events if isinstance(e, dict) and "id" in e}
    assert len(ids) == 1
    finish = events[-2]
    assert finish["finishReason"] == "stop"
    meta = finish["messageMetadata"]
    assert meta["outcome"] == "finished" and meta["model"] == "openai/gpt-oss-20b"
    assert meta["requestedModel"] == "llama-3.1-8b-instant"  # seed 004's default, retired: its successor answers
    assert "retired by Groq on 2026-08-16" in meta["retired"]["note"]
    assert meta["usage"] == {"inputTokens": 11, "outputTokens": 3, "totalTokens": 14}


def test_default_model_and_mistral_models(api: TestClient, inprocess: InProcess) -> None:
    assert api.post("/api/chat", json=body("a")).status_code == 200
    assert inprocess.chat_requests("groq")[-1].model == "openai/gpt-oss-20b"
    r = api.post("/api/chat", json=body("b", model="mistral-small-latest"))
    assert r.status_code == 200, r.text
    assert inprocess.chat_requests("mistral")[-1].model == "mistral-small-latest"
    assert streamed_text(sse_events(r.text)) == "Echo: b"


def test_ai_sdk_ui_messages_are_accepted(api: TestClient, inprocess: InProcess) -> None:
    payload = {
        "id": "chat-1",
        "trigger": "submit-message",
        "messageId": None,
        "messages": [{"id": "m1", "role": "user", "parts": [{"type": "step-start"}, {"type": "text", "text": "yo"}]}],
    }
    r = api.post("/api/chat", json=payload)
    assert r.status_code == 200, r.text
    assert streamed_text(sse_events(r.text)) == "Echo: yo"


def test_window_sends_at_most_eight_messages(api: TestClient, inprocess: InProcess) -> None:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(11)]
    turns.append(user("last one"))
    r = api.post("/api/chat", json={"messages": [{"role": "system", "content": "be brief"}, *turns]})
    assert r.status_code == 200
    sent = inprocess.chat_requests()[-1].messages
    non_system = [m for m in sent if m["role"] != "system"]
    assert len(non_system) <= 8 and len(sent) <= 9
    assert non_system[-1]["content"] == "last one"


def test_mid_stream_drop_is_an_error_event_after_deltas(api: TestClient, inprocess: InProcess) -> None:
    inprocess.script(Script(text="one two three four five six", drop_after=3))
    r = api.post("/api/chat", json=body("hi"), headers=ES)
    assert r.status_code == 200
    events = sse_events(r.text)
    types = event_types(events)
    assert types.count("text-delta") == 3
    assert types.index("error") > types.index("text-delta")
    error = next(e for e in events if isinstance(e, dict) and e["type"] == "error")
    assert "Groq" in error["errorText"] and "se cortó" in error["errorText"]
    assert types[-2:] == ["finish", "[DONE]"] and events[-2]["finishReason"] == "error"


def test_mid_stream_error_event_from_upstream(api: TestClient, inprocess: InProcess) -> None:
    inprocess.script(Script(text="a b c d", error_after=2))
    events = sse_events(api.post("/api/chat", json=body("hi")).text)
    assert "error" in event_types(events) and streamed_text(events) == "a b "


def test_reply_cut_at_max_duration_ends_normally(
    api: TestClient, inprocess: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_MAX_DURATION", "0.6")
    inprocess.script(Script(text=" ".join(["word"] * 40), delay=0.05))
    events = sse_events(api.post("/api/chat", json=body("hi")).text)
    types = event_types(events)
    assert "error" not in types and types[-4:] == ["text-end", "finish-step", "finish", "[DONE]"]
    finish = events[-2]
    assert finish["finishReason"] == "other"
    assert finish["messageMetadata"]["outcome"] == "cut" and "0.6" not in finish["messageMetadata"]["note"]
    assert 0 < types.count("text-delta") < 40


# --- 400 ----------------------------------------------------------------------------------------------------------


def test_empty_messages_is_seed_400_in_spanish(api: TestClient) -> None:
    r = api.post("/api/chat", json={"messages": []}, headers=ES)
    assert r.status_code == 400
    assert r.json() == {
        "error": "Invalid request format",
        "details": [
            {"code": "too_small", "minimum": 1, "path": ["messages"], "message": "Se requiere al menos un mensaje"}
        ],
    }
    assert list(r.json()["details"][0]) == ["code", "minimum", "path", "message"]
    assert_rate_headers(r.headers)


def test_empty_messages_in_english(api: TestClient) -> None:
    detail = api.post("/api/chat", json={"messages": []}).json()["details"][0]
    assert detail["message"] == "At least one message is required"


@pytest.mark.parametrize(
    ("payload", "code", "path", "bound"),
    [
        ({"messages": [user("x")] * 101}, "too_big", ["messages"], ("maximum", 100)),
        ({"messages": [user("x" * 10_001)]}, "too_big", ["messages", 0, "content"], ("maximum", 10_000)),
        ({"messages": [{"role": "robot", "content": "x"}]}, "invalid_enum_value", ["messages", 0, "role"], None),
        ({"messages": [{"role": "user"}]}, "invalid_type", ["messages", 0, "content"], None),
        ({}, "invalid_type", ["messages"], None),
        ({"messages": "hi"}, "invalid_type", ["messages"], None),
        ({"messages": [user("x")], "model": "gpt-4o"}, "custom", ["model"], None),
        ({"messages": [user("x")], "temperature": 9}, "too_big", ["temperature"], ("maximum", 2.0)),
        ({"messages": [user("x")], "temperature": -1}, "too_small", ["temperature"], ("minimum", 0.0)),
        ({"messages": [user("x")], "maxOutputTokens": 10**6}, "too_big", ["maxOutputTokens"], ("maximum", 65_536)),
        (
            {"messages": [{"role": "user", "content": {"parts": [{"type": "video", "url": "x"}]}}]},
            "invalid_union_discriminator",
            ["messages", 0, "content", "parts", 0],
            None,
        ),
        (
            {"messages": [{"role": "user", "content": {"parts": [{"type": "image", "imageUrl": "ftp://x"}]}}]},
            "custom",
            ["messages", 0, "content", "parts", 0],
            None,
        ),
    ],
)
def test_each_detail_shape(api: TestClient, payload: dict[str, Any], code: str, path: list[Any], bound: Any) -> None:
    r = api.post("/api/chat", json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "Invalid request format"
    detail = next(d for d in r.json()["details"] if d["code"] == code)
    assert detail["path"] == path and detail["message"]
    if bound:
        assert detail[bound[0]] == bound[1]


def test_malformed_json_is_400_with_reason(api: TestClient) -> None:
    r = api.post("/api/chat", content=b'{"messages": [', headers={"content-type": "application/json"})
    assert r.status_code == 400
    detail = r.json()["details"][0]
    assert detail["code"] == "invalid_json" and "line 1" in detail["message"]
    r = api.post("/api/chat", content=b"\xff\xfe", headers={"content-type": "application/json", **ES})
    assert r.json()["details"][0]["message"].startswith("El cuerpo no es JSON válido")


def test_wrong_content_type_is_415(api: TestClient) -> None:
    r = api.post("/api/chat", content=b'{"messages":[]}', headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.json()["error"]


def test_image_for_a_model_without_vision_says_to_switch(api: TestClient, inprocess: InProcess) -> None:
    parts = [{"type": "text", "text": "what"}, {"type": "image", "imageUrl": "https://example.com/a.jpg"}]
    r = api.post("/api/chat", json={"messages": [{"role": "user", "content": {"parts": parts}}]})
    assert r.status_code == 400
    message = r.json()["details"][0]["message"]
    assert "cannot see images" in message and "vision" in message
    assert inprocess.chat_requests() == []


# --- 401 / 413 / 429 / 500 ----------------------------------------------------------------------------------------


def test_token_required_when_set(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_API_TOKEN", "s3cret-token")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic s3cret-token"}):
        r = api.post("/api/chat", json=body("hi"), headers=headers)
        assert r.status_code == 401 and "error" in r.json()
        assert r.headers["www-authenticate"] == "Bearer"
        assert "s3cret" not in r.text
        assert_rate_headers(r.headers)
    ok = api.post("/api/chat", json=body("hi"), headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


def test_body_over_the_cap_is_413(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from chat.api import body as body_module

    r = api.post(
        "/api/chat",
        content=b"x",
        headers={"content-type": "application/json", "content-length": str(body_module.MAX_BODY_BYTES + 1)},
    )
    assert r.status_code == 413 and "bytes" in r.json()["error"]
    monkeypatch.setattr(body_module, "MAX_BODY_BYTES", 1000)
    monkeypatch.setattr(body_module.read_body, "__defaults__", (1000,))

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 200

    r = api.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_own_rate_limit_is_seed_429(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "2/60")
    first = api.post("/api/chat", json=body("1"))
    assert first.headers["x-ratelimit-limit"] == "2" and first.headers["x-ratelimit-remaining"] == "1"
    api.post("/api/chat", json=body("2"))
    r = api.post("/api/chat", json=body("3"), headers=ES)
    assert r.status_code == 429
    data = r.json()
    assert data == {
        "error": "Too Many Requests",
        "message": "Has excedido el límite de solicitudes. Intenta nuevamente en unos segundos.",
        "retryAfter": data["retryAfter"],
    }
    assert isinstance(data["retryAfter"], int) and 1 <= data["retryAfter"] <= 60
    assert r.headers["retry-after"] == str(data["retryAfter"])
    assert r.headers["x-ratelimit-remaining"] == "0" and r.headers["x-ratelimit-limit"] == "2"


def test_a_client_over_its_limit_is_refused_before_its_request_is_parsed(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat.api import route

    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "1/60")
    assert api.post("/api/chat", json=body("1")).status_code == 200
    parsed: list[bytes] = []
    parse = route.parse
    monkeypatch.setattr(route, "parse", lambda raw, lang: parsed.append(raw) or parse(raw, lang))
    r = api.post("/api/chat", content=b'{"messages": [' + b"[" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 429, r.text  # not the 400 a malformed body gets: the limit is asked first
    assert 1 <= int(r.headers["retry-after"]) <= 60 and r.headers["x-ratelimit-remaining"] == "0"
    assert parsed == []
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "5/60")  # with quota left, the same body is parsed and refused
    r = api.post("/api/chat", content=b'{"messages": [' + b"[" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 400 and len(parsed) == 1
    assert r.headers["x-ratelimit-remaining"] == "5"  # a new limit, and a refused request takes no slot of it


def test_missing_key_is_500_with_what_to_do(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no key at all, a request that names no model (the seed's curl) learns that either key will do."""
    monkeypatch.delenv("GROQ_API_KEY")
    monkeypatch.delenv("MISTRAL_API_KEY")
    r = api.post("/api/chat", json=body("hi"), headers=ES)
    assert r.status_code == 500
    assert r.json()["error"] == "Error al procesar la solicitud"
    assert "GROQ_API_KEY o MISTRAL_API_KEY" in r.json()["details"]
    assert_rate_headers(r.headers)
    again = api.post("/api/chat", json=body("hi"))
    assert again.headers["x-ratelimit-remaining"] == r.headers["x-ratelimit-remaining"]  # no quota taken


def test_a_model_without_its_key_names_that_key(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY")
    monkeypatch.delenv("MISTRAL_API_KEY")
    r = api.post("/api/chat", json=body("hi", model="mistral-small-latest"))
    assert r.status_code == 500
    details = r.json()["details"]
    assert "MISTRAL_API_KEY" in details
    assert "GROQ_API_KEY" not in details


def test_unexpected_failure_is_a_500_without_internals(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from chat import service

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("internal secret detail")

    monkeypatch.setattr(service, "send", boom)
    r = api.post("/api/chat", json=body("hi"))
    assert r.status_code == 500 and "secret" not in r.text
    assert r.json()["error"] == "Error processing the request"


# --- client IP ------------------------------------------------------------------------------------------------------


def test_development_lets_loopback_in(inprocess: InProcess) -> None:
    with make_client(("127.0.0.1", 1)) as client:
        assert client.post("/api/chat", json=body("hi")).status_code == 200


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3", "::1", "testclient"])
def test_production_refuses_non_public_peers(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch, peer: str) -> None:
    monkeypatch.setenv("CHARLA_ENV", "production")
    with make_client((peer, 1)) as client:
        r = client.post("/api/chat", json=body("hi"), headers=ES)
    assert r.status_code == 400
    assert r.json()["error"] == "Invalid request format"
    assert "dirección" in r.json()["details"][0]["message"]
    assert inprocess.chat_requests() == []


def test_production_accepts_a_public_peer(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_ENV", "production")
    with make_client(("203.0.114.9", 1)) as client:  # 203.0.114.0/24 is public (203.0.113.0/24 is TEST-NET-3)
        assert client.post("/api/chat", json=body("hi")).status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(
    inprocess: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_ENV", "production")
    with make_client(("127.0.0.1", 1)) as client:
        r = client.post("/api/chat", json=body("hi"), headers={"X-Forwarded-For": "8.8.4.4"})
    assert r.status_code == 400


def test_forwarded_for_is_walked_behind_trusted_proxies(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_ENV", "production")
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "5/60")
    monkeypatch.setenv("CHARLA_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    with make_client(("127.0.0.1", 1)) as client:
        ok = client.post("/api/chat", json=body("hi"), headers={"X-Forwarded-For": "1.1.1.1, 8.8.4.4, 10.0.0.7"})
        assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "4"
        again = client.post("/api/chat", json=body("hi"), headers={"X-Forwarded-For": "9.9.9.9, 8.8.4.4"})
        assert again.headers["x-ratelimit-remaining"] == "3"  # same client 8.8.4.4: the leftmost is not believed
        private = client.post("/api/chat", json=body("hi"), headers={"X-Forwarded-For": "8.8.4.4, 192.168.1.9"})
        assert private.status_code == 400


@pytest.mark.parametrize(
    "parts",
    [[], [{"type": "step-start"}], [{"type": "step-start"}, {"type": "text", "text": "  "}]],
    ids=["empty", "step-start", "blank-text"],
)
def test_a_message_that_carries_nothing_is_too_small(api: TestClient, inprocess: InProcess, parts: list[Any]) -> None:
    r = api.post("/api/chat", json={"messages": [{"id": "m1", "role": "user", "parts": parts}]})
    assert r.status_code == 400
    [detail] = r.json()["details"]
    assert detail["code"] == "too_small" and detail["minimum"] == 1 and detail["path"] == ["messages", 0, "parts"]
    assert inprocess.chat_requests() == []


def test_a_turn_of_sdk_bookkeeping_alone_is_left_out(api: TestClient, inprocess: InProcess) -> None:
    history = [
        {"id": "a0", "role": "assistant", "parts": [{"type": "reasoning", "text": "…"}]},
        {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "hi"}]},
    ]
    assert api.post("/api/chat", json={"messages": history}).status_code == 200
    assert inprocess.chat_requests()[0].body["messages"] == [{"role": "user", "content": "hi"}]

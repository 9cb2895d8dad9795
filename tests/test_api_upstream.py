"""Upstream failures through POST /api/chat: honest statuses and sentences, and never a key in a response."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from chat.api import workers
from tests import api_fixtures
from tests.api_fixtures import body, free_port, sse_events, streamed_text
from tests.fakes import FakeUpstream, Script

api = api_fixtures.api
LONG_KEY = "gsk_" + "Zx81Qe7Lm2Pv9Tr4Wd6Yb3Nc5Hj0Kf" * 2


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream) -> str:
    """A realistic-looking server key (the fake accepts any key but `bad-key`)."""
    monkeypatch.setenv("GROQ_API_KEY", LONG_KEY)
    monkeypatch.setenv("MISTRAL_API_KEY", LONG_KEY)
    return LONG_KEY


def assert_no_secret(response: Any, *secrets: str) -> None:
    """Neither the body nor any header mentions a key."""
    everything = response.text + "".join(f"{k}: {v}\n" for k, v in response.headers.items())
    for secret in (*secrets, "test-key", "gsk_", "Traceback"):
        assert secret not in everything


@pytest.mark.parametrize(
    ("status", "expected", "words"),
    [
        (401, 500, ("rejected the API key", "GROQ_API_KEY")),
        (403, 500, ("403",)),
        (404, 400, ("no longer serves openai/gpt-oss-20b", "Switch to openai/gpt-oss-120b")),
        (413, 413, ("too large",)),
        (500, 502, ("unavailable",)),
        (503, 502, ("unavailable",)),
        (400, 502, ("refused the request",)),
    ],
)
def test_upstream_status_is_mapped(
    api: TestClient, upstream: FakeUpstream, secret_key: str, status: int, expected: int, words: tuple[str, ...]
) -> None:
    upstream.script(Script(status=status))
    r = api.post("/api/chat", json=body("hi"))
    assert r.status_code == expected, r.text
    data = r.json()
    text = data.get("details") if expected >= 500 else data["error"]
    if expected == 400:
        assert data["error"] == "Invalid request format" and data["details"][0]["path"] == ["model"]
        text = data["details"][0]["message"]
    assert isinstance(text, str) and all(w in text for w in words), text
    if expected >= 500:
        assert data["error"] == "Error processing the request"
    assert r.headers["x-ratelimit-limit"].isdigit()
    assert_no_secret(r, secret_key)


def test_upstream_429_passes_on_retry_after(api: TestClient, upstream: FakeUpstream, secret_key: str) -> None:
    upstream.script(Script(status=429, retry_after=17))
    r = api.post("/api/chat", json=body("hi"), headers={"Accept-Language": "es"})
    assert r.status_code == 429
    data = r.json()
    assert data["error"] == "Too Many Requests" and data["retryAfter"] == 17
    assert "17" in data["message"] and "Groq" in data["message"]
    assert r.headers["retry-after"] == "17" and r.headers["x-ratelimit-remaining"] == "0"
    assert_no_secret(r, secret_key)


def test_upstream_wrong_key_never_echoes_it(
    api: TestClient, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "bad-key")
    r = api.post("/api/chat", json=body("hi"))
    assert r.status_code == 500 and "rejected the API key" in r.json()["details"]
    assert "bad-key" not in r.text


def test_upstream_timeout_is_504(
    api: TestClient, upstream: FakeUpstream, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_UPSTREAM_TIMEOUT", "0.5")
    upstream.script(Script(first_delay=3))
    r = api.post("/api/chat", json=body("hi"))
    assert r.status_code == 504 and "did not answer in time" in r.json()["details"]
    assert_no_secret(r, secret_key)


def test_upstream_stall_mid_stream_is_an_error_event(
    api: TestClient, upstream: FakeUpstream, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_UPSTREAM_TIMEOUT", "0.5")
    upstream.script(Script(text="a b c d", stall_after=2, stall_seconds=3))
    r = api.post("/api/chat", json=body("hi"))
    events = sse_events(r.text)
    error = [e for e in events if isinstance(e, dict) and e["type"] == "error"]
    assert r.status_code == 200 and len(error) == 1 and error[0]["errorText"]
    assert_no_secret(r, secret_key)


def test_upstream_unreachable_is_502(
    api: TestClient, upstream: FakeUpstream, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_BASE_URL", f"http://127.0.0.1:{free_port()}")
    r = api.post("/api/chat", json=body("hi"), headers={"Accept-Language": "es"})
    assert r.status_code == 502
    assert r.json() == {
        "error": "Error al procesar la solicitud",
        "details": "No se pudo conectar con Groq. Revisa la red o la URL base e inténtalo de nuevo.",
    }
    assert_no_secret(r, secret_key)


def test_mistral_errors_are_mapped_too(api: TestClient, upstream: FakeUpstream, secret_key: str) -> None:
    upstream.script(Script(status=429, retry_after=5))
    r = api.post("/api/chat", json=body("hi", model="mistral-small-latest"))
    assert r.status_code == 429 and r.json()["retryAfter"] == 5 and "Mistral" in r.json()["message"]
    assert_no_secret(r, secret_key)


@pytest.mark.parametrize("model", ["openai/gpt-oss-20b", "mistral-small-latest"])
def test_a_request_waiting_for_a_slow_provider_holds_no_flowing_stream_back(
    api: TestClient, upstream: FakeUpstream, model: str
) -> None:
    """Streams already flowing hold their reads while a burst of requests is being sent, not while a sent request
    waits for its provider's first byte (seconds, with a busy provider)."""
    assert api.post("/api/chat", json=body("warm up", model=model)).status_code == 200
    upstream.script(Script(first_delay=1.0, text="late but here"))
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), workers.OPENING.count))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    started = time.monotonic()
    watcher.start()
    try:
        r = api.post("/api/chat", json=body("hi", model=model))
    finally:
        stop.set()
        watcher.join()
    assert r.status_code == 200 and streamed_text(sse_events(r.text)) == "late but here"
    assert time.monotonic() - started >= 1.0  # the provider did keep the request waiting
    waiting = [count for at, count in samples if started + 0.3 <= at <= started + 0.9]
    assert waiting and not any(waiting), samples
    assert workers.OPENING.count == 0  # counted out once, though both the send and the block's end say so

"""Redis down or hung: the limits fail closed (refused with a sentence, 503 from the API) and recover by themselves.

Uses a redis-server of the test's own (`private_redis`), stopped and started again; never the shared one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from chat import ratelimit
from chat.config import RateSpec
from chat.errors import RateLimiterUnavailable
from chat.ratelimit import Check
from chat.ratelimit.redis_backend import RedisBackend
from tests.api_fixtures import body, make_client
from tests.fakes import FakeUpstream
from tests.services import PrivateRedis

CHECKS = [Check(RateSpec(3, 60), "s1", "session"), Check(RateSpec(10, 60), "198.51.100.4", "ip")]


def test_down_refuses_then_recovers_by_itself(private_redis: PrivateRedis) -> None:
    limiter = RedisBackend(private_redis.url, prefix="down-test")
    assert [q.remaining for q in limiter.take(CHECKS)] == [2, 9]
    private_redis.stop()
    started = time.monotonic()
    with pytest.raises(RateLimiterUnavailable) as info:
        limiter.take(CHECKS)
    assert time.monotonic() - started < 1.0
    assert not limiter.ping()
    with pytest.raises(RateLimiterUnavailable):
        limiter.peek(CHECKS)
    err = info.value
    assert err.status == 503
    assert "cannot check its usage limits" in err.message("en") and "Try again in a few seconds" in err.message("en")
    assert "no puede comprobar sus límites de uso" in err.message("es")

    private_redis.start()  # same port, empty: the same backend object works again
    assert limiter.ping()
    assert [q.remaining for q in limiter.take(CHECKS)] == [2, 9]


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    sock.close()
    for conn in held:
        conn.close()


def test_a_hung_redis_cannot_hang_a_request(hung_server: str) -> None:
    limiter = RedisBackend(hung_server, prefix="hung-test")
    started = time.monotonic()
    with pytest.raises(RateLimiterUnavailable):
        limiter.take(CHECKS)
    assert time.monotonic() - started < 2.0  # one socket timeout (0.5 s) per command, no retries


def test_the_url_may_set_its_own_timeout(hung_server: str) -> None:
    limiter = RedisBackend(hung_server + "?socket_timeout=0.1&socket_connect_timeout=0.1", prefix="hung-test")
    started = time.monotonic()
    with pytest.raises(RateLimiterUnavailable):
        limiter.peek(CHECKS)
    assert time.monotonic() - started < 0.45


@pytest.fixture
def api_on_private_redis(
    upstream: FakeUpstream, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("CHARLA_REDIS_URL", private_redis.url)
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "5/60")
    ratelimit.clear()
    with make_client() as client:
        yield client


def test_api_answers_503_in_both_languages_then_recovers(
    api_on_private_redis: TestClient, private_redis: PrivateRedis
) -> None:
    api = api_on_private_redis
    ok = api.post("/api/chat", json=body("before"))
    assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "4"
    private_redis.stop()
    down = api.post("/api/chat", json=body("during"))
    assert down.status_code == 503
    assert down.json() == {"error": "Error processing the request", "details": down.json()["details"]}
    assert "cannot check its usage limits" in down.json()["details"]
    assert down.headers["retry-after"] == "5" and down.headers["x-ratelimit-remaining"] == "0"
    es = api.post("/api/chat", json=body("durante"), headers={"Accept-Language": "es"})
    assert es.status_code == 503
    assert es.json()["error"] == "Error al procesar la solicitud"
    assert "no puede comprobar sus límites de uso" in es.json()["details"]
    assert ratelimit.peek(session="x", ip="198.51.100.4") is None  # the UI's meter hides; sending says why

    private_redis.start()
    back = api.post("/api/chat", json=body("after"))
    assert back.status_code == 200 and back.headers["x-ratelimit-remaining"] == "4"  # a fresh, empty Redis


def test_the_chat_page_says_why_and_keeps_the_message(
    upstream: FakeUpstream, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    from tests.test_ui_app import PAGE, all_text, button, send, texts

    monkeypatch.setenv("CHARLA_REDIS_URL", private_redis.url)
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "5/60")
    st.cache_resource.clear()
    ratelimit.clear()
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    send(at, "first")
    assert "4 of 5 messages left" in all_text(at)  # the meter reads Redis
    private_redis.stop()
    send(at, "while redis is away")
    assert "cannot check its usage limits right now" in all_text(at)
    assert texts(at, "user")[-1] == "while redis is away" and len(upstream.chat_requests()) == 1
    assert "of 5 messages left" not in all_text(at)  # no meter while the count is unknown
    private_redis.start()
    button(at, "Retry").click().run()
    assert not at.exception and len(upstream.chat_requests()) == 2
    assert "4 of 5 messages left" in all_text(at)  # a fresh Redis: the count restarted
    ratelimit.clear()

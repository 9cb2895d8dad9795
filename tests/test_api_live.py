"""POST /api/chat on a real `streamlit run app.py` (uvicorn, Streamlit's middleware) with the fake upstream.

Covers the seed's three curl examples sent as written, a client going away mid-stream, and client IPs as uvicorn
delivers them (its proxy-headers middleware trusts X-Forwarded-For from 127.0.0.1 by default).
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api_fixtures import CURL, body, event_types, live_server, sse_events, streamed_text
from tests.fakes import FakeUpstream, Script
from tests.live import LiveServer

pytestmark = pytest.mark.slow

SIMPLE = """{
    "messages": [
      {
        "role": "user",
        "content": "What maintenance tasks are pending?"
      }
    ]
  }"""
MULTI_TURN = """{
    "messages": [
      {
        "role": "user",
        "content": "Show me HVAC equipment"
      },
      {
        "role": "assistant",
        "content": "I found 3 HVAC units..."
      },
      {
        "role": "user",
        "content": "What is the status of the first one?"
      }
    ],
    "model": "llama-3.1-8b-instant"
  }"""
IMAGE = """{
    "messages": [
      {
        "role": "user",
        "content": {
          "parts": [
            {
              "type": "text",
              "text": "Identify this equipment part"
            },
            {
              "type": "image",
              "imageUrl": "https://example.com/part.jpg",
              "mimeType": "image/jpeg"
            }
          ]
        }
      }
    ]
  }"""
SCOUT = "qwen/qwen3.8-27b"


class ConnectionRecorder:
    """A TCP listener used as the server's HTTP(S) proxy: any outbound fetch would show up here."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture(scope="module")
def recorder() -> Iterator[ConnectionRecorder]:
    rec = ConnectionRecorder()
    yield rec
    rec.sock.close()


@pytest.fixture(scope="module")
def server(
    upstream_server: FakeUpstream, recorder: ConnectionRecorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Development mode, no trusted proxies; outbound HTTP(S) goes through the recorder."""
    proxy = {
        "HTTPS_PROXY": recorder.url,
        "HTTP_PROXY": recorder.url,
        "ALL_PROXY": recorder.url,
        "NO_PROXY": "127.0.0.1,localhost",
        "CHARLA_IP_RATE_LIMIT": "1000/60",
    }
    live = live_server(upstream_server, str(tmp_path_factory.mktemp("live-dev")), **proxy)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def production(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Production mode behind a proxy on the same host (CHARLA_TRUSTED_PROXIES=127.0.0.1)."""
    live = live_server(
        upstream_server,
        str(tmp_path_factory.mktemp("live-prod")),
        CHARLA_ENV="production",
        CHARLA_TRUSTED_PROXIES="127.0.0.1",
    )
    yield live
    live.stop()


def curl(url: str, data: str) -> tuple[int, dict[str, str], str]:
    """The seed's curl command (URL swapped for the live server); status, headers and body."""
    if CURL is None:
        pytest.skip("the curl binary is not installed")
    cmd = [
        CURL,
        "-sS",
        "-N",
        "-D",
        "-",
        "-X",
        "POST",
        f"{url}/api/chat",
        "-H",
        "Content-Type: application/json",
        "-d",
        data,
    ]
    out = subprocess.run(cmd, capture_output=True, timeout=30, check=True).stdout.decode()
    head, _, text = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, text


def assert_stream(status: int, headers: dict[str, str], text: str, reply: str) -> None:
    assert status == 200, text
    assert headers["x-vercel-ai-ui-message-stream"] == "v1" and headers["x-ratelimit-limit"] == "1000"
    events = sse_events(text)
    assert event_types(events)[:3] == ["start", "start-step", "text-start"]
    assert event_types(events)[-3:] == ["finish-step", "finish", "[DONE]"]
    assert streamed_text(events) == reply


def test_healthz(server: LiveServer) -> None:
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200 and r.json() == {"ok": True, "store": "ok", "redis": "off"}


def test_seed_simple_chat_request(server: LiveServer, upstream: FakeUpstream) -> None:
    assert_stream(*curl(server.url, SIMPLE), reply="Echo: What maintenance tasks are pending?")
    sent = upstream.chat_requests("groq")[-1]
    assert sent.model == "openai/gpt-oss-20b" and len(sent.messages) <= 9  # the seed's retired id, answered


def test_seed_multi_turn(server: LiveServer, upstream: FakeUpstream) -> None:
    assert_stream(*curl(server.url, MULTI_TURN), reply="Echo: What is the status of the first one?")
    sent = [m for m in upstream.chat_requests("groq")[-1].messages if m["role"] != "system"]
    assert [m["content"] for m in sent] == [
        "Show me HVAC equipment",
        "I found 3 HVAC units...",
        "What is the status of the first one?",
    ]


def test_seed_image_example_asks_for_a_vision_model(
    server: LiveServer, upstream: FakeUpstream, recorder: ConnectionRecorder
) -> None:
    status, headers, text = curl(server.url, IMAGE)
    assert status == 400 and headers["x-ratelimit-limit"] == "1000"
    message = httpx.Response(400, content=text).json()["details"][0]["message"]
    assert "cannot see images" in message and "vision model" in message
    assert upstream.chat_requests() == [] and recorder.connections == 0


def test_image_example_with_a_vision_model_passes_the_url(
    server: LiveServer, upstream: FakeUpstream, recorder: ConnectionRecorder
) -> None:
    data = IMAGE.rstrip().removesuffix("}") + f', "model": "{SCOUT}"}}'
    assert_stream(*curl(server.url, data), reply="Echo: Identify this equipment part")
    sent = upstream.chat_requests("groq")[-1]
    assert sent.model == SCOUT
    parts = sent.messages[-1]["content"]
    assert {"type": "image_url", "image_url": {"url": "https://example.com/part.jpg"}} in parts
    assert recorder.connections == 0  # the server never fetched the image


def test_window_on_the_live_server(server: LiveServer, upstream: FakeUpstream) -> None:
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"} for i in range(13)]
    r = httpx.post(f"{server.url}/api/chat", json={"messages": messages}, timeout=30)
    assert r.status_code == 200
    assert len([m for m in upstream.chat_requests()[-1].messages if m["role"] != "system"]) <= 8


def test_client_going_away_cancels_the_upstream(server: LiveServer, upstream: FakeUpstream) -> None:
    upstream.script(Script(text=" ".join(f"w{i}" for i in range(200)), delay=0.05))
    deltas = 0
    with httpx.stream("POST", f"{server.url}/api/chat", json=body("long"), timeout=30) as r:
        for line in r.iter_lines():
            deltas += '"text-delta"' in line
            if deltas >= 3:
                break
    assert upstream.wait_disconnect(timeout=5), "the upstream request was not closed"


def test_client_going_away_while_the_request_is_opened_cancels_the_upstream(
    server: LiveServer, upstream: FakeUpstream
) -> None:
    """The reply starts relaying on the thread that sent it, before the response is written: a client that left
    during the provider's wait must still close the upstream request, not leave a 10-second reply running."""
    upstream.script(Script(text=" ".join(f"w{i}" for i in range(200)), delay=0.05, first_delay=1.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server.url}/api/chat", json=body("long"), timeout=httpx.Timeout(30, read=0.3))
    assert upstream.wait_disconnect(timeout=5), "the upstream request was not closed"


def test_local_client_cannot_rotate_its_ip_through_forwarded_for(server: LiveServer, upstream: FakeUpstream) -> None:
    remaining = []
    for spoof in ("8.8.8.8", "9.9.9.9", "1.0.0.1"):
        r = httpx.post(f"{server.url}/api/chat", json=body("hi"), headers={"X-Forwarded-For": spoof}, timeout=30)
        remaining.append(int(r.headers["x-ratelimit-remaining"]))
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == 3  # one bucket: loopback


def post(server: LiveServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/chat", json=body("hi"), headers=headers, timeout=30)


def test_production_behind_a_trusted_local_proxy(production: LiveServer, upstream: FakeUpstream) -> None:
    assert post(production, {"X-Forwarded-For": "8.8.8.8"}).status_code == 200
    assert post(production, {"X-Forwarded-For": "203.0.114.1, 8.8.8.8"}).status_code == 200
    refused: Any = post(production, {})
    assert refused.status_code == 400 and "public" in refused.json()["details"][0]["message"]
    assert post(production, {"X-Forwarded-For": "8.8.8.8, 10.0.0.3"}).status_code == 400


def test_route_inside_st_app_in_process(upstream: FakeUpstream, tmp_path: Path) -> None:
    """`TestClient(app)` from app.py runs the lifespan; the route answers next to Streamlit's own."""
    from starlette.testclient import TestClient

    from app import app

    with TestClient(app, client=("127.0.0.1", 1)) as client:
        assert client.get("/_stcore/health").text == "ok"
        r = client.post("/api/chat", json=body("inside"))
        assert r.status_code == 200 and streamed_text(sse_events(r.text)) == "Echo: inside"
        assert client.get("/healthz").json() == {"ok": True, "store": "ok", "redis": "off"}


def _sequential_gets(url: str, path: str, count: int) -> list[float]:
    """Seconds each of `count` GETs of `path` took, one after another on one keep-alive connection (the client
    sends at once: TCP_NODELAY on its side)."""
    host, port = url.removeprefix("http://").split(":")
    took = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(count):
            started = time.perf_counter()
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            received = b""
            while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < _length(received):
                chunk = sock.recv(65536)
                assert chunk, "the server closed the connection"
                received += chunk
            took.append(time.perf_counter() - started)
    return took


def _length(received: bytes) -> int:
    head = received.partition(b"\r\n\r\n")[0].decode().lower().split("\r\n")
    return next(int(line.split(":")[1]) for line in head if line.startswith("content-length:"))


@pytest.mark.parametrize("path", ["/healthz", "/_stcore/health"])
def test_a_response_does_not_wait_for_the_clients_acknowledgement(server: LiveServer, path: str) -> None:
    """A response is written in parts (headers, then body; a reply's chunks; the page's WebSocket messages). With
    Nagle's algorithm on the server's socket, every later part waits until the client acknowledges the first,
    which Linux delays by at least 40 ms: every request took 44 ms on 127.0.0.1. Not a speed target: the
    median of 11 is compared with that floor, which the kernel sets, not the machine's speed."""
    took = sorted(_sequential_gets(server.url, path, 11))
    assert took[5] < 0.030, f"median {took[5] * 1000:.1f} ms: the server waits for the client's ACK"

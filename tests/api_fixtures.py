"""Helpers and fixtures for the API tests (import explicitly: `from tests.api_fixtures import ...`).

- `api`: a Starlette `TestClient` over `chat.api.routes()` whose peer is 127.0.0.1, upstream = the fake.
- `sse_events(text)`: the `data:` payloads of an SSE body, JSON-decoded (`"[DONE]"` kept as the string).
- `live_server(env)`: a real `streamlit run app.py` with the fake upstream's URLs and keys.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from chat.api import routes
from tests.fakes import FakeUpstream
from tests.fakes.provider import InProcess
from tests.live import LiveServer, free_port

__all__ = ["LiveServer", "api_here", "free_port", "live_server", "make_client", "sse_events"]

LOOPBACK = ("127.0.0.1", 50000)
CURL = shutil.which("curl")


def sse_events(text: str) -> list[Any]:
    """Every `data:` payload of an SSE body, decoded (`[DONE]` stays a string)."""
    out: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data: "):
            payload = line[len("data: ") :]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def event_types(events: list[Any]) -> list[str]:
    """`type` of each event (`[DONE]` as is)."""
    return [e if isinstance(e, str) else e["type"] for e in events]


def streamed_text(events: list[Any]) -> str:
    """The text the text-delta events carry."""
    return "".join(e["delta"] for e in events if isinstance(e, dict) and e["type"] == "text-delta")


def user(text: str) -> dict[str, Any]:
    """A seed 004 user message."""
    return {"role": "user", "content": text}


def body(*texts: str, **extra: Any) -> dict[str, Any]:
    """A request body of user messages."""
    return {"messages": [user(t) for t in texts], **extra}


def make_client(client: tuple[str, int] = LOOPBACK) -> TestClient:
    """A TestClient over the API routes alone (no Streamlit runtime)."""
    return TestClient(Starlette(routes=routes()), client=client)


@pytest.fixture
def api(upstream: FakeUpstream) -> Iterator[TestClient]:
    """The API routes in-process, with the fake upstream behind them."""
    with make_client() as client:
        yield client


@pytest.fixture
def api_here(inprocess: InProcess) -> Iterator[TestClient]:
    """The API routes in-process, with the in-process providers behind them (no socket, no SDK)."""
    with make_client() as client:
        yield client


def live_env(fake: FakeUpstream, **extra: str) -> dict[str, str]:
    """Environment for a live server talking to `fake`."""
    env = {
        "GROQ_BASE_URL": fake.url,
        "MISTRAL_BASE_URL": fake.url,
        "GROQ_API_KEY": "test-key",
        "MISTRAL_API_KEY": "test-key",
        "CHARLA_IP_RATE_LIMIT": "10000/60",
        "CHARLA_RATE_LIMIT": "10000/60",
        "CHARLA_ENV": "development",
    }
    return {**env, **extra}


def live_server(fake: FakeUpstream, tmp_dir: str, **extra: str) -> LiveServer:
    """A started live server (caller stops it)."""
    return LiveServer({**live_env(fake, **extra), "CHARLA_DATA_DIR": tmp_dir}).start()

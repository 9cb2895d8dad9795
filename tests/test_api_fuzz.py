"""Hypothesis throws valid, near-valid and hostile bodies at POST /api/chat: the input never causes a 5xx."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.api_fixtures import make_client, sse_events
from tests.fakes import FakeUpstream

pytestmark = pytest.mark.slow  # Hypothesis explores many bodies

MODELS = ["openai/gpt-oss-20b", "qwen/qwen3.8-27b", "mistral-small-latest", "gpt-4o", ""]
ROLES = ["user", "assistant", "system", "tool", "", "USER"]
PNG_1PX = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
huge_numbers = st.sampled_from([10**30, -(10**30), 1e308, -1e308, 2**63, -1, 0, 0.5])
text = st.text(max_size=60) | st.sampled_from(["", " ", "\u0000", "🙂" * 10, "x" * 10_001, "\ud800"])

text_part = st.fixed_dictionaries({"type": st.just("text"), "text": text})
image_part = st.fixed_dictionaries(
    {
        "type": st.just("image"),
        "imageUrl": st.sampled_from(
            [
                "https://example.com/a.jpg",
                f"data:image/png;base64,{PNG_1PX}",
                "data:image/png;base64,@@@",
                "http://x",
                "javascript:1",
                "",
            ]
        ),
    },
    optional={"mimeType": st.sampled_from(["image/png", "image/jpeg", "", "text/html"])},
)
file_part = st.fixed_dictionaries(
    {
        "type": st.just("file"),
        "mediaType": st.sampled_from(["text/plain", "application/pdf", "image/png", "", "application/x-evil"]),
    },
    optional={
        "data": st.sampled_from([base64.b64encode(b"hello").decode(), PNG_1PX, "!!", "", "aGk"]),
        "url": st.sampled_from([f"data:image/png;base64,{PNG_1PX}", "https://example.com/f.png", "data:,x"]),
        "filename": st.text(max_size=10),
    },
)
sdk_part = st.sampled_from(
    [
        {"type": "step-start"},
        {"type": "reasoning", "text": "hm"},
        {"type": "tool-x"},
        {"type": "data-foo", "data": 1},
        {"type": "source-url", "url": "u"},
    ]
)
part = text_part | image_part | file_part | sdk_part | junk

content = text | st.fixed_dictionaries({"parts": st.lists(part, max_size=3)}) | junk
seed_message = st.fixed_dictionaries(
    {"role": st.sampled_from(ROLES), "content": content}, optional={"id": st.text(max_size=5), "createdAt": junk}
)
sdk_message = st.fixed_dictionaries(
    {"role": st.sampled_from(ROLES), "parts": st.lists(part, max_size=3)},
    optional={"id": st.text(max_size=5), "metadata": junk},
)
message = seed_message | sdk_message | junk

valid_part = (
    text_part
    | st.fixed_dictionaries(
        {
            "type": st.just("image"),
            "imageUrl": st.just(f"data:image/png;base64,{PNG_1PX}"),
            "mimeType": st.just("image/png"),
        }
    )
    | st.fixed_dictionaries(
        {
            "type": st.just("file"),
            "mediaType": st.just("text/plain"),
            "data": st.just(base64.b64encode("hola, ¿qué tal?".encode()).decode()),
        }
    )
)
valid_message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system"]),
        "content": st.text(min_size=1, max_size=40)
        | st.fixed_dictionaries({"parts": st.lists(valid_part, min_size=1, max_size=2)}),
    }
)
valid_body = st.fixed_dictionaries(
    {
        "messages": st.lists(valid_message, min_size=1, max_size=12).map(
            lambda m: [*m, {"role": "user", "content": "go"}]
        )
    },
    optional={
        "model": st.sampled_from(MODELS[:3]),
        "temperature": st.floats(0, 1),
        "maxOutputTokens": st.integers(1, 500),
        "system": st.text(max_size=20),
    },
)
near_valid_body = st.fixed_dictionaries(
    {"messages": st.lists(message, max_size=10) | junk},
    optional={
        "model": st.sampled_from(MODELS) | junk,
        "temperature": huge_numbers | st.floats(allow_nan=False) | junk,
        "maxOutputTokens": huge_numbers | junk,
        "system": text | junk,
        "id": junk,
        "trigger": st.sampled_from(["submit-message", "regenerate-message"]),
        "messageId": junk,
    },
)
request_body = valid_body | near_valid_body | junk

raw_body = st.binary(max_size=200) | st.sampled_from(
    [
        b"",
        b"[" * 5000,
        b'{"messages": NaN}',
        b'{"messages": [' + b"1" * 5000 + b"]}",
        b"\xef\xbb\xbf{}",
        b'{"messages": [{"role": "user", "content": "hi"}], "temperature": Infinity}',
    ]
)


@pytest.fixture
def client(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "100000/60")
    with make_client() as c:
        yield c


def check(response: Any, upstream: FakeUpstream) -> None:
    """The input alone never yields a 5xx; a 200 is a complete stream."""
    assert response.status_code in (200, 400, 413), (response.status_code, response.text[:500])
    if response.status_code == 200:
        assert sse_events(response.text)[-1] == "[DONE]"
    else:
        assert set(response.json()) >= {"error"}


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ
@given(data=request_body)
def test_json_bodies_never_cause_a_server_error(client: TestClient, upstream: FakeUpstream, data: Any) -> None:
    check(client.post("/api/chat", content=json.dumps(data), headers={"content-type": "application/json"}), upstream)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=raw_body)
def test_raw_bodies_never_cause_a_server_error(client: TestClient, upstream: FakeUpstream, raw: bytes) -> None:
    r = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    check(r, upstream)

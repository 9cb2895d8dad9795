"""The fake upstream is accepted by the raw groq and mistralai SDKs, errors included (no Charla code)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import groq
import httpx
import httpx2
import pytest
from groq import Groq
from mistralai.client import Mistral, errors

from tests.conftest import REPO
from tests.fakes import FakeUpstream, Script
from tests.fakes.upstream import Schedule

GROQ_MODEL = "openai/gpt-oss-20b"
MISTRAL_MODEL = "mistral-small-latest"
HI = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


def groq_client(up: FakeUpstream, key: str = "test-key", timeout: float = 5) -> Groq:
    """Raw Groq client on the fake, no retries."""
    return Groq(api_key=key, base_url=up.url, max_retries=0, timeout=timeout)


def mistral_client(up: FakeUpstream, key: str = "test-key", timeout_ms: int = 5000) -> Mistral:
    """Raw Mistral client on the fake."""
    return Mistral(api_key=key, server_url=up.url, timeout_ms=timeout_ms)


def groq_stream(client: Groq, **kw: Any) -> Any:
    """Start a Groq chat stream."""
    return client.chat.completions.create(model=GROQ_MODEL, messages=HI, stream=True, **kw)  # type: ignore[arg-type]


def groq_collect(stream: Any, got: list[str] | None = None) -> tuple[str, Any]:
    """Text and last usage of a Groq stream."""
    got = [] if got is None else got
    usage = None
    for chunk in stream:
        got.extend(c.delta.content or "" for c in chunk.choices)
        usage = chunk.usage or (chunk.x_groq and chunk.x_groq.usage) or usage
    return "".join(got), usage


def mistral_collect(client: Mistral, got: list[str] | None = None, **kw: Any) -> tuple[str, Any, Any]:
    """Text, final usage and response headers of a Mistral stream."""
    got = [] if got is None else got
    usage = None
    with client.chat.stream(model=MISTRAL_MODEL, messages=HI, **kw) as stream:  # type: ignore[arg-type]
        for event in stream:
            content = event.data.choices[0].delta.content
            got.append(content if isinstance(content, str) else "")
            usage = event.data.usage or usage
        return "".join(got), usage, stream.response.headers


# --- happy paths -----------------------------------------------------------------------------------------


def test_groq_streams_scripted_text_and_usage(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="Hello, world!", usage=(18, 4)))
    with groq_stream(groq_client(upstream), temperature=0.2, max_completion_tokens=64) as stream:
        text, usage = groq_collect(stream)
        headers = stream.response.headers
    assert text == "Hello, world!"
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (18, 4, 22)
    assert headers["content-type"] == "text/event-stream"
    assert headers["x-ratelimit-limit-tokens"] == "8000"
    assert headers["x-ratelimit-reset-requests"] == "2m59.56s"
    [rec] = upstream.chat_requests("groq")
    assert rec.path == "/openai/v1/chat/completions"
    assert rec.body == {
        "messages": HI,
        "model": GROQ_MODEL,
        "max_completion_tokens": 64,
        "stream": True,
        "temperature": 0.2,
    }
    assert rec.headers["authorization"] == "Bearer test-key"
    assert (rec.model, rec.last_user_text, rec.messages) == (GROQ_MODEL, "hi", HI)


def test_groq_include_usage_frame(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=["a", "b"], usage=(5, 2)))
    stream = groq_stream(groq_client(upstream), extra_body={"stream_options": {"include_usage": True}})
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 2
    assert chunks[-2].choices[0].finish_reason == "stop" and chunks[-2].x_groq.usage.prompt_tokens == 5
    assert chunks[0].choices[0].delta.role == "assistant"


def test_mistral_streams_scripted_text_and_usage(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="Bonjour tout le monde", usage=(4, 32), delay=0.01))
    with mistral_client(upstream) as client:
        text, usage, headers = mistral_collect(client, temperature=0.2, max_tokens=64)
    assert text == "Bonjour tout le monde"
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (4, 32, 36)
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "x-ratelimitbysize-remaining-minute" in headers and "ratelimitbysize-limit" in headers
    [rec] = upstream.chat_requests("mistral")
    assert rec.path == "/v1/chat/completions"
    assert rec.body == {"model": MISTRAL_MODEL, "messages": HI, "temperature": 0.2, "max_tokens": 64, "stream": True}
    assert upstream.chat_requests("groq") == []


def test_default_reply_echoes_last_user_text_parts(upstream: FakeUpstream) -> None:
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": "data:image/png;base64,AA=="},
        {"type": "text", "text": "here"},
    ]
    with mistral_client(upstream) as client:
        with client.chat.stream(model=MISTRAL_MODEL, messages=[{"role": "user", "content": parts}]) as stream:
            text = "".join(e.data.choices[0].delta.content or "" for e in stream)
    assert text == "Echo: look here"


def test_scripts_are_consumed_in_order_then_default(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="one"), Script(chunks=["t", "wo"]))
    client = groq_client(upstream)
    texts = [groq_collect(groq_stream(client))[0] for _ in range(3)]
    assert texts == ["one", "two", "Echo: hi"]


def test_non_streamed_completions(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="plain groq"), Script(text="plain mistral"))
    reply = groq_client(upstream).chat.completions.create(model=GROQ_MODEL, messages=HI)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "plain groq"
    with mistral_client(upstream) as client:
        res = client.chat.complete(model=MISTRAL_MODEL, messages=HI)  # type: ignore[arg-type]
    assert res.choices[0].message.content == "plain mistral" and res.usage.total_tokens > 0


def test_models_lists(upstream: FakeUpstream) -> None:
    ids = {m.id for m in groq_client(upstream).models.list().data}
    assert {"openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3.8-27b"} <= ids
    with mistral_client(upstream) as client:
        cards = {m.id: m for m in client.models.list().data}
    assert cards["mistral-small-latest"].capabilities.vision is True
    assert {"mistral-medium-latest", "mistral-large-latest", "ministral-14b-latest"} <= set(cards)
    assert "pixtral-12b-2409" not in cards
    assert upstream.chat_requests() == [] and len(upstream.requests) == 2


def test_first_delay_and_delay_shape_timing(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=["a", "b", "c"], first_delay=0.2, delay=0.05))
    start = time.monotonic()
    stamps = []
    for chunk in groq_stream(groq_client(upstream)):
        if chunk.choices and chunk.choices[0].delta.content:
            stamps.append(time.monotonic() - start)
    assert stamps[0] >= 0.2 and stamps[-1] - stamps[0] >= 0.09


def test_chunks_keep_the_streams_pace_however_long_sends_take() -> None:
    """The pace counts from the stream's start, as a model server's does: a slow send does not slow the stream
    (the benchmarks' upstream would otherwise slow down with the CPU the server under test takes)."""
    schedule = Schedule()
    time.sleep(0.05)  # a send that took longer than the pace
    assert schedule.wait(0.02) == 0.0  # overdue: goes at once
    assert 0.0 < schedule.wait(1.0) <= 1.02 - 0.05  # the next is due 1.02 s after the start, not 1 s from now
    schedule.restart()  # after a stall
    assert schedule.wait(0.5) > 0.45


# --- errors ----------------------------------------------------------------------------------------------

GROQ_ERRORS = [
    (401, groq.AuthenticationError, "invalid_api_key"),
    (403, groq.PermissionDeniedError, "permission_denied"),
    (404, groq.NotFoundError, "model_not_found"),
    (413, groq.APIStatusError, "rate_limit_exceeded"),
    (422, groq.UnprocessableEntityError, None),
    (429, groq.RateLimitError, "rate_limit_exceeded"),
    (500, groq.InternalServerError, None),
    (503, groq.InternalServerError, None),
]


@pytest.mark.parametrize(("status", "exc_type", "code"), GROQ_ERRORS)
def test_groq_error_statuses(upstream: FakeUpstream, status: int, exc_type: type, code: str | None) -> None:
    upstream.script(Script(status=status, retry_after=3 if status == 429 else None))
    with pytest.raises(exc_type) as info:
        groq_stream(groq_client(upstream))
    err = info.value
    assert type(err) is exc_type and err.status_code == status
    assert err.body["error"].get("code") == code
    assert err.response.headers["content-type"] == "application/json"
    assert "x-ratelimit-remaining-tokens" in err.response.headers
    if status == 429:
        assert err.response.headers["retry-after"] == "3"
        assert err.response.headers["x-ratelimit-remaining-tokens"] == "0"
        assert f"model `{GROQ_MODEL}`" in err.body["error"]["message"]
    if status == 413:
        assert not isinstance(err, groq.RateLimitError)
        assert "Request too large" in err.body["error"]["message"]


@pytest.mark.parametrize("status", [401, 403, 404, 413, 429, 500, 503])
def test_mistral_error_statuses(upstream: FakeUpstream, status: int) -> None:
    upstream.script(Script(status=status))
    with mistral_client(upstream) as client, pytest.raises(errors.SDKError) as info:
        mistral_collect(client)
    err = info.value
    assert err.status_code == status
    body = json.loads(err.body)
    assert "ratelimitbysize-remaining" in err.headers
    if status == 401:
        assert body == {"detail": "Unauthorized"}
    elif status == 429:
        assert body["type"] == "rate_limited" and body["code"] == "1300"
        assert err.headers["retry-after"] == "7"
    elif status == 404:
        assert body["message"] == f"Invalid model: {MISTRAL_MODEL}"
    else:
        assert body["object"] == "error"


def test_mistral_422_is_http_validation_error(upstream: FakeUpstream) -> None:
    upstream.script(Script(status=422))
    with mistral_client(upstream) as client, pytest.raises(errors.HTTPValidationError) as info:
        mistral_collect(client)
    assert info.value.data.detail[0].loc == ["body", "messages"]


def test_bad_or_missing_key_is_401_and_keeps_the_script(upstream: FakeUpstream) -> None:
    upstream.script(Script(text="kept"))
    with pytest.raises(groq.AuthenticationError):
        groq_stream(groq_client(upstream, key="bad-key"))
    with mistral_client(upstream, key="bad-key") as client, pytest.raises(errors.SDKError) as info:
        mistral_collect(client)
    assert info.value.status_code == 401
    bare = httpx.post(f"{upstream.url}/openai/v1/chat/completions", json={"model": GROQ_MODEL, "messages": HI})
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "invalid_api_key"
    assert groq_collect(groq_stream(groq_client(upstream)))[0] == "kept"


def test_unknown_route_is_vendor_404(upstream: FakeUpstream) -> None:
    client = Groq(api_key="test-key", base_url=f"{upstream.url}/openai/v1", max_retries=0, timeout=5)
    with pytest.raises(groq.NotFoundError):
        groq_stream(client)
    assert upstream.requests[-1].path == "/openai/v1/openai/v1/chat/completions"


# --- broken streams --------------------------------------------------------------------------------------


def test_in_stream_error_events(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=["Hel", "lo"], error_after=1), Script(chunks=["Hel", "lo"], error_after=1))
    got: list[str] = []
    with pytest.raises(groq.APIError) as info:
        groq_collect(groq_stream(groq_client(upstream)), got)
    assert not isinstance(info.value, groq.APIStatusError) and got == ["", "Hel"]
    got = []
    with mistral_client(upstream) as client, pytest.raises(errors.ResponseValidationError):
        mistral_collect(client, got)
    assert got == ["", "Hel"]


def test_drop_after_gives_raw_transport_errors(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=["a", "b", "c"], drop_after=2), Script(chunks=["a", "b", "c"], drop_after=1))
    got: list[str] = []
    with pytest.raises(httpx.TransportError):
        groq_collect(groq_stream(groq_client(upstream)), got)
    assert got == ["", "a", "b"]
    got = []
    with mistral_client(upstream) as client, pytest.raises(httpx2.TransportError):
        mistral_collect(client, got)
    assert got == ["", "a"]
    assert upstream.disconnects == []


def test_stall_gives_read_timeouts_and_disconnects(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=["a", "b"], stall_after=1), Script(chunks=["a", "b"], stall_after=1))
    got: list[str] = []
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        groq_collect(groq_stream(groq_client(upstream, timeout=0.3)), got)
    assert got == ["", "a"]
    with mistral_client(upstream, timeout_ms=300) as client, pytest.raises(httpx2.ReadTimeout):
        mistral_collect(client)
    assert time.monotonic() - start < 2
    assert upstream.wait_disconnect(1.0, count=2)


def test_closing_the_sdk_stream_early_is_a_disconnect(upstream: FakeUpstream) -> None:
    upstream.script(Script(chunks=list("abcdefgh"), delay=0.2))
    stream = groq_stream(groq_client(upstream))
    next(iter(stream))
    closed_at = time.monotonic()
    stream.close()
    assert upstream.wait_disconnect(1.0)
    assert time.monotonic() - closed_at < 1.0
    assert upstream.disconnects[0].vendor == "groq"

    upstream.reset()
    upstream.script(Script(chunks=list("abcdefgh"), delay=0.2))
    with mistral_client(upstream) as client:
        with client.chat.stream(model=MISTRAL_MODEL, messages=HI) as stream:  # type: ignore[arg-type]
            next(iter(stream))
        assert upstream.wait_disconnect(1.0)
    assert [r.vendor for r in upstream.disconnects] == ["mistral"]


# --- server behaviour ------------------------------------------------------------------------------------


def test_hundred_concurrent_streams(upstream: FakeUpstream) -> None:
    upstream.default_script.delay = 0.05

    client = httpx.Client(
        base_url=upstream.url,
        timeout=10,
        headers={"authorization": "Bearer test-key"},
        limits=httpx.Limits(max_connections=100),
    )

    def one(i: int) -> str:
        body = {"model": GROQ_MODEL, "stream": True, "messages": [{"role": "user", "content": f"n{i}"}]}
        with client.stream("POST", "/openai/v1/chat/completions", json=body) as resp:
            return "".join(resp.iter_text())

    with client, ThreadPoolExecutor(100) as pool:
        outputs = list(pool.map(one, range(100)))
    assert all(f'"content":"n{i}"' in out and out.endswith("data: [DONE]\n\n") for i, out in enumerate(outputs))
    assert len(upstream.chat_requests("groq")) == 100


def test_stop_is_prompt_with_a_stalled_stream() -> None:
    fake = FakeUpstream().start()
    fake.script(Script(chunks=["a"], stall_after=0, stall_seconds=30))
    sock = socket.create_connection(("127.0.0.1", fake.port))
    body = json.dumps({"model": MISTRAL_MODEL, "stream": True, "messages": []}).encode()
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    sock.settimeout(5)
    received = b""
    while b"chat.completion.chunk" not in received:
        received += sock.recv(65536)
    start = time.monotonic()
    fake.stop()
    assert time.monotonic() - start < 1.0
    sock.close()


def test_control_routes_and_standalone_main() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "--port", "0"], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        url = _read_line(proc, timeout=5).strip()
        assert url.startswith("http://127.0.0.1:")
        httpx.post(f"{url}/_fake/script", json=[{"text": "from control", "usage": [1, 2]}]).raise_for_status()
        with Groq(api_key="k", base_url=url, max_retries=0, timeout=5) as client:
            assert groq_collect(groq_stream(client))[0] == "from control"
        recorded = httpx.get(f"{url}/_fake/requests").json()
        assert [r["path"] for r in recorded] == ["/openai/v1/chat/completions"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """First stdout line of a subprocess, or fail after `timeout`."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline() if proc.stdout else ""))
    reader.start()
    reader.join(timeout)
    assert box, "standalone fake printed no URL"
    return box[0]

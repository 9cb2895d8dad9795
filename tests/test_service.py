"""The pipeline through the real Groq and Mistral SDKs, against fake upstreams speaking their wire formats."""

from __future__ import annotations

import threading
import time

import pytest

from chat import errors
from chat.reply import Reply
from chat.schema import ChatRequest, GenerationSettings, Message
from chat.service import Caller, send
from tests.fakes import FakeUpstream, Script

MODELS = {"groq": "openai/gpt-oss-20b", "mistral": "mistral-small-latest"}


@pytest.fixture(params=["groq", "mistral"])
def vendor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def ask(vendor: str, *texts: str, caller: Caller | None = None, **settings: object) -> Reply:
    roles = ["user", "assistant"]
    messages = [Message.of(roles[i % 2], t) for i, t in enumerate(texts)]  # type: ignore[arg-type]
    request = ChatRequest(messages=messages, model=MODELS[vendor], settings=GenerationSettings(**settings))
    return send(request, caller=caller or Caller(session="s", ip="127.0.0.1"))


def test_streams_text_usage_and_timing(upstream: FakeUpstream, vendor: str) -> None:
    upstream.script(Script(chunks=["Hel", "lo", ", world", "!"], usage=(12, 4)))
    reply = ask(vendor, "hi there", temperature=0.3, max_tokens=64)
    deltas = [d.text for d in reply]
    assert deltas == ["Hel", "lo", ", world", "!"]
    assert reply.text == "Hello, world!" and reply.outcome == "finished"
    assert reply.usage is not None and (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (12, 4)
    assert reply.ttft is not None and reply.duration is not None and reply.ttft <= reply.duration
    assert reply.finish_reason == "stop"
    assert [d.text for d in reply] == deltas  # a finished reply replays
    [sent] = upstream.chat_requests(vendor)
    body = sent.body
    assert body["model"] == MODELS[vendor] and body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hi there"}]
    assert body["temperature"] == 0.3
    assert body["max_completion_tokens" if vendor == "groq" else "max_tokens"] == 64
    if vendor == "groq":
        assert body["stream_options"] == {"include_usage": True}
    assert sent.headers["authorization"] == "Bearer test-key"
    assert "ratelimit" in " ".join(reply.rate_headers)


def test_default_max_output_is_the_models(upstream: FakeUpstream) -> None:
    list(ask("groq", "hi"))
    assert upstream.chat_requests()[0].body["max_completion_tokens"] == 1000


def test_upstream_sees_at_most_eight_turns_and_the_system_prompt(upstream: FakeUpstream, vendor: str) -> None:
    texts = [f"turn {i}" for i in range(13)]
    reply = ask(vendor, *texts, system_prompt="be brief")
    list(reply)
    messages = upstream.chat_requests()[0].body["messages"]
    assert messages[0] == {"role": "system", "content": "be brief"}
    assert len(messages) - 1 <= 8
    assert messages[1]["role"] == "user"
    assert messages[-1]["content"] == "turn 12"
    assert reply.context is not None
    assert reply.context.window.kept == ["6", "7", "8", "9", "10", "11", "12"][-len(messages) + 1 :]


def test_missing_key_is_refused_before_sending(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY")
    with pytest.raises(errors.MissingKeyError) as info:
        ask("groq", "hi")
    assert info.value.message("en") == "Groq API key not found. Set it in Settings or GROQ_API_KEY."
    assert upstream.chat_requests() == []


def test_session_key_wins_over_the_server_key(upstream: FakeUpstream) -> None:
    list(ask("mistral", "hi", caller=Caller(session="s", ip="1.1.1.1", keys={"mistral": "my-own-key"})))
    assert upstream.chat_requests()[0].headers["authorization"] == "Bearer my-own-key"


ERRORS = [
    (401, errors.AuthError, "rejected the API key"),
    (403, errors.ForbiddenError, "refused access"),
    (404, errors.ModelUnavailable, "no longer serves"),
    (413, errors.RequestTooLarge, "too large"),
    (429, errors.UpstreamRateLimited, "Try again in 9 s"),
    (500, errors.UpstreamUnavailable, "unavailable"),
    (503, errors.UpstreamUnavailable, "unavailable"),
]


@pytest.mark.parametrize(("status", "error", "words"), ERRORS)
def test_every_upstream_status_becomes_an_actionable_error(
    upstream: FakeUpstream, vendor: str, status: int, error: type[errors.ProviderError], words: str
) -> None:
    upstream.script(Script(status=status, retry_after=9 if status == 429 else None))
    with pytest.raises(error) as info:
        ask(vendor, "hi")
    err = info.value
    assert type(err) is error and err.status_code == status
    assert words in err.message("en")
    assert "test-key" not in err.message("en") + err.message("es") + repr(err)
    if status == 429:
        assert err.retry_after == 9
    assert len(upstream.chat_requests()) == 1  # no hidden SDK retries


def test_wrong_key_from_the_session_is_named_and_never_echoed(upstream: FakeUpstream, vendor: str) -> None:
    with pytest.raises(errors.AuthError) as info:
        ask(vendor, "hi", caller=Caller(session="s", ip="1.1.1.1", keys={vendor: "bad-key"}))  # type: ignore[dict-item]
    text = info.value.message("en")
    assert "bad-key" not in text and f"{vendor.upper()}_API_KEY" in text


def test_connection_failure(upstream: FakeUpstream, vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.live import free_port

    monkeypatch.setenv(f"{vendor.upper()}_BASE_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(errors.UpstreamConnectionError) as info:
        ask(vendor, "hi")
    assert "Could not connect" in info.value.message("en")


def test_stall_mid_stream_times_out_and_keeps_the_text(
    upstream: FakeUpstream, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_UPSTREAM_TIMEOUT", "0.5")
    upstream.script(Script(chunks=["par", "tial", " never"], stall_after=2, stall_seconds=5))
    reply = ask(vendor, "hi")
    got: list[str] = []
    with pytest.raises(errors.UpstreamTimeout) as info:
        for delta in reply:
            got.append(delta.text)
    assert got == ["par", "tial"]
    assert info.value.partial == "partial" == reply.text
    assert reply.outcome == "failed" and reply.error is info.value


@pytest.mark.parametrize("how", ["drop_after", "error_after"])
def test_stream_cut_midway_keeps_partial_text(upstream: FakeUpstream, vendor: str, how: str) -> None:
    upstream.script(Script(chunks=["one ", "two ", "three"], **{how: 2}))  # type: ignore[arg-type]
    reply = ask(vendor, "hi")
    with pytest.raises(errors.StreamInterrupted) as info:
        list(reply)
    assert reply.text == "one two " == info.value.partial
    assert "broke off" in info.value.message("en")


def test_the_next_reply_comes_over_the_same_connection(upstream: FakeUpstream, vendor: str) -> None:
    """A finished reply hands its connection back: the next message, even after a person's pause longer than the
    SDKs' own 5 s keep-alive, pays no new TCP and TLS handshake."""
    for text, pause in (("one", 0.0), ("two", 5.5), ("three", 0.0)):
        time.sleep(pause)
        assert "".join(d.text for d in ask(vendor, text)) == f"Echo: {text}"
    assert len({sent.peer_port for sent in upstream.chat_requests(vendor)}) == 1


def test_more_than_a_hundred_replies_on_one_key_all_stream_at_once(
    upstream: FakeUpstream, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared key's 101st concurrent reply starts at once, rather than waiting for another reply to end."""
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "1000/60")
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "1000/60")
    count = 120
    all_started = threading.Barrier(count, timeout=20)
    texts: list[str] = []

    def one(n: int) -> None:
        deltas = iter(ask(vendor, f"reply {n}", caller=Caller(session=f"s{n}", ip="127.0.0.1")))
        first = next(deltas).text
        all_started.wait()  # no reply ends before every one of them has its first delta
        texts.append(first + "".join(d.text for d in deltas))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not all_started.broken
    assert sorted(texts) == sorted(f"Echo: reply {n}" for n in range(count))


def test_a_body_left_open_after_done_still_ends_the_reply(upstream: FakeUpstream, vendor: str) -> None:
    upstream.script(Script(chunks=["all ", "there"], hold_after_done=10))
    started = time.monotonic()
    reply = ask(vendor, "hi")
    assert [d.text for d in reply] == ["all ", "there"]
    assert reply.outcome == "finished" and time.monotonic() - started < 5
    assert "".join(d.text for d in ask(vendor, "again")) == "Echo: again"  # on a new connection
    first, second = upstream.chat_requests(vendor)
    assert first.peer_port != second.peer_port


def test_cancel_closes_the_upstream_and_keeps_what_arrived(upstream: FakeUpstream, vendor: str) -> None:
    upstream.script(Script(chunks=[f"w{i} " for i in range(50)], delay=0.05))
    reply = ask(vendor, "hi")
    got = []
    for delta in reply:
        got.append(delta.text)
        if len(got) == 3:
            reply.cancel()
    assert reply.outcome == "stopped" and reply.text == "w0 w1 w2 "
    assert upstream.wait_disconnect(timeout=3)


def test_cancel_from_another_thread_wakes_a_stalled_read(upstream: FakeUpstream, vendor: str) -> None:
    upstream.script(Script(chunks=["a", "b", "c"], stall_after=1, stall_seconds=20))
    reply = ask(vendor, "hi")
    threading.Timer(0.3, reply.cancel).start()
    started = time.monotonic()
    assert [d.text for d in reply] == ["a"]
    assert time.monotonic() - started < 3
    assert reply.outcome == "stopped" and reply.error is None
    assert upstream.wait_disconnect(timeout=3)


def test_abandoned_iteration_stops_the_reply(upstream: FakeUpstream, vendor: str) -> None:
    upstream.script(Script(chunks=[f"w{i} " for i in range(50)], delay=0.05))
    reply = ask(vendor, "hi")
    stream = iter(reply)
    next(stream)
    stream.close()  # what a Streamlit rerun does to the generator
    assert reply.outcome == "stopped" and reply.text == "w0 "
    assert upstream.wait_disconnect(timeout=3)


def test_max_duration_cuts_and_marks_the_reply(
    upstream: FakeUpstream, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_MAX_DURATION", "0.6")
    upstream.script(Script(chunks=[f"w{i} " for i in range(100)], delay=0.05, stall_after=20))
    reply = ask(vendor, "hi")
    started = time.monotonic()
    list(reply)
    assert reply.outcome == "cut"
    assert 0.5 < time.monotonic() - started < 2.5
    assert reply.text.startswith("w0 w1 ") and len(reply.text) < 100
    assert upstream.wait_disconnect(timeout=3)


def test_rate_limit_refuses_before_sending(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "2/60")
    for _ in range(2):
        list(ask("groq", "hi"))
    with pytest.raises(errors.RateLimited) as info:
        ask("groq", "hi")
    assert 55 <= info.value.retry_after <= 60
    assert len(upstream.chat_requests()) == 2


def test_settings_outside_the_models_limits_are_refused(upstream: FakeUpstream) -> None:
    with pytest.raises(errors.SettingsOutOfRange) as info:
        ask("mistral", "hi", temperature=1.9)
    assert "between 0 and 1.5" in info.value.message("en")
    with pytest.raises(errors.SettingsOutOfRange):
        ask("groq", "hi", max_tokens=100_000)
    assert upstream.chat_requests() == []


def test_too_large_for_groq_tpm_never_reaches_groq(upstream: FakeUpstream) -> None:
    with pytest.raises(errors.ContextTooLarge):
        ask("groq", "lorem ipsum dolor " * 3000)
    assert upstream.chat_requests() == []


def test_a_provider_silent_before_its_status_line_is_cut_at_the_max_duration(
    upstream: FakeUpstream, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARLA_MAX_DURATION", "1")
    monkeypatch.setenv("CHARLA_UPSTREAM_TIMEOUT", "30")
    upstream.script(Script(text="too late", first_delay=8))
    started = time.monotonic()
    with pytest.raises(errors.TooSlow) as caught:
        ask(vendor, "hello")
    assert time.monotonic() - started < 5  # the 1 s deadline, not the 30 s upstream timeout
    name = "Groq" if vendor == "groq" else "Mistral"
    assert caught.value.message("en").startswith(f"{name} sent nothing within 1 s, the longest a reply may take.")
    assert caught.value.status == 504

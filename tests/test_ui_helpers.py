"""The chat page's streamlit-free helpers: delta pacing, quota and metric texts, the state model."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from chat.api.clientip import client_address
from chat.catalog import get_model
from chat.errors import MissingKeyError, UpstreamRateLimited
from chat.intake import recheck
from chat.messages import ChatAttachment, ChatMessage, ErrorInfo
from chat.pacing import Coalescer, paced
from chat.present import attachment_chip, metrics_text, quota_text
from chat.ratelimit import Quota
from chat.schema import ImagePart, TextPart
from chat.session import ChatSession, seed_messages
from chat.text import text_in


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_coalescer_flushes_first_delta_then_at_most_every_interval() -> None:
    clock = FakeClock()
    c = Coalescer(0.06, clock=clock)
    assert c.add("a") is True  # the first delta shows at once
    assert c.take() == "a"
    flushes = []
    for i in range(100):  # 1,000 deltas/s for 0.1 s
        clock.now = 0.001 * (i + 1)
        if c.add(f"{i},"):
            flushes.append((clock.now, c.take()))
    assert [round(t, 3) for t, _ in flushes] == [0.06]
    clock.now = 0.2
    assert c.due() and c.take().endswith("99,")
    assert not c.due() and c.take() == ""


def test_coalescer_wait_time() -> None:
    clock = FakeClock()
    c = Coalescer(0.05, clock=clock)
    assert c.wait_time() == 0.05  # nothing pending
    c.add("x")
    assert c.wait_time() == 0.0  # never flushed: due now
    c.take()
    clock.now = 0.02
    c.add("y")
    assert c.wait_time() == pytest.approx(0.03)


def _timed(deltas: list[tuple[float, str]]) -> Iterator[str]:
    start = time.monotonic()
    for at, text in deltas:
        time.sleep(max(0.0, at - (time.monotonic() - start)))
        yield text


def test_paced_coalesces_a_fast_stream_and_loses_nothing() -> None:
    deltas = [(i * 0.0005, f"t{i} ") for i in range(600)]  # 2,000 tokens/s
    ticks = list(paced(_timed(deltas), interval=0.06))
    text = "".join(t.text for t in ticks)
    assert text == "".join(d for _, d in deltas)
    assert ticks[-1].done
    assert len([t for t in ticks if t.text]) <= 0.3 / 0.06 + 3  # ~5 renders, not 600


def test_paced_heartbeats_while_silent_and_flushes_the_tail_at_once() -> None:
    started = time.monotonic()
    ticks = []
    for tick in paced(_timed([(0.0, "a"), (0.5, "b")]), interval=0.06, heartbeat=0.1):
        ticks.append((time.monotonic() - started, tick))
    assert any(t.text == "" and not t.done for _, t in ticks)  # heartbeats during the silence
    assert "".join(t.text for _, t in ticks) == "ab"
    assert ticks[-1][0] < 0.65


def test_paced_reraises_after_the_text() -> None:
    def failing() -> Iterator[str]:
        yield "partial"
        raise RuntimeError("boom")

    seen = []
    with pytest.raises(RuntimeError):
        for tick in paced(failing(), interval=0.01):
            seen.append(tick.text)
    assert "".join(seen) == "partial"


def test_quota_text_en_es() -> None:
    assert quota_text(Quota(20, 7, 34), "en") == "7 of 20 left · resets in 34 s"
    assert quota_text(Quota(20, 20, 0), "en") == "20 of 20 messages left"
    assert "12 s" in quota_text(Quota(2, 0, 12), "en") and "limit" in quota_text(Quota(2, 0, 12), "en").lower()
    assert quota_text(Quota(20, 7, 34), "es") == "Quedan 7 de 20 · se renueva en 34 s"
    assert quota_text(None, "en") == ""


def test_client_ip_normalises_none_and_mocks() -> None:
    from unittest.mock import MagicMock

    assert client_address(None) == "127.0.0.1"
    assert client_address(MagicMock()) == "127.0.0.1"
    assert client_address(" 203.0.113.7 ") == "203.0.113.7"


def test_metrics_text() -> None:
    msg = ChatMessage(
        "assistant",
        "hi",
        model="openai/gpt-oss-20b",
        prompt_tokens=12,
        completion_tokens=48,
        ttft=0.214,
        duration=0.5,
        tokens_per_second=830.4,
    )
    assert metrics_text(msg, "en") == "GPT-OSS 20B · 12 → 48 tokens · first token 0.21 s · 830 tokens/s"
    assert "primer token" in metrics_text(msg, "es")


def test_error_info_renders_in_either_language_and_marks_fallback() -> None:
    info = ErrorInfo.of(MissingKeyError("groq"))
    assert "GROQ_API_KEY" in info.message("en") and "Settings" in info.message("en")
    assert "Ajustes" in info.message("es")
    limited = ErrorInfo.of(UpstreamRateLimited("groq", status_code=429, retry_after=7))
    assert limited.fallback_ok and limited.retry_after == 7 and "7 s" in limited.message("en")


def test_context_skips_failed_turns_but_keeps_the_target() -> None:
    chat = ChatSession()
    a = ChatMessage("user", "one")
    b = ChatMessage("assistant", "reply", status="finished", reply_to=a.id)
    c = ChatMessage("user", "failed", status="failed")
    d = ChatMessage("user", "again")
    chat.messages = [a, b, c, d]
    assert [m.text for m in chat.context_for(d.id)] == ["one", "reply", "again"]
    chat.queue(c.id)
    assert chat.messages[-1] is c and c.status == "sent" and chat.pending == c.id


def test_inspect_window_marks_the_last_eight_of_twelve() -> None:
    chat = ChatSession()
    chat.messages = seed_messages(12)
    view = chat.window_view()
    assert len(view.inside) == 8
    assert {m.id for m in chat.messages[-8:]} == view.inside
    assert 0 < view.total <= view.budget and len(view.tokens) == 10 and view.outside == 2  # 2 shown just outside
    assert chat.window().kept == [m.id for m in chat.messages[-8:]]  # the same rule the pipeline applies


def test_image_preflight_recheck_against_models() -> None:
    image = ImagePart(data=b"x", mime_type="image/png", width=10, height=10)
    att = ChatAttachment("cat.png", "image", "image/png", tokens=2000, parts=(image,))
    msg = ChatMessage("user", "what is this", attachments=[att])
    recheck(msg, get_model("openai/gpt-oss-20b"), None)
    assert msg.blocked and "cannot see images" in (att.why_not("en") or "")
    assert "no puede ver imágenes" in (att.why_not("es") or "")
    assert "does not fit" in attachment_chip(att, "en")
    recheck(msg, get_model("qwen/qwen3.8-27b"), None)
    assert not msg.blocked and attachment_chip(att, "en").endswith("fits")


def test_too_many_tokens_blocks_with_reason() -> None:
    text = TextPart(text="x", source="big.txt")
    att = ChatAttachment("big.txt", "text", "text/plain", chars=40_000, tokens=9_000, parts=(text,))
    msg = ChatMessage("user", "summarise", attachments=[att])
    recheck(msg, get_model("openai/gpt-oss-20b"), None)
    assert msg.blocked and "tokens" in text_in(att.reason or "", "es") and "necesita" in (att.why_not("es") or "")


def test_attachment_refusal_kept_as_error_info_renders_in_spanish() -> None:
    from chat.attachments import convert
    from chat.errors import AttachmentError

    with pytest.raises(AttachmentError) as info:
        convert("notes.pdf", b"just some text, not a PDF")
    kept = ErrorInfo.of(info.value)
    assert kept.message("en") == info.value.message("en")
    assert kept.message("es") == info.value.message("es") != kept.message("en")

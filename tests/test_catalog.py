"""The model catalog: each provider's own listing merged with the overlay, its failures, and retired ids."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pydantic import SecretStr

from chat import catalog, errors
from chat.catalog import live
from chat.schema import ChatRequest, FilePart, Message
from chat.service import Caller, send
from tests.fakes import FakeUpstream
from tests.fakes.models import FakeModel

KEY = SecretStr("test-key")
CALLER = Caller(session="s", ip="127.0.0.1")


@pytest.fixture(autouse=True)
def fresh_listings() -> None:
    catalog.CACHE.drop()


def ids(offer: catalog.Offer) -> list[str]:
    return [m.id for m in offer.models]


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def ask(model: str, *parts: FilePart, text: str = "hi") -> list[str]:
    reply = send(ChatRequest(messages=[Message.of("user", text, *parts)], model=model), caller=CALLER)
    return [d.text for d in reply if not d.reasoning]


def test_groq_offer_is_its_listing_merged_with_the_overlay(upstream: FakeUpstream) -> None:
    offer = catalog.offered("groq", KEY)
    assert offer.source == "live" and offer.error is None
    assert ids(offer) == ["openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3.8-27b"]  # no whisper, TTS, guards
    qwen = offer.models[2]
    assert qwen.context_length == 131_042  # the listing's own figure wins over the overlay's
    assert qwen.vision and qwen.reasoning is not None and qwen.max_output == 16_384
    assert len(upstream.model_requests("groq")) == 1


def test_mistral_offer_skips_non_chat_cards_aliases_and_announced_retirements(upstream: FakeUpstream) -> None:
    offer = catalog.offered("mistral", KEY)
    assert ids(offer) == [
        "mistral-small-latest",
        "mistral-medium-latest",
        "mistral-large-latest",
        "ministral-14b-latest",
        "codestral-latest",
    ]
    # the card announcing its own retirement is not offered, and its id answers through the named replacement
    moved = catalog.retirement("mistral-small-2506")
    assert moved is not None and moved.successor == "mistral-small-latest" and moved.date == "2026-09-30"


def test_a_listed_model_the_overlay_does_not_know_is_offered_with_conservative_limits(upstream: FakeUpstream) -> None:
    upstream.models.add("groq", FakeModel("acme/chat-9b", context=65_536, max_output=65_536, owner="Acme"))
    offer = catalog.offered("groq", KEY)
    spec = next(m for m in offer.models if m.id == "acme/chat-9b")
    assert not spec.verified and not spec.vision and not spec.tools and spec.reasoning is None
    assert spec.context_length == 65_536 and spec.max_output == live.UNVERIFIED_OUTPUT
    assert spec.tpm == live.UNVERIFIED_GROQ_TPM
    assert ask("acme/chat-9b") == ["Echo: ", "hi"]  # usable
    assert upstream.chat_requests()[0].model == "acme/chat-9b"


def test_an_overlay_model_the_provider_stopped_listing_is_not_offered(upstream: FakeUpstream) -> None:
    upstream.models.retire("groq", "openai/gpt-oss-120b")
    assert "openai/gpt-oss-120b" not in ids(catalog.offered("groq", KEY))


def test_without_a_key_the_overlay_alone(upstream: FakeUpstream) -> None:
    offer = catalog.offered("groq", None)
    assert offer.source == "overlay" and offer.error is None
    assert ids(offer) == ["openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3.8-27b"]
    assert upstream.model_requests() == []


@pytest.mark.parametrize("vendor", ["groq", "mistral"])
def test_a_failed_listing_falls_back_to_the_overlay_and_says_why(upstream: FakeUpstream, vendor: str) -> None:
    offer = catalog.offered(vendor, SecretStr("bad-key"))  # type: ignore[arg-type]
    assert offer.source == "overlay" and isinstance(offer.error, errors.AuthError)
    assert ids(offer) == [m.id for m in catalog.overlay_of(vendor)]  # type: ignore[arg-type]
    assert "bad-key" not in offer.error.message("en")


def test_listing_timeout_and_empty_list(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "LISTING_TIMEOUT", 0.3)
    upstream.listing_delay = 2.0
    timed_out = catalog.offered("groq", KEY)
    assert isinstance(timed_out.error, errors.UpstreamTimeout) and timed_out.source == "overlay"
    upstream.listing_delay = 0.0
    upstream.models.listing_override["mistral"] = {"object": "list", "data": []}
    empty = catalog.offered("mistral", KEY)
    assert isinstance(empty.error, errors.EmptyListing)
    assert "listed no chat models" in empty.error.message("en") and "Charla" in empty.error.message("es")
    assert ids(empty) == [m.id for m in catalog.overlay_of("mistral")]


def test_a_failed_listing_is_read_again_after_a_minute_a_good_one_after_an_hour(upstream: FakeUpstream) -> None:
    now = [1000.0]
    cache = live.ListingCache(clock=lambda: now[0])
    upstream.listing_status["groq"] = 500
    assert cache.get("groq", KEY).error is not None
    now[0] += live.FAILED_TTL - 1
    cache.get("groq", KEY)
    assert len(upstream.model_requests("groq")) == 1  # kept
    del upstream.listing_status["groq"]
    now[0] += 2
    assert cache.get("groq", KEY).error is None
    now[0] += live.TTL - 1
    cache.get("groq", KEY)
    assert len(upstream.model_requests("groq")) == 2
    now[0] += 2
    cache.get("groq", KEY)
    assert len(upstream.model_requests("groq")) == 3
    cache.get("groq", KEY, refresh=True)  # the settings' Refresh
    assert len(upstream.model_requests("groq")) == 4


def test_listings_are_kept_per_key(upstream: FakeUpstream) -> None:
    catalog.offered("groq", KEY)
    catalog.offered("groq", SecretStr("another-key"))
    catalog.offered("groq", KEY)
    assert [r.headers["authorization"] for r in upstream.model_requests("groq")] == [
        "Bearer test-key",
        "Bearer another-key",
    ]


# --- retired models keep working -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("llama-3.1-8b-instant", "openai/gpt-oss-20b"),
        ("llama-3.3-70b-versatile", "openai/gpt-oss-120b"),
        ("qwen/qwen3.6-27b", "qwen/qwen3.8-27b"),
        ("groq/compound", "openai/gpt-oss-120b"),
        ("magistral-medium-latest", "mistral-medium-latest"),
    ],
)
def test_a_retired_id_is_answered_by_its_successor(upstream: FakeUpstream, asked: str, answered: str) -> None:
    reply = send(ChatRequest(messages=[Message.of("user", "hi")], model=asked), caller=CALLER)
    list(reply)
    assert reply.model == answered and reply.asked == asked and reply.retirement is not None
    assert upstream.chat_requests()[0].model == answered


@pytest.mark.parametrize(
    ("asked", "answered", "vendor"),
    [
        ("meta-llama/llama-4-scout-17b-16e-instruct", "qwen/qwen3.8-27b", "groq"),
        ("pixtral-12b-2409", "ministral-14b-latest", "mistral"),
    ],
)
def test_a_retired_vision_model_maps_to_a_vision_model_and_the_image_goes_through(
    upstream: FakeUpstream, asked: str, answered: str, vendor: str
) -> None:
    ask(asked, FilePart(data=png(), media_type="image/png", name="leaf.png"), text="what colour?")
    [sent] = upstream.chat_requests(vendor)
    assert sent.model == answered
    assert [p["type"] for p in sent.messages[0]["content"]] == ["text", "image_url"]


def test_every_retirement_names_a_current_successor_with_what_the_old_model_could_do() -> None:
    for moved in catalog.RETIRED.values():
        successor = catalog.OVERLAY.get(moved.successor)
        assert successor is not None, moved
        assert successor.provider == moved.provider
        assert moved.date[:2] == "20" and moved.source.startswith("https://")
    for old in ("meta-llama/llama-4-scout-17b-16e-instruct", "pixtral-12b-2409", "qwen/qwen3.6-27b"):
        assert catalog.OVERLAY[catalog.RETIRED[old].successor].vision


def test_no_retired_id_is_in_the_overlay() -> None:
    assert not set(catalog.RETIRED) & set(catalog.OVERLAY)


def test_a_model_retired_while_the_server_runs_is_its_own_error(upstream: FakeUpstream) -> None:
    catalog.offered("groq", KEY)
    upstream.models.retire("groq", "openai/gpt-oss-120b")
    with pytest.raises(errors.ModelUnavailable) as info:
        ask("openai/gpt-oss-120b")
    err = info.value
    assert err.status == 400 and err.successor == "openai/gpt-oss-20b"
    assert "openai/gpt-oss-120b" in err.message("en") and "Switch to openai/gpt-oss-20b" in err.message("en")
    assert "Cambia a openai/gpt-oss-20b" in err.message("es")
    assert "openai/gpt-oss-120b" not in ids(catalog.offered("groq", KEY))  # the listing was read again
    assert len(upstream.model_requests("groq")) == 2


def test_mistral_invalid_model_is_the_same_error(upstream: FakeUpstream) -> None:
    upstream.models.retire("mistral", "codestral-latest")
    with pytest.raises(errors.ModelUnavailable) as info:
        ask("codestral-latest")
    assert info.value.successor == "mistral-small-latest"


def test_an_id_no_provider_serves_is_refused_before_sending(upstream: FakeUpstream) -> None:
    with pytest.raises(errors.UnknownModel):
        ask("gpt-4o")
    assert upstream.chat_requests() == []


def test_the_default_follows_the_keys() -> None:
    assert catalog.default_model(["groq", "mistral"]) == "openai/gpt-oss-20b"
    assert catalog.default_model(["mistral"]) == "mistral-small-latest"
    assert catalog.default_model([]) == "openai/gpt-oss-20b"

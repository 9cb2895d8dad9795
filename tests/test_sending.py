"""Attachments through the pipeline: what exactly reaches Groq and Mistral, and what never does."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from chat import errors
from chat.schema import ChatRequest, FilePart, ImagePart, Message, TextPart
from chat.service import Caller, send
from tests.fakes import FakeUpstream

VISION = {"groq": "qwen/qwen3.8-27b", "mistral": "mistral-small-latest"}
CALLER = Caller(session="s", ip="127.0.0.1")


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def run(model: str, *messages: Message) -> str:
    reply = send(ChatRequest(messages=list(messages), model=model), caller=CALLER)
    return "".join(d.text for d in reply)


@pytest.mark.parametrize("vendor", ["groq", "mistral"])
def test_image_reaches_each_vendor_in_its_own_wire_shape(upstream: FakeUpstream, vendor: str) -> None:
    message = Message.of("user", "What colour is this?", FilePart(data=png(), media_type="image/png", name="red.png"))
    run(VISION[vendor], message)
    [sent] = upstream.chat_requests(vendor)
    content = sent.body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What colour is this?"}
    image = content[1]
    assert image["type"] == "image_url"
    url = image["image_url"]["url"] if vendor == "groq" else image["image_url"]
    assert isinstance(url, str) and url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert decoded.size == (64, 48) and decoded.getpixel((10, 10))[:3] == (200, 30, 30)
    if vendor == "groq":
        assert image == {"type": "image_url", "image_url": {"url": url}}
    else:
        assert image == {"type": "image_url", "image_url": url}


def test_https_image_url_is_passed_on_never_fetched(upstream: FakeUpstream) -> None:
    url = "https://example.com/part.jpg"
    run(VISION["groq"], Message.of("user", "Identify this part", ImagePart(url=url)))
    content = upstream.chat_requests()[0].body["messages"][0]["content"]
    assert content[1] == {"type": "image_url", "image_url": {"url": url}}


def test_model_without_vision_never_receives_an_image(upstream: FakeUpstream) -> None:
    message = Message.of("user", "look", FilePart(data=png(), media_type="image/png", name="red.png"))
    with pytest.raises(errors.VisionRequired) as info:
        run("openai/gpt-oss-20b", message)
    text = info.value.message("en")
    assert "cannot see images" in text and "Qwen3.8 27B" in text
    assert upstream.chat_requests() == []


def test_older_images_are_left_out_for_a_text_model_with_a_note(upstream: FakeUpstream) -> None:
    history = [
        Message.of("user", "here is a photo", ImagePart(data=png(), mime_type="image/png", name="cat.png")),
        Message.of("assistant", "A red square."),
        Message.of("user", "and now just text"),
    ]
    run("openai/gpt-oss-120b", *history)
    sent = upstream.chat_requests()[0].body["messages"]
    assert "image_url" not in str(sent)
    assert sent[0]["content"] == "here is a photo\n\n[image omitted: GPT-OSS 120B cannot see images]"


def test_text_file_becomes_fenced_text_with_its_name(upstream: FakeUpstream) -> None:
    data = b"name,qty\nbolt,4\n"
    run("mistral-large-latest", Message.of("user", "sum it", FilePart(data=data, media_type="text/csv", name="q.csv")))
    content = upstream.chat_requests()[0].body["messages"][0]["content"]
    assert isinstance(content, str) and content.startswith("sum it\n\n")
    assert "q.csv" in content and "name,qty\nbolt,4" in content


def test_too_many_images_for_groq_are_refused_before_sending(upstream: FakeUpstream) -> None:
    images = [ImagePart(data=png(colour=(i, i, i)), mime_type="image/png", name=f"{i}.png") for i in range(6)]
    with pytest.raises(errors.AttachmentError) as info:
        run(VISION["groq"], Message(role="user", parts=[TextPart(text="compare"), *images]))
    assert "takes at most 3" in info.value.message("en")
    assert upstream.chat_requests() == []


def test_groq_request_stays_under_its_base64_cap(upstream: FakeUpstream) -> None:
    noisy = Image.effect_noise((2000, 2000), 90).convert("RGB")
    buf = io.BytesIO()
    noisy.save(buf, "PNG")  # noise defeats compression: several MB each
    images = [ImagePart(data=buf.getvalue(), mime_type="image/png", name=f"noise{i}.png") for i in range(3)]
    run(VISION["groq"], Message(role="user", parts=[TextPart(text="which is noisier?"), *images]))
    content = upstream.chat_requests()[0].body["messages"][0]["content"]
    total = sum(len(p["image_url"]["url"].split(",", 1)[1]) for p in content if p["type"] == "image_url")
    assert len([p for p in content if p["type"] == "image_url"]) == 3
    assert total <= 4 * 1024 * 1024


def test_groq_receives_exactly_what_the_sdks_create_would_send(upstream: FakeUpstream) -> None:
    """Charla posts the chat body through the Groq client as it is; the SDK's `create` would first walk it against
    its types. Same request either way: body, path and the SDK's own headers."""
    from groq import Groq
    from pydantic import SecretStr

    from chat.providers import get_provider

    wire: list[dict[str, Any]] = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "what is this?"}, *_image_part()]},
        {"role": "assistant", "content": "", "tool_calls": [_CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "ok"}'},
    ]
    params = {"temperature": 0.4, "max_completion_tokens": 64, "reasoning_effort": "low", "tools": [_TOOL]}
    provider = get_provider("groq", SecretStr("test-key"), base_url=upstream.url)
    provider.open(wire, model="openai/gpt-oss-20b", params=params, timeout=5).close()
    client = Groq(api_key="test-key", base_url=upstream.url, max_retries=0)
    sdk = client.chat.completions.create(
        model="openai/gpt-oss-20b",
        messages=wire,  # type: ignore[arg-type]
        stream=True,
        extra_body={"stream_options": {"include_usage": True}},
        **params,  # type: ignore[arg-type]
    )
    sdk.close()
    ours, theirs = upstream.chat_requests("groq")
    assert (ours.path, ours.body) == (theirs.path, theirs.body)
    same = ("authorization", "content-type", "accept", "user-agent", "x-stainless-lang", "x-stainless-package-version")
    assert {h: ours.headers.get(h) for h in same} == {h: theirs.headers.get(h) for h in same}


def test_mistral_receives_exactly_what_the_sdk_sends_from_plain_dicts(
    upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Charla hands mistralai the messages and tools as the SDK's own models (validated once per request) instead of
    plain dicts, and lets the SDK reuse the model classes it builds per argument (`ReusedModelClasses`). Same
    request as the SDK sends on its own, with its own `create_model`."""
    from mistralai.client import Mistral
    from mistralai.client.utils import serializers
    from pydantic import SecretStr

    from chat.providers import get_provider
    from chat.providers.mistral import ReusedModelClasses

    url = _image_part()[0]["image_url"]["url"]
    wire: list[dict[str, Any]] = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": url}],
        },
        {"role": "assistant", "content": "", "tool_calls": [{**_CALL, "id": "abcDEF123"}]},
        {"role": "tool", "tool_call_id": "abcDEF123", "name": "lookup", "content": '{"status": "ok"}'},
        {"role": "user", "content": "and now?"},
    ]
    params = {"temperature": 0.4, "max_tokens": 64, "reasoning_effort": "high", "tools": [_TOOL], "tool_choice": "auto"}
    provider = get_provider("mistral", SecretStr("test-key"), base_url=upstream.url)
    provider.open(wire, model="mistral-medium-latest", params=params, timeout=5).close()
    reused = vars(serializers)["create_model"]
    assert isinstance(reused, ReusedModelClasses)
    monkeypatch.setitem(vars(serializers), "create_model", reused.__wrapped__)
    client = Mistral(api_key="test-key", server_url=upstream.url)
    client.chat.stream(model="mistral-medium-latest", messages=wire, **params).response.close()  # type: ignore[arg-type]
    ours, theirs = upstream.chat_requests("mistral")
    assert (ours.path, ours.body) == (theirs.path, theirs.body)
    assert ours.body["messages"][1]["content"][1] == {"type": "image_url", "image_url": url}
    same = ("authorization", "content-type", "accept", "user-agent")
    assert {h: ours.headers.get(h) for h in same} == {h: theirs.headers.get(h) for h in same}


def test_mistral_sends_reuse_the_sdks_model_classes(upstream: FakeUpstream) -> None:
    """After a first send, further ones (here with tools and a stop sequence, which the SDK wraps in classes of
    their own) build no new model class, and each still reaches the upstream whole."""
    from mistralai.client.utils import serializers
    from pydantic import SecretStr

    from chat.providers import get_provider

    provider = get_provider("mistral", SecretStr("test-key"), base_url=upstream.url)
    params = {"max_tokens": 64, "tools": [_TOOL], "stop": ["END"]}

    def send(text: str) -> None:
        wire = [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}]
        provider.open(wire, model="mistral-medium-latest", params=params, timeout=5).close()

    send("first")
    built = vars(serializers)["create_model"].built
    for n in range(3):
        send(f"again {n}")
    assert vars(serializers)["create_model"].built == built
    sent = upstream.chat_requests("mistral")
    assert [r.body["messages"][1]["content"] for r in sent] == ["first", "again 0", "again 1", "again 2"]
    assert all(r.body["stop"] == ["END"] and r.body["tools"][0]["function"]["name"] == "lookup" for r in sent)


_CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"id": "UMA-001"}'}}
_TOOL = {
    "type": "function",
    "function": {"name": "lookup", "description": "Find an order", "parameters": {"type": "object", "properties": {}}},
}


def _image_part() -> list[dict[str, Any]]:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 200)).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return [{"type": "image_url", "image_url": {"url": url}}]

"""Request bodies of POST /api/chat -> the neutral schema, and seed 004's `details` on failure."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from chat.api.request import parse_request, validation_details
from chat.schema import FilePart, ImagePart, TextPart

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nrest").decode()


@pytest.fixture(autouse=True)
def server_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body that names no model gets the default of a provider the server has a key for."""
    monkeypatch.setenv("GROQ_API_KEY", "gsk_test")


def details(body: Any, lang: str = "en") -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        parse_request(body)
    return validation_details(info.value, body, lang)  # type: ignore[arg-type]


def test_seed_shapes_become_parts() -> None:
    request = parse_request(
        {
            "messages": [
                {
                    "role": "user",
                    "content": {
                        "parts": [
                            {"type": "text", "text": "Identify this"},
                            {"type": "image", "imageUrl": "https://example.com/part.jpg", "mimeType": "image/jpeg"},
                            {"type": "image", "imageUrl": f"data:image/png;base64,{PNG}", "mimeType": "image/png"},
                            {"type": "file", "data": PNG, "mediaType": "image/png"},
                        ]
                    },
                }
            ]
        }
    ).request
    parts = request.messages[0].parts
    assert parts[0] == TextPart(text="Identify this")
    assert isinstance(parts[1], ImagePart) and parts[1].url == "https://example.com/part.jpg" and parts[1].data is None
    assert isinstance(parts[2], ImagePart) and parts[2].data == base64.b64decode(PNG)
    assert isinstance(parts[3], FilePart) and parts[3].media_type == "image/png"
    assert request.model == "llama-3.1-8b-instant"


def test_ai_sdk_messages_with_bookkeeping_parts_and_extra_fields() -> None:
    request = parse_request(
        {
            "id": "chat-1",
            "trigger": "submit-message",
            "messageId": None,
            "messages": [
                {
                    "id": "m1",
                    "role": "user",
                    "parts": [
                        {"type": "step-start"},
                        {"type": "text", "text": "hola"},
                        {
                            "type": "file",
                            "mediaType": "image/png",
                            "filename": "a.png",
                            "url": f"data:image/png;base64,{PNG}",
                        },
                    ],
                },
                {
                    "id": "m2",
                    "role": "assistant",
                    "parts": [{"type": "reasoning", "text": "…"}, {"type": "text", "text": "hi"}],
                },
            ],
        }
    ).request
    assert [m.role for m in request.messages] == ["user", "assistant"]
    assert request.messages[0].text == "hola" and request.messages[1].text == "hi"
    assert isinstance(request.messages[0].parts[1], FilePart) and request.messages[0].parts[1].name == "a.png"


def test_seed_400_details_in_spanish_verbatim() -> None:
    assert details({"messages": []}, "es") == [
        {"code": "too_small", "path": ["messages"], "minimum": 1, "message": "Se requiere al menos un mensaje"}
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"messages": [{"role": "user", "content": "x" * 10_001}]},
            {"code": "too_big", "maximum": 10_000, "path": ["messages", 0, "content"]},
        ),
        (
            {"messages": [{"role": "user", "content": "hi"}] * 101},
            {"code": "too_big", "maximum": 100, "path": ["messages"]},
        ),
        (
            {"messages": [{"role": "robot", "content": "hi"}]},
            {"code": "invalid_enum_value", "path": ["messages", 0, "role"]},
        ),
        ({"messages": [{"role": "user"}]}, {"code": "invalid_type", "path": ["messages", 0, "content"]}),
        (
            {"messages": [{"role": "user", "content": {"parts": [{"type": "video"}]}}]},
            {"code": "invalid_union_discriminator", "path": ["messages", 0, "content", "parts", 0]},
        ),
        (
            {"messages": [{"role": "user", "content": {"parts": [{"type": "image", "imageUrl": "http://x/a.png"}]}}]},
            {"code": "custom", "path": ["messages", 0, "content", "parts", 0]},
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": {"parts": [{"type": "file", "data": "@@", "mediaType": "a/b"}]}}
                ]
            },
            {"code": "custom", "path": ["messages", 0, "content", "parts", 0]},
        ),
        ("not an object", {"code": "invalid_type", "path": []}),
    ],
)
def test_each_failure_has_a_precise_detail(body: Any, expected: dict[str, Any]) -> None:
    [detail] = details(body)
    assert {k: detail[k] for k in expected} == expected
    assert detail["message"] and "{" not in detail["message"]
    assert details(body, "es")[0]["message"] != detail["message"] or detail["code"] == "invalid_type"


def test_a_file_by_url_is_refused_saying_the_server_never_fetches() -> None:
    body = {
        "messages": [
            {
                "role": "user",
                "parts": [{"type": "file", "mediaType": "application/pdf", "url": "https://example.com/a.pdf"}],
            }
        ]
    }
    [detail] = details(body)
    assert "never fetches" in detail["message"] and detail["path"] == ["messages", 0, "parts", 0]

"""The HTTP request shapes of `POST /api/chat` and their conversion to :mod:`chat.schema`.

Accepted (DESIGN.md): seed 004's messages (`content` a string of at most 10,000 characters, or
`{"parts": [...]}` with `text`, `image` {imageUrl, mimeType} and `file` {data (base64), mediaType} parts), and AI
SDK UI messages (`parts` at the message's top level; `file` parts carry a `url`). Unknown top-level fields
(`id`, `trigger`, `messageId`, ...) are ignored. Failures become seed 004's `details` list through
`validation_details()`, in English or Spanish. The server never fetches a URL: an image may be an `https:` URL,
passed on to the provider as it is, or a `data:` URL; a file must carry its bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from chat import config
from chat.api.toolparts import ApiToolCall, is_tool_part, normalized, tool_turn
from chat.catalog import DEFAULT_MODELS
from chat.errors import NoKeyError
from chat.schema import (
    MAX_FILE_BYTES,
    MAX_MESSAGES,
    MAX_TEXT_CHARS,
    ChatRequest,
    FilePart,
    GenerationSettings,
    ImagePart,
    Message,
    Part,
    TextPart,
)
from chat.text import Lang, t

_IGNORED_SDK_PARTS = ("reasoning", "source-url", "source-document")

Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def _custom(key: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(key, t(key, "en", **ctx), ctx or None)


def decode_data_url(url: str) -> tuple[bytes, str]:
    """Bytes and MIME type of a base64 `data:` URL; a custom validation error otherwise."""
    header, sep, payload = url.partition(",")
    if not sep or not header.startswith("data:") or not header.endswith(";base64"):
        raise _custom("val.image_url")
    return decode_base64(payload), header[5:-7] or "application/octet-stream"


def decode_base64(payload: str) -> bytes:
    """Strictly decode base64 (whitespace allowed); a custom validation error otherwise."""
    if len(payload) > MAX_FILE_BYTES * 4 // 3 + 16:
        raise PydanticCustomError("too_big_file", "File is larger than {maximum} bytes", {"maximum": MAX_FILE_BYTES})
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _custom("val.base64") from None


class ApiText(BaseModel):
    type: Literal["text"]
    text: Text


class ApiImage(BaseModel):
    type: Literal["image"]
    imageUrl: str
    mimeType: str | None = None
    _part: ImagePart | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _convert(self) -> ApiImage:
        if self.imageUrl.startswith("data:"):
            data, mime = decode_data_url(self.imageUrl)
            self._part = ImagePart(data=data, mime_type=self.mimeType or mime)
        elif self.imageUrl.startswith("https://"):
            self._part = ImagePart(url=self.imageUrl, mime_type=self.mimeType or "image/jpeg")
        else:
            raise _custom("val.image_url")
        return self

    def to_part(self) -> ImagePart:
        assert self._part is not None
        return self._part


class ApiFile(BaseModel):
    type: Literal["file"]
    mediaType: str = Field(min_length=1)
    data: str | None = None
    url: str | None = None
    filename: str | None = None
    _part: ImagePart | FilePart | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _convert(self) -> ApiFile:
        self._part = self._decode()
        return self

    def to_part(self) -> ImagePart | FilePart:
        assert self._part is not None
        return self._part

    def _decode(self) -> ImagePart | FilePart:
        if self.data is not None:
            data, mime = decode_base64(self.data), self.mediaType
        elif self.url is not None and self.url.startswith("https://") and self.mediaType.startswith("image/"):
            return ImagePart(url=self.url, mime_type=self.mediaType, name=self.filename)
        elif self.url is not None and self.url.startswith("data:"):
            data, mime = decode_data_url(self.url)
            mime = self.mediaType or mime
        else:
            raise _custom("val.file_bytes")
        if len(data) > MAX_FILE_BYTES:
            raise PydanticCustomError(
                "too_big_file", "File is larger than {maximum} bytes", {"maximum": MAX_FILE_BYTES}
            )
        return FilePart(data=data, media_type=mime, name=self.filename)


def _part_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("text", "image", "file") else None


ApiPart = Annotated[
    Annotated[ApiText, Tag("text")] | Annotated[ApiImage, Tag("image")] | Annotated[ApiFile, Tag("file")],
    Discriminator(
        _part_tag,
        custom_error_type="invalid_union_discriminator",
        custom_error_message="Invalid part type. Expected 'text' | 'image' | 'file'",
    ),
]


class ApiParts(BaseModel):
    parts: list[ApiPart] = Field(min_length=1)


def _content_tag(value: Any) -> str:
    return "str-content" if isinstance(value, str) else "parts-content"


ApiContent = Annotated[
    Annotated[Text, Tag("str-content")] | Annotated[ApiParts, Tag("parts-content")],
    Discriminator(_content_tag),
]


class ApiMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["user", "assistant", "system"]
    content: ApiContent | None = None
    parts: list[ApiPart] | None = Field(default=None, min_length=1)
    tools: list[ApiToolCall] = Field(default_factory=list, max_length=MAX_MESSAGES)
    """An assistant's AI SDK tool parts; `split` of `parts` came before them."""
    split: int = 0

    @model_validator(mode="before")
    @classmethod
    def _drop_sdk_bookkeeping(cls, data: Any) -> Any:
        """Parts that carry nothing (`step-start`, empty text) go; so do the AI SDK's own bookkeeping parts, which
        Charla does not send on, but a message of those alone is kept as an empty turn, not refused."""
        if isinstance(data, dict) and isinstance(data.get("parts"), list):
            carrying = [p for p in data["parts"] if not _carries_nothing(p)]
            tools = [normalized(p) for p in carrying if is_tool_part(p)]
            first = next((i for i, p in enumerate(carrying) if is_tool_part(p)), len(carrying))
            kept = [p for p in carrying if not _is_bookkeeping(p) and not is_tool_part(p)]
            split = sum(1 for p in carrying[:first] if not _is_bookkeeping(p) and not is_tool_part(p))
            data = {**data, "parts": kept if kept or not carrying else None, "tools": tools, "split": split}
            if not kept and carrying:
                data["content"] = ""  # bookkeeping or tool parts alone: an empty turn (or the tools), not refused
        return data

    @model_validator(mode="after")
    def _has_content(self) -> ApiMessage:
        if self.content is None and self.parts is None:
            raise PydanticCustomError("missing", "Field required", {"field": "content"})
        return self

    def to_messages(self) -> list[Message]:
        """The message in the pipeline's shape (an assistant's tool parts become its calls and their results)."""
        api_parts: Sequence[ApiText | ApiImage | ApiFile]
        if isinstance(self.content, str) and not self.tools:
            return [Message.of(self.role, self.content)]
        api_parts = self.content.parts if isinstance(self.content, ApiParts) else (self.parts or [])
        parts: list[Part] = [TextPart(text=p.text) if isinstance(p, ApiText) else p.to_part() for p in api_parts]
        if self.role != "assistant" or not self.tools:
            return [Message(role=self.role, parts=parts)]
        texts = [p for p in parts if isinstance(p, TextPart)]
        return tool_turn(texts[: self.split], self.tools, texts[self.split :])


def _carries_nothing(part: Any) -> bool:
    kind = part.get("type") if isinstance(part, dict) else None
    empty_text = kind == "text" and isinstance(part.get("text"), str) and not part["text"].strip()
    return kind == "step-start" or empty_text


def _is_bookkeeping(part: Any) -> bool:
    kind = part.get("type") if isinstance(part, dict) else None
    return isinstance(kind, str) and (kind in _IGNORED_SDK_PARTS or kind.startswith("data-"))


def default_api_model() -> str:
    """The model a request that names none gets: seed 004's (answered by its successor) when the server has a
    Groq key, else Mistral's default; NoKeyError (naming both keys) when the server has neither."""
    keys = config.keys_in_use()
    if not keys:
        raise NoKeyError()
    return config.SEED_MODEL if "groq" in keys else DEFAULT_MODELS["mistral"]


class ApiRequest(BaseModel):
    """The body of `POST /api/chat`."""

    model_config = ConfigDict(extra="ignore")
    messages: list[ApiMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    model: str | None = None
    temperature: float | None = None
    maxOutputTokens: int | None = Field(default=None, ge=1)
    system: Text | None = None
    reasoningEffort: str | None = None
    sendReasoning: bool = False
    """Stream the model's thinking as `reasoning-*` parts (the AI SDK's name; off by default, as in seed 004)."""


@dataclass(frozen=True)
class Parsed:
    """A validated body: the pipeline's request, and how the reply is to be streamed."""

    request: ChatRequest
    send_reasoning: bool = False


def parse_request(data: Any) -> Parsed:
    """Validate a decoded JSON body and convert it; raises pydantic's ValidationError on bad input."""
    api = ApiRequest.model_validate(data)
    messages = [m for api_message in api.messages for m in api_message.to_messages()]
    settings = GenerationSettings(
        temperature=api.temperature,
        max_tokens=api.maxOutputTokens,
        system_prompt=api.system,
        reasoning_effort=api.reasoningEffort,
    )
    request = ChatRequest(messages=messages, model=api.model or default_api_model(), settings=settings)
    return Parsed(request, api.sendReasoning)


# ---------------------------------------------------------------------------------------------------------------
# ValidationError -> seed 004's details


def clean_path(loc: Sequence[int | str], data: Any, missing: bool = False) -> list[int | str]:
    """Keep only the path segments that index into the input (drops pydantic's union and tag labels).

    With `missing`, a last segment naming an absent field is kept.
    """
    path: list[int | str] = []
    node = data
    for i, seg in enumerate(loc):
        if isinstance(node, dict) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        elif missing and i == len(loc) - 1 and isinstance(node, dict) and isinstance(seg, str) and seg.isidentifier():
            pass  # a missing field: name it
        else:
            continue
        path.append(seg)
    return path


Described = tuple[str, dict[str, Any], str, dict[str, Any]]
"""(zod code, its minimum/maximum, sentence key, sentence parameters)."""
BOUNDS = ("greater_than_equal", "greater_than", "less_than_equal", "less_than")


def _sized(kind: str, ctx: dict[str, Any], path: list[int | str]) -> Described:
    """A list or string that is too short or too long (or a file that is too big)."""
    messages = path == ["messages"]
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return (
            "too_small",
            {"minimum": minimum},
            "val.messages_min" if messages else "val.too_small",
            {"minimum": minimum},
        )
    maximum = ctx.get("max_length", ctx.get("maximum"))
    keys = {"too_long": "val.messages_max" if messages else "val.too_big", "string_too_long": "val.text_max"}
    return "too_big", {"maximum": maximum}, keys.get(kind, "val.too_big"), {"maximum": maximum}


def _bounded(kind: str, ctx: dict[str, Any]) -> Described:
    """A number below its minimum or above its maximum."""
    if kind.startswith("greater"):
        bound = ctx.get("ge", ctx.get("gt"))
        return "too_small", {"minimum": bound}, "val.too_small", {"minimum": bound}
    bound = ctx.get("le", ctx.get("lt"))
    return "too_big", {"maximum": bound}, "val.too_big", {"maximum": bound}


def _typed(kind: str, ctx: dict[str, Any], err: Any) -> Described:
    """A missing field, a value of the wrong type or outside its choices, a custom check, anything else."""
    if kind == "missing":
        return "invalid_type", {}, "val.required", {}
    if kind == "literal_error":
        options = str(ctx.get("expected", "")).replace(" or ", ", ")
        return "invalid_enum_value", {}, "val.invalid_enum", {"options": options}
    if kind == "invalid_union_discriminator" or kind.startswith("union_tag"):
        return "invalid_union_discriminator", {}, "val.invalid_enum", {"options": "'text' | 'image' | 'file'"}
    if kind.startswith("val."):
        return "custom", {}, kind, ctx
    if kind.endswith(("_type", "_parsing")):
        expected = kind.removesuffix("_type").removesuffix("_parsing")
        return (
            "invalid_type",
            {},
            "val.invalid_type",
            {"expected": {"model": "object", "dict": "object"}.get(expected, expected)},
        )
    return "custom", {}, "val.invalid", {"reason": err.get("msg", kind)}


def _detail(err: Any, data: Any, lang: Lang) -> dict[str, Any]:
    kind, ctx = err["type"], err.get("ctx") or {}
    path = clean_path(err["loc"], data, missing=kind == "missing")
    if "field" in ctx:
        path = [*path, ctx["field"]]
    if kind in ("too_short", "too_long", "string_too_long", "too_big_file"):
        code, bounds, key, params = _sized(kind, ctx, path)
    elif kind in BOUNDS:
        code, bounds, key, params = _bounded(kind, ctx)
    else:
        code, bounds, key, params = _typed(kind, ctx, err)
    return {"code": code, **bounds, "path": path, "message": t(key, lang, **params)}


def validation_details(exc: ValidationError, data: Any, lang: Lang = "en") -> list[dict[str, Any]]:
    """Seed 004's `details`: code, minimum/maximum where they apply, path and message (in `lang`)."""
    return [_detail(err, data, lang) for err in exc.errors(include_url=False)]

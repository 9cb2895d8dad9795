"""The neutral message model every part of Charla speaks (pydantic v2).

A message is a role and a list of parts: text, image (an https:/data: URL or bytes + MIME type) or file (bytes +
media type, turned into text or image parts by :mod:`chat.attachments` before anything is sent). Vendors map
from this shape in their own modules; the HTTP request shapes of seed 004 and the AI SDK live in
:mod:`chat.api.request`.
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["user", "assistant", "system"]
"""Who speaks a message the store keeps."""
TurnRole = Literal["user", "assistant", "system", "tool"]
"""Who speaks a message sent upstream: also `tool`, a tool's result after the assistant's call."""

MAX_TEXT_CHARS = 10_000
"""Longest text a client may type into one message (seed 004's 10 KB)."""
MAX_MESSAGES = 100
MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest single attachment, decoded."""


class TextPart(BaseModel):
    """Plain text. `source` names the attachment it was derived from, if any."""

    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    text: str
    source: str | None = None


class ImagePart(BaseModel):
    """An image: either `url` (https: or data:) or `data` bytes with `mime_type`."""

    model_config = ConfigDict(frozen=True)
    type: Literal["image"] = "image"
    url: str | None = None
    data: bytes | None = None
    mime_type: str = "image/jpeg"
    name: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def data_url(self) -> str:
        """The image as a URL a provider accepts (a `data:` URL for bytes)."""
        if self.data is not None:
            return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode('ascii')}"
        return self.url or ""

    @property
    def size(self) -> int:
        """Bytes of image data (0 for a remote URL)."""
        if self.data is not None:
            return len(self.data)
        if self.url and self.url.startswith("data:"):
            return len(self.url.partition(",")[2]) * 3 // 4
        return 0


class FilePart(BaseModel):
    """Raw file bytes, not yet converted."""

    model_config = ConfigDict(frozen=True)
    type: Literal["file"] = "file"
    data: bytes
    media_type: str = "application/octet-stream"
    name: str | None = None


class ToolCallPart(BaseModel):
    """The assistant asking for a tool: its call id, the function name and the arguments (a JSON string)."""

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: str = "{}"


class ToolResultPart(BaseModel):
    """What a tool gave back for one call (untrusted text, capped)."""

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    content: str


Part = Annotated[TextPart | ImagePart | FilePart | ToolCallPart | ToolResultPart, Field(discriminator="type")]


class Message(BaseModel):
    """One turn of the conversation."""

    model_config = ConfigDict(frozen=True)
    role: TurnRole
    parts: list[Part] = Field(default_factory=list)

    @classmethod
    def of(cls, role: Role, text: str, *extra: TextPart | ImagePart | FilePart) -> Message:
        """A message from plain text plus optional extra parts."""
        parts: list[TextPart | ImagePart | FilePart] = [TextPart(text=text)] if text else []
        return cls(role=role, parts=[*parts, *extra])

    @property
    def text(self) -> str:
        """All text parts joined, attachments' derived text included."""
        return "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def images(self) -> list[ImagePart]:
        """The image parts."""
        return [p for p in self.parts if isinstance(p, ImagePart)]

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tools the assistant asked for in this message."""
        return [p for p in self.parts if isinstance(p, ToolCallPart)]

    @property
    def files(self) -> list[FilePart]:
        """The file parts not yet converted."""
        return [p for p in self.parts if isinstance(p, FilePart)]


class GenerationSettings(BaseModel):
    """What the user may tune; `None` means the model's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    temperature: float | None = None
    max_tokens: int | None = None
    system_prompt: str | None = None
    reasoning_effort: str | None = None
    """How hard a reasoning model thinks (one of the model's efforts); None: Charla's default for the model."""


class ChatRequest(BaseModel):
    """A request to the pipeline: the conversation so far (newest last), the model and the settings."""

    model_config = ConfigDict(frozen=True)
    messages: list[Message] = Field(min_length=1)
    model: str
    settings: GenerationSettings = GenerationSettings()
    ids: tuple[str, ...] = ()
    """The caller's ids of `messages` (the page's), so the window names what it kept; positions when empty."""

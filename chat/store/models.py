"""The values the store hands out: a conversation, its summary in the history list, a stored message.

They are frozen pydantic models, so pages and the API can pass them around and never write back by accident;
changes go through :class:`chat.store.Store`.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chat.schema import GenerationSettings, Message, Role, TextPart

ReplyStatus = Literal["streaming", "finished", "stopped", "cut", "failed"]
"""`streaming` while a reply is being written; the other four are final."""
FINAL_STATUSES: frozenset[str] = frozenset({"finished", "stopped", "cut", "failed"})
MessageStatus = Literal["streaming", "finished", "stopped", "cut", "failed", "blocked"]
"""A stored message's status: a reply's, or `blocked` for a user's draft the model could not take yet (m005)."""
DRAFT_IMAGES_MAX_BYTES = 5 * 1024 * 1024
"""Most image bytes (decoded) a blocked draft keeps so that "Switch to a vision model and send" still works."""

INTERRUPTED = "Interrupted: the app stopped while this reply was streaming. The text that arrived is kept."
"""The `error` note of a reply a dead process left `streaming` (its status becomes `stopped`)."""

DEFAULT_TITLE = "New chat"
TITLE_CHARS = 60
THUMBNAIL_MAX_BYTES = 64 * 1024
"""Largest thumbnail kept with a message (decoded bytes); larger ones are dropped, never the message."""
THUMBNAIL_MAX_PX = 256

SECRET_FIELD = re.compile(r"api[_-]?key|secret|password|passwd|authorization|bearer", re.IGNORECASE)
"""Field names that must never be stored or exported."""


class AttachmentMeta(BaseModel):
    """What the store keeps of an attachment: its description, derived text and a small thumbnail.

    Never the file itself: images keep at most a ≤256 px JPEG/PNG thumbnail (≤64 KB, base64 in
    `thumbnail`); PDFs and text files keep the text derived from them in `text`. Extra JSON fields are kept,
    except ones named like a secret (`api_key`, `password`, …), which are dropped.
    """

    model_config = ConfigDict(frozen=True, extra="allow")
    name: str = Field(max_length=500)
    kind: str = Field(default="file", max_length=40, description="image, pdf, text, file")
    mime: str | None = Field(default=None, max_length=200)
    pages: int | None = Field(default=None, ge=0)
    chars: int | None = Field(default=None, ge=0)
    notes: list[str] = Field(default_factory=list)
    text: str | None = None
    """Text derived from the file (a PDF's pages, a text file), as the model saw it."""
    thumbnail: str | None = None
    """Base64 of a small JPEG/PNG preview (images only)."""
    thumbnail_mime: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_secret_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not SECRET_FIELD.search(str(k))}
        return data

    @field_validator("thumbnail")
    @classmethod
    def _small_thumbnail(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        return value if len(raw) <= THUMBNAIL_MAX_BYTES else None

    @classmethod
    def clean(cls, meta: dict[str, Any]) -> AttachmentMeta:
        """Validate one attachment description (secret-like fields dropped, oversized thumbnail dropped)."""
        return cls.model_validate(meta)

    @property
    def thumbnail_bytes(self) -> bytes | None:
        """The decoded thumbnail, for `st.image`."""
        return base64.b64decode(self.thumbnail) if self.thumbnail else None


class Conversation(BaseModel):
    """One conversation. `owner` is `owner_id(secret)` (a sha256 hex) or None in development."""

    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    model: str
    settings: dict[str, Any]
    owner: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def generation_settings(self) -> GenerationSettings:
        """The settings as the pipeline takes them (fields this version does not know are ignored)."""
        known = GenerationSettings.model_fields
        return GenerationSettings(**{k: v for k, v in self.settings.items() if k in known})


class ConversationSummary(BaseModel):
    """A row of the history list."""

    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    model: str
    created_at: datetime
    updated_at: datetime
    message_count: int


class MessageRecord(BaseModel):
    """One message as it is kept and carried: a store's row, an export's message, what an import or a copy writes.

    The page's `chat.messages.ChatMessage` maps to and from it in one place (`chat.records`). In an export the
    attachments are written as `attachments`; a version 1 export's `usage` object is read too.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    role: Role
    text: str
    parts: list[AttachmentMeta] = Field(default_factory=list, alias="attachments")
    status: MessageStatus = "finished"
    error: str | None = None
    """The error as an English sentence (what exports and old versions show)."""
    model: str | None = None
    provider: str | None = None
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    ttft: float | None = Field(default=None, ge=0)
    """Seconds from the request to the first token."""
    duration: float | None = Field(default=None, ge=0)
    """Seconds from the request to the end of the reply."""
    feedback: Literal[1, -1] | None = None
    created_at: datetime | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    """`error` ({key, params, kind, ...}: the error's sentence key, re-rendered in the reader's language), `via` (the
    caption of a reply another provider gave), a reply's `reasoning`, `draft` (a blocked draft's data). No secret."""

    @model_validator(mode="before")
    @classmethod
    def _version_1_usage(cls, data: Any) -> Any:
        if isinstance(data, dict) and "usage" in data:
            usage = data["usage"]
            data = {k: v for k, v in data.items() if k != "usage"}
            if isinstance(usage, dict):
                data |= {
                    "prompt_tokens": usage.get("prompt_tokens"),
                    "completion_tokens": usage.get("completion_tokens"),
                }
        return data

    @property
    def usage(self) -> tuple[int, int] | None:
        """(prompt tokens, completion tokens), when the provider reported them."""
        if self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return (self.prompt_tokens, self.completion_tokens)


class StoredMessage(MessageRecord):
    """One message a store holds: the record, where it is, and when it was written."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    id: int
    conversation_id: str
    seq: int
    created_at: datetime

    @property
    def interrupted(self) -> bool:
        """True for a reply whose process died while it streamed (shown as stopped, with a note)."""
        return self.status == "stopped" and self.error == INTERRUPTED

    def record(self) -> MessageRecord:
        """The message without its place in the store: what an export carries and an import or a copy writes.
        A reply still `streaming` (its writer is gone) goes as stopped and Interrupted."""
        moving = self.status == "streaming"
        fields = {k: getattr(self, k) for k in MessageRecord.model_fields}
        return MessageRecord(**fields | {"status": "stopped", "error": INTERRUPTED} if moving else fields)

    def to_message(self) -> Message:
        """The message as the pipeline takes it: the typed text plus each attachment's derived text.

        Images are not sent again: the store keeps only thumbnails.
        """
        parts: list[TextPart] = [TextPart(text=self.text)] if self.text else []
        parts += [TextPart(text=p.text, source=p.name) for p in self.parts if p.text]
        return Message(role=self.role, parts=list(parts))


def default_title(text: str, parts: list[AttachmentMeta]) -> str:
    """A title from the first user message: its first ~60 characters, cut at a word; else attachment names."""
    flat = " ".join(text.split())
    if not flat:
        flat = ", ".join(p.name for p in parts)
    if not flat:
        return DEFAULT_TITLE
    if len(flat) <= TITLE_CHARS:
        return flat
    cut = flat[:TITLE_CHARS].rsplit(" ", 1)[0] if " " in flat[:TITLE_CHARS] else flat[:TITLE_CHARS]
    return cut.rstrip(" ,.;:") + "…"

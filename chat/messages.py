"""The chat's message record: what the page shows, the store keeps and an export carries (no Streamlit here).

`ChatMessage` is one user message or reply with everything a person sees of it: text, attachments (their chips,
and in memory the parts they became), how it ended, its error, usage and timing, the model that answered, a
reasoning model's thinking. `ErrorInfo` keeps an error as its sentence key and parameters, so it is said again in
whatever language the page is in, and never holds a key.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from chat.errors import ChatError, ProviderError, UpstreamRateLimited, UpstreamUnavailable
from chat.schema import ImagePart, Message, Part, TextPart
from chat.text import Lang, Sentence, t, text_in
from chat.tools.steps import ToolStep, step_messages

Status = Literal["sent", "blocked", "failed", "streaming", "finished", "stopped", "cut"]
"""A user message is `sent`, `blocked` (an attachment does not fit) or `failed` (an error before any text);
a reply is `streaming`, then `finished`, `stopped`, `cut` or `failed` (an error after some text)."""
FINAL: frozenset[str] = frozenset({"finished", "stopped", "cut", "failed"})


def new_id() -> str:
    """A short unique id for a message (also the key of its widgets)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ErrorInfo:
    """An error as the page keeps it: its sentence key and parameters, never the exception (or a key)."""

    key: str
    params: dict[str, Any]
    kind: str
    retry_after: int | None = None
    provider: str | None = None
    fallback_ok: bool = False
    """True for an upstream 429 or 5xx, where the same turn may go to the other provider."""

    @classmethod
    def of(cls, error: ChatError) -> ErrorInfo:
        """Capture `error` (its sentence key and parameters, never the exception itself)."""
        retry = getattr(error, "retry_after", None)
        return cls(
            key=error.key,
            params=dict(error.params),
            kind=type(error).__name__,
            retry_after=retry if isinstance(retry, int) else None,
            provider=error.provider if isinstance(error, ProviderError) else None,
            fallback_ok=isinstance(error, UpstreamRateLimited | UpstreamUnavailable),
        )

    @property
    def successor(self) -> str | None:
        """The model to switch to, when the error is a model the provider stopped serving."""
        value = self.params.get("successor")
        return value if isinstance(value, str) and value else None

    def message(self, lang: Lang) -> str:
        """The sentence in `lang` (an attachment's refusal is rebuilt from its reason's own key)."""
        from chat.attachments.words import refusal_message

        if self.key.startswith("voice."):
            from chat.voice.errors import voice_message

            return voice_message(self.key, self.params, lang)
        return refusal_message(self.params, lang) or t(self.key, lang, **self.params)


@dataclass
class ChatAttachment:
    """One attached file: its description for the chip, and (in memory) the parts it became."""

    name: str
    kind: str
    mime_type: str
    byte_size: int = 0
    pages: int | None = None
    chars: int = 0
    tokens: int = 0
    reason: Sentence | None = None
    """Why the chosen model cannot take it (None: it can)."""
    notes: tuple[str, ...] = ()
    """What was done to the file (each a Sentence when it was made in this session)."""
    thumbnail: bytes | None = None
    thumbnail_mime: str | None = None
    parts: tuple[TextPart | ImagePart, ...] = ()
    error: ErrorInfo | None = None
    """Why the file could not be read at all (nothing of it can be sent)."""
    pixels: str | None = None
    """An image's size before and after it was fitted: '4000×3000 → 2000×1500'."""

    @property
    def fits(self) -> bool:
        """True when the chosen model can take it."""
        return self.reason is None

    @property
    def sendable(self) -> bool:
        """True when the file was read and fits the model."""
        return self.error is None and self.reason is None

    @property
    def images(self) -> list[ImagePart]:
        """The image parts it became."""
        return [p for p in self.parts if isinstance(p, ImagePart)]

    def why_not(self, lang: Lang) -> str | None:
        """Why it cannot be sent, in `lang` (None: it can)."""
        if self.error is not None:
            return self.error.message(lang)
        return None if self.reason is None else text_in(self.reason, lang)

    def meta(self) -> dict[str, Any]:
        """What a store keeps (no image bytes besides the thumbnail)."""
        text = "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))
        return {
            "name": self.name,
            "kind": self.kind,
            "mime": self.mime_type,
            "pages": self.pages,
            "chars": self.chars,
            "notes": [str(n) for n in self.notes],
            "text": text or None,
            "thumbnail": base64.b64encode(self.thumbnail).decode("ascii") if self.thumbnail else None,
            "thumbnail_mime": self.thumbnail_mime if self.thumbnail else None,
            "pixels": self.pixels,
        }


@dataclass
class ContextInfo:
    """What a reply's request held, for the context inspector."""

    kept_ids: list[str]
    tokens: int
    budget: int
    per_message: dict[str, int]
    payload: dict[str, Any]
    key_source: str


@dataclass
class VoiceNote:
    """A spoken message: the audio (in this session only), and what was heard once it was transcribed."""

    audio: bytes = field(repr=False)
    mime: str
    name: str = "recording"
    heard: str | None = None
    """The transcript (None until transcribed)."""
    language: str | None = None
    seconds: float | None = None
    provider: str | None = None

    def record(self) -> dict[str, Any]:
        """What the store keeps (not the audio: a refresh keeps the transcript and the mark, not the sound)."""
        return {
            "name": self.name,
            "mime": self.mime,
            "heard": self.heard,
            "language": self.language,
            "seconds": self.seconds,
            "provider": self.provider,
        }

    @classmethod
    def restore(cls, data: Any) -> VoiceNote | None:
        """A stored note (None when the record is not one)."""
        if not isinstance(data, dict):
            return None
        heard, seconds = data.get("heard"), data.get("seconds")
        return cls(
            audio=b"",
            mime=str(data.get("mime") or "audio/wav"),
            name=str(data.get("name") or "recording"),
            heard=heard if isinstance(heard, str) else None,
            language=str(data["language"]) if isinstance(data.get("language"), str) else None,
            seconds=float(seconds) if isinstance(seconds, int | float) else None,
            provider=str(data["provider"]) if isinstance(data.get("provider"), str) else None,
        )


@dataclass
class ChatMessage:
    """One displayed message (user or assistant)."""

    role: Literal["user", "assistant"]
    text: str = ""
    id: str = field(default_factory=new_id)
    attachments: list[ChatAttachment] = field(default_factory=list)
    status: Status = "sent"
    error: ErrorInfo | None = None
    model: str | None = None
    provider: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft: float | None = None
    duration: float | None = None
    tokens_per_second: float | None = None
    feedback: int | None = None
    via: Sentence | str | None = None
    """Why another provider answered ("via Mistral Small 4 — Groq was rate limited"); a plain string only in rows
    stored before it was kept as a sentence."""
    reply_to: str | None = None
    """For a reply: the id of the user message it answers."""
    context: ContextInfo | None = None
    interrupted: bool = False
    """A reply the server died while streaming (restored from the store, shown as stopped with a note)."""
    store_id: int | None = None
    """The message's row in the store, once written (see chat.persist)."""
    reasoning: str = ""
    """A reasoning model's thinking (shown folded above the reply; never sent back to the model)."""
    ttfr: float | None = None
    """Seconds from the send to the first reasoning text."""
    thought_out: bool = False
    """The model spent its whole output budget thinking and gave no answer."""
    asked: str | None = None
    """The retired model id the conversation asked for, when its successor answered."""
    steps: list[ToolStep] = field(default_factory=list)
    """A reply's tool steps (calls and results), in order; stored and exported with it."""
    step_limited: bool = False
    """The reply used all its tool steps; its answer was given without tools."""
    voice: list[VoiceNote] = field(default_factory=list)
    """A spoken message's recordings (or audio files); their transcripts are in `text` once heard."""

    @property
    def unheard(self) -> bool:
        """Audio of this message waits to be transcribed (first, or again after a failure)."""
        return any(n.heard is None for n in self.voice)

    @property
    def waiting(self) -> list[ToolStep]:
        """Tool calls that wait for the person's Run or Deny."""
        return [s for s in self.steps if s.state == "pending"]

    def to_messages(self) -> list[Message]:
        """The message as the model sees it again: a reply's tool steps first, then its answer."""
        if self.role != "assistant" or not self.steps:
            return [self.to_message()]
        answer = [self.to_message()] if self.text else []
        return [*step_messages(self.steps), *answer]

    def to_message(self) -> Message:
        """The message as the pipeline takes it: typed text plus the sendable attachments' parts."""
        parts: list[Part] = [TextPart(text=self.text)] if self.text else []
        for att in self.attachments:
            if att.sendable:
                parts.extend(att.parts)
        return Message(role=self.role, parts=parts)

    @property
    def blocked(self) -> bool:
        """True while an attachment keeps this message from being sent."""
        return any(not a.sendable for a in self.attachments)

    @property
    def in_context(self) -> bool:
        """True for a message that belongs in what the model sees (a sent user turn, a reply with text)."""
        if self.role == "user":
            return self.status == "sent"
        return self.status in ("finished", "stopped", "cut") and bool(self.text or self.steps)

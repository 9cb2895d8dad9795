"""What the chat page shows and keeps, without Streamlit: one plain record per displayed message.

`ChatMessage` is what `chat.persist` writes to the store (role, text, attachment metadata, outcome, error,
usage, timing, model, provider, feedback); the converted parts of attachments ride along in memory, so a Retry,
an edit or a regenerate can send them again. `ChatState` is the whole page: the messages, the settings and what is
pending. The functions here decide what is sent (`context_for`), what the context inspector shows
(`inspect_window`), how an attachment's chip reads (`chip`), and how the quota reads (`quota_text`).
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from chat import config
from chat.catalog import DEFAULT_MODELS, ModelSpec, default_model, get_model, known, larger_model_than, vision_model_for
from chat.config import WINDOW_MESSAGES
from chat.errors import ChatError, ContextTooLarge, ProviderError, UpstreamRateLimited, UpstreamUnavailable
from chat.schema import GenerationSettings, ImagePart, Message, Part, TextPart
from chat.text import Lang, t
from chat.tokens import compact, count_message, count_text, with_margin

if TYPE_CHECKING:
    from chat.attachments import Attachment, Preflight
    from chat.ratelimit import Quota
    from chat.reply import Reply

Status = Literal["sent", "blocked", "failed", "streaming", "finished", "stopped", "cut"]
"""A user message is `sent`, `blocked` (an attachment does not fit) or `failed` (an error before any text);
a reply is `streaming`, then `finished`, `stopped`, `cut` or `failed` (an error after some text)."""

RENDER_PAGE = 50
"""Messages rendered at first; "Show older" adds this many."""
LOOPBACK = "127.0.0.1"


def new_id() -> str:
    """A short unique id for a message (also the key of its widgets)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ErrorInfo:
    """An error as the page keeps it: re-rendered in the current language, never holding a key."""

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

    def message(self, lang: Lang) -> str:
        """The sentence in `lang` (an attachment's refusal is rebuilt from its reason's own key)."""
        from chat.attachments.words import refusal_message

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
    fits: bool = True
    reason: str | None = None
    notes: tuple[str, ...] = ()
    thumbnail: bytes | None = None
    thumbnail_mime: str | None = None
    parts: tuple[TextPart | ImagePart, ...] = ()
    error: str | None = None
    """Set when the file could not be read at all (nothing of it can be sent)."""
    pixels: str | None = None
    """An image's size before and after it was fitted: '4000×3000 → 2000×1500'."""

    @property
    def sendable(self) -> bool:
        """True when the file was read and fits the model."""
        return self.error is None and self.fits

    def meta(self) -> dict[str, Any]:
        """What a store keeps (no image bytes besides the thumbnail)."""
        text = "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))
        return {
            "name": self.name,
            "kind": self.kind,
            "mime": self.mime_type,
            "pages": self.pages,
            "chars": self.chars,
            "notes": list(self.notes),
            "text": text or None,
            "thumbnail": base64.b64encode(self.thumbnail).decode("ascii") if self.thumbnail else None,
            "thumbnail_mime": self.thumbnail_mime if self.thumbnail else None,
            "pixels": self.pixels,
        }


@dataclass
class ContextInfo:
    """What the reply's request held, for the context inspector."""

    kept_ids: list[str]
    tokens: int
    budget: int
    per_message: dict[str, int]
    payload: dict[str, Any]
    key_source: str


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
    via: str | None = None
    """Why another provider answered ("via Mistral Small — Groq was rate limited"), in the reply's words."""
    reply_to: str | None = None
    """For a reply: the id of the user message it answers."""
    context: ContextInfo | None = None
    tokens: int | None = None
    """Cached token estimate of the message as sent."""
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


@dataclass
class ChatState:
    """Everything the chat page keeps for one browser session (API keys are kept apart, never here)."""

    messages: list[ChatMessage] = field(default_factory=list)
    model: str = field(default_factory=lambda: default_model(config.keys_in_use()))
    temperature: float | None = None
    max_tokens: int | None = None
    system_prompt: str = ""
    reasoning_effort: str | None = None
    """The effort a reasoning model is asked for (None: the model's default in the catalog)."""
    auto_fallback: bool = False
    pending: str | None = None
    """Id of the user message to send in this run."""
    pending_model: str | None = None
    pending_via: str | None = None
    editing: str | None = None
    shown: int = RENDER_PAGE
    notes: list[str] = field(default_factory=list)
    """Notes to show once (settings clamped after a model switch)."""
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    stale: bool = False
    """Set when a Stop ended the script mid-stream: the page must rerun to show the stopped reply."""
    conversation_id: str | None = None
    """The stored conversation on screen (also `?c=` in the URL); None until the first send."""
    saved: list[tuple[str, int]] = field(default_factory=list)
    """(message id, store seq) of what the store holds, in order: the write-through cache of chat.persist."""
    saved_settings: tuple[Any, ...] | None = None
    """The model and settings last written to the store."""
    missing: bool = False
    """The `?c=` asked for could not be opened (unknown, deleted or another browser's): say so once."""
    moved_from: str | None = None
    """The retired model this stored conversation was on (it continues on the successor): say so once."""

    @property
    def spec(self) -> ModelSpec:
        """The chosen model's limits."""
        return known(self.model) or get_model(default_model(config.keys_in_use()))

    def settings(self) -> GenerationSettings:
        """The generation settings as the pipeline takes them."""
        return GenerationSettings(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            system_prompt=self.system_prompt or None,
            reasoning_effort=self.reasoning_effort,
        )

    def find(self, message_id: str) -> ChatMessage | None:
        """The message with `message_id`."""
        return next((m for m in self.messages if m.id == message_id), None)

    def remove(self, message_id: str) -> None:
        """Drop a message (and its reply, for a user message)."""
        self.messages = [m for m in self.messages if m.id != message_id and m.reply_to != message_id]

    def queue(self, user_id: str, *, model: str | None = None, via: str | None = None) -> None:
        """Send (again) the user message `user_id` in this run: it moves to the end, its old reply goes."""
        msg = self.find(user_id)
        if msg is None:
            return
        self.messages = [m for m in self.messages if m.id != user_id and m.reply_to != user_id]
        msg.status, msg.error = "sent", None
        self.messages.append(msg)
        self.pending, self.pending_model, self.pending_via = user_id, model, via

    def last_user(self) -> ChatMessage | None:
        """The newest user message."""
        return next((m for m in reversed(self.messages) if m.role == "user"), None)

    def last_reply(self) -> ChatMessage | None:
        """The newest reply."""
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    def visible(self) -> tuple[list[ChatMessage], int]:
        """The messages to render (the newest `shown`) and how many older ones are hidden."""
        hidden = max(0, len(self.messages) - self.shown)
        return self.messages[hidden:], hidden


def in_context(msg: ChatMessage) -> bool:
    """True for a message that belongs in what the model sees (a sent user turn, a reply with text)."""
    if msg.role == "user":
        return msg.status == "sent"
    return msg.status in ("finished", "stopped", "cut") and bool(msg.text)


def context_for(state: ChatState, user_id: str) -> list[ChatMessage]:
    """The conversation up to and including the user message `user_id`, as it is sent."""
    out: list[ChatMessage] = []
    for msg in state.messages:
        if msg.id == user_id:
            out.append(msg)
            break
        if in_context(msg):
            out.append(msg)
    return out


def context_info(sent_ids: Sequence[str], reply: Reply) -> ContextInfo | None:
    """The inspector's record of a reply's request (`reply.context` is the service's `Sent`)."""
    sent = reply.context
    if sent is None:
        return None
    window = sent.window
    return ContextInfo(
        kept_ids=[sent_ids[i] for i in window.kept if i < len(sent_ids)],
        tokens=window.tokens,
        budget=window.budget,
        per_message={sent_ids[i]: n for i, n in enumerate(window.per_message) if i < len(sent_ids)},
        payload=sent.payload,
        key_source=sent.key_source,
    )


def fill_reply(msg: ChatMessage, reply: Reply) -> None:
    """Copy the reply's text, outcome, usage and timing into `msg`."""
    msg.text, msg.reasoning, msg.ttfr, msg.thought_out = reply.text, reply.reasoning, reply.ttfr, reply.thought_out
    msg.asked = reply.asked if reply.retirement is not None else None
    if reply.outcome in ("finished", "stopped", "cut", "failed"):
        msg.status = reply.outcome
    msg.ttft, msg.duration = reply.ttft, reply.duration
    usage = reply.usage
    if usage is not None:
        msg.prompt_tokens, msg.completion_tokens = usage.prompt_tokens, usage.completion_tokens
    msg.tokens_per_second = reply.tokens_per_second
    if reply.error is not None:
        msg.error = ErrorInfo.of(reply.error)


@dataclass(frozen=True)
class WindowView:
    """The inspector's view of the conversation as it stands: which messages the next request keeps."""

    inside: set[str]
    tokens: dict[str, int]
    total: int
    budget: int
    too_large: bool = False


def inspect_window(state: ChatState) -> WindowView:
    """Which context messages fall inside the last-8 window and the token budget, and what they cost."""
    spec = state.spec
    msgs = [m for m in state.messages if in_context(m) or m.status == "streaming"]
    tail = msgs[-(WINDOW_MESSAGES + 2) :]
    tokens: dict[str, int] = {}
    for m in tail:
        if m.tokens is None:
            m.tokens = count_message(m.to_message(), spec)
        tokens[m.id] = m.tokens
    budget = spec.input_budget(state.max_tokens)
    if not tail:
        return WindowView(set(), tokens, 0, budget)
    from chat.window import build

    try:
        window = build(
            [m.to_message() for m in tail], spec, system_prompt=state.system_prompt or None, max_output=state.max_tokens
        )
    except ContextTooLarge:
        return WindowView(set(), tokens, 0, budget, too_large=True)
    return WindowView({tail[i].id for i in window.kept}, tokens, window.tokens, window.budget)


# --- attachments -------------------------------------------------------------------------------------------------


def thumbnail(image: ImagePart) -> tuple[bytes, str] | None:
    """A small preview of an image part and its MIME type (None if it cannot be read); see make_thumbnail."""
    if image.data is None:
        return None
    from chat.store import make_thumbnail

    made = make_thumbnail(image.data)
    return (base64.b64decode(made[0]), made[1]) if made else None


def from_attachment(att: Attachment, check: Preflight, reason: str | None) -> ChatAttachment:
    """The chip and parts of a converted file checked against the model."""
    thumb = thumbnail(att.images[0]) if att.kind == "image" and att.images else None
    return ChatAttachment(
        name=att.name,
        kind=att.kind,
        mime_type=att.mime_type,
        byte_size=att.byte_size,
        pages=att.pages,
        chars=att.chars,
        tokens=check.tokens,
        fits=check.fits,
        reason=reason,
        notes=att.notes,
        thumbnail=thumb[0] if thumb else None,
        thumbnail_mime=thumb[1] if thumb else None,
        parts=att.parts,
        pixels=check.pixels,
    )


def unreadable(name: str, mime: str, size: int, message: str) -> ChatAttachment:
    """A file that could not be read: kept on screen with the reason."""
    return ChatAttachment(name=name, kind="file", mime_type=mime, byte_size=size, fits=False, error=message)


def preflight_reason(att: Attachment, check: Preflight, spec: ModelSpec, budget: int, lang: Lang) -> str | None:
    """Why the attachment does not fit `spec`, in `lang` (None when it fits)."""
    if check.fits:
        return None
    if att.images and not spec.vision:
        return t("ui.pf_vision", lang, model=spec.label, vision=vision_model_for(spec.provider).label)
    if len(att.images) > spec.max_images:
        return t("ui.pf_images", lang, count=len(att.images), model=spec.label, maximum=spec.max_images)
    if check.tokens > budget:
        return t(
            "ui.pf_tokens",
            lang,
            tokens=compact(check.tokens),
            model=spec.label,
            budget=compact(max(0, budget)),
            bigger=larger_model_than(spec).label,
        )
    return check.reason_in(lang)


def recheck(msg: ChatMessage, spec: ModelSpec, max_output: int | None, lang: Lang) -> None:
    """Re-run each attachment's fit against `spec` (after a model switch), and the total against the budget."""
    budget = spec.input_budget(max_output)
    for att in msg.attachments:
        if att.error is not None:
            continue
        images = [p for p in att.parts if isinstance(p, ImagePart)]
        reason: str | None = None
        if images and not spec.vision:
            reason = t("ui.pf_vision", lang, model=spec.label, vision=vision_model_for(spec.provider).label)
        elif len(images) > spec.max_images:
            reason = t("ui.pf_images", lang, count=len(images), model=spec.label, maximum=spec.max_images)
        elif att.tokens > budget:
            reason = t(
                "ui.pf_tokens",
                lang,
                tokens=compact(att.tokens),
                model=spec.label,
                budget=compact(max(0, budget)),
                bigger=larger_model_than(spec).label,
            )
        att.fits, att.reason = reason is None, reason
    total = with_margin(count_text(msg.text) + sum(a.tokens for a in msg.attachments if a.sendable))
    if all(a.sendable for a in msg.attachments) and msg.attachments and total > budget:
        biggest = max(msg.attachments, key=lambda a: a.tokens)
        biggest.fits = False
        biggest.reason = t("ui.pf_total", lang, tokens=compact(total), model=spec.label, budget=compact(budget))


def chip(att: ChatAttachment, lang: Lang) -> str:
    """One line for an attachment: 'report.pdf · 12 pages · 34,120 characters · ~8.5k tokens · fits'."""
    bits = [att.name]
    if att.error is not None:
        return f"{att.name} · {t('ui.chip_unreadable', lang)}"
    if att.pages is not None:
        bits.append(t("ui.chip_pages", lang, count=att.pages))
    if att.chars:
        bits.append(t("ui.chip_chars", lang, count=f"{att.chars:,}"))
    if att.pixels:
        bits.append(att.pixels)
    bits.append(t("ui.chip_tokens", lang, count=compact(att.tokens)))
    bits.append(t("ui.chip_fits", lang) if att.fits else t("ui.chip_no_fit", lang))
    return " · ".join(bits)


# --- small texts -------------------------------------------------------------------------------------------------


def quota_text(quota: Quota | None, lang: Lang) -> str:
    """'7 of 20 left · resets in 34 s', or the wait when none is left."""
    if quota is None:
        return ""
    if quota.remaining == 0:
        return t("ui.quota_exhausted", lang, limit=quota.limit, seconds=max(1, quota.reset))
    if quota.reset > 0:
        return t("ui.quota_resets", lang, remaining=quota.remaining, limit=quota.limit, seconds=quota.reset)
    return t("ui.quota_full", lang, remaining=quota.remaining, limit=quota.limit)


def metrics_text(msg: ChatMessage, lang: Lang) -> str:
    """'Llama 3.1 8B Instant · 12 → 48 tokens · first token 0.21 s · 830 tokens/s'."""
    spec = known(msg.model or "")
    bits = [spec.label if spec else (msg.model or "?")]
    if msg.prompt_tokens is not None and msg.completion_tokens is not None:
        bits.append(t("ui.metric_tokens", lang, inp=f"{msg.prompt_tokens:,}", out=f"{msg.completion_tokens:,}"))
    if msg.ttfr is not None:
        bits.append(t("ui.metric_ttfr", lang, seconds=f"{msg.ttfr:.2f}"))
    if msg.ttft is not None:
        bits.append(t("ui.metric_ttft", lang, seconds=f"{msg.ttft:.2f}"))
    streamed = (msg.duration or 0.0) - (msg.ttft or 0.0)
    if msg.tokens_per_second is not None and streamed >= 0.1:  # a rate over a few ms says nothing
        bits.append(t("ui.metric_tps", lang, rate=f"{msg.tokens_per_second:,.0f}"))
    elif msg.duration is not None:
        bits.append(t("ui.metric_duration", lang, seconds=f"{msg.duration:.1f}"))
    return " · ".join(bits)


def outcome_text(msg: ChatMessage, lang: Lang, max_duration: float) -> str | None:
    """The mark under a reply that did not finish: stopped, cut, failed."""
    if msg.status == "stopped":
        return t("store.interrupted" if msg.interrupted else "ui.outcome_stopped", lang)
    if msg.status == "cut":
        return t("outcome.cut", lang, seconds=math.ceil(max_duration))
    if msg.status == "failed" and msg.error is not None:
        return msg.error.message(lang)
    if msg.thought_out:
        spec = known(msg.model or "")
        tokens = msg.completion_tokens if msg.completion_tokens is not None else "?"
        return t("outcome.thought_out", lang, model=spec.label if spec else msg.model, tokens=tokens)
    return None


def retired_text(msg: ChatMessage, lang: Lang) -> str | None:
    """'llama-3.1-8b-instant was retired by Groq on 2026-08-16; answered by openai/gpt-oss-20b' (None if not)."""
    from chat.catalog import retirement
    from chat.errors import provider_label

    moved = retirement(msg.asked) if msg.asked else None
    if moved is None:
        return None
    return t(
        "outcome.retired",
        lang,
        model=moved.model,
        provider=provider_label(moved.provider),
        date=moved.date,
        successor=msg.model,
    )


def via_text(provider_failed: str, spec: ModelSpec, error: ErrorInfo, lang: Lang) -> str:
    """'via Mistral Small (vision) — Groq was rate limited'."""
    from chat.errors import provider_label

    why = "ui.via_rate_limited" if error.kind == "UpstreamRateLimited" else "ui.via_down"
    return t("ui.via", lang, model=spec.label, reason=t(why, lang, provider=provider_label(provider_failed)))


def client_ip(value: object) -> str:
    """The client's IP as a string key: `st.context.ip_address` is None on loopback (and a mock in tests)."""
    return value.strip() if isinstance(value, str) and value.strip() else LOOPBACK


def seed_messages(count: int) -> list[ChatMessage]:
    """A long synthetic conversation (benchmarks and tests only)."""
    body = (
        "Here is a paragraph of **markdown** with a [link](https://example.com) and `code`, long enough "
        "to look like a real message in a real conversation about nothing in particular. "
    )
    out: list[ChatMessage] = []
    for i in range(count):
        if i % 2 == 0:
            out.append(ChatMessage("user", f"Question {i // 2}: {body[:120]}"))
        else:
            out.append(
                ChatMessage(
                    "assistant",
                    f"Answer {i // 2}. {body}{body}",
                    status="finished",
                    model=DEFAULT_MODELS["groq"],
                    provider="groq",
                    reply_to=out[-1].id,
                    prompt_tokens=120,
                    completion_tokens=80,
                    ttft=0.2,
                    duration=0.4,
                    tokens_per_second=400.0,
                )
            )
    return out

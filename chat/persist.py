"""Write-through between the chat page's `ChatSession` and the SQLite store (no Streamlit here).

The page keeps the conversation in session state and writes each change through; it reads the store only to
open a conversation (`load`), never on an ordinary rerun. `ChatSession.saved` mirrors what the store holds, as
(message id, seq) pairs in order, so `sync` can tell where the screen and the store part ways (a regenerate,
an edit, a removed message) and rewrite only from there (`Store.delete_messages_from`, then re-insert).

Order of writes for one turn: `before_send` (creates the conversation at the first send, stores the settings and
the user's message) runs before the provider is called; `ReplyWriter` opens the reply row, rewrites its text at
most every `THROTTLE` seconds while it streams and closes it with its outcome, usage and timing. `finish` uses
plain Python only, so it works in the `finally` after a Stop, where no Streamlit call does.

Errors are stored twice: as the English sentence (the `error` column, what exports and older versions read) and,
in the message's `details` (m005), as the sentence key with its parameters, so a restored error re-renders in the
page's current language. Parameters are kept only when they are plain numbers, names or short strings (never a
key or a secret: parameter names that look like one make the whole entry fall back to the English sentence).
Rows written before m005 hold only the sentence and are shown as it. `details` also keeps the "via … — …"
caption of a reply another provider gave.

A user's draft blocked before sending (an attachment that does not fit the model) is stored at once with status
`blocked`: its text, attachment descriptions, derived text, thumbnails and, for images, the prepared image bytes
(at most `DRAFT_IMAGES_MAX_BYTES` per message), so a refresh can still switch to a vision model and send it.
When it is later sent, changed or removed, `sync` rewrites the store from it like any other change.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

from chat.catalog import known, retirement
from chat.messages import FINAL, ChatAttachment, ChatMessage, ErrorInfo, Status, VoiceNote
from chat.schema import ImagePart, TextPart
from chat.session import ChatSession
from chat.store import (
    AttachmentMeta,
    MessageRecord,
    MessageStatus,
    Store,
    StoredMessage,
    export_json,
    export_markdown,
    import_json,
)
from chat.store.models import DRAFT_IMAGES_MAX_BYTES, SECRET_FIELD
from chat.text import Sentence, has_sentence
from chat.tokens import count_text
from chat.tools.steps import ToolStep

THROTTLE = 0.5
"""Seconds between two writes of a streaming reply's text."""


def persistable(msg: ChatMessage) -> bool:
    """A user message that was sent, failed or blocked (a draft), or a reply that ended; live replies are not."""
    if msg.role == "user":
        return msg.status in ("sent", "failed") or (msg.status == "blocked" and bool(msg.text or msg.attachments))
    return msg.status in FINAL


def settings_of(chat: ChatSession) -> dict[str, Any]:
    """The conversation's settings as the store keeps them."""
    return {
        "temperature": chat.temperature,
        "max_tokens": chat.max_tokens,
        "system_prompt": chat.system_prompt or None,
        "reasoning_effort": chat.reasoning_effort,
    }


def _snapshot(chat: ChatSession) -> tuple[Any, ...]:
    return (chat.model, chat.temperature, chat.max_tokens, chat.system_prompt, chat.reasoning_effort)


def ensure_conversation(store: Store, chat: ChatSession, owner: str | None) -> str:
    """The stored conversation of `chat`, created now (at the first send) if there is none."""
    if chat.conversation_id is None:
        conv = store.create_conversation(owner=owner, model=chat.model, settings=settings_of(chat))
        chat.conversation_id, chat.saved, chat.saved_settings = conv.id, [], _snapshot(chat)
        chat.missing = False
    return chat.conversation_id


def save_settings(store: Store, chat: ChatSession) -> None:
    """Write the model and settings if they changed since the last write (cheap to call on every rerun)."""
    if chat.conversation_id is None or chat.saved_settings == _snapshot(chat):
        return
    store.update_settings(chat.conversation_id, model=chat.model, settings=settings_of(chat))
    chat.saved_settings = _snapshot(chat)


def _error_text(msg: ChatMessage) -> str | None:
    if msg.error is None:
        return None
    if msg.error.key == "ui.stored_error":  # restored from an old row: its sentence as it was
        return str(msg.error.params.get("text", ""))
    return msg.error.message("en")


_PARAM_MAX_CHARS = 500


def _plain(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) <= _PARAM_MAX_CHARS)
    )


def error_record(error: ErrorInfo) -> dict[str, Any] | None:
    """What the store keeps of an error to re-render it: its sentence key and plain parameters (None if a
    parameter is not a number, a name or a short string, or is named like a secret: then only the sentence)."""
    params = error.params
    if any(SECRET_FIELD.search(str(k)) or not _plain(v) for k, v in params.items()):
        return None
    return {
        "key": error.key,
        "params": dict(params),
        "kind": error.kind,
        "retry_after": error.retry_after,
        "provider": error.provider,
        "fallback_ok": error.fallback_ok,
    }


def error_of(record: Any, text: str | None) -> ErrorInfo | None:
    """The ErrorInfo of a stored error: from its key and parameters, else (an old row) its English sentence."""
    if isinstance(record, dict) and isinstance(record.get("key"), str) and isinstance(record.get("params"), dict):
        retry = record.get("retry_after")
        provider = record.get("provider")
        return ErrorInfo(
            key=record["key"],
            params={str(k): v for k, v in record["params"].items() if _plain(v)},
            kind=str(record.get("kind") or "Error"),
            retry_after=retry if isinstance(retry, int) else None,
            provider=provider if isinstance(provider, str) else None,
            fallback_ok=record.get("fallback_ok") is True,
        )
    return _stored_error(text)


def _draft(msg: ChatMessage) -> dict[str, Any]:
    """What a blocked draft needs beyond the attachment descriptions: tokens, read errors and image bytes."""
    atts: list[dict[str, Any]] = []
    budget = DRAFT_IMAGES_MAX_BYTES
    for att in msg.attachments:
        entry: dict[str, Any] = {"tokens": att.tokens}
        if att.error is not None:
            entry["error"] = error_record(att.error) or att.error.message("en")
        images = [p for p in att.parts if isinstance(p, ImagePart) and p.data is not None]
        size = sum(len(p.data or b"") for p in images)
        if images and size <= budget:
            budget -= size
            entry["images"] = [
                {"data": base64.b64encode(p.data or b"").decode("ascii"), "mime": p.mime_type, "name": p.name}
                for p in images
            ]
        elif images:
            entry["images_dropped"] = len(images)
        atts.append(entry)
    return {"attachments": atts}


def details_of(msg: ChatMessage) -> dict[str, Any]:
    """The message's `details` for the store: its error's key and parameters, its via caption, its draft data."""
    out: dict[str, Any] = {}
    record = error_record(msg.error) if msg.error is not None and msg.error.key != "ui.stored_error" else None
    if record is not None:
        out["error"] = record
    if isinstance(msg.via, Sentence):
        out["via"] = {"key": msg.via.key, "params": msg.via.params}
    elif msg.via:
        out["via"] = msg.via
    out |= _reply_details(msg)
    if msg.voice:
        out["voice"] = [n.record() for n in msg.voice]
    if msg.role == "user" and msg.status == "blocked":
        out["draft"] = _draft(msg)
    return out


def _reply_details(msg: ChatMessage) -> dict[str, Any]:
    """A reply's reasoning, time to first thought, thought-out mark and the retired id it stood in for."""
    out: dict[str, Any] = {"reasoning": msg.reasoning} if msg.reasoning else {}
    if msg.ttfr is not None:
        out["ttfr"] = msg.ttfr
    if msg.thought_out:
        out["thought_out"] = True
    if msg.asked:
        out["asked"] = msg.asked
    if msg.steps:
        out["steps"] = [s.record() for s in msg.steps]
    if msg.step_limited:
        out["step_limited"] = True
    return out


def _restore_reply(msg: ChatMessage, details: dict[str, Any]) -> None:
    reasoning, ttfr, asked = details.get("reasoning"), details.get("ttfr"), details.get("asked")
    msg.reasoning = reasoning if isinstance(reasoning, str) else ""
    msg.ttfr = float(ttfr) if isinstance(ttfr, int | float) else None
    msg.thought_out = details.get("thought_out") is True
    msg.asked = asked if isinstance(asked, str) else None
    steps = details.get("steps")
    records = steps if isinstance(steps, list) else []
    msg.steps = [s for d in records if isinstance(d, dict) and (s := ToolStep.restore(d)) is not None]
    msg.step_limited = details.get("step_limited") is True


def record_of(msg: ChatMessage) -> MessageRecord:
    """The page's message as the store keeps it (and an export carries it): the one mapping, `message_of` its
    inverse."""
    status: Any = msg.status if msg.status in FINAL or msg.status == "blocked" else "finished"
    if msg.role == "assistant" and msg.status not in FINAL:
        status = "stopped"
    return MessageRecord.model_validate(
        {
            "role": msg.role,
            "text": msg.text,
            "parts": [a.meta() for a in msg.attachments],
            "status": status,
            "error": _error_text(msg),
            "model": msg.model,
            "provider": msg.provider,
            "prompt_tokens": msg.prompt_tokens,
            "completion_tokens": msg.completion_tokens,
            "ttft": msg.ttft,
            "duration": msg.duration,
            "feedback": msg.feedback,
            "details": details_of(msg),
        }
    )


def _insert(store: Store, conv_id: str, msg: ChatMessage) -> int:
    """Append `msg` to the stored conversation; its seq."""
    record = record_of(msg)
    if msg.role == "user":
        parts = [p.model_dump(exclude_none=True) for p in record.parts]
        status: MessageStatus = "blocked" if record.status == "blocked" else "finished"
        row = store.add_message(
            conv_id, role="user", text=record.text, parts_meta=parts, status=status, details=record.details
        )
        if record.status == "failed":
            store.mark_failed(row.id, record.error or "", record.details)
    else:
        row = store.start_reply(conv_id, model=record.model or "", provider=record.provider or "")
        _finish_row(store, row.id, record)
        if record.feedback is not None:
            store.set_feedback(row.id, record.feedback)
    msg.store_id = row.id
    return row.seq


def sync(store: Store, chat: ChatSession, *, force_from: str | None = None) -> None:
    """Make the store hold the persistable messages of `chat`, in order, rewriting from the first difference.

    `force_from` (a message id) rewrites from that message even if it did not move (its text or outcome
    changed: an edit, a retry).
    """
    if chat.conversation_id is None:
        return
    want = [m for m in chat.messages if persistable(m)]
    saved = chat.saved
    i = 0
    while i < min(len(saved), len(want)) and saved[i][0] == want[i].id and want[i].id != force_from:
        i += 1
    if i == len(saved) == len(want):
        return
    if i < len(saved):
        store.delete_messages_from(chat.conversation_id, saved[i][1])
        del saved[i:]
    for msg in want[i:]:
        saved.append((msg.id, _insert(store, chat.conversation_id, msg)))


def save_draft(store: Store, chat: ChatSession, draft: ChatMessage, owner: str | None) -> str:
    """A user message that could not go (an attachment does not fit, a recording could not be transcribed): store
    it now, creating the conversation."""
    conv_id = ensure_conversation(store, chat, owner)
    save_settings(store, chat)
    sync(store, chat, force_from=draft.id)
    return conv_id


def before_send(store: Store, chat: ChatSession, user: ChatMessage, owner: str | None) -> str:
    """Before the provider is called: the conversation exists, its settings and the user's message are stored."""
    conv_id = ensure_conversation(store, chat, owner)
    save_settings(store, chat)
    sync(store, chat, force_from=user.id)
    return conv_id


def _finish_row(store: Store, row_id: int, record: MessageRecord) -> None:
    store.finish_reply(
        row_id,
        text=record.text,
        status=record.status,  # type: ignore[arg-type]  # a reply's record is final (record_of)
        usage=record.usage,
        ttft=record.ttft,
        duration=record.duration,
        error=record.error,
        details=record.details,
    )


class ReplyWriter:
    """Writes one streaming reply: opened at once, its text rewritten at most every `THROTTLE` s, then closed."""

    def __init__(
        self, store: Store, chat: ChatSession, msg: ChatMessage, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store, self.msg, self._clock = store, msg, clock
        conv_id = chat.conversation_id
        assert conv_id is not None, "before_send creates the conversation"
        row = store.start_reply(conv_id, model=msg.model or "", provider=msg.provider or "")
        msg.store_id = row.id
        chat.saved.append((msg.id, row.seq))
        self._last = clock()
        self._written = ""

    def update(self, text: str) -> bool:
        """Write `text` if the last write is at least `THROTTLE` s old; True if it wrote."""
        if text == self._written or self._clock() - self._last < THROTTLE:
            return False
        assert self.msg.store_id is not None
        self.store.update_reply(self.msg.store_id, text)
        self._written, self._last = text, self._clock()
        return True

    def finish(self) -> None:
        """Close the reply with the message's text, outcome, usage, timing and error (plain Python only)."""
        assert self.msg.store_id is not None
        _finish_row(self.store, self.msg.store_id, record_of(self.msg))


def set_feedback(store: Store, msg: ChatMessage, value: int | None) -> None:
    """Remember a thumbs up (1) / down (-1) / none for a stored reply, if it changed."""
    if value == msg.feedback:
        return
    msg.feedback = value
    if msg.store_id is not None:
        store.set_feedback(msg.store_id, value)


# --- opening a stored conversation -------------------------------------------------------------------------------


def attachment_of(meta: AttachmentMeta, draft: dict[str, Any] | None = None) -> ChatAttachment:
    """The chip (and, for text and PDFs, the derived text to send again) of a stored attachment.

    `draft` (a blocked draft's entry for this attachment) adds its token count, its read error and the image
    bytes kept so it can still be sent to a vision model.
    """
    parts: list[TextPart | ImagePart] = [TextPart(text=meta.text, source=meta.name)] if meta.text else []
    draft = draft or {}
    for image in draft.get("images") or []:
        try:
            data = base64.b64decode(str(image.get("data", "")), validate=True)
        except ValueError:
            continue
        parts.append(ImagePart(data=data, mime_type=str(image.get("mime") or "image/jpeg"), name=image.get("name")))
    tokens, error = draft.get("tokens"), draft.get("error")
    problem = (
        error_of(error, None) if isinstance(error, dict) else _stored_error(error if isinstance(error, str) else None)
    )
    if draft.get("images_dropped"):
        problem = ErrorInfo(key="ui.images_dropped", params={}, kind="ImagesDropped")
    return ChatAttachment(
        name=meta.name,
        kind=meta.kind,
        mime_type=meta.mime or "application/octet-stream",
        pages=meta.pages,
        chars=meta.chars or 0,
        tokens=tokens if isinstance(tokens, int) else count_text(meta.text or ""),
        notes=tuple(meta.notes),
        thumbnail=meta.thumbnail_bytes,
        thumbnail_mime=meta.thumbnail_mime,
        parts=tuple(parts),
        error=problem,
        pixels=getattr(meta, "pixels", None),
    )


def _via(value: Any) -> Sentence | str | None:
    """A stored "via" caption: its sentence (said in the reader's language), or an old row's English words."""
    if isinstance(value, dict) and isinstance(value.get("key"), str) and has_sentence(value["key"]):
        params = value.get("params")
        plain = {str(k): v for k, v in params.items() if _plain(v)} if isinstance(params, dict) else {}
        return Sentence(value["key"], **plain)
    return value if isinstance(value, str) else None


def _stored_error(text: str | None) -> ErrorInfo | None:
    return ErrorInfo(key="ui.stored_error", params={"text": text}, kind="StoredError") if text else None


def message_of(row: StoredMessage, reply_to: str | None) -> ChatMessage:
    """A stored message as the page shows it."""
    details = row.details
    error = error_of(details.get("error"), row.error) if row.status == "failed" else None
    via = _via(details.get("via"))
    if row.role == "user":
        status: Status = row.status if row.status in ("failed", "blocked") else "sent"
        draft = details.get("draft") if status == "blocked" else None
        extra = draft.get("attachments") if isinstance(draft, dict) else None
        extra = extra if isinstance(extra, list) and len(extra) == len(row.parts) else [None] * len(row.parts)
        msg = ChatMessage(
            "user",
            row.text,
            status=status,
            error=error,
            model=row.model,
            attachments=[
                attachment_of(p, d if isinstance(d, dict) else None) for p, d in zip(row.parts, extra, strict=True)
            ],
        )
        notes = details.get("voice")
        msg.voice = [n for d in (notes if isinstance(notes, list) else []) if (n := VoiceNote.restore(d))]
    else:
        msg = ChatMessage(
            "assistant",
            row.text,
            status=row.status if row.status not in ("streaming", "blocked") else "stopped",
            error=error,
            via=via,
            model=row.model,
            provider=row.provider,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            ttft=row.ttft,
            duration=row.duration,
            feedback=row.feedback,
            reply_to=reply_to,
            interrupted=row.interrupted or row.status == "streaming",
        )
        _restore_reply(msg, details)
        first = msg.ttfr if msg.ttfr is not None else row.ttft
        streamed = (row.duration or 0.0) - (first or 0.0)
        if row.completion_tokens is not None and streamed > 0:
            msg.tokens_per_second = row.completion_tokens / streamed
    msg.store_id = row.id
    return msg


def load(store: Store, conv_id: str, owner: str | None) -> ChatSession | None:
    """The stored conversation `conv_id` as a ChatSession, or None if it is unknown or not `owner`'s."""
    conv = store.get_conversation(conv_id, owner=owner)
    if conv is None:
        return None
    rows = store.messages(conv_id, owner=owner)
    chat = ChatSession(conversation_id=conv.id)
    moved = retirement(conv.model)
    if moved is not None:  # the provider retired it: the conversation goes on with the successor, saying so
        chat.model, chat.moved_from = moved.successor, conv.model
    elif known(conv.model) is not None:
        chat.model = conv.model
    gen = conv.generation_settings
    chat.temperature, chat.max_tokens, chat.system_prompt = gen.temperature, gen.max_tokens, gen.system_prompt or ""
    chat.reasoning_effort = gen.reasoning_effort
    last_user: str | None = None
    for row in rows:
        msg = message_of(row, last_user if row.role == "assistant" else None)
        if row.role == "user":
            last_user = msg.id
        chat.messages.append(msg)
        chat.saved.append((msg.id, row.seq))
    chat.saved_settings = _snapshot(chat)
    return chat


# --- export and import -------------------------------------------------------------------------------------------


def file_stem(title: str) -> str:
    """A safe file name stem from a title ('Trip to Lisbon' -> 'trip-to-lisbon')."""
    stem = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-")
    return stem[:60] or "conversation"


def export(store: Store, conv_id: str, owner: str | None, kind: str) -> str:
    """The conversation as Markdown (`kind="md"`) or JSON (`"json"`); "" if it is not there (or not `owner`'s)."""
    conv = store.get_conversation(conv_id, owner=owner)
    if conv is None:
        return ""
    rows = store.messages(conv_id, owner=owner)
    return export_markdown(conv, rows) if kind == "md" else export_json(conv, rows)


def import_file(store: Store, data: bytes | str, owner: str | None) -> str:
    """Store an exported JSON document as a new conversation of `owner`; its id. InvalidImport if not valid."""
    return import_json(store, data, owner=owner).id

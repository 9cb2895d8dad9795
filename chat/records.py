"""The one mapping between the page's `ChatMessage` and the store's `MessageRecord`: `record_of` (what is written,
and what an export carries) and its inverse `message_of` (a stored row as the page shows it), with the `details`
they keep beside the columns. No store calls here: :mod:`chat.persist` decides when to write.

Errors are stored twice: as the English sentence (the `error` column, what exports and older versions read) and,
in the message's `details` (m005), as the sentence key with its parameters, so a restored error re-renders in the
page's current language. Parameters are kept only when they are plain numbers, names or short strings (never a
key or a secret: parameter names that look like one make the whole entry fall back to the English sentence).
Rows written before m005 hold only the sentence and are shown as it. `details` also keeps the "via … — …"
caption of a reply another provider gave.


A user's draft blocked before sending (an attachment that does not fit the model) keeps, in `details`, its
attachments' token counts, read errors and, for images, the prepared image bytes (at most
`DRAFT_IMAGES_MAX_BYTES` per message), so a refresh can still switch to a vision model and send it.
"""

from __future__ import annotations

import base64
from typing import Any

from chat.messages import FINAL, ChatAttachment, ChatMessage, ErrorInfo, Status, VoiceNote
from chat.schema import ImagePart, TextPart
from chat.store import AttachmentMeta, MessageRecord, StoredMessage
from chat.store.models import DRAFT_IMAGES_MAX_BYTES, SECRET_FIELD
from chat.text import Sentence, has_sentence
from chat.tokens import count_text
from chat.tools.steps import ToolStep


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


# --- a stored message as the page shows it ----------------------------------------------------------------------------


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

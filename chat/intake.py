"""Attached files on their way into a message: converted, checked against the chosen model, re-checked on a switch.

`take()` turns one upload into a `ChatAttachment` (its parts in memory, its chip, and why it cannot go, if so);
`recheck()` runs the same rule (`chat.attachments.preflight`) again for a whole message after the model or the max
output changed, the message's total included.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from chat.attachments import Attachment, convert
from chat.attachments.model import Progress
from chat.attachments.preflight import fitted_size, pixels_text, reason, tokens_of, total_reason
from chat.catalog import ModelSpec
from chat.errors import AttachmentError
from chat.messages import ChatAttachment, ChatMessage, ErrorInfo
from chat.schema import ImagePart


@dataclass(frozen=True)
class Upload:
    """A file as the person attached it."""

    name: str
    data: bytes
    mime_type: str | None = None


def _thumbnail(image: ImagePart) -> tuple[bytes, str] | None:
    """A small preview of an image part and its MIME type (None if it cannot be read)."""
    if image.data is None:
        return None
    from chat.store import make_thumbnail

    made = make_thumbnail(image.data)
    return (base64.b64decode(made[0]), made[1]) if made else None


def _attachment(att: Attachment, spec: ModelSpec, budget: int) -> ChatAttachment:
    images = att.images
    tokens = tokens_of(att.text, images, spec)
    thumb = _thumbnail(images[0]) if att.kind == "image" and images else None
    after = fitted_size(images[0], spec) if len(images) == 1 and att.kind == "image" and spec.vision else None
    return ChatAttachment(
        name=att.name,
        kind=att.kind,
        mime_type=att.mime_type,
        byte_size=att.byte_size,
        pages=att.pages,
        chars=att.chars,
        tokens=tokens,
        reason=reason(att.kind, images, tokens, spec, budget),
        notes=att.notes,
        thumbnail=thumb[0] if thumb else None,
        thumbnail_mime=thumb[1] if thumb else None,
        parts=att.parts,
        pixels=pixels_text(att.original_pixels, after),
    )


def take(upload: Upload, spec: ModelSpec, budget: int, *, progress: Progress | None = None) -> ChatAttachment:
    """`upload` converted and checked against `spec` (a file that cannot be read stays, with the reason)."""
    try:
        att = convert(upload.name, upload.data, upload.mime_type, progress=progress)
    except AttachmentError as e:
        return ChatAttachment(
            name=upload.name,
            kind="file",
            mime_type=upload.mime_type or "application/octet-stream",
            byte_size=len(upload.data),
            error=ErrorInfo.of(e),
        )
    return _attachment(att, spec, budget)


def recheck(msg: ChatMessage, spec: ModelSpec, max_output: int | None) -> None:
    """Each attachment's fit against `spec` again (after a model switch), then the message's total."""
    budget = spec.input_budget(max_output)
    for att in msg.attachments:
        if att.error is None:
            att.reason = reason(att.kind, att.images, att.tokens, spec, budget)
    if msg.attachments and all(a.sendable for a in msg.attachments):
        too_many = total_reason(msg.text, [a.tokens for a in msg.attachments], spec, budget)
        if too_many is not None:
            max(msg.attachments, key=lambda a: a.tokens).reason = too_many

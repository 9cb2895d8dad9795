"""Attachments: uploaded bytes -> text and image parts the chosen model can take.

```python
att = convert("report.pdf", data, progress=lambda done, total: ...)   # AttachmentError if unreadable
check = preflight(att, get_model("llama-3.1-8b-instant"))              # fits? tokens? why not?
images = fit_images(message.images, model)                             # provider limits, just before sending
```

The type comes from the bytes (magic numbers), never from the name; a name promising a PDF or an image that the
bytes contradict is refused with what the bytes look like. Images are re-encoded without any metadata; PDFs
become page-marked text, or page images when they have no text layer; text files become one fenced block.
"""

from __future__ import annotations

from chat.attachments.detect import SUPPORTED, Kind, describe, expected_kind, sniff
from chat.attachments.fit import fit_images
from chat.attachments.images import MAX_SIDE, prepare_image
from chat.attachments.model import Attachment, Progress, megabytes, refuse
from chat.attachments.pdfs import convert_pdf
from chat.attachments.preflight import Preflight, preflight
from chat.attachments.texts import decode_text, text_block
from chat.schema import MAX_FILE_BYTES, TextPart

__all__ = ["Attachment", "Preflight", "convert", "fit_images", "preflight"]

_KIND_WORDS: dict[Kind, str] = {"pdf": "a PDF", "image": "an image", "text": "a text file"}


def convert(
    name: str, data: bytes, declared_mime: str | None = None, *, progress: Progress | None = None
) -> Attachment:
    """Turn the file `name` with bytes `data` into parts; AttachmentError says why it cannot and what to do."""
    name = name.strip() or "file"
    if not data:
        raise refuse(name, "the file is empty. Attach it again once it has content.")
    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            name,
            f"the file is {megabytes(len(data))}; the largest attachment is {megabytes(MAX_FILE_BYTES)}. "
            "Send a smaller or shorter version.",
        )
    found = sniff(data)
    expected = expected_kind(name, declared_mime)
    actual: Kind | None = found.kind if found else None
    if expected in ("pdf", "image") and actual != expected:
        raise refuse(
            name,
            f"this file is not {_KIND_WORDS[expected]} (its bytes look like {describe(data)}). "
            "Check that you picked the right file, or export it again.",
        )
    notes: tuple[str, ...] = ()
    if found and expected == "text":
        notes = (f"named like a text file, but its bytes are {found.label}: read as such",)
    if found and found.kind == "pdf":
        att = convert_pdf(name, data, progress)
        return _with_notes(att, notes)
    if found:
        prepared = prepare_image(name, data, max_side=MAX_SIDE)
        return Attachment(
            name, "image", found.mime_type, (prepared.part,), None, 0, prepared.original,
            (*notes, *prepared.notes), len(data),
        )  # fmt: skip
    return _convert_text(name, data)


def _convert_text(name: str, data: bytes) -> Attachment:
    decoded = decode_text(data)
    if decoded is None:
        raise refuse(
            name,
            f"Charla cannot read this file (its bytes look like {describe(data)}). Supported: {SUPPORTED}.",
        )
    text, encoding = decoded
    fenced, chars, notes = text_block(name, text)
    if encoding == "cp1252":
        notes = ("read as Windows-1252 (not UTF-8)", *notes)
    mime = "text/plain" if encoding.startswith("utf-8") else f"text/plain; charset={encoding}"
    return Attachment(name, "text", mime, (TextPart(text=fenced, source=name),), None, chars, None, notes,
                      len(data))  # fmt: skip


def _with_notes(att: Attachment, notes: tuple[str, ...]) -> Attachment:
    if not notes:
        return att
    from dataclasses import replace

    return replace(att, notes=(*notes, *att.notes))

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

from chat.attachments.detect import Kind, expected_kind, look_of, sniff
from chat.attachments.fit import fit_images
from chat.attachments.images import MAX_SIDE, prepare_image
from chat.attachments.model import Attachment, Progress, Refusal, note, refuse
from chat.attachments.pdfs import convert_pdf
from chat.attachments.preflight import Preflight, preflight
from chat.attachments.textfiles import decode_text, text_block
from chat.schema import MAX_FILE_BYTES, TextPart

__all__ = ["ATTACHMENT_TYPES", "Attachment", "Preflight", "Refusal", "convert", "fit_images", "preflight"]

ATTACHMENT_TYPES = [
    *("png", "jpg", "jpeg", "webp", "gif", "bmp", "heic", "heif", "pdf"),
    *("txt", "md", "markdown", "csv", "tsv", "json", "jsonl", "yaml", "yml", "toml", "xml", "ini", "log", "sql"),
    *("py", "js", "ts", "tsx", "jsx", "html", "css", "sh", "java", "c", "h", "cpp", "hpp", "go", "rs", "rb", "php"),
    *("swift", "kt", "r", "tex"),
]
"""File name endings the composer offers to attach (the type is read from the bytes anyway)."""


def convert(
    name: str, data: bytes, declared_mime: str | None = None, *, progress: Progress | None = None
) -> Attachment:
    """Turn the file `name` with bytes `data` into parts; AttachmentError says why it cannot and what to do."""
    name = name.strip() or "file"
    if not data:
        raise refuse(name, "att.empty")
    if len(data) > MAX_FILE_BYTES:
        raise refuse(name, "att.too_big", size=len(data), limit=MAX_FILE_BYTES)
    found = sniff(data)
    expected = expected_kind(name, declared_mime)
    actual: Kind | None = found.kind if found else None
    if expected in ("pdf", "image") and actual != expected:
        raise refuse(name, "att.not_pdf" if expected == "pdf" else "att.not_image", looks=look_of(data))
    notes: tuple[str, ...] = ()
    if found and expected == "text":
        notes = (note("att.note.text_named", looks=found.look),)
    if found and found.kind == "pdf":
        att = convert_pdf(name, data, progress)
        return _with_notes(att, notes)
    if found:
        prepared = prepare_image(name, data, max_side=MAX_SIDE)
        return Attachment(
            name,
            "image",
            found.mime_type,
            (prepared.part,),
            None,
            0,
            prepared.original,
            (*notes, *prepared.notes),
            len(data),
        )
    return _convert_text(name, data)


def _convert_text(name: str, data: bytes) -> Attachment:
    decoded = decode_text(data)
    if decoded is None:
        raise refuse(name, "att.unsupported", looks=look_of(data))
    text, encoding = decoded
    fenced, chars, notes = text_block(name, text)
    if encoding == "cp1252":
        notes = (note("att.note.cp1252"), *notes)
    mime = "text/plain" if encoding.startswith("utf-8") else f"text/plain; charset={encoding}"
    return Attachment(name, "text", mime, (TextPart(text=fenced, source=name),), None, chars, None, notes, len(data))


def _with_notes(att: Attachment, notes: tuple[str, ...]) -> Attachment:
    if not notes:
        return att
    from dataclasses import replace

    return replace(att, notes=(*notes, *att.notes))

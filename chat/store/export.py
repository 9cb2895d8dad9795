"""Export a conversation as versioned JSON, to import again (Markdown, to read: chat.store.markdown); import it.

The JSON document::

    {"format": "charla.conversation", "version": 2, "exported_at": "...",
     "conversation": {"title", "model", "settings", "created_at", "updated_at"},
     "messages": [{"role", "text", "attachments": [...], "status", "error", "model", "provider",
                   "usage": {"prompt_tokens", "completion_tokens"} | null, "ttft", "duration", "feedback",
                   "created_at", "details": {...}}]}

Version 2 adds each message's `details` (the error's sentence key and parameters, so an imported error
re-renders in the reader's language; the "via" caption of a fallback reply; reasoning), without a blocked
draft's image data. Version 1 files (no `details`) still import.

It carries no id and no owner (an id is a capability; the importer becomes the owner of a new conversation)
and never a key: keys are not in the store, and `export_json` refuses to write a field named like one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat.schema import GenerationSettings
from chat.store.conversations import Store
from chat.store.errors import InvalidImport
from chat.store.markdown import export_markdown
from chat.store.models import (
    INTERRUPTED,
    SECRET_FIELD,
    Conversation,
    MessageRecord,
    StoredMessage,
)

__all__ = ["FORMAT", "VERSION", "InvalidImport", "export_json", "export_markdown", "import_json"]

FORMAT = "charla.conversation"
VERSION = 2
READS = (1, 2)
"""Export versions this Charla imports."""
MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_IMPORT_MESSAGES = 5_000


class ExportConversation(BaseModel):
    """The conversation's own fields in an export."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=1000)
    model: str = Field(min_length=1, max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ExportDocument(BaseModel):
    """A whole export (version 1 or 2)."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["charla.conversation"]
    version: Literal[1, 2]
    exported_at: datetime | None = None
    conversation: ExportConversation
    messages: list[MessageRecord]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def portable_details(details: dict[str, Any]) -> dict[str, Any]:
    """A message's `details` as it leaves the store: a blocked draft's image bytes are left out (counted in
    `images_dropped`, so a restored draft asks for the image again)."""
    draft = details.get("draft")
    if not isinstance(draft, dict) or not isinstance(draft.get("attachments"), list):
        return details
    attachments = []
    for entry in draft["attachments"]:
        if isinstance(entry, dict) and entry.get("images"):
            images = entry["images"]
            entry = {k: v for k, v in entry.items() if k != "images"}
            entry["images_dropped"] = len(images) if isinstance(images, list) else 1
        attachments.append(entry)
    return {**details, "draft": {**draft, "attachments": attachments}}


def _message_doc(m: StoredMessage) -> dict[str, Any]:
    record = m.record()
    doc = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    return doc | {"details": portable_details(record.details)}


def _secret_fields(value: Any, path: str = "") -> list[str]:
    """Paths of every dict key in `value` that is named like a secret."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if SECRET_FIELD.search(str(k)):
                found.append(where)
            found += _secret_fields(v, where)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _secret_fields(v, f"{path}[{i}]")
    return found


def export_json(conv: Conversation, messages: list[StoredMessage]) -> str:
    """The conversation as a versioned JSON document (see the module docstring); blocked drafts are left out."""
    messages = [m for m in messages if m.status != "blocked"]
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(datetime.now(UTC)),
        "conversation": {
            "title": conv.title,
            "model": conv.model,
            "settings": conv.settings,
            "created_at": _iso(conv.created_at),
            "updated_at": _iso(conv.updated_at),
        },
        "messages": [_message_doc(m) for m in messages],
    }
    leaked = _secret_fields(doc)
    if leaked:  # keys never reach the store; this guards against a future field that would carry one
        raise ValueError(f"refusing to export fields named like secrets: {', '.join(leaked)}")
    return json.dumps(doc, ensure_ascii=False, indent=2)


# --- import -----------------------------------------------------------------------------------------------


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _parse(text: str | bytes) -> ExportDocument:
    if len(text) > MAX_IMPORT_BYTES:
        raise InvalidImport("import.too_large", limit=MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise InvalidImport("import.not_json") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InvalidImport("import.format")
    if raw.get("version") not in READS:
        raise InvalidImport("import.version", version=raw.get("version"), supported=", ".join(map(str, READS)))
    if isinstance(raw.get("messages"), list) and len(raw["messages"]) > MAX_IMPORT_MESSAGES:
        raise InvalidImport("import.too_many", limit=MAX_IMPORT_MESSAGES)
    try:
        doc = ExportDocument.model_validate(raw)
        known = {k: v for k, v in doc.conversation.settings.items() if k in GenerationSettings.model_fields}
        GenerationSettings.model_validate(known)
    except ValidationError as e:
        first = e.errors()[0]
        loc = first["loc"] if _loc_ok(first["loc"]) else ()
        raise InvalidImport("import.invalid", where=_where(loc), problem=first["msg"]) from None
    return doc


def _loc_ok(loc: tuple[int | str, ...]) -> bool:
    """Whether a validation location is safe to show (names and indexes only)."""
    return all(isinstance(p, int) or len(p) <= 60 for p in loc)


def _imported(m: MessageRecord) -> MessageRecord:
    """A message as an import writes it: a reply exported while it streamed is stopped and marked Interrupted."""
    update: dict[str, Any] = {"details": portable_details(m.details)}
    if m.status == "streaming":
        update |= {"status": "stopped", "error": m.error or INTERRUPTED}
    return m.model_copy(update=update)


def import_json(store: Store, text: str | bytes, *, owner: str | None) -> Conversation:
    """Validate an export and store it as a new conversation owned by `owner`; InvalidImport if it is not valid.

    All or nothing: a bad file raises before anything is written, and the insert is one transaction.
    """
    doc = _parse(text)
    messages = [_imported(m) for m in doc.messages]
    c = doc.conversation
    return store.import_conversation(owner=owner, title=c.title, model=c.model, settings=c.settings, messages=messages)

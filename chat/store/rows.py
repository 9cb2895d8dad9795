"""Between Python values and rows: what is written (JSON documents without secrets) and what is read back.

JSON columns hold Python values on both engines; older SQLite rows hold the same JSON as text, which reads the
same. A field named like a secret (`api_key`, `password`, …) is dropped at any depth before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from chat.schema import GenerationSettings
from chat.store.models import SECRET_FIELD, AttachmentMeta, Conversation, ConversationSummary, StoredMessage

Settings = Mapping[str, Any] | GenerationSettings


def timestamp(value: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(value, tz=UTC)


def without_secrets(value: Any) -> Any:
    """`value` with every mapping key named like a secret dropped, at any depth."""
    if isinstance(value, Mapping):
        return {str(k): without_secrets(v) for k, v in value.items() if not SECRET_FIELD.search(str(k))}
    if isinstance(value, list | tuple):
        return [without_secrets(v) for v in value]
    return value


def _checked(value: Any, what: str) -> Any:
    try:
        json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be JSON values: {e}") from e
    return value


def settings_doc(settings: Settings) -> dict[str, Any]:
    """The conversation settings as stored (secret-like fields dropped)."""
    data = settings.model_dump() if isinstance(settings, GenerationSettings) else dict(settings)
    return dict(_checked({k: v for k, v in data.items() if not SECRET_FIELD.search(str(k))}, "settings"))


def parts_doc(parts: Sequence[AttachmentMeta]) -> list[dict[str, Any]]:
    """Attachment descriptions as stored."""
    return [p.model_dump(exclude_none=True) for p in parts]


def details_doc(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """A message's `details` as stored: a JSON object, fields named like a secret dropped at any depth."""
    return dict(_checked(without_secrets(dict(details or {})), "details"))


def _doc(value: Any, default: Any) -> Any:
    """A JSON column's value (legacy rows may hold the text; a broken one reads as `default`)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return default
    return value if isinstance(value, type(default)) else default


def conversation(row: sa.Row[Any]) -> Conversation:
    m = row._mapping
    return Conversation(
        id=m["id"],
        title=m["title"],
        model=m["model"],
        settings=_doc(m["settings"], {}),
        owner=m["owner"],
        created_at=timestamp(m["created_at"]),
        updated_at=timestamp(m["updated_at"]),
    )


def summary(row: sa.Row[Any]) -> ConversationSummary:
    m = row._mapping
    return ConversationSummary(
        id=m["id"],
        title=m["title"],
        model=m["model"],
        created_at=timestamp(m["created_at"]),
        updated_at=timestamp(m["updated_at"]),
        message_count=m["message_count"],
    )


def message(row: sa.Row[Any]) -> StoredMessage:
    m = row._mapping
    plain = ("id", "conversation_id", "seq", "role", "text", "status", "error", "model", "provider")
    numbers = ("prompt_tokens", "completion_tokens", "ttft", "duration", "feedback")
    return StoredMessage.model_validate(
        {k: m[k] for k in (*plain, *numbers)}
        | {
            "parts": [AttachmentMeta.model_validate(p) for p in _doc(m["parts"], [])],
            "created_at": timestamp(m["created_at"]),
            "details": _doc(m["details"], {}),
        }
    )

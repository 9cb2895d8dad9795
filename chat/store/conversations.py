"""`Store`: conversations and messages in SQLite or PostgreSQL, written so that a crash loses nothing already said.

One code path for both engines (SQLAlchemy Core); what differs lives in chat.store.db (connection settings),
chat.store.search (full-text search) and the migrations. Every write is its own committed transaction.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chat.store import liveness, rows, schema
from chat.store.db import to_url
from chat.store.errors import ConversationNotFound
from chat.store.messages import Messages, check_feedback
from chat.store.models import DEFAULT_TITLE, Conversation, ConversationSummary, MessageRecord
from chat.store.rows import Settings
from chat.store.schema import conversations
from chat.store.search import fts_query, matching

__all__ = ["Store", "fts_query", "shared_store"]

MAX_TITLE_CHARS = 200


def _title(title: str) -> str:
    return " ".join(title.split())[:MAX_TITLE_CHARS] or DEFAULT_TITLE


class Store(Messages):
    """Conversations in one database (a SQLite file, or PostgreSQL); safe to share between Streamlit's script
    threads and the API, and between processes and replicas on one database.

    `target`: a SQLite path, a database URL, or None for the configured one (CHARLA_DATABASE_URL, else
    `CHARLA_DATA_DIR/charla.db`). Opening migrates the database to the newest schema. `stale_after`: seconds
    without a heartbeat after which another process's `streaming` reply counts as interrupted
    (chat.store.liveness; 0 settles every reply not written by this process at once).

    `owner` arguments are `owner_id(secret)` values. Passing `owner=None` (development) skips the check.
    """

    def __init__(self, target: Path | str | None = None, *, stale_after: float = liveness.STALE_AFTER) -> None:
        super().__init__(target, stale_after=stale_after)
        with self._write() as conn:
            self.recovered: list[int] = liveness.settle(
                conn, now=time.time(), stale_after=stale_after, spare=liveness.live(self.key)
            )
            """Ids of replies a dead process had left `streaming`, now `stopped` with the INTERRUPTED note."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- conversations ----------------------------------------------------------------------------------

    def create_conversation(
        self, *, owner: str | None, model: str, settings: Settings, title: str = DEFAULT_TITLE
    ) -> Conversation:
        """A new, empty conversation with an unguessable id."""
        now = time.time()
        values = {
            "id": secrets.token_urlsafe(16),
            "title": title.strip()[:MAX_TITLE_CHARS] or DEFAULT_TITLE,
            "model": model,
            "settings": rows.settings_doc(settings),
            "owner": owner,
            "created_at": now,
            "updated_at": now,
        }
        with self._write() as conn:
            row = conn.execute(conversations.insert().values(**values).returning(*conversations.c)).one()
        return rows.conversation(row)

    def get_conversation(self, conv_id: str, *, owner: str | None = None) -> Conversation | None:
        """The conversation, or None if it does not exist or (when `owner` is given) is not the owner's."""
        stmt = sa.select(conversations).where(conversations.c.id == conv_id)
        if owner is not None:
            stmt = stmt.where(conversations.c.owner == owner)
        found = self._read(stmt)
        return rows.conversation(found[0]) if found else None

    def list_conversations(
        self, *, owner: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """Conversations, most recently active first; `query` searches message texts and titles (full text).

        Each word of `query` must appear (as a word prefix); quotes, `AND`, `(`, `*` are searched as plain
        text, never parsed as query syntax, so no user input raises.
        """
        c, m = conversations, schema.messages
        count = (
            sa.select(sa.func.count())
            .select_from(m)
            .where(m.c.conversation_id == c.c.id)
            .scalar_subquery()
            .label("message_count")
        )
        stmt = sa.select(c.c.id, c.c.title, c.c.model, c.c.created_at, c.c.updated_at, count)
        if owner is not None:
            stmt = stmt.where(c.c.owner == owner)
        condition = matching(self.engine.dialect.name, query or "")
        if condition is not None:
            stmt = stmt.where(condition)
        stmt = stmt.order_by(c.c.updated_at.desc(), c.c.created_at.desc(), c.c.id.desc())
        return [rows.summary(r) for r in self._read(stmt.limit(max(0, limit)).offset(max(0, offset)))]

    def _owned(self, conv_id: str, owner: str | None) -> sa.ColumnElement[bool]:
        condition = conversations.c.id == conv_id
        return condition if owner is None else sa.and_(condition, conversations.c.owner == owner)

    def rename(self, conv_id: str, title: str, *, owner: str | None = None) -> bool:
        """Set the title (trimmed, at most 200 characters); False if not found / not the owner's."""
        title = " ".join(title.split())[:MAX_TITLE_CHARS]
        if not title:
            raise ValueError("a title cannot be empty")
        with self._write() as conn:
            result = conn.execute(conversations.update().where(self._owned(conv_id, owner)).values(title=title))
        return result.rowcount == 1

    def delete(self, conv_id: str, *, owner: str | None = None) -> bool:
        """Delete the conversation, its messages and their search entries; False if not found / not owned."""
        with self._write() as conn:
            result = conn.execute(conversations.delete().where(self._owned(conv_id, owner)))
        return result.rowcount == 1

    def update_settings(self, conv_id: str, *, model: str, settings: Settings) -> None:
        """Remember the model and settings chosen for this conversation."""
        doc = rows.settings_doc(settings)
        with self._write() as conn:
            stmt = conversations.update().where(conversations.c.id == conv_id).values(model=model, settings=doc)
            if conn.execute(stmt).rowcount != 1:
                raise ConversationNotFound()

    # --- import -----------------------------------------------------------------------------------------

    def import_conversation(
        self,
        *,
        owner: str | None,
        title: str,
        model: str,
        settings: Settings,
        messages: Sequence[MessageRecord],
        conv_id: str | None = None,
        created_at: float | None = None,
        updated_at: float | None = None,
    ) -> Conversation:
        """Create a conversation with all its messages in one transaction (all or nothing).

        A new unguessable id unless `conv_id` is given (the copy tool keeps ids, so links keep working).
        """
        now = time.time()
        new_id = conv_id or secrets.token_urlsafe(16)
        head = {
            "id": new_id,
            "title": _title(title),
            "model": model,
            "settings": rows.settings_doc(settings),
            "owner": owner,
            "created_at": created_at or now,
            "updated_at": updated_at or now,
        }
        body = [_message_values(new_id, seq, m, now) for seq, m in enumerate(messages, start=1)]
        with self._write() as conn:
            row = conn.execute(conversations.insert().values(**head).returning(*conversations.c)).one()
            if body:
                conn.execute(schema.messages.insert(), body)
        return rows.conversation(row)


def _message_values(conv_id: str, seq: int, m: MessageRecord, now: float) -> dict[str, Any]:
    check_feedback(m.feedback)
    return {
        "conversation_id": conv_id,
        "seq": seq,
        "role": m.role,
        "text": m.text,
        "parts": rows.parts_doc(m.parts),
        "status": "stopped" if m.status == "streaming" else m.status,
        "error": m.error,
        "model": m.model,
        "provider": m.provider,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "ttft": m.ttft,
        "duration": m.duration,
        "feedback": m.feedback,
        "created_at": m.created_at.timestamp() if m.created_at is not None else now,
        "details": rows.details_doc(m.details),
    }


_shared: dict[str, Store] = {}
_shared_lock = threading.Lock()


def shared_store(target: Path | str | None = None) -> Store:
    """The process's Store for `target` (default: the configured database), opened once and shared by the UI
    and the API."""
    key = to_url(target).render_as_string(hide_password=False)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Store(target)
        return _shared[key]

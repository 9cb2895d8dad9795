"""A conversation's messages: reading them, and every write of a turn, each its own committed transaction.

The user's message is written before the provider is called (`add_message`), the reply row is created
`streaming` (`start_reply`), its text is rewritten as it grows (`update_reply`, throttled by the caller) and
it is closed with a final status (`finish_reply`). Writers of one conversation take its row lock first
(PostgreSQL: `SELECT … FOR UPDATE`; SQLite: the database's write lock, `BEGIN IMMEDIATE`), so two replicas
appending at once get consecutive `seq`s, and locks are always taken conversation first, messages after.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import sqlalchemy as sa

from chat.schema import Role
from chat.store import liveness, rows
from chat.store.db import Database
from chat.store.errors import ConversationNotFound
from chat.store.models import (
    DEFAULT_TITLE,
    FINAL_STATUSES,
    AttachmentMeta,
    MessageStatus,
    ReplyStatus,
    StoredMessage,
    default_title,
)
from chat.store.schema import conversations, messages

ROLES: frozenset[str] = frozenset(get_args(Role))


def check_feedback(value: int | None) -> None:
    if value not in (1, -1, None):
        raise ValueError(f"feedback must be 1, -1 or None, not {value!r}")


def lock_conversation(conn: sa.Connection, conv_id: str) -> str | None:
    """Take the conversation's row lock for this transaction; its title (None if it does not exist)."""
    stmt = sa.select(conversations.c.title).where(conversations.c.id == conv_id).with_for_update()
    title = conn.execute(stmt).scalar()
    return None if title is None else str(title)


def _next_seq(conn: sa.Connection, conv_id: str) -> int:
    stmt = sa.select(sa.func.coalesce(sa.func.max(messages.c.seq), 0) + 1).where(messages.c.conversation_id == conv_id)
    return int(conn.execute(stmt).scalar_one())


def _touch(conn: sa.Connection, conv_id: str, now: float, **values: Any) -> None:
    conn.execute(conversations.update().where(conversations.c.id == conv_id).values(updated_at=now, **values))


class Messages(Database):
    """The message half of :class:`chat.store.Store` (see there)."""

    def __init__(self, target: Path | str | None = None, *, stale_after: float = liveness.STALE_AFTER) -> None:
        super().__init__(target)
        self.stale_after = stale_after
        self._heartbeat = liveness.Heartbeat(self._beat)

    def close(self) -> None:
        """Stop the heartbeat and close the pooled connections."""
        self._heartbeat.stop()
        super().close()

    def _beat(self, ids: list[int]) -> None:
        with self._write() as conn:
            conn.execute(
                messages.update()
                .where(messages.c.id.in_(ids), liveness.revive_condition())
                .values(heartbeat=time.time(), status="streaming", error=None)
            )

    def _read_messages(self, conv_id: str, owner: str | None) -> list[sa.Row[Any]]:
        stmt = sa.select(messages).join(conversations).where(conversations.c.id == conv_id).order_by(messages.c.seq)
        if owner is not None:
            stmt = stmt.where(conversations.c.owner == owner)
        return self._read(stmt)

    def messages(self, conv_id: str, *, owner: str | None = None) -> list[StoredMessage]:
        """The conversation's messages in order ([] if it does not exist or is not the owner's).

        A reply a dead process left `streaming` is settled as interrupted here (see chat.store.liveness)."""
        found = self._read_messages(conv_id, owner)
        now, spare = time.time(), liveness.live(self.key)
        if any(
            r.status == "streaming" and r.id not in spare and liveness.stale(r.heartbeat, now, self.stale_after)
            for r in found
        ):
            with self._write() as conn:
                liveness.settle(conn, now=now, stale_after=self.stale_after, spare=spare, conversation=conv_id)
            found = self._read_messages(conv_id, owner)
        return [rows.message(r) for r in found]

    def add_message(
        self,
        conv_id: str,
        *,
        role: Role,
        text: str,
        parts_meta: Sequence[Mapping[str, Any]] | None = None,
        status: MessageStatus = "finished",
        details: Mapping[str, Any] | None = None,
    ) -> StoredMessage:
        """Append a finished message (the user's, before the provider is called). Sets the default title.

        `status="blocked"` keeps a user's draft that the model could not take yet (with its attachments), so a
        refresh loses nothing typed or attached. Attachment descriptions are validated as AttachmentMeta: a
        thumbnail over 64 KB is dropped, never the message.
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        if status not in ("finished", "blocked") or (status == "blocked" and role != "user"):
            raise ValueError(f"add_message stores a finished message or a user's blocked draft, not {status!r}")
        parts = [AttachmentMeta.clean(dict(p)) for p in parts_meta or []]
        values = {
            "role": role,
            "text": text,
            "parts": rows.parts_doc(parts),
            "status": status,
            "details": rows.details_doc(details),
        }
        now = time.time()
        with self._write() as conn:
            title = lock_conversation(conn, conv_id)
            if title is None:
                raise ConversationNotFound()
            row = conn.execute(
                messages.insert()
                .values(conversation_id=conv_id, seq=_next_seq(conn, conv_id), created_at=now, **values)
                .returning(*messages.c)
            ).one()
            if role == "user" and title == DEFAULT_TITLE:
                title = default_title(text, parts)
            _touch(conn, conv_id, now, title=title)
        return rows.message(row)

    def start_reply(self, conv_id: str, *, model: str, provider: str) -> StoredMessage:
        """Create the assistant's row, empty and `streaming`, before the first token arrives."""
        now = time.time()
        with self._write() as conn:
            if lock_conversation(conn, conv_id) is None:
                raise ConversationNotFound()
            row = conn.execute(
                messages.insert()
                .values(
                    conversation_id=conv_id,
                    seq=_next_seq(conn, conv_id),
                    role="assistant",
                    text="",
                    status="streaming",
                    model=model,
                    provider=provider,
                    created_at=now,
                    heartbeat=now,
                )
                .returning(*messages.c)
            ).one()
            _touch(conn, conv_id, now)
            liveness.add(self.key, row.id)
        self._heartbeat.watch(row.id)
        return rows.message(row)

    def update_reply(self, msg_id: int, text: str) -> None:
        """Write the reply's text so far (committed at once). Ignored once the reply is finished."""
        with self._write() as conn:
            conn.execute(
                messages.update()
                .where(messages.c.id == msg_id, liveness.revive_condition())
                .values(text=text, status="streaming", error=None, heartbeat=time.time())
            )

    def finish_reply(
        self,
        msg_id: int,
        *,
        text: str,
        status: ReplyStatus,
        usage: tuple[int, int] | None = None,
        ttft: float | None = None,
        duration: float | None = None,
        error: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Close the reply: final text, how it ended (`finished`, `stopped`, `cut`, `failed`) and its numbers.

        `error` is the English sentence; `details` may hold its sentence key and parameters and the fallback
        caption (see StoredMessage.details).
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"a reply ends as one of {sorted(FINAL_STATUSES)}, not {status!r}")
        prompt, completion = usage if usage is not None else (None, None)
        values = {
            "text": text,
            "status": status,
            "error": error,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "ttft": ttft,
            "duration": duration,
            "details": rows.details_doc(details),
        }
        try:
            with self._write() as conn:
                conv_id = conn.execute(sa.select(messages.c.conversation_id).where(messages.c.id == msg_id)).scalar()
                if conv_id is not None and lock_conversation(conn, conv_id) is not None:
                    conn.execute(messages.update().where(messages.c.id == msg_id).values(**values))
                    _touch(conn, conv_id, time.time())
        finally:
            liveness.discard(self.key, msg_id)
            self._heartbeat.unwatch(msg_id)

    def mark_failed(self, msg_id: int, error: str, details: Mapping[str, Any] | None = None) -> None:
        """Mark a message `failed` with the sentence that says why (a user message the provider never answered).

        `details` may hold the error's sentence key and parameters (see StoredMessage.details).
        """
        with self._write() as conn:
            conn.execute(
                messages.update()
                .where(messages.c.id == msg_id)
                .values(status="failed", error=error, details=rows.details_doc(details))
            )

    def set_feedback(self, msg_id: int, value: int | None) -> None:
        """Thumbs up (+1), down (-1) or cleared (None)."""
        check_feedback(value)
        with self._write() as conn:
            conn.execute(messages.update().where(messages.c.id == msg_id).values(feedback=value))

    def delete_messages_from(self, conv_id: str, seq: int) -> None:
        """Drop the message at `seq` and every later one (edit-and-resend, regenerate)."""
        with self._write() as conn:
            if lock_conversation(conn, conv_id) is None:
                return
            conn.execute(messages.delete().where(messages.c.conversation_id == conv_id, messages.c.seq >= seq))
            _touch(conn, conv_id, time.time())

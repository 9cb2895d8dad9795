"""`Store`: conversations and messages in SQLite, written so that a crash loses nothing already said.

Every write is its own committed transaction. The user's message is written before the provider is called
(`add_message`), the reply row is created `streaming` (`start_reply`), its text is rewritten as it grows
(`update_reply`, throttled by the caller) and closed with a final status (`finish_reply`).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from chat.schema import GenerationSettings, Role
from chat.store.db import connect, default_path
from chat.store.errors import ConversationNotFound
from chat.store.models import (
    DEFAULT_TITLE,
    FINAL_STATUSES,
    INTERRUPTED,
    SECRET_FIELD,
    AttachmentMeta,
    Conversation,
    ConversationSummary,
    MessageStatus,
    ReplyStatus,
    StoredMessage,
    default_title,
)

MAX_TITLE_CHARS = 200
ROLES: frozenset[str] = frozenset(get_args(Role))

_LIVE: set[tuple[str, int]] = set()
"""(database, message id) of replies streaming in this process; a Store opened meanwhile leaves them alone."""
_LIVE_LOCK = threading.Lock()

Settings = Mapping[str, Any] | GenerationSettings


@dataclass(frozen=True)
class NewMessage:
    """A message to insert as it is (used by import)."""

    role: Role
    text: str
    parts: list[AttachmentMeta] = field(default_factory=list)
    status: ReplyStatus = "finished"
    error: str | None = None
    model: str | None = None
    provider: str | None = None
    usage: tuple[int, int] | None = None
    ttft: float | None = None
    duration: float | None = None
    feedback: int | None = None
    created_at: float | None = None


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _settings_json(settings: Settings) -> str:
    data = settings.model_dump() if isinstance(settings, GenerationSettings) else dict(settings)
    data = {k: v for k, v in data.items() if not SECRET_FIELD.search(str(k))}
    try:
        return json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"settings must be JSON values: {e}") from e


def _parts_json(parts: Sequence[AttachmentMeta]) -> str:
    return json.dumps([p.model_dump(exclude_none=True) for p in parts], ensure_ascii=False)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _without_secrets(v) for k, v in value.items() if not SECRET_FIELD.search(str(k))}
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    return value


def _details_json(details: Mapping[str, Any] | None) -> str:
    """A message's `details` as stored: a JSON object, fields named like a secret dropped at any depth."""
    try:
        return json.dumps(_without_secrets(dict(details or {})), ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"details must be JSON values: {e}") from e


def _details_of(row: sqlite3.Row) -> dict[str, Any]:
    try:
        data = json.loads(row["details"] or "{}")
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _check_feedback(value: int | None) -> None:
    if value not in (1, -1, None):
        raise ValueError(f"feedback must be 1, -1 or None, not {value!r}")


class Store:
    """Conversations in one SQLite file; safe to share between Streamlit script threads and the API.

    Thread safety: one connection per Store, opened with `check_same_thread=False` and used only under the
    Store's lock. (Streamlit runs each rerun in a fresh thread, so connections per thread would pile up.)
    SQLite serialises writers anyway, and each call is a few milliseconds; share one Store per process
    (`shared_store()`), or open several: WAL and `busy_timeout` keep them consistent.

    `owner` arguments are `owner_id(secret)` values. Passing `owner=None` (development) skips the check.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.RLock()
        self._conn = connect(self.path)
        self._conn.row_factory = sqlite3.Row
        self._key = str(self.path.resolve())
        self.recovered: list[int] = self._mark_interrupted()
        """Ids of replies a dead process had left `streaming`, now `stopped` with the INTERRUPTED note."""

    # --- plumbing -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction, holding the write lock from the start."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _mark_interrupted(self) -> list[int]:
        with _LIVE_LOCK:
            live = {mid for key, mid in _LIVE if key == self._key}
        with self._write() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM messages WHERE status = 'streaming'")]
            dead = [i for i in ids if i not in live]
            conn.executemany(
                "UPDATE messages SET status = 'stopped', error = ? WHERE id = ? AND status = 'streaming'",
                [(INTERRUPTED, i) for i in dead],
            )
        return dead

    @staticmethod
    def _conversation(row: sqlite3.Row) -> Conversation:
        return Conversation(
            id=row["id"],
            title=row["title"],
            model=row["model"],
            settings=json.loads(row["settings"]),
            owner=row["owner"],
            created_at=_ts(row["created_at"]),
            updated_at=_ts(row["updated_at"]),
        )

    @staticmethod
    def _message(row: sqlite3.Row) -> StoredMessage:
        return StoredMessage(
            id=row["id"],
            conversation_id=row["conversation_id"],
            seq=row["seq"],
            role=row["role"],
            text=row["text"],
            parts=[AttachmentMeta.model_validate(p) for p in json.loads(row["parts"])],
            status=row["status"],
            error=row["error"],
            model=row["model"],
            provider=row["provider"],
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            ttft=row["ttft"],
            duration=row["duration"],
            feedback=row["feedback"],
            created_at=_ts(row["created_at"]),
            details=_details_of(row),
        )

    def _message_by_id(self, msg_id: int) -> StoredMessage:
        rows = self._read("SELECT * FROM messages WHERE id = ?", (msg_id,))
        return self._message(rows[0])

    @staticmethod
    def _next_seq(conn: sqlite3.Connection, conv_id: str) -> int:
        row = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?", (conv_id,))
        return int(row.fetchone()[0])

    @staticmethod
    def _existing_title(conn: sqlite3.Connection, conv_id: str) -> str:
        row = conn.execute("SELECT title FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        if row is None:
            raise ConversationNotFound()
        return str(row[0])

    # --- conversations ----------------------------------------------------------------------------------

    def create_conversation(
        self, *, owner: str | None, model: str, settings: Settings, title: str = DEFAULT_TITLE
    ) -> Conversation:
        """A new, empty conversation with an unguessable id."""
        conv_id = secrets.token_urlsafe(16)
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO conversations (id, title, model, settings, owner, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    conv_id,
                    title.strip()[:MAX_TITLE_CHARS] or DEFAULT_TITLE,
                    model,
                    _settings_json(settings),
                    owner,
                    now,
                    now,
                ),
            )
        conv = self.get_conversation(conv_id)
        assert conv is not None
        return conv

    def get_conversation(self, conv_id: str, *, owner: str | None = None) -> Conversation | None:
        """The conversation, or None if it does not exist or (when `owner` is given) is not the owner's."""
        rows = self._read(
            "SELECT * FROM conversations WHERE id = :id AND (:owner IS NULL OR owner = :owner)",
            {"id": conv_id, "owner": owner},
        )
        return self._conversation(rows[0]) if rows else None

    def list_conversations(
        self, *, owner: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """Conversations, most recently active first; `query` searches message texts and titles (FTS5).

        Each word of `query` must appear (as a word prefix); quotes, `AND`, `(`, `*` are searched as plain
        text, never parsed as FTS syntax, so no user input raises.
        """
        match = fts_query(query or "")
        where = "(:owner IS NULL OR c.owner = :owner)"
        if match is not None:
            where += (
                " AND (c.id IN (SELECT m.conversation_id FROM messages m WHERE m.id IN"
                " (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :match))"
                " OR c.id IN (SELECT conversation_id FROM titles_fts WHERE titles_fts MATCH :match))"
            )
        rows = self._read(
            "SELECT c.id, c.title, c.model, c.created_at, c.updated_at,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"
            f" FROM conversations c WHERE {where}"
            " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT :limit OFFSET :offset",
            {"owner": owner, "match": match, "limit": max(0, limit), "offset": max(0, offset)},
        )
        return [
            ConversationSummary(
                id=r["id"],
                title=r["title"],
                model=r["model"],
                created_at=_ts(r["created_at"]),
                updated_at=_ts(r["updated_at"]),
                message_count=r["message_count"],
            )
            for r in rows
        ]

    def rename(self, conv_id: str, title: str, *, owner: str | None = None) -> bool:
        """Set the title (trimmed, at most 200 characters); False if not found / not the owner's."""
        title = " ".join(title.split())[:MAX_TITLE_CHARS]
        if not title:
            raise ValueError("a title cannot be empty")
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET title = :title WHERE id = :id AND (:owner IS NULL OR owner = :owner)",
                {"title": title, "id": conv_id, "owner": owner},
            )
        return cur.rowcount == 1

    def delete(self, conv_id: str, *, owner: str | None = None) -> bool:
        """Delete the conversation, its messages and their search entries; False if not found / not owned."""
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM conversations WHERE id = :id AND (:owner IS NULL OR owner = :owner)",
                {"id": conv_id, "owner": owner},
            )
        return cur.rowcount == 1

    def update_settings(self, conv_id: str, *, model: str, settings: Settings) -> None:
        """Remember the model and settings chosen for this conversation."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET model = ?, settings = ? WHERE id = ?",
                (model, _settings_json(settings), conv_id),
            )
            if cur.rowcount != 1:
                raise ConversationNotFound()

    # --- messages ---------------------------------------------------------------------------------------

    def messages(self, conv_id: str, *, owner: str | None = None) -> list[StoredMessage]:
        """The conversation's messages in order ([] if it does not exist or is not the owner's)."""
        rows = self._read(
            "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.id = :id AND (:owner IS NULL OR c.owner = :owner) ORDER BY m.seq",
            {"id": conv_id, "owner": owner},
        )
        return [self._message(r) for r in rows]

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
        now = time.time()
        with self._write() as conn:
            title = self._existing_title(conn, conv_id)
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, seq, role, text, parts, status, details, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conv_id,
                    self._next_seq(conn, conv_id),
                    role,
                    text,
                    _parts_json(parts),
                    status,
                    _details_json(details),
                    now,
                ),
            )
            if role == "user" and title == DEFAULT_TITLE:
                title = default_title(text, parts)
            conn.execute("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?", (title, now, conv_id))
            msg_id = int(cur.lastrowid or 0)
        return self._message_by_id(msg_id)

    def start_reply(self, conv_id: str, *, model: str, provider: str) -> StoredMessage:
        """Create the assistant's row, empty and `streaming`, before the first token arrives."""
        now = time.time()
        with self._write() as conn:
            self._existing_title(conn, conv_id)
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, seq, role, text, status, model, provider, created_at)"
                " VALUES (?, ?, 'assistant', '', 'streaming', ?, ?, ?)",
                (conv_id, self._next_seq(conn, conv_id), model, provider, now),
            )
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conv_id))
            msg_id = int(cur.lastrowid or 0)
            with _LIVE_LOCK:
                _LIVE.add((self._key, msg_id))
        return self._message_by_id(msg_id)

    def update_reply(self, msg_id: int, text: str) -> None:
        """Write the reply's text so far (committed at once). Ignored once the reply is finished."""
        with self._write() as conn:
            conn.execute(
                "UPDATE messages SET text = ?, status = 'streaming', error = NULL"
                " WHERE id = ? AND (status = 'streaming' OR (status = 'stopped' AND error = ?))",
                (text, msg_id, INTERRUPTED),
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
        try:
            with self._write() as conn:
                conn.execute(
                    "UPDATE messages SET text = ?, status = ?, error = ?, prompt_tokens = ?,"
                    " completion_tokens = ?, ttft = ?, duration = ?, details = ? WHERE id = ?",
                    (text, status, error, prompt, completion, ttft, duration, _details_json(details), msg_id),
                )
                conn.execute(
                    "UPDATE conversations SET updated_at = ?"
                    " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                    (time.time(), msg_id),
                )
        finally:
            with _LIVE_LOCK:
                _LIVE.discard((self._key, msg_id))

    def mark_failed(self, msg_id: int, error: str, details: Mapping[str, Any] | None = None) -> None:
        """Mark a message `failed` with the sentence that says why (a user message the provider never answered).

        `details` may hold the error's sentence key and parameters (see StoredMessage.details).
        """
        with self._write() as conn:
            conn.execute(
                "UPDATE messages SET status = 'failed', error = ?, details = ? WHERE id = ?",
                (error, _details_json(details), msg_id),
            )

    def set_feedback(self, msg_id: int, value: int | None) -> None:
        """Thumbs up (+1), down (-1) or cleared (None)."""
        _check_feedback(value)
        with self._write() as conn:
            conn.execute("UPDATE messages SET feedback = ? WHERE id = ?", (value, msg_id))

    def delete_messages_from(self, conv_id: str, seq: int) -> None:
        """Drop the message at `seq` and every later one (edit-and-resend, regenerate)."""
        with self._write() as conn:
            conn.execute("DELETE FROM messages WHERE conversation_id = ? AND seq >= ?", (conv_id, seq))
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time(), conv_id))

    # --- import -----------------------------------------------------------------------------------------

    def import_conversation(
        self, *, owner: str | None, title: str, model: str, settings: Settings, messages: Sequence[NewMessage]
    ) -> Conversation:
        """Create a conversation with all its messages in one transaction (all or nothing)."""
        conv_id = secrets.token_urlsafe(16)
        now = time.time()
        settings_json = _settings_json(settings)
        for m in messages:
            _check_feedback(m.feedback)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO conversations (id, title, model, settings, owner, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    conv_id,
                    " ".join(title.split())[:MAX_TITLE_CHARS] or DEFAULT_TITLE,
                    model,
                    settings_json,
                    owner,
                    now,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO messages (conversation_id, seq, role, text, parts, status, error, model, provider,"
                " prompt_tokens, completion_tokens, ttft, duration, feedback, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        conv_id,
                        seq,
                        m.role,
                        m.text,
                        _parts_json(m.parts),
                        "stopped" if m.status == "streaming" else m.status,
                        m.error,
                        m.model,
                        m.provider,
                        *(m.usage or (None, None)),
                        m.ttft,
                        m.duration,
                        m.feedback,
                        m.created_at if m.created_at is not None else now,
                    )
                    for seq, m in enumerate(messages, start=1)
                ],
            )
        conv = self.get_conversation(conv_id)
        assert conv is not None
        return conv


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression: every word quoted as a prefix phrase, all required; None if no words."""
    terms = [t for t in text.split() if any(ch.isalnum() for ch in t)]
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms[:20])


_SHARED: dict[str, Store] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(path: Path | str | None = None) -> Store:
    """The process's Store for `path` (default database), opened once and shared by the UI and the API."""
    target = Path(path) if path is not None else default_path()
    key = str(target.resolve())
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Store(target)
        return _SHARED[key]

"""Write-through between the chat page's `ChatSession` and the SQLite store (no Streamlit here).

The page keeps the conversation in session state and writes each change through; it reads the store only to
open a conversation (`load`), never on an ordinary rerun. `ChatSession.saved` mirrors what the store holds, as
(message id, seq) pairs in order, so `sync` can tell where the screen and the store part ways (a regenerate,
an edit, a removed message) and rewrite only from there (`Store.delete_messages_from`, then re-insert).

Order of writes for one turn: `before_send` (creates the conversation at the first send, stores the settings and
the user's message) runs before the provider is called; `ReplyWriter` opens the reply row, rewrites its text at
most every `THROTTLE` seconds while it streams and closes it with its outcome, usage and timing. `finish` uses
plain Python only, so it works in the `finally` after a Stop, where no Streamlit call does.

What a message becomes in the store (its columns and `details`: an error's sentence key, a via caption, a
reply's reasoning and tool steps, a blocked draft's attachments) is :mod:`chat.records`' mapping, used both ways.

A user's draft blocked before sending (an attachment that does not fit the model, a recording that could not be
transcribed) is stored at once with status `blocked` (`save_draft`), so a refresh can still send it. When it is
later sent, changed or removed, `sync` rewrites the store from it like any other change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from chat.catalog import known, retirement
from chat.messages import FINAL, ChatMessage
from chat.records import message_of, record_of
from chat.session import ChatSession
from chat.store import MessageRecord, MessageStatus, Store, export_json, export_markdown, import_json

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
    sync(store, chat, force_from=chat.rewrite_from or user.id)
    chat.rewrite_from = None
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


# --- opening a stored conversation ------------------------------------------------------------------------------------


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

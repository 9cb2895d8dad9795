"""FROZEN: the hand-written SQLite migrations (m001..m005) Charla used before Alembic, kept only to adopt old files.

A SQLite file made by an older Charla records its versions in `_migrations`. :mod:`chat.store.migrate` brings a
file still older than m005 forward with these functions, then stamps it at Alembic revision 0001 (whose schema is
m005's) and upgrades it to head with Alembic like any other database. New schema changes go in
`chat/store/alembic/versions/`, never here: this module must not change.

Each migration is a function `mNNN_what(conn)` registered with `@migration`. `migrate()` applies, in list order,
those whose name is not yet in the `_migrations` table, each in its own transaction together with the row that
records it, so a crash leaves the database at one version or the next, never between.

Migrations run statements one by one with `conn.execute` (never `executescript`, which commits on its own).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []
"""Every migration, oldest first."""


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration (its name must be new and look like `m004_...`)."""
    name = fn.__name__
    if not name.startswith("m") or name in {m.__name__ for m in MIGRATIONS}:
        raise ValueError(f"migration names must be unique and start with 'mNNN_': {name}")
    MIGRATIONS.append(fn)
    return fn


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute each statement of `script` inside the current transaction (triggers' `;` are handled)."""
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                conn.execute(buffer)
            buffer = ""
    if buffer.strip(" \n\t;"):
        conn.execute(buffer)


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied, in order."""
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    return [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> list[str]:
    """Apply the missing migrations (all of MIGRATIONS by default); return the names applied now.

    `conn` must be in autocommit mode (`isolation_level=None`); each migration gets `BEGIN IMMEDIATE`, so two
    processes opening the same new database do not both apply it.
    """
    done = set(applied(conn))
    ran: list[str] = []
    for fn in MIGRATIONS if migrations is None else migrations:
        if fn.__name__ in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)).fetchone():
                conn.execute("COMMIT")  # another process got there first
                continue
            fn(conn)
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        ran.append(fn.__name__)
    return ran


@migration
def m001_conversations_and_messages(conn: sqlite3.Connection) -> None:
    """Version 1: conversations and their messages (a reply is written while it streams)."""
    run_script(
        conn,
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX conversations_updated ON conversations (updated_at DESC);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
            text TEXT NOT NULL DEFAULT '',
            parts TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'finished'
                CHECK (status IN ('streaming', 'finished', 'stopped', 'cut', 'failed')),
            error TEXT,
            model TEXT,
            provider TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            ttft REAL,
            duration REAL,
            created_at REAL NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
        """,
    )


@migration
def m002_full_text_search(conn: sqlite3.Connection) -> None:
    """Version 2: FTS5 indexes on message text and conversation titles, kept in sync by triggers."""
    run_script(
        conn,
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
            text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages;
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;

        CREATE VIRTUAL TABLE titles_fts USING fts5 (
            conversation_id UNINDEXED, title, tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO titles_fts (conversation_id, title) SELECT id, title FROM conversations;
        CREATE TRIGGER titles_fts_insert AFTER INSERT ON conversations BEGIN
            INSERT INTO titles_fts (conversation_id, title) VALUES (new.id, new.title);
        END;
        CREATE TRIGGER titles_fts_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM titles_fts WHERE conversation_id = old.id;
        END;
        CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON conversations BEGIN
            DELETE FROM titles_fts WHERE conversation_id = old.id;
            INSERT INTO titles_fts (conversation_id, title) VALUES (new.id, new.title);
        END;
        """,
    )


@migration
def m003_conversation_owner(conn: sqlite3.Connection) -> None:
    """Version 3: shared deployments keep each browser's conversations apart (`owner` = sha256 of a secret).

    Conversations from before have no owner: visible in development, to nobody in production.
    """
    run_script(
        conn,
        """
        ALTER TABLE conversations ADD COLUMN owner TEXT;
        CREATE INDEX conversations_owner ON conversations (owner, updated_at DESC);
        """,
    )


@migration
def m004_message_feedback(conn: sqlite3.Connection) -> None:
    """Version 4: thumbs up / down on replies (+1, -1 or NULL)."""
    conn.execute("ALTER TABLE messages ADD COLUMN feedback INTEGER CHECK (feedback IN (-1, 1))")


@migration
def m005_message_details_and_drafts(conn: sqlite3.Connection) -> None:
    """Version 5: `details` (a JSON object: an error's sentence key and parameters, the fallback caption, a
    blocked draft's image data) and the user status `blocked` (a draft the model could not take yet).

    SQLite cannot widen a CHECK constraint, so the table is rebuilt: copied into a new one, the old one dropped
    (its FTS triggers with it), the new one renamed, and the index, the triggers and the search index made again.
    The trigger SQL repeats m002's on purpose: a migration is frozen history and must not change if another does.
    """
    (next_id,) = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").fetchone() or (0,)
    run_script(
        conn,
        """
        CREATE TABLE messages_v5 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
            text TEXT NOT NULL DEFAULT '',
            parts TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'finished'
                CHECK (status IN ('streaming', 'finished', 'stopped', 'cut', 'failed', 'blocked')),
            error TEXT,
            model TEXT,
            provider TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            ttft REAL,
            duration REAL,
            created_at REAL NOT NULL,
            feedback INTEGER CHECK (feedback IN (-1, 1)),
            details TEXT NOT NULL DEFAULT '{}',
            UNIQUE (conversation_id, seq)
        );
        INSERT INTO messages_v5 (id, conversation_id, seq, role, text, parts, status, error, model, provider,
                                 prompt_tokens, completion_tokens, ttft, duration, created_at, feedback)
            SELECT id, conversation_id, seq, role, text, parts, status, error, model, provider,
                   prompt_tokens, completion_tokens, ttft, duration, created_at, feedback FROM messages;
        DROP TABLE messages;
        ALTER TABLE messages_v5 RENAME TO messages;
        CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
        """,
    )
    conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'messages'", (next_id,))

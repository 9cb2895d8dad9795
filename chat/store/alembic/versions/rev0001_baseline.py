"""Baseline: conversations, messages and full-text search, as the hand-written migration m005 left them.

Revision ID: 0001
Revises:
Create Date: 2025-12-02

A SQLite file made by the old migrations (m001..m005) is stamped at this revision, not run through it
(chat.store.migrate), so on SQLite this must stay exactly m005's schema.

Full-text search, each engine its own way:

* SQLite: FTS5 tables kept in sync by triggers (`unicode61 remove_diacritics 2`: accents folded, words split on
  anything not a letter or digit). The trigger SQL repeats m002/m005's on purpose. A copy-and-move ALTER of
  `messages` or `conversations` (`op.batch_alter_table`) drops these triggers: later revisions must not use it.
* PostgreSQL: generated `tsvector` columns with GIN indexes, over `charla_fold(text)`, which folds accents with
  the `unaccent` extension and splits words the way FTS5 does (so `json.loads` is `json` + `loads`, and `cafe`
  finds `café`, on both engines). `unaccent` ships with PostgreSQL's contrib and is a *trusted* extension
  (PostgreSQL 13+), so the database's owner may create it without being a superuser. If it cannot be created
  (contrib missing, or a role without CREATE on the database), search still works but does not fold accents
  (a warning is logged); to get folding, create the extension as an administrator before Charla first starts.
  `charla_tsquery(text)` turns the user's words into prefix terms, all required, so no input is parsed as
  query syntax.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

log = logging.getLogger("chat.store.migrate")

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MessageId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("settings", JSONDoc, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("owner", sa.Text),
    )
    op.create_index("conversations_updated", "conversations", [sa.text("updated_at DESC")])
    op.create_index("conversations_owner", "conversations", ["owner", sa.text("updated_at DESC")])
    op.create_table(
        "messages",
        sa.Column("id", MessageId, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.Text, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, sa.CheckConstraint("role IN ('user', 'assistant', 'system')"), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("parts", JSONDoc, nullable=False, server_default=sa.text("'[]'")),
        sa.Column(
            "status",
            sa.Text,
            sa.CheckConstraint("status IN ('streaming', 'finished', 'stopped', 'cut', 'failed', 'blocked')"),
            nullable=False,
            server_default="finished",
        ),
        sa.Column("error", sa.Text),
        sa.Column("model", sa.Text),
        sa.Column("provider", sa.Text),
        sa.Column("prompt_tokens", sa.Integer),
        sa.Column("completion_tokens", sa.Integer),
        sa.Column("ttft", sa.Double),
        sa.Column("duration", sa.Double),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("feedback", sa.Integer, sa.CheckConstraint("feedback IN (-1, 1)")),
        sa.Column("details", JSONDoc, nullable=False, server_default=sa.text("'{}'")),
        sa.UniqueConstraint("conversation_id", "seq"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "messages_streaming",
        "messages",
        ["status"],
        sqlite_where=sa.text("status = 'streaming'"),
        postgresql_where=sa.text("status = 'streaming'"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search()
    else:
        _postgresql_search()


SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE messages_fts USING fts5 (
        text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE VIRTUAL TABLE titles_fts USING fts5 (
        conversation_id UNINDEXED, title, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER titles_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO titles_fts (conversation_id, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER titles_fts_delete AFTER DELETE ON conversations BEGIN
        DELETE FROM titles_fts WHERE conversation_id = old.id;
    END""",
    """CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON conversations BEGIN
        DELETE FROM titles_fts WHERE conversation_id = old.id;
        INSERT INTO titles_fts (conversation_id, title) VALUES (new.id, new.title);
    END""",
)


def _sqlite_search() -> None:
    for statement in SQLITE_SEARCH:  # one statement per execute: sqlite3 refuses several at once
        op.execute(statement)


def _unaccent_schema() -> str | None:
    """The schema of the `unaccent` extension, created here if it can be (in a savepoint: a refusal must not
    abort the migration's transaction); None if it is not available."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except sa.exc.DBAPIError as e:
        log.warning("PostgreSQL search will not fold accents: CREATE EXTENSION unaccent failed (%s)", type(e.orig))
        return None
    found = bind.exec_driver_sql(
        "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'unaccent'"
    ).scalar()
    return str(found) if found else None


def _postgresql_search() -> None:
    here = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    extension = _unaccent_schema()
    unaccented = f"{extension}.unaccent('{extension}.unaccent'::regdictionary, $1)" if extension else "$1"
    op.execute(
        f"""CREATE FUNCTION {here}.charla_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT lower(regexp_replace({unaccented}, '[^[:alnum:]]+', ' ', 'g')) $$"""
    )
    op.execute(
        f"""CREATE FUNCTION {here}.charla_tsquery(text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT to_tsquery('simple', coalesce(string_agg(quote_literal(w) || ':*', ' & '), ''))
              FROM regexp_split_to_table(btrim({here}.charla_fold($1)), '\\s+') AS w WHERE w <> '' $$"""
    )
    op.execute(
        f"""ALTER TABLE messages ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', {here}.charla_fold(text))) STORED"""
    )
    op.execute("CREATE INDEX messages_search ON messages USING gin (search)")
    op.execute(
        f"""ALTER TABLE conversations ADD COLUMN title_search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', {here}.charla_fold(title))) STORED"""
    )
    op.execute("CREATE INDEX conversations_title_search ON conversations USING gin (title_search)")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TABLE titles_fts")
        op.execute("DROP TABLE messages_fts")
    op.drop_table("messages")  # its triggers, generated column and indexes go with it
    op.drop_table("conversations")
    if not sqlite:
        op.execute("DROP FUNCTION charla_tsquery(text)")
        op.execute("DROP FUNCTION charla_fold(text)")

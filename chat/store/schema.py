"""The tables as SQLAlchemy Core metadata: what the store's queries are written against, on both engines.

The migrations (`chat/store/alembic/versions/`) create them; this module must describe what the migrations make.
Left out on purpose, because they differ by engine: SQLite's FTS5 tables and triggers, and PostgreSQL's
generated `tsvector` columns (`messages.search`, `conversations.title_search`); :mod:`chat.store.search`
reaches them by name.

Types that read the same on both engines: JSON documents (TEXT on SQLite, JSONB on PostgreSQL), times as epoch
seconds in a double (exact and timezone-free on both), message ids that are never reused (SQLite
AUTOINCREMENT, which the FTS rowids rely on; bigserial on PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MessageId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # exactly INTEGER on SQLite: the rowid
Epoch = sa.Double

ROLES = ("user", "assistant", "system")
STATUSES = ("streaming", "finished", "stopped", "cut", "failed", "blocked")

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("settings", JSONDoc, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("updated_at", Epoch, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Index("conversations_updated", sa.text("updated_at DESC")),
    sa.Index("conversations_owner", "owner", sa.text("updated_at DESC")),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", MessageId, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Text, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("role", sa.Text, sa.CheckConstraint(f"role IN {ROLES}"), nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("parts", JSONDoc, nullable=False, server_default=sa.text("'[]'")),
    sa.Column(
        "status", sa.Text, sa.CheckConstraint(f"status IN {STATUSES}"), nullable=False, server_default="finished"
    ),
    sa.Column("error", sa.Text),
    sa.Column("model", sa.Text),
    sa.Column("provider", sa.Text),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("ttft", sa.Double),
    sa.Column("duration", sa.Double),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("feedback", sa.Integer, sa.CheckConstraint("feedback IN (-1, 1)")),
    sa.Column("details", JSONDoc, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("heartbeat", Epoch),  # 0002: when the process streaming this reply last said it was alive
    sa.UniqueConstraint("conversation_id", "seq"),
    sa.Index(
        "messages_streaming",
        "status",
        sqlite_where=sa.text("status = 'streaming'"),
        postgresql_where=sa.text("status = 'streaming'"),
    ),
    sqlite_autoincrement=True,
)

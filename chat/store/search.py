"""Full-text search over message texts and titles, each engine its own way, behind one function.

SQLite: FTS5 (`messages_fts`, `titles_fts`, kept by triggers). PostgreSQL: the generated `tsvector` columns
`messages.search` and `conversations.title_search` (GIN indexes) and `charla_tsquery()`; see
rev0001_baseline. Both fold accents and split words on anything not a letter or digit.

User input is never parsed as query syntax: each word becomes a prefix term and all are required (`"w"*` in
FTS5, `'w':*` joined by `&` in a tsquery built inside the database), so quotes, `AND`, `(`, `*` or `:` are
searched as text and no input raises. At most `MAX_TERMS` words count.
"""

from __future__ import annotations

import sqlalchemy as sa

from chat.store.schema import conversations, messages

MAX_TERMS = 20

_messages_fts = sa.table("messages_fts", sa.column("rowid", sa.Integer))
_titles_fts = sa.table("titles_fts", sa.column("conversation_id", sa.Text))
_MESSAGES_FTS: sa.ColumnClause[str] = sa.literal_column("messages_fts")
_TITLES_FTS: sa.ColumnClause[str] = sa.literal_column("titles_fts")
_MESSAGE_VECTOR: sa.ColumnClause[str] = sa.literal_column("messages.search")
_TITLE_VECTOR: sa.ColumnClause[str] = sa.literal_column("conversations.title_search")


def words(text: str) -> list[str]:
    """The words of `text` that count: those with a letter or digit, at most MAX_TERMS."""
    return [w for w in text.split() if any(ch.isalnum() for ch in w)][:MAX_TERMS]


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression: every word quoted as a prefix phrase, all required; None if no words."""
    terms = words(text)
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def matching(dialect: str, text: str) -> sa.ColumnElement[bool] | None:
    """A condition on `conversations` true where a message or the title has every word of `text` (None: no
    words, so no condition)."""
    terms = words(text)
    if not terms:
        return None
    if dialect == "sqlite":
        match = fts_query(text)
        in_messages = sa.select(messages.c.conversation_id).where(
            messages.c.id.in_(sa.select(_messages_fts.c.rowid).where(_MESSAGES_FTS.op("MATCH")(match)))
        )
        in_titles = sa.select(_titles_fts.c.conversation_id).where(_TITLES_FTS.op("MATCH")(match))
        return sa.or_(conversations.c.id.in_(in_messages), conversations.c.id.in_(in_titles))
    query = sa.func.charla_tsquery(" ".join(terms))
    in_messages = sa.select(messages.c.conversation_id).where(_MESSAGE_VECTOR.bool_op("@@")(query))
    return sa.or_(conversations.c.id.in_(in_messages), _TITLE_VECTOR.bool_op("@@")(query))

"""Conversations that survive a refresh, a crash and a second replica: SQLite by default, PostgreSQL with
CHARLA_DATABASE_URL, through one code path (SQLAlchemy Core, Alembic migrations; no streamlit).

```
chat/store/
  db.py             which database (CHARLA_DATABASE_URL, else CHARLA_DATA_DIR/charla.db), engine settings
                    (SQLite: WAL + synchronous=NORMAL + foreign keys), the transactions every call runs in
  schema.py         the tables (SQLAlchemy Core)
  migrate.py        Alembic run from code at open; pre-Alembic SQLite files adopted (legacy.py: m001..m005, frozen)
  alembic/          env.py and the revisions: 0001 baseline (= m005, with each engine's full-text search),
                    0002 reply heartbeat
  search.py         full-text search: FTS5 on SQLite, tsvector + GIN on PostgreSQL
  liveness.py       which `streaming` replies still have a live writer (this process, or a heartbeat)
  models.py         Conversation, ConversationSummary, StoredMessage, AttachmentMeta (frozen pydantic)
  rows.py           values <-> rows (JSON documents without secret-like fields)
  messages.py       a conversation's messages and every write of a turn
  conversations.py  Store: conversations, import, shared_store()
  ownership.py      owner secrets and owner ids
  export.py         versioned JSON export, validated JSON import; markdown.py: Markdown export
  copy.py           `python -m chat.store copy SRC DST`: a database's conversations into another (SQLite -> PG)
  thumbnails.py     ≤256 px, ≤64 KB previews of images (the full image is never stored)
```

Durability, on both engines. Each write is its own committed transaction (SQLite in WAL mode; PostgreSQL with
its default synchronous commit), so a killed process (SIGKILL, OOM, redeploy) loses nothing already written.
The pipeline writes the user's message before calling the provider (`add_message`), opens the reply as
`streaming` (`start_reply`), rewrites its text as it grows (`update_reply`, every ~0.5 s) and closes it
(`finish_reply`). A reply whose writer died is settled as `stopped` with the note `INTERRUPTED`
(`StoredMessage.interrupted` is True) when a Store opens or when its conversation is read, once its writer's
heartbeat is older than `stale_after` (see liveness.py): the partial text is shown and the user can
regenerate. A writer that was only stalled takes its reply back at its next write.

Threads and processes. A Store pools connections, so Streamlit's script threads and the API share one per
process (`shared_store()`); several processes and replicas may open the same database.

Ownership. On a shared deployment, each browser keeps a random secret (`new_owner_secret()`, 256 bits; the UI
keeps it in the browser) and the store keeps only `owner_id(secret)` = sha256 hex on each conversation it
creates. `list_conversations`, `get_conversation`, `messages`, `rename` and `delete` take `owner=owner_id(secret)`
and see only that owner's conversations; a conversation id (128-bit, unguessable) leaking through a URL shows
nothing to another browser, and a stolen database does not reveal the secrets. With `owner=None`
(development, one person on a laptop) every conversation is visible. Losing the secret (clearing site data)
loses access to the history; export/import moves a conversation to another browser.
"""

from chat.store.conversations import Store, fts_query, shared_store
from chat.store.db import default_path
from chat.store.errors import ConversationNotFound, InvalidImport
from chat.store.export import export_json, export_markdown, import_json
from chat.store.models import (
    DEFAULT_TITLE,
    INTERRUPTED,
    AttachmentMeta,
    Conversation,
    ConversationSummary,
    MessageRecord,
    MessageStatus,
    ReplyStatus,
    StoredMessage,
)
from chat.store.ownership import is_owner_secret, new_owner_secret, owner_id
from chat.store.thumbnails import make_thumbnail

__all__ = [
    "DEFAULT_TITLE",
    "INTERRUPTED",
    "AttachmentMeta",
    "Conversation",
    "ConversationNotFound",
    "ConversationSummary",
    "InvalidImport",
    "MessageStatus",
    "MessageRecord",
    "ReplyStatus",
    "Store",
    "StoredMessage",
    "default_path",
    "export_json",
    "export_markdown",
    "fts_query",
    "import_json",
    "is_owner_secret",
    "make_thumbnail",
    "new_owner_secret",
    "owner_id",
    "shared_store",
]

"""Conversations that survive a refresh: a SQLite store (stdlib `sqlite3`, no streamlit).

```
chat/store/
  db.py             where the file lives (CHARLA_DATA_DIR/charla.db), WAL + synchronous=NORMAL + foreign keys
  migrations.py     the schema as an append-only list: m001 tables, m002 FTS5, m003 owner, m004 feedback,
                    m005 details (error keys, fallback caption) + blocked drafts
  models.py         Conversation, ConversationSummary, StoredMessage, AttachmentMeta (frozen pydantic)
  conversations.py  Store: every read and write
  ownership.py      owner secrets and owner ids
  export.py         Markdown / versioned JSON export, validated JSON import
  thumbnails.py     ≤256 px, ≤64 KB previews of images (the full image is never stored)
```

Durability. Each write is its own committed transaction in WAL mode, so a killed process (SIGKILL, OOM,
redeploy) loses nothing already written. The pipeline writes the user's message before calling the provider
(`add_message`), opens the reply as `streaming` (`start_reply`), rewrites its text as it grows (`update_reply`,
every ~0.5 s) and closes it (`finish_reply`). When a Store opens, replies still `streaming` whose writer is not
alive in this process are marked `stopped` with the note `INTERRUPTED` (`StoredMessage.interrupted` is True):
the partial text is shown and the user can regenerate. If another *process* was still writing one, its next
`update_reply` puts it back to `streaming` and `finish_reply` settles it.

Threads. A Store holds one connection (`check_same_thread=False`) behind a lock, shared by Streamlit's script
threads and the API; use `shared_store()` for the one per process. (Streamlit runs every rerun in a new thread,
so a connection per thread would pile up.)

Ownership. On a shared deployment, each browser keeps a random secret (`new_owner_secret()`, 256 bits; the UI
keeps it in the browser) and the store keeps only `owner_id(secret)` = sha256 hex on each conversation it
creates. `list_conversations`, `get_conversation`, `messages`, `rename` and `delete` take `owner=owner_id(secret)`
and see only that owner's conversations; a conversation id (128-bit, unguessable) leaking through a URL shows
nothing to another browser, and a stolen database does not reveal the secrets. With `owner=None`
(development, one person on a laptop) every conversation is visible. Losing the secret (clearing site data)
loses access to the history; export/import moves a conversation to another browser.
"""

from chat.store.conversations import NewMessage, Store, fts_query, shared_store
from chat.store.db import default_path
from chat.store.errors import ConversationNotFound, InvalidImport
from chat.store.export import export_json, export_markdown, import_json
from chat.store.models import (
    DEFAULT_TITLE,
    INTERRUPTED,
    AttachmentMeta,
    Conversation,
    ConversationSummary,
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
    "NewMessage",
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

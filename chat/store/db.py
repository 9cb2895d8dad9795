"""Opening the SQLite file: where it lives, the pragmas that make each commit survive a crash, and migrations.

* `journal_mode=WAL`: readers never block the writer, and a commit is one append to the `-wal` file.
* `synchronous=NORMAL`: with WAL, a committed transaction survives the process being killed (SIGKILL, OOM);
  only a power loss or OS crash may roll back the last commits. That is the trade the store makes for a
  write every half second while a reply streams.
* `foreign_keys=ON` (deleting a conversation deletes its messages), `busy_timeout` so a second process
  (or a second Store on the same file) waits for the lock instead of failing.

The connection is in autocommit mode (`isolation_level=None`); the store opens its own transactions with
`BEGIN IMMEDIATE`, which takes the write lock up front and so never fails half-way with SQLITE_BUSY.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chat.config import data_dir
from chat.store.migrations import migrate

DB_NAME = "charla.db"
BUSY_TIMEOUT_MS = 5_000


def default_path() -> Path:
    """`CHARLA_DATA_DIR/charla.db` (default `.charla/charla.db`)."""
    return data_dir() / DB_NAME


def connect(path: Path | str | None = None, *, run_migrations: bool = True) -> sqlite3.Connection:
    """Open (creating the folder and file if needed) and configure the database; apply missing migrations.

    The connection may be used from any thread (`check_same_thread=False`); callers serialise access to it.
    """
    target = Path(path) if path is not None else default_path()
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if run_migrations:
            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn

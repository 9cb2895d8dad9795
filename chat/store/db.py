"""Opening the database: which one (SQLite by default, PostgreSQL with CHARLA_DATABASE_URL), its settings, and
the transactions every Store call runs in.

SQLite (`CHARLA_DATA_DIR/charla.db`):

* `journal_mode=WAL`: readers never block the writer, and a commit is one append to the `-wal` file. On a
  brand-new file opened by several processes at once, setting it fails with "database is locked" at once (the
  busy handler does not apply), so it is retried for up to `BUSY_TIMEOUT_MS`.
* `synchronous=NORMAL`: with WAL, a committed transaction survives the process being killed (SIGKILL, OOM);
  only a power loss or OS crash may roll back the last commits. That is the trade the store makes for a write
  every half second while a reply streams.
* `foreign_keys=ON` (deleting a conversation deletes its messages), `busy_timeout` so a second process waits for
  the lock instead of failing.
* SQLAlchemy, not the sqlite3 module, emits `BEGIN` (the sqlite3 module would skip it before DDL), so a migration
  is one transaction; writers use `BEGIN IMMEDIATE`, which takes the write lock up front and so never fails
  half-way with SQLITE_BUSY.

PostgreSQL (`postgresql://…`, driven by psycopg 3): connections are checked before use (a restarted server costs
no failed request) and give up connecting after `CONNECT_TIMEOUT` s (`?connect_timeout=` in the URL wins).
Commits are durable as the server is configured (`synchronous_commit=on` by default).

Threads: an Engine pools connections, so Streamlit's script threads and the API share one Store; every call
checks a connection out for one transaction and returns it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from chat import config
from chat.store import migrate

DB_NAME = "charla.db"
BUSY_TIMEOUT_MS = 5_000
CONNECT_TIMEOUT = 5


def default_path() -> Path:
    """`CHARLA_DATA_DIR/charla.db` (default `.charla/charla.db`)."""
    return config.data_dir() / DB_NAME


def to_url(target: Path | str | None = None) -> URL:
    """The database URL of `target`: a SQLite path, a URL (`postgresql://…`, `sqlite:///…`), or None for the
    configured one (CHARLA_DATABASE_URL, else the SQLite file under CHARLA_DATA_DIR)."""
    if target is None:
        target = config.database_url() or default_path()
    if isinstance(target, str) and "://" in target:
        url = make_url(target)
    else:
        url = URL.create("sqlite", database=str(Path(target).resolve()))
    if url.drivername in ("postgres", "postgresql"):  # what people write; psycopg 3 is the driver we ship
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {describe(url)}: use a SQLite path or postgresql://…")
    return url


def describe(url: URL) -> str:
    """The URL as it may be printed or logged (never its password)."""
    return url.render_as_string(hide_password=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: URL, **options: Any) -> sa.Engine:
    """An Engine for `url` with the settings above."""
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            json_serializer=_json,
            **options,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, json_serializer=_json, **options)


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None  # the sqlite3 module stops emitting BEGIN itself; see _sqlite_begin
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _set_wal(cur)
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")


def _set_wal(cur: sqlite3.Cursor) -> None:
    """`PRAGMA journal_mode = WAL`, retried: on a brand-new file several processes open at once, SQLite answers
    "database is locked" at once (no busy handler) to all but one of them."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


class Database:
    """An Engine and the two kinds of transaction the store uses: `_write()` (one committed transaction, the
    write lock taken at its start on SQLite) and `_read()` (a snapshot)."""

    def __init__(self, target: Path | str | None = None) -> None:
        self.url = to_url(target)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.path: Path | None = Path(self.url.database or "") if self.sqlite else None
        """The SQLite file (None on PostgreSQL)."""
        self.engine = make_engine(self.url)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.key = describe(self.url)
        """The database's name in this process (for the registry of live replies; never holds a password)."""
        try:
            migrate.upgrade(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._writer.begin() as conn:
            yield conn

    def _read(self, stmt: sa.Executable) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(conn.execute(stmt))

    def ping(self) -> bool:
        """Whether the database answers now (for /healthz; never raises)."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

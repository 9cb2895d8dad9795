"""Migrations with Alembic, run from code when a Store opens (no alembic.ini; nothing read from the working dir).

`upgrade(engine)` brings any database to the newest revision, safely from several processes at once (two
replicas starting together): it first takes the migration lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a
transaction-scoped advisory lock), then reads the revision, so exactly one of them migrates and the others
find the work done. Everything runs in that one transaction: a revision that fails half-way leaves nothing
behind, on SQLite too (see chat.store.db on who emits BEGIN).

Adopting a SQLite file from before Alembic: it has the old `_migrations` table and no `alembic_version`. If it
stopped before m005 the frozen old migrations (chat.store.legacy) finish it; then it is stamped at revision
0001 (whose schema is m005's) and upgraded like any other database. Its data, ids and search index stay.

Foreign keys are off while SQLite migrates (set before BEGIN: the pragma does nothing inside a transaction), so
that no copy-and-move of a parent table can cascade-delete its children, and `foreign_key_check` must pass before
the commit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chat.store import legacy

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

LEGACY_LAST = "m005_message_details_and_drafts"
"""The last hand-written migration; Alembic revision `LEGACY_REVISION` has its schema."""
LEGACY_REVISION = "0001"
LOCK_KEY = 7_200_014
"""The PostgreSQL advisory lock every migrating process takes (any constant shared by them)."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's Config for the store's scripts (package-relative, so it works from an installed wheel)."""
    from alembic.config import Config  # Alembic loads only when a database is opened

    cfg = Config()
    cfg.set_main_option("script_location", "chat.store:alembic")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


def current(conn: sa.Connection) -> str | None:
    """The database's revision (None: not under Alembic yet)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def legacy_state(conn: sa.Connection) -> list[str] | None:
    """The old migrations applied to a pre-Alembic SQLite file, or None if this is not one."""
    tables = set(sa.inspect(conn).get_table_names())
    if "_migrations" not in tables or "alembic_version" in tables:
        return None
    return [str(r[0]) for r in conn.exec_driver_sql("SELECT name FROM _migrations ORDER BY rowid")]


def _finish_legacy(engine: sa.Engine) -> list[str]:
    """Run the frozen old migrations a pre-m005 file still lacks (they take their own locks, one by one)."""
    with engine.connect() as conn:
        state = legacy_state(conn)
    if state is None or state[-1:] == [LEGACY_LAST]:
        return []
    raw = engine.raw_connection()  # autocommit sqlite3 connection: the old code issues its own BEGIN IMMEDIATE
    try:
        driver = raw.driver_connection
        assert driver is not None
        return legacy.migrate(driver)
    finally:
        raw.close()


def upgrade(engine: sa.Engine, revision: str = "head") -> list[str]:
    """Bring the database to `revision` (adopting a pre-Alembic SQLite file first); what was done, as lines."""
    sqlite = engine.dialect.name == "sqlite"
    done = [f"legacy {name}" for name in _finish_legacy(engine)] if sqlite else []
    with engine.connect() as conn:
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                if not sqlite:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                done += _upgrade_locked(conn, revision)
                if sqlite and (dangling := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"a migration left rows pointing nowhere: {dangling[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    for line in done:
        log.info("store migration: %s", line)
    return done


def _upgrade_locked(conn: sa.Connection, revision: str) -> list[str]:
    from alembic import command

    done: list[str] = []
    cfg = alembic_config(conn)
    if conn.dialect.name == "sqlite" and legacy_state(conn) is not None:
        command.stamp(cfg, LEGACY_REVISION)
        done.append(f"adopted a {LEGACY_LAST} file as revision {LEGACY_REVISION}")
    before = current(conn)
    if before != (head() if revision == "head" else revision):
        command.upgrade(cfg, revision)
        done.append(f"{before} -> {current(conn)}")
    return done

"""Migrations: from an empty file and from every earlier version, data survives and new features work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chat.store import Store, new_owner_secret, owner_id
from chat.store.db import connect
from chat.store.migrations import MIGRATIONS, applied, migrate, migration, run_script

NAMES = [m.__name__ for m in MIGRATIONS]


def test_names_are_ordered_and_unique() -> None:
    assert NAMES == sorted(NAMES) and len(set(NAMES)) == len(NAMES)
    assert NAMES[:4] == [
        "m001_conversations_and_messages",
        "m002_full_text_search",
        "m003_conversation_owner",
        "m004_message_feedback",
    ]
    with pytest.raises(ValueError):
        migration(MIGRATIONS[0])


def test_from_empty_applies_all_once(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.db", run_migrations=False)
    assert migrate(conn) == NAMES
    assert migrate(conn) == []
    assert applied(conn) == NAMES
    conn.close()
    Store(tmp_path / "c.db").close()  # reopening applies nothing and does not fail


def _seed(conn: sqlite3.Connection, version: int) -> None:
    """Insert a conversation the way version `version` of Charla would have."""
    cols, vals = "id, title, model, settings, created_at, updated_at", "'old1', 'Old walrus chat', 'm', '{}', 1, 1"
    if version >= 3:
        cols, vals = cols + ", owner", vals + ", NULL"
    conn.execute(f"INSERT INTO conversations ({cols}) VALUES ({vals})")
    conn.execute(
        "INSERT INTO messages (conversation_id, seq, role, text, created_at)"
        " VALUES ('old1', 1, 'user', 'hello walrus', 1)"
    )
    conn.execute(
        "INSERT INTO messages (conversation_id, seq, role, text, status, created_at)"
        " VALUES ('old1', 2, 'assistant', 'half a rep', 'streaming', 2)"
    )


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_upgrade_from_each_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    conn = connect(path, run_migrations=False)
    assert migrate(conn, MIGRATIONS[:version]) == NAMES[:version]
    _seed(conn, version)
    conn.close()

    store = Store(path)
    assert applied(store._conn) == NAMES
    conv = store.get_conversation("old1")
    assert conv is not None and conv.title == "Old walrus chat" and conv.owner is None
    msgs = store.messages("old1")
    assert [m.text for m in msgs] == ["hello walrus", "half a rep"]
    assert msgs[1].interrupted  # the old streaming row is settled on open
    # m002: search finds the old data (backfilled) and new data
    assert [c.id for c in store.list_conversations(query="walrus")] == ["old1"]
    store.add_message("old1", role="user", text="new narwhal")
    assert [c.id for c in store.list_conversations(query="narwhal")] == ["old1"]
    # m003: owners
    me = owner_id(new_owner_secret())
    mine = store.create_conversation(owner=me, model="m", settings={})
    assert [c.id for c in store.list_conversations(owner=me)] == [mine.id]
    # m004: feedback
    store.set_feedback(msgs[1].id, -1)
    assert store.messages("old1")[1].feedback == -1
    store.close()


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.db", run_migrations=False)
    migrate(conn, MIGRATIONS[:1])

    def m999_broken(c: sqlite3.Connection) -> None:
        run_script(c, "ALTER TABLE conversations ADD COLUMN pinned INTEGER; SELECT * FROM no_such_table;")

    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [*MIGRATIONS[:1], m999_broken])
    columns = {r[1] for r in conn.execute("PRAGMA table_info(conversations)")}
    assert "pinned" not in columns and applied(conn) == NAMES[:1]
    conn.close()


def test_run_script_keeps_trigger_bodies_whole(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    run_script(
        conn,
        """
        CREATE TABLE a (x); CREATE TABLE b (x);
        CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.x); INSERT INTO b VALUES (';'); END;
        """,
    )
    conn.execute("INSERT INTO a VALUES (1)")
    assert conn.execute("SELECT x FROM b ORDER BY rowid").fetchall() == [(1,), (";",)]
    conn.close()


def test_m004_with_data_upgrades_to_m005(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    conn = connect(path, run_migrations=False)
    migrate(conn, MIGRATIONS[:4])
    _seed(conn, 4)
    conn.execute("UPDATE messages SET status = 'failed', error = 'The provider is down.', feedback = 1 WHERE seq = 2")
    conn.close()
    store = Store(path)
    assert "m005_message_details_and_drafts" in applied(store._conn)
    old = store.messages("old1")
    assert [(m.text, m.status, m.error, m.details) for m in old] == [
        ("hello walrus", "finished", None, {}),
        ("half a rep", "failed", "The provider is down.", {}),
    ]
    assert old[1].feedback == 1
    assert [c.id for c in store.list_conversations(query="walrus")] == ["old1"]  # search index rebuilt
    draft = store.add_message("old1", role="user", text="draft narwhal", status="blocked", details={"via": "x"})
    assert draft.id > old[1].id and draft.status == "blocked" and draft.details == {"via": "x"}
    assert [c.id for c in store.list_conversations(query="narwhal")] == ["old1"]  # triggers work again
    store.delete_messages_from("old1", 2)
    assert [c.id for c in store.list_conversations(query="narwhal")] == []
    store.close()

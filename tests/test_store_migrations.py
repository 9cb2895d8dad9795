"""Migrations: Alembic from code on both engines, adoption of the SQLite files the old hand-written migrations
made, all-or-nothing revisions, and several processes opening one new database at once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from chat.store import Store, legacy, migrate, new_owner_secret, owner_id
from chat.store.db import make_engine, to_url
from tests.services import create_database, drop_database, pg_problem, unavailable

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "data" / "legacy-m005.db"
"""A file made by the old code (Store + m001..m005) before Alembic: 2 conversations, an owner, feedback, details
(a "via" caption, an error key), a blocked draft with image data, a reply left `streaming`, a deleted message."""
NAMES = [m.__name__ for m in legacy.MIGRATIONS]


def revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return migrate.current(conn)


def test_legacy_names_are_frozen() -> None:
    assert NAMES == [
        "m001_conversations_and_messages",
        "m002_full_text_search",
        "m003_conversation_owner",
        "m004_message_feedback",
        "m005_message_details_and_drafts",
    ]
    assert migrate.LEGACY_LAST == NAMES[-1]
    with pytest.raises(ValueError):
        legacy.migration(legacy.MIGRATIONS[0])


def test_fresh_database_is_at_head_and_reopening_does_nothing(db_target: Path | str) -> None:
    with Store(db_target) as store:
        assert revision(store) == migrate.head() == "0002"
        assert migrate.upgrade(store.engine) == []
        tables = set(sa.inspect(store.engine).get_table_names())
        assert {"conversations", "messages", "alembic_version"} <= tables and "_migrations" not in tables


def test_no_alembic_ini_is_read_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    monkeypatch.chdir(tmp_path)
    with Store(tmp_path / "c.db") as store:
        assert revision(store) == migrate.head()


def test_the_old_codes_file_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "charla.db"
    shutil.copy(FIXTURE, path)
    with sqlite3.connect(path) as raw:
        assert [r[0] for r in raw.execute("SELECT name FROM _migrations ORDER BY rowid")] == NAMES
        old_max = raw.execute("SELECT MAX(id) FROM messages").fetchone()[0]
    store = Store(path)
    assert revision(store) == migrate.head()
    assert store.recovered == [8]  # the reply the old process left streaming
    one, two = sorted(store.list_conversations(), key=lambda c: c.title)
    assert (one.title, one.message_count) == ("Tell me a long story", 2)
    assert two.title == "¿Dónde tomar un café cerca de la estación?"
    mine = owner_id("a" * 43)
    assert [c.id for c in store.list_conversations(owner=mine)] == [two.id]

    msgs = store.messages(two.id, owner=mine)
    assert [(m.seq, m.role, m.status) for m in msgs] == [
        (1, "user", "finished"),
        (2, "assistant", "finished"),
        (3, "user", "finished"),
        (4, "assistant", "failed"),
        (5, "user", "blocked"),
    ]
    assert msgs[0].parts[0].name == "mapa.pdf" and msgs[0].parts[0].text == "Plano del barrio"
    assert msgs[1].feedback == 1 and msgs[1].usage == (50, 9) and msgs[1].details["via"].startswith("via Mistral")
    assert msgs[3].details["error"]["key"] == "error.upstream_down"
    assert msgs[4].details["draft"]["attachments"][0]["images"][0]["mime"] == "image/png"
    story = store.messages(one.id)
    assert story[1].text == "Once upon a time" and story[1].interrupted

    for query in ("cafe", "estacion", "chiado", "long story"):  # the old search index still answers
        assert store.list_conversations(query=query), query
    new = store.add_message(two.id, role="user", text="narwhal question")
    assert new.id > old_max  # ids are never reused (AUTOINCREMENT survived)
    assert [c.id for c in store.list_conversations(query="narwhal")] == [two.id]  # the triggers work
    store.delete_messages_from(two.id, new.seq)
    assert store.list_conversations(query="narwhal") == []
    store.close()
    with sqlite3.connect(path) as raw:  # the old bookkeeping stays, harmless
        assert raw.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == 5


def _old_file(path: Path, version: int) -> None:
    """A file as Charla at legacy `version` left it, with a conversation, as that version would write it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    assert legacy.migrate(conn, legacy.MIGRATIONS[:version]) == NAMES[:version]
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
    conn.close()


@pytest.mark.parametrize("version", range(1, len(legacy.MIGRATIONS)))
def test_files_older_than_m005_are_finished_then_adopted(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    _old_file(path, version)
    store = Store(path)
    assert revision(store) == migrate.head()
    with sqlite3.connect(path) as raw:
        assert [r[0] for r in raw.execute("SELECT name FROM _migrations ORDER BY rowid")] == NAMES
    conv = store.get_conversation("old1")
    assert conv is not None and conv.title == "Old walrus chat" and conv.owner is None
    msgs = store.messages("old1")
    assert [m.text for m in msgs] == ["hello walrus", "half a rep"]
    assert msgs[1].interrupted  # the old streaming row is settled on open
    assert [c.id for c in store.list_conversations(query="walrus")] == ["old1"]
    store.add_message("old1", role="user", text="new narwhal")
    assert [c.id for c in store.list_conversations(query="narwhal")] == ["old1"]
    me = owner_id(new_owner_secret())
    mine = store.create_conversation(owner=me, model="m", settings={})
    assert [c.id for c in store.list_conversations(owner=me)] == [mine.id]
    store.set_feedback(msgs[1].id, -1)
    draft = store.add_message("old1", role="user", text="draft", status="blocked", details={"via": "x"})
    assert store.messages("old1")[1].feedback == -1 and draft.details == {"via": "x"}
    store.close()


def test_legacy_run_script_keeps_trigger_bodies_whole(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    legacy.run_script(
        conn,
        """
        CREATE TABLE a (x); CREATE TABLE b (x);
        CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.x); INSERT INTO b VALUES (';'); END;
        """,
    )
    conn.execute("INSERT INTO a VALUES (1)")
    assert conn.execute("SELECT x FROM b ORDER BY rowid").fetchall() == [(1,), (";",)]
    conn.close()


BROKEN = '''
"""A revision that fails half-way.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("conversations", sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("INSERT INTO audit (id) VALUES (1)")
    raise RuntimeError("boom in the middle of 0003")


def downgrade() -> None:
    pass
'''


@pytest.fixture
def fresh_target(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A brand-new database of each engine (PostgreSQL: one of its own, dropped afterwards)."""
    if request.param == "sqlite":
        yield tmp_path / "fresh.db"
        return
    problem = pg_problem()
    if problem:
        unavailable(problem)
    url = create_database("charla_mig")
    yield url
    drop_database(url)


@pytest.mark.parametrize("fresh_target", ["sqlite", "postgresql"], indirect=True)
def test_a_failing_revision_changes_nothing(
    fresh_target: Path | str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(fresh_target).close()
    scripts = tmp_path / "alembic"
    shutil.copytree(REPO / "chat" / "store" / "alembic", scripts)
    (scripts / "versions" / "rev0003_broken.py").write_text(BROKEN)
    real = migrate.alembic_config

    def patched(connection: sa.Connection | None = None) -> object:
        cfg = real(connection)
        cfg.set_main_option("script_location", str(scripts))
        return cfg

    monkeypatch.setattr(migrate, "alembic_config", patched)
    with pytest.raises(RuntimeError, match="boom"):
        Store(fresh_target)
    monkeypatch.undo()
    with Store(fresh_target) as store:
        assert revision(store) == "0002"
        assert not sa.inspect(store.engine).has_table("audit")
        assert "pinned" not in {c["name"] for c in sa.inspect(store.engine).get_columns("conversations")}


OPENER = textwrap.dedent(
    """
    import json, sys, time
    from chat.store import migrate
    from chat.store.db import make_engine, to_url
    targets, start, gap = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    for i, target in enumerate(targets):
        while time.time() < start + i * gap:
            pass
        try:
            engine = make_engine(to_url(target))
            print(json.dumps(["ok", migrate.upgrade(engine)]), flush=True)
            engine.dispose()
        except Exception as e:
            print(json.dumps(["error", f"{type(e).__name__}: {e}"]), flush=True)
    """
)


def _race(targets: list[str], processes: int, gap: float) -> list[list[object]]:
    """`processes` processes open each target at the same instant; what each open said, per target."""
    start = time.time() + 4.0  # time for every interpreter to start
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, json.dumps(targets), str(start), str(gap)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for _ in range(processes)
    ]
    outputs = [p.communicate(timeout=120)[0].splitlines() for p in procs]
    return [[json.loads(out[i]) for out in outputs] for i in range(len(targets))]


@pytest.mark.slow
def test_processes_opening_new_sqlite_files_at_once_all_succeed(tmp_path: Path) -> None:
    """The WAL pragma race on a brand-new file, and the migration race: no process fails, one migrates."""
    targets = [str(tmp_path / f"new{i}.db") for i in range(8)]
    for results in _race(targets, processes=5, gap=0.5):
        assert [r[0] for r in results] == ["ok"] * 5, results
        assert sorted(len(r[1]) for r in results) == [0, 0, 0, 0, 1]  # exactly one did the migrating


@pytest.mark.slow
@pytest.mark.parametrize("fresh_target", ["postgresql"], indirect=True)
def test_processes_migrating_a_new_postgresql_database_at_once(fresh_target: str) -> None:
    (results,) = _race([fresh_target], processes=4, gap=0)
    assert [r[0] for r in results] == ["ok"] * 4, results
    assert sorted(r[1] for r in results) == [[], [], [], ["None -> 0002"]]


def test_pg_url_forms_are_accepted() -> None:
    for raw in ("postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"):
        assert to_url(raw).drivername == "postgresql+psycopg"
    assert "secret" not in str(to_url("postgresql://u:secret@h/db"))
    with pytest.raises(ValueError, match="unsupported database"):
        to_url("mysql://u@h/db")
    assert make_engine(to_url("postgresql://u@h/db")).dialect.name == "postgresql"

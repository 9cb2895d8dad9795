"""`python -m chat.store copy SRC DST`: a SQLite file's conversations into PostgreSQL, idempotent by id."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from chat.store import Store, owner_id
from chat.store.copy import copy_databases

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "data" / "legacy-m005.db"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "chat.store", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )


def test_copy_an_old_sqlite_file_into_postgresql_twice(tmp_path: Path, pg_clean_url: str) -> None:
    src = tmp_path / "charla.db"
    shutil.copy(FIXTURE, src)  # made by the pre-Alembic code: adopted on the way
    dst = make_url(pg_clean_url).set(password="s3cret").render_as_string(hide_password=False)  # trust auth
    first = cli("copy", str(src), dst)
    assert first.returncode == 0, first.stderr
    assert "copied 2 conversations (7 messages)" in first.stdout and "skipped 0 already there" in first.stdout
    assert "s3cret" not in first.stdout + first.stderr

    with Store(src) as a, Store(pg_clean_url) as b:
        mine = owner_id("a" * 43)
        assert [c.id for c in b.list_conversations(owner=mine)] == [c.id for c in a.list_conversations(owner=mine)]
        for conv in a.list_conversations():
            there = b.get_conversation(conv.id)
            here = a.get_conversation(conv.id)
            assert there is not None and here is not None
            assert there.model_dump() == here.model_dump()  # id, title, owner, settings, times
            left = [m.model_dump(exclude={"id", "conversation_id"}) for m in a.messages(conv.id)]
            right = [m.model_dump(exclude={"id", "conversation_id"}) for m in b.messages(conv.id)]
            assert right == left  # texts, order, statuses, errors, details, feedback, attachments
        story = next(c for c in b.list_conversations() if c.title == "Tell me a long story")
        assert b.messages(story.id)[1].interrupted  # left streaming in the old file: interrupted
        assert [c.title for c in b.list_conversations(query="cafe")] == ["¿Dónde tomar un café cerca de la estación?"]
        a.create_conversation(owner=None, model="m", settings={}, title="Made after the first copy")

    again = cli("copy", str(src), pg_clean_url)
    assert again.returncode == 0, again.stderr
    assert "copied 1 conversations (0 messages)" in again.stdout and "skipped 2 already there" in again.stdout
    with Store(pg_clean_url) as b:
        assert len(b.list_conversations()) == 3


def test_copy_refuses_the_same_database(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    result = cli("copy", str(tmp_path / "a.db"), f"sqlite:///{tmp_path / 'a.db'}")
    assert result.returncode == 2 and "SRC and DST are the same database" in result.stderr


def test_copy_between_two_sqlite_files_in_process(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as a:
        conv = a.create_conversation(owner=None, model="m", settings={"temperature": 0.2})
        a.add_message(conv.id, role="user", text="hola")
    done = copy_databases(tmp_path / "a.db", tmp_path / "b.db")
    assert (done.conversations, done.messages, done.skipped) == (1, 1, 0)
    assert copy_databases(tmp_path / "a.db", tmp_path / "b.db").skipped == 1


def test_migrate_command(tmp_path: Path) -> None:
    result = cli("migrate", str(tmp_path / "new.db"))
    assert result.returncode == 0 and "is at the newest schema" in result.stdout
    assert (tmp_path / "new.db").exists()

"""The conversation store on SQLite and on PostgreSQL: round trips, titles, search, rename/delete, ownership,
threads."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from chat.schema import GenerationSettings
from chat.store import (
    DEFAULT_TITLE,
    INTERRUPTED,
    ConversationNotFound,
    Store,
    default_path,
    fts_query,
    is_owner_secret,
    make_thumbnail,
    new_owner_secret,
    owner_id,
    shared_store,
)
from chat.store.models import THUMBNAIL_MAX_BYTES

SETTINGS: dict[str, Any] = {"temperature": 0.3, "max_tokens": 512, "system_prompt": "Be brief."}


@pytest.fixture
def store(db_target: Path | str) -> Iterator[Store]:
    with Store(db_target) as s:
        yield s


def sql(store: Store, statement: str, **params: Any) -> list[Any]:
    """Rows of a raw SQL statement on the store's database (committed)."""
    with store.engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []


def test_default_path_under_data_dir_and_pragmas(tmp_path: Path) -> None:
    s = Store()
    assert s.path == default_path().resolve() and s.sqlite
    assert s.path.parent.is_dir() and s.path.name == "charla.db"
    with s.engine.connect() as conn:
        pragma = conn.connection.driver_connection
        assert pragma is not None
        assert pragma.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert pragma.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert pragma.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert pragma.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    s.close()


def test_database_url_picks_postgresql(pg_clean_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_DATABASE_URL", pg_clean_url)
    with Store() as s:
        assert s.path is None and not s.sqlite and s.engine.dialect.name == "postgresql"
        assert s.url.drivername == "postgresql+psycopg" and s.ping()


def test_round_trip_conversation_and_messages(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings=SETTINGS)
    assert len(conv.id) >= 22 and conv.title == DEFAULT_TITLE and conv.settings == SETTINGS
    assert conv.generation_settings == GenerationSettings(**SETTINGS)

    thumb, mime = make_thumbnail(_png(800, 600)) or ("", "")
    parts: list[dict[str, Any]] = [
        {
            "name": "report.pdf",
            "kind": "pdf",
            "mime": "application/pdf",
            "pages": 12,
            "chars": 3000,
            "notes": ["2 pages had no text"],
            "text": "Quarterly numbers",
        },
        {"name": "cat.png", "kind": "image", "mime": "image/png", "thumbnail": thumb, "thumbnail_mime": mime},
    ]
    user = store.add_message(conv.id, role="user", text="Summarise the report", parts_meta=parts)
    reply = store.start_reply(conv.id, model="llama-3.1-8b-instant", provider="groq")
    assert reply.status == "streaming" and reply.text == "" and reply.seq == user.seq + 1
    store.update_reply(reply.id, "The report")
    store.finish_reply(reply.id, text="The report says…", status="finished", usage=(120, 40), ttft=0.25, duration=1.5)
    store.set_feedback(reply.id, 1)

    got = store.messages(conv.id)
    assert [m.role for m in got] == ["user", "assistant"]
    u, a = got
    assert u.text == "Summarise the report" and u.parts[0].pages == 12 and u.parts[0].notes == ["2 pages had no text"]
    assert u.parts[1].thumbnail == thumb and u.parts[1].thumbnail_bytes is not None
    assert a.text == "The report says…" and a.status == "finished" and a.usage == (120, 40)
    assert (a.ttft, a.duration, a.feedback, a.model, a.provider) == (0.25, 1.5, 1, "llama-3.1-8b-instant", "groq")
    assert not a.interrupted
    assert u.to_message().text == "Summarise the report\n\nQuarterly numbers"

    store.set_feedback(reply.id, None)
    assert store.messages(conv.id)[1].feedback is None
    with pytest.raises(ValueError):
        store.set_feedback(reply.id, 5)

    store.update_settings(conv.id, model="mistral-small-latest", settings=GenerationSettings(temperature=1.0))
    again = store.get_conversation(conv.id)
    assert again is not None and again.model == "mistral-small-latest" and again.settings["temperature"] == 1.0
    assert again.title == "Summarise the report"


def test_thumbnail_is_small_and_oversized_thumbnail_is_dropped_not_the_message(store: Store) -> None:
    made = make_thumbnail(_png(3000, 2000))
    assert made is not None
    raw = base64.b64decode(made[0])
    with Image.open(io.BytesIO(raw)) as img:
        assert max(img.size) <= 256
    assert len(raw) <= THUMBNAIL_MAX_BYTES
    assert make_thumbnail(b"not an image") is None

    conv = store.create_conversation(owner=None, model="m", settings={})
    huge = base64.b64encode(b"x" * (THUMBNAIL_MAX_BYTES + 1)).decode()
    msg = store.add_message(conv.id, role="user", text="look", parts_meta=[{"name": "big.jpg", "thumbnail": huge}])
    assert msg.text == "look" and msg.parts[0].name == "big.jpg" and msg.parts[0].thumbnail is None


def test_secret_like_fields_never_stored(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={"temperature": 1, "api_key": "gsk_x"})
    msg = store.add_message(conv.id, role="user", text="hi", parts_meta=[{"name": "a", "API-Key": "k"}])
    assert "api_key" not in conv.settings
    assert "API-Key" not in msg.parts[0].model_dump()


def test_title_from_first_user_message(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    store.add_message(conv.id, role="system", text="You are a pirate")
    long = "Explain   how\nthe moon affects the tides, and why there are two high tides every single day please"
    store.add_message(conv.id, role="user", text=long)
    title = store.get_conversation(conv.id).title  # type: ignore[union-attr]
    assert title.startswith("Explain how the moon affects the tides") and title.endswith("…")
    assert len(title) <= 61
    store.add_message(conv.id, role="user", text="second message does not retitle")
    assert store.get_conversation(conv.id).title == title  # type: ignore[union-attr]

    named = store.create_conversation(owner=None, model="m", settings={}, title="Mine")
    store.add_message(named.id, role="user", text="hello")
    assert store.get_conversation(named.id).title == "Mine"  # type: ignore[union-attr]

    only_file = store.create_conversation(owner=None, model="m", settings={})
    store.add_message(only_file.id, role="user", text="", parts_meta=[{"name": "photo.heic", "kind": "image"}])
    assert store.get_conversation(only_file.id).title == "photo.heic"  # type: ignore[union-attr]


def test_list_newest_first_with_paging(store: Store) -> None:
    ids = [store.create_conversation(owner=None, model="m", settings={}).id for _ in range(5)]
    assert [c.id for c in store.list_conversations()] == ids[::-1]
    store.add_message(ids[0], role="user", text="bump")
    listed = store.list_conversations(limit=2)
    assert [c.id for c in listed] == [ids[0], ids[4]] and listed[0].message_count == 1
    assert [c.id for c in store.list_conversations(limit=2, offset=4)] == [ids[1]]


def test_search_messages_and_titles(store: Store) -> None:
    a = store.create_conversation(owner=None, model="m", settings={}, title="Tides and the moon")
    b = store.create_conversation(owner=None, model="m", settings={})
    store.add_message(b.id, role="user", text="¿Cuál es la canción más famosa?")
    r = store.start_reply(b.id, model="m", provider="groq")
    store.update_reply(r.id, "Probably Bohemian Rhapsody")
    store.finish_reply(r.id, text="Probably Bohemian Rhapsody by Queen", status="finished")

    def found(q: str) -> set[str]:
        return {c.id for c in store.list_conversations(query=q)}

    assert found("tides") == {a.id}
    assert found("moo") == {a.id}  # prefix
    assert found("cancion") == {b.id}  # accents folded
    assert found("queen") == {b.id}  # the final text is indexed
    assert found("bohemian queen") == {b.id}
    assert found("bohemian tides") == set()  # all words required
    assert found("") == found("   ") == {a.id, b.id}
    for nasty in ['"', "AND (", '"unclosed', "a OR b NOT", "*", "NEAR(x y)", "col:moon", "-", "'); DROP TABLE x;--"]:
        store.list_conversations(query=nasty)  # never raises
    assert fts_query('say "hi"') == '"say"* """hi"""*'


def test_rename_and_delete_remove_messages_and_search_entries(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    store.add_message(conv.id, role="user", text="zebra crossing")
    assert store.rename(conv.id, "  Stripes   and things ")
    assert store.get_conversation(conv.id).title == "Stripes and things"  # type: ignore[union-attr]
    assert [c.id for c in store.list_conversations(query="stripes")] == [conv.id]
    assert not store.rename("missing", "x")
    with pytest.raises(ValueError):
        store.rename(conv.id, "   ")

    assert store.delete(conv.id)
    assert not store.delete(conv.id)
    assert store.get_conversation(conv.id) is None and store.messages(conv.id) == []
    assert sql(store, "SELECT COUNT(*) FROM messages") == [(0,)]
    if store.sqlite:  # the FTS5 tables are kept by triggers (PostgreSQL's vectors are columns of the rows)
        assert sql(store, "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'") == [(0,)]
        assert sql(store, "SELECT COUNT(*) FROM titles_fts") == [(0,)]
    assert store.list_conversations(query="zebra") == []
    with pytest.raises(ConversationNotFound):
        store.add_message(conv.id, role="user", text="late")
    with pytest.raises(ConversationNotFound):
        store.start_reply(conv.id, model="m", provider="groq")


def test_delete_messages_from_for_regenerate(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    for i in range(4):
        store.add_message(conv.id, role="user" if i % 2 == 0 else "assistant", text=f"msg{i}")
    store.delete_messages_from(conv.id, 3)
    assert [m.text for m in store.messages(conv.id)] == ["msg0", "msg1"]
    again = store.add_message(conv.id, role="user", text="edited")
    assert again.seq == 3
    assert store.list_conversations(query="msg3") == []


def test_ownership_isolation(store: Store) -> None:
    alice, bob = owner_id(new_owner_secret()), owner_id(new_owner_secret())
    a = store.create_conversation(owner=alice, model="m", settings={})
    b = store.create_conversation(owner=bob, model="m", settings={})
    store.add_message(a.id, role="user", text="alice secret plan")
    store.add_message(b.id, role="user", text="bob secret plan")

    assert [c.id for c in store.list_conversations(owner=alice)] == [a.id]
    assert [c.id for c in store.list_conversations(owner=alice, query="secret")] == [a.id]
    assert store.get_conversation(b.id, owner=alice) is None
    assert store.messages(b.id, owner=alice) == []
    assert not store.rename(b.id, "pwned", owner=alice)
    assert not store.delete(b.id, owner=alice)
    assert store.get_conversation(b.id, owner=bob).title == "bob secret plan"  # type: ignore[union-attr]
    # development: owner=None sees everything
    assert {c.id for c in store.list_conversations()} == {a.id, b.id}
    # the secret itself is never stored
    raw = sql(store, "SELECT owner FROM conversations")
    assert {r[0] for r in raw} == {alice, bob} and all(len(r[0]) == 64 for r in raw)


def test_owner_secrets() -> None:
    secret = new_owner_secret()
    assert is_owner_secret(secret) and new_owner_secret() != secret
    assert owner_id(secret) == owner_id(secret) and len(owner_id(secret)) == 64
    for bad in ["", "short", "x" * 21, "has spaces in it and is long enough", "ü" * 30]:
        assert not is_owner_secret(bad)
        with pytest.raises(ValueError):
            owner_id(bad)


def test_finish_reply_rejects_streaming_and_later_update_is_ignored(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    r = store.start_reply(conv.id, model="m", provider="mistral")
    with pytest.raises(ValueError):
        store.finish_reply(r.id, text="x", status="streaming")
    store.finish_reply(r.id, text="final", status="stopped", error="Stopped.")
    store.update_reply(r.id, "late partial")  # a throttled writer racing the end
    m = store.messages(conv.id)[0]
    assert (m.text, m.status, m.error) == ("final", "stopped", "Stopped.")


def test_store_opened_later_marks_dead_replies_but_not_live_ones(db_target: Path | str) -> None:
    first = Store(db_target)
    conv = first.create_conversation(owner=None, model="m", settings={})
    live = first.start_reply(conv.id, model="m", provider="groq")
    first.update_reply(live.id, "still going")
    # a row some dead process left streaming (no heartbeat: from before the heartbeat existed)
    sql(
        first,
        "INSERT INTO messages (conversation_id, seq, role, text, status, created_at)"
        " VALUES (:c, 99, 'assistant', 'half', 'streaming', 0)",
        c=conv.id,
    )
    second = Store(db_target)
    by_seq = {m.seq: m for m in second.messages(conv.id)}
    assert by_seq[99].status == "stopped" and by_seq[99].error == INTERRUPTED and by_seq[99].interrupted
    assert by_seq[live.seq].status == "streaming"
    first.finish_reply(live.id, text="still going, done", status="finished")
    assert second.messages(conv.id)[0].status == "finished"
    first.close()
    second.close()


def test_threads_share_one_store(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                store.add_message(conv.id, role="user", text=f"t{n} m{i}")
                store.list_conversations(query=f"t{n}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = [m.seq for m in store.messages(conv.id)]
    assert seqs == list(range(1, 161))


def test_two_stores_on_one_database(db_target: Path | str) -> None:
    a, b = Store(db_target), Store(db_target)
    conv = a.create_conversation(owner=None, model="m", settings={})
    b.add_message(conv.id, role="user", text="from b")
    assert a.messages(conv.id)[0].text == "from b"
    a.close()
    b.close()


def test_shared_store_is_one_per_database() -> None:
    first = shared_store()
    assert shared_store() is first and shared_store(default_path()) is first
    assert shared_store(f"sqlite:///{default_path().resolve()}") is first
    first.close()


def test_bad_role_rejected(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    with pytest.raises(ValueError):
        store.add_message(conv.id, role="tool", text="x")  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError):  # the database's own CHECK, on both engines
        sql(store, "INSERT INTO messages (conversation_id, seq, role, created_at) VALUES (:c, 1, 'tool', 0)", c=conv.id)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 64).convert("RGB").save(out, format="PNG")
    return out.getvalue()

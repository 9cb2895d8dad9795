"""Export (Markdown, JSON) and import: round trips, and bad files that change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from chat.store import (
    InvalidImport,
    MessageRecord,
    Store,
    export_json,
    export_markdown,
    import_json,
    make_thumbnail,
    new_owner_secret,
    owner_id,
)
from chat.store.export import _secret_fields

SETTINGS = {"temperature": 0.7, "max_tokens": 256, "system_prompt": "Answer in Spanish."}
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def store(db_target: Path | str) -> Iterator[Store]:
    with Store(db_target) as s:
        yield s


@pytest.fixture
def conv_id(store: Store) -> str:
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings=SETTINGS)
    thumb = make_thumbnail(TINY_PNG)
    assert thumb is not None
    store.add_message(conv.id, role="system", text="Answer in Spanish.")
    store.add_message(
        conv.id,
        role="user",
        text="What is in these files?",
        parts_meta=[
            {
                "name": "notes.pdf",
                "kind": "pdf",
                "mime": "application/pdf",
                "pages": 3,
                "chars": 900,
                "text": "Meeting notes",
            },
            {
                "name": "dot.png",
                "kind": "image",
                "mime": "image/png",
                "thumbnail": thumb[0],
                "thumbnail_mime": thumb[1],
            },
        ],
    )
    r = store.start_reply(conv.id, model="llama-3.1-8b-instant", provider="groq")
    store.finish_reply(r.id, text="Unas notas y un punto.", status="finished", usage=(300, 12), ttft=0.2, duration=0.9)
    store.set_feedback(r.id, 1)
    store.add_message(conv.id, role="user", text="And more?")
    r2 = store.start_reply(conv.id, model="mistral-small-latest", provider="mistral")
    store.finish_reply(r2.id, text="Part", status="cut", error="Cut after 60 s.", duration=60.0, details=DETAILS)
    return conv.id


DETAILS: dict[str, Any] = {
    "error": {"key": "outcome.cut", "params": {"seconds": 60}, "kind": "Cut", "retry_after": None},
    "via": "via Mistral Small — Groq was rate limited",
    "reasoning": "The user wants more; keep it short.",
}


def _comparable(store: Store, cid: str) -> list[dict[str, Any]]:
    return [m.model_dump(exclude={"id", "conversation_id"}) for m in store.messages(cid)]


def test_json_round_trip(store: Store, conv_id: str) -> None:
    conv = store.get_conversation(conv_id)
    assert conv is not None
    text = export_json(conv, store.messages(conv_id))
    doc = json.loads(text)
    assert (doc["format"], doc["version"]) == ("charla.conversation", 2)
    assert doc["messages"][4]["details"] == DETAILS and doc["messages"][0]["details"] == {}
    assert "id" not in doc["conversation"] and "owner" not in doc["conversation"]
    assert doc["messages"][1]["attachments"][1]["thumbnail"]
    assert (doc["messages"][2]["prompt_tokens"], doc["messages"][2]["completion_tokens"]) == (300, 12)
    assert _secret_fields(doc) == []

    me = owner_id(new_owner_secret())
    copy = import_json(store, text, owner=me)
    assert copy.id != conv_id and copy.owner == me
    assert (copy.title, copy.model, copy.settings) == (conv.title, conv.model, conv.settings)
    assert _comparable(store, copy.id) == _comparable(store, conv_id)
    assert store.messages(copy.id)[4].details == DETAILS  # error key, "via" caption and reasoning come back
    assert [c.id for c in store.list_conversations(owner=me)] == [copy.id]
    # exporting the copy gives the same messages again
    again = json.loads(export_json(copy, store.messages(copy.id)))
    assert again["messages"] == doc["messages"]


def test_markdown_export(store: Store, conv_id: str) -> None:
    conv = store.get_conversation(conv_id)
    assert conv is not None
    md = export_markdown(conv, store.messages(conv_id))
    assert md.startswith("# What is in these files?\n")
    for expected in [
        "`llama-3.1-8b-instant`",
        "temperature 0.7 · max tokens 256",
        "System prompt:** Answer in Spanish.",
        "## User",
        "## Assistant — llama-3.1-8b-instant (groq)",
        "notes.pdf (pdf, 3 pages, 900 characters)",
        "dot.png (image)",
        "300 prompt + 12 completion tokens",
        "rated 👍",
        "Unas notas y un punto.",
        "Cut: the reply streamed longer than allowed",
    ]:
        assert expected in md, expected
    assert "iVBOR" not in md and "Meeting notes" not in md  # no thumbnails or derived text in Markdown


def test_export_refuses_a_secret_field(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    forged = conv.model_copy(update={"settings": {"temperature": 1, "groq_api_key": "gsk_live"}})
    with pytest.raises(ValueError, match="groq_api_key"):
        export_json(forged, [])


def _good(store: Store, conv_id: str) -> dict[str, Any]:
    conv = store.get_conversation(conv_id)
    assert conv is not None
    doc: dict[str, Any] = json.loads(export_json(conv, store.messages(conv_id)))
    return doc


def test_a_version_1_file_still_imports(store: Store, conv_id: str) -> None:
    doc = _good(store, conv_id)
    doc["version"] = 1
    for m in doc["messages"]:  # version 1: no details, usage as one object
        del m["details"]
        if "prompt_tokens" in m:
            m["usage"] = {"prompt_tokens": m.pop("prompt_tokens"), "completion_tokens": m.pop("completion_tokens")}
    copy = import_json(store, json.dumps(doc), owner=None)
    assert [m.details for m in store.messages(copy.id)] == [{}] * 5
    assert [m.usage for m in store.messages(copy.id)] == [m.usage for m in store.messages(conv_id)]
    assert [m.text for m in store.messages(copy.id)] == [m.text for m in store.messages(conv_id)]


def test_a_drafts_image_data_is_not_exported(store: Store) -> None:
    conv = store.create_conversation(owner=None, model="m", settings={})
    image = {"data": "iVBORw0KGgo=", "mime": "image/png", "name": "cat.png"}
    draft = {"draft": {"attachments": [{"tokens": 90, "images": [image]}]}, "via": "x"}
    store.add_message(conv.id, role="user", text="look", status="finished", details=draft)
    doc = json.loads(export_json(conv, store.messages(conv.id)))
    assert doc["messages"][0]["details"] == {
        "draft": {"attachments": [{"tokens": 90, "images_dropped": 1}]},
        "via": "x",
    }
    copy = import_json(store, json.dumps(doc), owner=None)
    assert "iVBOR" not in json.dumps(store.messages(copy.id)[0].details)


def _snapshot(store: Store) -> tuple[int, ...]:
    tables = ["conversations", "messages"] + (["titles_fts"] if store.sqlite else [])
    with store.engine.connect() as c:
        return tuple(c.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables)


def _mutate(doc: dict[str, Any], path: list[str | int], value: Any) -> str:
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(doc)


_DELETE = object()
BAD_IMPORTS: dict[str, tuple[str, Any]] = {
    # case: (expected reason key, how to spoil a good export)
    "not json": ("import.not_json", lambda doc: "hello, this is a text file"),
    "truncated": ("import.not_json", lambda doc: json.dumps(doc)[: len(json.dumps(doc)) // 2]),
    "list": ("import.format", lambda doc: "[1, 2]"),
    "wrong format": ("import.format", lambda doc: _mutate(doc, ["format"], "chatgpt")),
    "version 3": ("import.version", lambda doc: _mutate(doc, ["version"], 3)),
    "unknown role": ("import.invalid", lambda doc: _mutate(doc, ["messages", 2, "role"], "wizard")),
    "missing messages": ("import.invalid", lambda doc: _mutate(doc, ["messages"], _DELETE)),
    "missing text": ("import.invalid", lambda doc: _mutate(doc, ["messages", 0, "text"], _DELETE)),
    "extra key field": ("import.invalid", lambda doc: _mutate(doc, ["messages", 0, "api_key"], "gsk_live")),
    "bad settings": ("import.invalid", lambda doc: _mutate(doc, ["conversation", "settings", "temperature"], "hot")),
    "huge": ("import.too_large", lambda doc: " " * (16 * 1024 * 1024 + 1)),
    "too many": ("import.too_many", lambda doc: _mutate(doc, ["messages"], [doc["messages"][0]] * 5001)),
}


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_bad_imports_raise_and_change_nothing(store: Store, conv_id: str, case: str) -> None:
    reason, spoil = BAD_IMPORTS[case]
    bad = spoil(_good(store, conv_id))
    before = _snapshot(store)
    with pytest.raises(InvalidImport) as info:
        import_json(store, bad, owner=None)
    assert info.value.reason_key == reason
    assert info.value.status == 400
    assert _snapshot(store) == before
    en, es = info.value.message("en"), info.value.message("es")
    assert en.startswith("Could not import the file:") and en.endswith("Nothing was changed.")
    assert es.startswith("No se pudo importar el archivo:") and en != es
    if case == "unknown role":
        assert "messages[2].role" in en


def test_insert_failure_mid_import_rolls_back(store: Store, conv_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(_good(store, conv_id))
    before = _snapshot(store)
    import chat.store.rows as rows

    real = rows.parts_doc
    calls = {"n": 0}

    def flaky(parts: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(parts)

    monkeypatch.setattr(rows, "parts_doc", flaky)
    with pytest.raises(RuntimeError):
        import_json(store, text, owner=None)
    assert _snapshot(store) == before


def test_a_row_the_database_refuses_rolls_the_whole_import_back(store: Store, conv_id: str) -> None:
    before = _snapshot(store)
    good = MessageRecord(role="user", text="fine")
    bad = MessageRecord.model_construct(**good.model_dump() | {"role": "tool", "text": "refused by CHECK"})
    with pytest.raises(sa.exc.IntegrityError):  # the conversation row was inserted first, then this failed
        store.import_conversation(owner=None, title="t", model="m", settings={}, messages=[good, bad])
    assert _snapshot(store) == before


def test_imported_streaming_reply_becomes_interrupted(store: Store, conv_id: str) -> None:
    good = _good(store, conv_id)
    good["messages"][2]["status"] = "streaming"
    copy = import_json(store, json.dumps(good), owner=None)
    assert store.messages(copy.id)[2].interrupted

"""Stored conversations through AppTest: write order, restore by ?c=, ownership, the History page."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chat import persist
from chat.store import Store, new_owner_secret, owner_id, shared_store
from pages._ui.owner import SECRET
from tests.fakes import Script
from tests.fakes.provider import InProcess
from tests.test_ui_app import PAGE, _png, all_text, button, fresh_process_state, send, texts  # noqa: F401

HISTORY = str(Path(PAGE).with_name("history_view.py"))


def app(path: str = PAGE, *, c: str | None = None, secret: str | None = None) -> AppTest:
    at = AppTest.from_file(path, default_timeout=30)
    if c is not None:
        at.query_params["c"] = c
    if secret is not None:
        at.session_state[SECRET] = secret  # what the charla_owner cookie gives a real browser
    at.run()
    assert not at.exception, at.exception
    return at


def only_conversation() -> str:
    rows = shared_store().list_conversations()
    assert len(rows) == 1, rows
    return rows[0].id


def test_user_message_is_stored_before_the_provider_answers(inprocess: InProcess) -> None:
    inprocess.script(Script(text="late answer", first_delay=1.5))
    seen: list[tuple[str, str, str]] = []
    done = threading.Event()

    def watch() -> None:
        store = Store()  # its own connection, like another process would have
        while True:
            stop = done.is_set()
            for conv in store.list_conversations():
                rows = store.messages(conv.id)
                seen.append(tuple((m.role, m.status, m.text) for m in rows))  # type: ignore[arg-type]
            if stop:
                break
            time.sleep(0.05)
        store.close()

    at = app()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        send(at, "remember me")
    finally:
        done.set()
        watcher.join()
    assert (("user", "finished", "remember me"),) in seen  # while the upstream had not answered yet
    assert seen[-1][-1] == ("assistant", "finished", "late answer")
    assert at.query_params["c"] == only_conversation()


def test_a_fresh_session_with_c_restores_messages_chips_and_settings(inprocess: InProcess) -> None:
    at = app()
    at.text_area(key="system_prompt").set_value("Be brief.")
    at.slider(key="temp_openai/gpt-oss-20b").set_value(0.4)
    at.run()
    at.chat_input[0].upload("notes.txt", b"alpha beta gamma", "text/plain")
    send(at, "read this")
    conv_id = at.query_params["c"]
    at.feedback[0].set_value(1).run()
    send(at, "second")

    again = app(c=conv_id)
    assert texts(again, "user") == texts(at, "user")
    assert [x.split(" :green-badge")[0] for x in texts(again, "user")] == ["read this", "second"]
    assert texts(again, "assistant") == texts(at, "assistant")
    assert "notes.txt" in all_text(again)
    assert again.text_area(key="system_prompt").value == "Be brief."
    assert again.slider(key="temp_openai/gpt-oss-20b").value == pytest.approx(0.4)
    assert again.feedback[0].value == 1
    stored = shared_store().get_conversation(conv_id)
    assert stored is not None and stored.settings["system_prompt"] == "Be brief."


def test_image_thumbnail_comes_back(inprocess: InProcess) -> None:
    at = app()
    at.selectbox(key="model").set_value("qwen/qwen3.8-27b").run()
    at.chat_input[0].upload("sun.png", _png(), "image/png")
    send(at, "look")
    again = app(c=at.query_params["c"])
    assert len(again.chat_message[0].image) == 1
    assert "sun.png" in all_text(again)


def test_regenerate_drops_the_later_messages_in_the_store(inprocess: InProcess) -> None:
    inprocess.script(Script(text="first try"), Script(text="second try"))
    at = app()
    send(at, "q")
    button(at, "Regenerate").click().run()
    rows = shared_store().messages(at.query_params["c"])
    assert [(m.role, m.text) for m in rows] == [("user", "q"), ("assistant", "second try")]


def test_failed_and_stopped_marks_come_back(inprocess: InProcess) -> None:
    inprocess.script(Script(status=500))
    at = app()
    send(at, "will fail")
    conv_id = at.query_params["c"]
    again = app(c=conv_id)
    assert again.error, "the failure is shown again"
    assert button(again, "Retry")


def test_unknown_c_shows_a_message_and_a_fresh_chat(inprocess: InProcess) -> None:
    at = app(c="no-such-conversation")
    assert "could not be opened" in all_text(at)
    assert not at.chat_message
    assert "c" not in at.query_params


def test_another_browsers_c_shows_nothing(inprocess: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_ENV", "production")
    alice, bob = new_owner_secret(), new_owner_secret()
    at = app(secret=alice)
    send(at, "alice's secret plan")
    conv_id = at.query_params["c"]
    assert shared_store().get_conversation(conv_id).owner == owner_id(alice)  # type: ignore[union-attr]
    intruder = app(c=conv_id, secret=bob)
    assert "could not be opened" in all_text(intruder)
    assert "secret plan" not in all_text(intruder) and not intruder.chat_message
    assert "alice" not in all_text(app(HISTORY, secret=bob)).lower()
    assert "alice's secret plan" in all_text(app(HISTORY, secret=alice))
    assert texts(app(c=conv_id, secret=alice), "user") == ["alice's secret plan"]


def test_new_chat_clears_c(inprocess: InProcess) -> None:
    at = app()
    send(at, "one")
    button(at, "New chat").click().run()
    assert "c" not in at.query_params and not at.chat_message


# --- the History page ---------------------------------------------------------------------------------------------


def seed(*titles: str) -> list[str]:
    store = shared_store()
    ids = []
    for title in titles:
        conv = store.create_conversation(owner=None, model="openai/gpt-oss-20b", settings={})
        store.add_message(conv.id, role="user", text=f"about {title}")
        store.rename(conv.id, title)
        ids.append(conv.id)
        time.sleep(0.01)
    return ids


def titles(at: AppTest) -> list[str]:
    return [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**")]


def test_history_lists_newest_first_and_searches() -> None:
    seed("Lisbon trip", "Tax forms", "Sourdough")
    at = app(HISTORY)
    assert titles(at) == ["**Sourdough**", "**Tax forms**", "**Lisbon trip**"]
    at.text_input(key="history_query").set_value("lisbon").run()
    assert titles(at) == ["**Lisbon trip**"]
    at.text_input(key="history_query").set_value("nothinglikethis").run()
    assert "No conversation matches" in all_text(at)


def test_rename_and_delete_with_confirmation() -> None:
    (conv_id,) = seed("Old name")
    at = app(HISTORY)
    at.text_input(key=f"title_{conv_id}").set_value("New name").run()
    at.button(key=f"ren_{conv_id}").click().run()
    assert titles(at) == ["**New name**"]
    at.button(key=f"del_{conv_id}").click().run()
    assert "cannot be undone" in all_text(at)
    assert shared_store().get_conversation(conv_id) is not None
    at.button(key=f"del_no_{conv_id}").click().run()
    assert shared_store().get_conversation(conv_id) is not None
    at.button(key=f"del_{conv_id}").click().run()
    at.button(key=f"del_yes_{conv_id}").click().run()
    assert shared_store().get_conversation(conv_id) is None
    assert "Deleted" in " ".join(e.value for e in at.success)


def test_export_buttons_and_their_content(inprocess: InProcess) -> None:
    at = app()
    send(at, "export me")
    conv_id = at.query_params["c"]
    page = app(HISTORY)
    assert {b.label for b in page.download_button} == {"Markdown", "JSON"}
    md = persist.export(shared_store(), conv_id, None, "md")
    doc = json.loads(persist.export(shared_store(), conv_id, None, "json"))
    assert "# export me" in md and "openai/gpt-oss-20b" in md
    assert [m["text"] for m in doc["messages"]] == ["export me", "Echo: export me"]
    assert doc["conversation"]["settings"]["temperature"] == 1.0
    assert "test-key" not in md + json.dumps(doc)
    assert persist.export(shared_store(), conv_id, owner_id(new_owner_secret()), "json") == ""


def test_import_good_and_bad_files(inprocess: InProcess) -> None:
    at = app()
    send(at, "travel far")
    conv_id = at.query_params["c"]
    good = persist.export(shared_store(), conv_id, None, "json")
    page = app(HISTORY)
    page.file_uploader[0].upload("bad.json", b"{not json", "application/json").run()
    assert "not valid JSON" in all_text(page) and "Nothing was changed" in all_text(page)
    assert len(shared_store().list_conversations()) == 1
    page.file_uploader[0].upload("good.json", good.encode(), "application/json").run()
    assert len(shared_store().list_conversations()) == 2


# --- restore looks exactly as it did (m005) -----------------------------------------------------------------------


def test_a_stored_error_comes_back_in_spanish(inprocess: InProcess) -> None:
    inprocess.script(Script(status=500))
    at = app()
    send(at, "will fail")
    english = at.error[0].value
    again = app(c=at.query_params["c"])
    again.radio(key="lang").set_value("es").run()
    assert again.error and again.error[0].value != english
    assert button(again, "Reintentar")
    assert "Reintentar" not in english


def test_a_fallback_reply_keeps_its_via_caption(inprocess: InProcess) -> None:
    inprocess.script(Script(status=429, retry_after=20))
    at = app()
    send(at, "hello")
    button(at, "Send with Mistral Small 4 (vision) instead").click().run()
    again = app(c=at.query_params["c"])
    via = [c.value for c in again.chat_message[-1].caption]
    assert any("via Mistral Small 4 (vision) — Groq was rate limited" in c for c in via)


def test_a_blocked_draft_survives_a_refresh_then_is_sent(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "what colour?")
    conv_id = at.query_params["c"]
    assert [m.status for m in shared_store().messages(conv_id)] == ["blocked"]
    again = app(c=conv_id)
    assert texts(again, "user")[0].startswith("what colour?")
    assert len(again.chat_message[0].image) == 1 and "Not sent yet" in " ".join(w.value for w in again.warning)
    assert any("cannot see images" in c.value for c in again.chat_message[0].caption)
    button(again, "Switch to Qwen3.8 27B (vision) and send").click().run()
    parts = inprocess.chat_requests()[0].body["messages"][-1]["content"]
    assert any(p["type"] == "image_url" and p["image_url"]["url"].startswith("data:image/") for p in parts)
    rows = shared_store().messages(conv_id)
    assert [(m.role, m.status) for m in rows] == [("user", "finished"), ("assistant", "finished")]


def test_a_blocked_draft_survives_a_refresh_then_is_removed(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "keep my words")
    again = app(c=at.query_params["c"])
    button(again, "Remove").click().run()
    assert not again.chat_message and again.chat_input[0].proto.value == "keep my words"
    assert shared_store().messages(at.query_params["c"]) == []
    assert inprocess.chat_requests() == []


def test_a_blocked_draft_restored_can_be_sent_without_its_image(inprocess: InProcess) -> None:
    at = app()
    at.chat_input[0].upload("red.png", _png(), "image/png")
    send(at, "just text please")
    again = app(c=at.query_params["c"])
    button(again, "Send without red.png").click().run()
    assert inprocess.chat_requests()[0].last_user_text == "just text please"
    assert [m.status for m in shared_store().messages(at.query_params["c"])] == ["finished", "finished"]


def test_an_old_plain_english_error_row_still_restores(inprocess: InProcess) -> None:
    store = shared_store()
    conv = store.create_conversation(owner=None, model="openai/gpt-oss-20b", settings={})
    row = store.add_message(conv.id, role="user", text="from long ago")
    store.mark_failed(row.id, "The provider is down. Try again later.")
    again = app(c=conv.id)
    assert again.error[0].value == "The provider is down. Try again later."
    assert button(again, "Retry")

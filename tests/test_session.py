"""A whole chat turn without Streamlit: ChatSession + Turn on the in-process provider, the store in step."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from chat.intake import Upload
from chat.session import ChatSession
from chat.store import Store
from chat.turn import Turn
from tests.fakes import Script
from tests.fakes.provider import InProcess
from tests.turns import CALLER, run


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "charla.db")


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def stored(store: Store, chat: ChatSession) -> list[tuple[str, str, str]]:
    return [(m.role, m.text, m.status) for m in store.messages(chat.conversation_id or "")]


def test_a_turn_streams_and_is_stored_in_order(inprocess: InProcess, store: Store) -> None:
    inprocess.script(Script(text="Hello there.", usage=(7, 3), reasoning="Say hello."))
    chat = ChatSession()
    user = chat.submit("hi")
    assert chat.pending == user.id
    turn = Turn.start(chat, CALLER, store, None)
    assert turn is not None
    # the user's message is stored before anything streams; the reply row is open
    assert stored(store, chat) == [("user", "hi", "finished"), ("assistant", "", "streaming")]
    for _ in turn.ticks():
        pass
    turn.close()
    reply = chat.messages[-1]
    assert (reply.text, reply.status, reply.reasoning) == ("Hello there.", "finished", "Say hello.")
    assert (reply.prompt_tokens, reply.completion_tokens, reply.model) == (7, 3, "openai/gpt-oss-20b")
    assert stored(store, chat) == [("user", "hi", "finished"), ("assistant", "Hello there.", "finished")]
    assert inprocess.chat_requests()[0].body["messages"] == [{"role": "user", "content": "hi"}]


def test_stop_keeps_what_arrived_and_closes_the_upstream(inprocess: InProcess, store: Store) -> None:
    inprocess.script(Script(chunks=[f"w{i} " for i in range(200)], delay=0.01))
    chat = ChatSession()
    chat.submit("tell me a long story")
    turn = Turn.start(chat, CALLER, store, None)
    assert turn is not None
    try:
        for _ in turn.ticks():
            if len(turn.reply.text) > 10:
                break  # what a Stop click does to the page's loop
    finally:
        turn.close()
    reply = chat.messages[-1]
    assert reply.status == "stopped" and reply.text.startswith("w0 w1 ") and len(reply.text) < 600
    assert chat.stale  # the page reruns to show the mark
    assert inprocess.wait_disconnect(timeout=3)
    assert stored(store, chat)[-1] == ("assistant", reply.text, "stopped")


def test_a_store_that_refuses_the_reply_row_closes_the_upstream_request(inprocess: InProcess, tmp_path: Path) -> None:
    path = tmp_path / "charla.db"
    store = Store(path)
    with sqlite3.connect(path) as db:  # the database refuses the reply's row, as a full disk would
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.role = 'assistant'"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    inprocess.script(Script(chunks=[f"w{i} " for i in range(200)], delay=0.01))
    chat = ChatSession()
    chat.submit("tell me a long story")
    with pytest.raises(Exception, match="disk is full"):
        Turn.start(chat, CALLER, store, None)
    assert inprocess.wait_disconnect(timeout=3)  # nobody reads this reply, so it does not run on upstream
    assert stored(store, chat) == [("user", "tell me a long story", "finished")]


def test_an_error_before_any_text_stays_with_the_message_and_retry_works(inprocess: InProcess, store: Store) -> None:
    inprocess.script(Script(status=503))
    chat = ChatSession()
    user = chat.submit("are you there?")
    assert run(chat, store) is None
    assert user.status == "failed" and user.error is not None and "503" in user.error.message("en")
    assert [m.role for m in chat.messages] == ["user"] and stored(store, chat)[0][2] == "failed"
    chat.retry(user.id)
    run(chat, store)
    assert [m.text for m in chat.messages] == ["are you there?", "Echo: are you there?"]
    assert stored(store, chat) == [
        ("user", "are you there?", "finished"),
        ("assistant", "Echo: are you there?", "finished"),
    ]


def test_auto_fallback_answers_on_the_other_provider_and_says_why(inprocess: InProcess, store: Store) -> None:
    inprocess.script(Script(status=429, retry_after=20))
    chat = ChatSession(auto_fallback=True)
    chat.submit("hello")
    assert run(chat, store) is None
    assert chat.pending is not None and chat.pending_model == "mistral-small-latest"
    run(chat, store)
    reply = chat.messages[-1]
    assert reply.provider == "mistral" and reply.text == "Echo: hello"
    assert reply.via is not None and reply.via == "via Mistral Small 4 (vision) — Groq was rate limited"
    assert reply.via.text("es") == "vía Mistral Small 4 (vision) — Groq estaba limitando"
    assert [r.vendor for r in inprocess.chat_requests()] == ["groq", "mistral"]


def test_an_error_after_some_text_keeps_the_text(inprocess: InProcess, store: Store) -> None:
    inprocess.script(Script(text="one two three four", drop_after=2))
    chat = ChatSession()
    chat.submit("count")
    run(chat, store)
    reply = chat.messages[-1]
    assert reply.status == "failed" and reply.text == "one two " and reply.error is not None
    assert stored(store, chat)[-1] == ("assistant", "one two ", "failed")


def test_regenerate_and_edit_replace_the_last_turn(inprocess: InProcess, store: Store) -> None:
    chat = ChatSession()
    user = chat.submit("first")
    run(chat, store)
    chat.retry(user.id)  # regenerate
    inprocess.script(Script(text="again"))
    run(chat, store)
    assert [m.text for m in chat.messages] == ["first", "again"]
    chat.edit(user.id, "second")
    run(chat, store)
    assert [m.text for m in chat.messages] == ["second", "Echo: second"]
    assert stored(store, chat) == [("user", "second", "finished"), ("assistant", "Echo: second", "finished")]


def test_an_image_for_a_blind_model_waits_then_goes_with_a_switch(inprocess: InProcess, store: Store) -> None:
    chat = ChatSession()
    draft = chat.submit("what colour?", [Upload("red.png", png(), "image/png")])
    assert draft.status == "blocked" and chat.pending is None and inprocess.chat_requests() == []
    assert "cannot see images" in (draft.attachments[0].why_not("en") or "")
    chat.switch_and_send(draft.id, "qwen/qwen3.8-27b")
    assert chat.model == "qwen/qwen3.8-27b" and chat.pending == draft.id
    run(chat, store)
    content = inprocess.chat_requests()[0].body["messages"][0]["content"]
    assert [p["type"] for p in content] == ["text", "image_url"]


def test_send_without_the_attachment(inprocess: InProcess, store: Store) -> None:
    chat = ChatSession()
    draft = chat.submit("and this?", [Upload("red.png", png(), "image/png")])
    assert chat.without(draft.id, "red.png")
    run(chat, store)
    assert inprocess.chat_requests()[0].body["messages"] == [{"role": "user", "content": "and this?"}]


def test_a_new_model_brings_the_settings_within_its_limits(inprocess: InProcess) -> None:
    chat = ChatSession(temperature=1.9, max_tokens=50_000)
    chat.switch_model("mistral-large-latest")
    assert (chat.temperature, chat.max_tokens) == (1.5, 32_768)
    assert [n.text("en") for n in chat.notes][0].startswith("Temperature set to 1.5")


def test_a_model_gone_mid_session_names_its_successor(inprocess: InProcess, store: Store) -> None:
    inprocess.models.retire("groq", "openai/gpt-oss-20b")
    chat = ChatSession()
    user = chat.submit("hi")
    run(chat, store)
    assert user.error is not None and user.error.successor == "openai/gpt-oss-120b"
    chat.switch_model("openai/gpt-oss-120b")
    chat.retry(user.id)
    run(chat, store)
    assert chat.messages[-1].model == "openai/gpt-oss-120b" and chat.messages[-1].status == "finished"


def test_the_window_names_the_messages_the_request_kept(inprocess: InProcess, store: Store) -> None:
    chat = ChatSession()
    for i in range(6):
        chat.submit(f"message {i}")
        run(chat, store)
    sent = chat.messages[-1].context
    assert sent is not None and sent.kept_ids == [m.id for m in chat.messages[-8:-1]]  # 11 turns, 7 kept
    assert chat.window_view().inside == {m.id for m in chat.messages[-8:]}

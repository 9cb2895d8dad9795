"""chat.persist without Streamlit: throttled reply writes, rewrite-from-difference, restore of outcome marks."""

from __future__ import annotations

from pathlib import Path

from chat import persist
from chat.conversation import ChatMessage, ChatState, outcome_text
from chat.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_reply_text_is_written_at_most_every_half_second(tmp_path: Path) -> None:
    store, chat, clock = Store(tmp_path / "db"), ChatState(), Clock()
    user = ChatMessage("user", "hi")
    chat.messages.append(user)
    conv = persist.before_send(store, chat, user, None)
    reply = ChatMessage("assistant", status="streaming", model="llama-3.1-8b-instant", provider="groq")
    chat.messages.append(reply)
    writer = persist.ReplyWriter(store, chat, reply, clock=clock)
    assert not writer.update("a")  # too soon
    clock.now = 0.6
    assert writer.update("ab")
    clock.now = 0.9
    assert not writer.update("abc")
    assert [m.text for m in store.messages(conv)] == ["hi", "ab"]
    reply.text, reply.status = "abcd", "finished"
    writer.finish()
    assert [(m.text, m.status) for m in store.messages(conv)] == [("hi", "finished"), ("abcd", "finished")]


def test_sync_rewrites_only_from_the_first_difference(tmp_path: Path) -> None:
    store, chat = Store(tmp_path / "db"), ChatState()
    msgs = [ChatMessage("user", "one"), ChatMessage("assistant", "r1", status="finished"),
            ChatMessage("user", "two"), ChatMessage("assistant", "r2", status="finished")]  # fmt: skip
    msgs[1].reply_to, msgs[3].reply_to = msgs[0].id, msgs[2].id
    chat.messages = list(msgs)
    persist.ensure_conversation(store, chat, None)
    persist.sync(store, chat)
    first_ids = [m.id for m in store.messages(chat.conversation_id or "")]
    chat.remove(msgs[2].id)  # the second turn goes
    persist.sync(store, chat)
    rows = store.messages(chat.conversation_id or "")
    assert [m.text for m in rows] == ["one", "r1"] and [m.id for m in rows] == first_ids[:2]


def test_interrupted_reply_is_restored_with_its_mark(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = Store(path)
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings={"temperature": 0.3})
    store.add_message(conv.id, role="user", text="tell me")
    row = store.start_reply(conv.id, model="llama-3.1-8b-instant", provider="groq")
    store.update_reply(row.id, "half of it")
    store.close()
    from chat.store import conversations

    conversations._LIVE.clear()  # as if the writing process had died
    chat = persist.load(Store(path), conv.id, None)
    assert chat is not None and chat.temperature == 0.3
    reply = chat.messages[1]
    assert reply.text == "half of it" and reply.status == "stopped" and reply.interrupted
    assert reply.reply_to == chat.messages[0].id
    assert "Interrupted" in (outcome_text(reply, "en", 60) or "")
    assert "Interrumpida" in (outcome_text(reply, "es", 60) or "")


def test_load_refuses_another_owner(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    conv = store.create_conversation(owner="a" * 64, model="llama-3.1-8b-instant", settings={})
    assert persist.load(store, conv.id, "b" * 64) is None
    assert persist.load(store, conv.id, "a" * 64) is not None


def test_file_stem() -> None:
    assert persist.file_stem("Trip to Lisbon!") == "trip-to-lisbon"
    assert persist.file_stem("???") == "conversation"

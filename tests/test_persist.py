"""chat.persist without Streamlit: throttled reply writes, rewrite-from-difference, restore of outcome marks."""

from __future__ import annotations

import json
from pathlib import Path

from chat import persist, records
from chat.messages import ChatMessage
from chat.present import outcome_text
from chat.session import ChatSession
from chat.store import Store
from chat.text import Sentence


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_reply_text_is_written_at_most_every_half_second(tmp_path: Path) -> None:
    store, chat, clock = Store(tmp_path / "db"), ChatSession(), Clock()
    user = ChatMessage("user", "hi")
    chat.messages.append(user)
    conv = persist.before_send(store, chat, user, None)
    reply = ChatMessage("assistant", status="streaming", model="openai/gpt-oss-20b", provider="groq")
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
    store, chat = Store(tmp_path / "db"), ChatSession()
    msgs = [
        ChatMessage("user", "one"),
        ChatMessage("assistant", "r1", status="finished"),
        ChatMessage("user", "two"),
        ChatMessage("assistant", "r2", status="finished"),
    ]
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
    conv = store.create_conversation(owner=None, model="openai/gpt-oss-20b", settings={"temperature": 0.3})
    store.add_message(conv.id, role="user", text="tell me")
    row = store.start_reply(conv.id, model="openai/gpt-oss-20b", provider="groq")
    store.update_reply(row.id, "half of it")
    store.close()
    from chat.store import liveness

    liveness._live.clear()  # as if the writing process had died
    chat = persist.load(Store(path, stale_after=0), conv.id, None)
    assert chat is not None and chat.temperature == 0.3
    reply = chat.messages[1]
    assert reply.text == "half of it" and reply.status == "stopped" and reply.interrupted
    assert reply.reply_to == chat.messages[0].id
    assert "Interrupted" in (outcome_text(reply, "en", 60) or "")
    assert "Interrumpida" in (outcome_text(reply, "es", 60) or "")


def test_load_refuses_another_owner(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    conv = store.create_conversation(owner="a" * 64, model="openai/gpt-oss-20b", settings={})
    assert persist.load(store, conv.id, "b" * 64) is None
    assert persist.load(store, conv.id, "a" * 64) is not None


def test_file_stem() -> None:
    assert persist.file_stem("Trip to Lisbon!") == "trip-to-lisbon"
    assert persist.file_stem("???") == "conversation"


def _failed_reply_chat(store: Store) -> tuple[ChatSession, ChatMessage]:
    from chat.errors import UpstreamUnavailable
    from chat.messages import ErrorInfo

    chat = ChatSession()
    user = ChatMessage("user", "hi")
    chat.messages.append(user)
    persist.before_send(store, chat, user, None)
    reply = ChatMessage(
        "assistant",
        "par",
        status="failed",
        model="openai/gpt-oss-20b",
        provider="groq",
        reply_to=user.id,
        via="via Mistral Small 4 (vision) — Groq was rate limited",
    )
    reply.error = ErrorInfo.of(UpstreamUnavailable("groq"))
    chat.messages.append(reply)
    persist.sync(store, chat)
    return chat, reply


def test_error_is_stored_as_its_key_and_restores_in_the_current_language(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    chat, reply = _failed_reply_chat(store)
    row = store.messages(chat.conversation_id or "")[1]
    assert row.error == reply.error.message("en")  # type: ignore[union-attr]  # the sentence, for exports
    assert row.details["error"]["key"] == reply.error.key  # type: ignore[union-attr]
    back = persist.load(store, chat.conversation_id or "", None)
    assert back is not None
    restored = back.messages[1]
    assert restored.error is not None and restored.error.kind == reply.error.kind  # type: ignore[union-attr]
    assert outcome_text(restored, "es", 60) == reply.error.message("es") != reply.error.message("en")  # type: ignore[union-attr]


def test_fallback_caption_is_restored(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    chat, _ = _failed_reply_chat(store)
    back = persist.load(store, chat.conversation_id or "", None)
    assert back is not None and back.messages[1].via == "via Mistral Small 4 (vision) — Groq was rate limited"


def test_an_old_row_with_an_english_sentence_still_restores(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    conv = store.create_conversation(owner=None, model="openai/gpt-oss-20b", settings={})
    user = store.add_message(conv.id, role="user", text="old")
    store.mark_failed(user.id, "The provider is down. Try again later.")  # what versions before m005 wrote
    back = persist.load(store, conv.id, None)
    assert back is not None and back.messages[0].status == "failed"
    err = back.messages[0].error
    assert err is not None and err.message("es") == "The provider is down. Try again later."
    persist.sync(store, back, force_from=back.messages[0].id)  # rewriting it keeps the sentence as it was
    assert store.messages(conv.id)[0].error == "The provider is down. Try again later."


def test_secret_like_or_complex_params_keep_only_the_sentence() -> None:
    from chat.messages import ErrorInfo

    assert records.error_record(ErrorInfo("x", {"api_key": "sk-123"}, "E")) is None
    assert records.error_record(ErrorInfo("x", {"details": [{"a": 1}]}, "E")) is None
    assert records.error_record(ErrorInfo("x", {"seconds": 3, "provider": "Groq"}, "E")) is not None


def test_blocked_draft_is_stored_with_its_image_and_follows_when_sent(tmp_path: Path) -> None:
    from chat.messages import ChatAttachment
    from chat.schema import ImagePart

    store = Store(tmp_path / "db")
    chat = ChatSession()
    att = ChatAttachment(
        name="red.png",
        kind="image",
        mime_type="image/png",
        tokens=85,
        reason=Sentence("att.no_vision", model="GPT-OSS 20B", vision="Qwen3.8 27B (vision)"),
        thumbnail=b"\x89PNG",
        thumbnail_mime="image/png",
        parts=(ImagePart(data=b"imagebytes", mime_type="image/png", name="red.png"),),
    )
    draft = ChatMessage("user", "what colour?", status="blocked", attachments=[att])
    chat.messages.append(draft)
    conv = persist.save_draft(store, chat, draft, None)
    row = store.messages(conv)[0]
    assert row.status == "blocked" and row.text == "what colour?" and row.parts[0].name == "red.png"
    assert json.loads(persist.export(store, conv, None, "json"))["messages"] == []  # drafts are not exported
    back = persist.load(store, conv, None)
    assert back is not None
    got = back.messages[0]
    assert got.status == "blocked" and got.attachments[0].thumbnail == b"\x89PNG"
    assert got.attachments[0].parts[0] == ImagePart(data=b"imagebytes", mime_type="image/png", name="red.png")
    back.queue(got.id)  # sent: the store follows
    persist.before_send(store, back, got, None)
    rows = store.messages(conv)
    assert [(r.status, r.text) for r in rows] == [("finished", "what colour?")] and "draft" not in rows[0].details


def test_oversized_draft_images_are_not_kept(tmp_path: Path) -> None:
    from chat.messages import ChatAttachment
    from chat.schema import ImagePart
    from chat.store.models import DRAFT_IMAGES_MAX_BYTES

    store = Store(tmp_path / "db")
    chat = ChatSession()
    big = ImagePart(data=b"x" * (DRAFT_IMAGES_MAX_BYTES + 1), mime_type="image/png")
    draft = ChatMessage(
        "user",
        "big",
        status="blocked",
        attachments=[
            ChatAttachment(
                name="big.png",
                kind="image",
                mime_type="image/png",
                parts=(big,),
                reason=Sentence("att.no_vision", model="GPT-OSS 20B", vision="Qwen3.8 27B"),
            )
        ],
    )
    chat.messages.append(draft)
    conv = persist.save_draft(store, chat, draft, None)
    back = persist.load(store, conv, None)
    assert back is not None
    att = back.messages[0].attachments[0]
    assert not att.parts and att.error is not None and back.messages[0].blocked
    assert att.why_not("en") == "This image was too large to keep with the draft: attach it again."
    assert (att.why_not("es") or "").startswith("Esta imagen era demasiado grande")

"""The window: system prompt + at most the last 8 turns, never starting on an assistant turn, within budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.catalog import get_model
from chat.errors import ContextTooLarge
from chat.schema import Message, ToolCallPart, ToolResultPart
from chat.window import build, last_n

SMALL = get_model("openai/gpt-oss-20b")


def turns(n: int, *, first: str = "user") -> list[Message]:
    roles = ["user", "assistant"] if first == "user" else ["assistant", "user"]
    return [Message.of(roles[i % 2], f"message {i}") for i in range(n)]  # type: ignore[arg-type]


def test_keeps_last_eight_and_the_system_prompt() -> None:
    messages = [Message.of("system", "be brief"), *turns(11)]
    window = build(messages, SMALL)
    assert window.messages[0].role == "system" and window.messages[0].text == "be brief"
    sent = window.messages[1:]
    assert len(sent) <= 8
    assert sent[-1].text == "message 10"
    assert sent[0].role == "user"  # 8 from the end would start on an assistant turn: dropped


def test_settings_system_prompt_comes_first_and_merges_with_system_messages() -> None:
    messages = [Message.of("system", "from the client"), *turns(1)]
    window = build(messages, SMALL, system_prompt="from settings")
    assert window.messages[0].text == "from settings\n\nfrom the client"
    assert [m.role for m in window.messages] == ["system", "user"]


def test_drops_older_turns_to_fit_groq_tpm() -> None:
    long = "word " * 1200  # ~1200 tokens each
    messages = [Message.of("user" if i % 2 == 0 else "assistant", f"{i} {long}") for i in range(8)]
    window = build(messages, SMALL)  # 8000 TPM - 1000 default output
    assert window.tokens <= window.budget == 8000 - 1000
    assert len(window.kept) < 8
    assert window.messages[-1].text.startswith("7 ")
    assert window.messages[0].role == "user"


def test_max_output_reserves_budget() -> None:
    messages = [Message.of("user", "word " * 4500)]
    build(messages, SMALL, max_output=1000)
    with pytest.raises(ContextTooLarge) as info:
        build(messages, SMALL, max_output=4000)
    message = info.value.message("en")
    assert "GPT-OSS 20B" in message and "switch to" in message


def test_newest_message_too_large_fails_before_sending_with_a_way_out() -> None:
    huge = Message.of("user", "lorem ipsum dolor " * 3000)
    with pytest.raises(ContextTooLarge) as info:
        build([*turns(3), huge], SMALL)
    err = info.value
    assert err.params["needed"] > err.params["budget"]
    assert "Mistral Small 4" in err.message("en")  # a model with room for it
    assert "Acórtalo" in err.message("es")


def test_a_large_model_takes_what_a_small_one_cannot() -> None:
    huge = Message.of("user", "lorem ipsum dolor " * 3000)
    window = build([huge], get_model("mistral-small-latest"))
    assert window.messages == [huge]


roles = st.sampled_from(["user", "assistant", "system"])
conversation = st.lists(st.tuples(roles, st.text(min_size=0, max_size=400)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(conversation, st.integers(min_value=1, max_value=12))
def test_window_properties(items: list[tuple[str, str]], n: int) -> None:
    messages = [Message.of(role, text or "x") for role, text in items]  # type: ignore[arg-type]
    positions = last_n(messages, n)
    others = [i for i, m in enumerate(messages) if m.role != "system"]
    assert len(positions) <= n
    assert positions == sorted(positions) and set(positions) <= set(others)
    assert not positions or messages[positions[0]].role != "assistant"
    if positions:  # contiguous suffix of the non-system turns
        assert positions == others[others.index(positions[0]) :]
    if not others:
        return
    try:
        window = build(messages, SMALL, n=n)
    except ContextTooLarge:
        return
    assert window.tokens <= window.budget
    kept = [int(i) for i in window.kept]  # ids are the positions when none are given
    assert set(kept) <= set(positions)
    assert kept and kept[-1] == others[-1]  # the newest turn is always sent
    assert messages[kept[0]].role != "assistant" or len(kept) == 1


def test_a_reply_that_used_tools_counts_as_one_message_and_keeps_its_steps() -> None:
    call = Message(role="assistant", parts=[ToolCallPart(id="c1", name="maintenance__status", arguments="{}")])
    result = Message(role="tool", parts=[ToolResultPart(call_id="c1", name="maintenance__status", content="ok")])
    steps = [call, result] * 5  # five tool steps before the answer
    messages = [*turns(6), Message.of("user", "check"), *steps, Message.of("assistant", "all fine"), *turns(1)]
    sent = build(messages, SMALL).messages
    assert sent[0].role == "user" and sent[-1].text == "message 0"
    assert [m.role for m in sent].count("tool") == 5  # all of the turn's steps, each result after its call
    for i, m in enumerate(sent):
        if m.role == "tool":
            assert sent[i - 1].role == "assistant" and sent[i - 1].parts[0].id == m.parts[0].call_id  # type: ignore[union-attr]
    # a reply that waits for the person (it ends on a call) keeps the user message that asked
    waiting = build([*turns(2), Message.of("user", "book it"), *steps[:-1]], SMALL).messages
    assert waiting[0].role == "user" and waiting[-1].role == "assistant"
    assert any(m.text == "book it" for m in waiting)

"""Which messages the model sees: the system prompt plus at most the last 8 others, within a token budget.

1. System messages (and the settings' system prompt) are merged into one leading system message.
2. Of the rest, the last `WINDOW_MESSAGES` are the candidates; a window starts on a user turn (never on a reply, nor on
   a tool's result without the call that asked for it).
3. While the estimate (see :mod:`chat.tokens`) exceeds what the model accepts per request — the smaller of its
   context and its provider's tokens-per-minute, minus the reserved max output — the oldest candidate is dropped.
4. If the newest message alone (with the system prompt) still does not fit, `ContextTooLarge` is raised before
   anything is sent: such a request can never succeed.

The same `build()` serves the pipeline (what is sent) and the context inspector (what the next request would keep);
only the candidates are counted, and a caller may pass the counts it already has.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field

from chat.catalog import ModelSpec, larger_model_than
from chat.config import WINDOW_MESSAGES
from chat.errors import ContextTooLarge
from chat.schema import Message, TextPart, ToolCallPart
from chat.tokens import count_message, with_margin


@dataclass(frozen=True)
class Window:
    """What a request holds: the messages sent, which of the conversation's messages they are, and the tokens."""

    messages: list[Message]
    """System message (if any) first, then the kept turns, oldest first."""
    kept: list[str]
    """Ids of the kept turns (positions as strings when the caller gave no ids), oldest first."""
    dropped: list[str] = field(default_factory=list)
    """Ids of the turns left out: older than the last 8, or over the token budget."""
    tokens: int = 0
    """Estimated prompt tokens, margin included."""
    budget: int = 0
    """Prompt tokens the model accepts for this request."""
    per_message: dict[str, int] = field(default_factory=dict)
    """Estimated tokens of each candidate turn, by id."""


def _system(messages: Sequence[Message], system_prompt: str | None) -> Message | None:
    texts = [system_prompt] if system_prompt else []
    texts += [m.text for m in messages if m.role == "system" and m.text]
    return Message(role="system", parts=[TextPart(text="\n\n".join(texts))]) if texts else None


def last_n(messages: Sequence[Message], n: int = WINDOW_MESSAGES) -> list[int]:
    """Positions of the last `n` non-system messages, never starting on a reply or a tool's result.

    A reply's tool calls and their results count with the reply (one message, as the person sees it), so a turn
    that used tools keeps all its steps, and a tool's result never arrives without the call that asked for it."""
    kept: list[int] = []
    counted = 0
    for i in reversed([i for i, m in enumerate(messages) if m.role != "system"] if n > 0 else []):
        if not _tool_step(messages[i]):
            if counted == n:
                break
            counted += 1
        kept.insert(0, i)
    while kept and messages[kept[0]].role in ("assistant", "tool"):
        kept.pop(0)
    return kept


def _tool_step(message: Message) -> bool:
    """A tool's result, or a reply's call of tools (both belong to the reply that follows them)."""
    return message.role == "tool" or (
        message.role == "assistant" and any(isinstance(p, ToolCallPart) for p in message.parts)
    )


def _fit(kept: list[int], messages: Sequence[Message], tokens: dict[int, int], base: int, budget: int) -> list[int]:
    """Drop the oldest candidates (and an assistant turn left leading) until the estimate fits `budget`."""
    kept = list(kept)
    while len(kept) > 1 and with_margin(base + sum(tokens[i] for i in kept)) > budget:
        kept.pop(0)
        while len(kept) > 1 and messages[kept[0]].role in ("assistant", "tool"):
            kept.pop(0)
    return kept


def build(
    messages: Sequence[Message],
    model: ModelSpec,
    *,
    ids: Sequence[str] | None = None,
    counts: MutableMapping[str, int] | None = None,
    system_prompt: str | None = None,
    max_output: int | None = None,
    n: int = WINDOW_MESSAGES,
) -> Window:
    """The window for `model`; ContextTooLarge when the newest message cannot fit at all.

    `ids` name the messages (default: their positions); `counts` is a cache of token estimates by id, read and
    filled, so a page that shows the window on every draw counts each message once.
    """
    names = list(ids) if ids is not None else [str(i) for i in range(len(messages))]
    cache = counts if counts is not None else {}
    system = _system(messages, system_prompt)
    budget = model.input_budget(max_output)
    base = count_message(system, model) if system else 0
    candidates = last_n(messages, n)
    tokens = {
        i: cache.get(names[i]) or cache.setdefault(names[i], count_message(messages[i], model)) for i in candidates
    }
    kept = _fit(candidates, messages, tokens, base, budget)
    total = with_margin(base + sum(tokens[i] for i in kept))
    if not kept or total > budget:
        needed = with_margin(base + (tokens[candidates[-1]] if candidates else 0))
        raise ContextTooLarge(
            needed=needed, budget=max(0, budget), model=model.label, suggestion=larger_model_than(model, needed).label
        )
    turns = [i for i, m in enumerate(messages) if m.role != "system"]
    return Window(
        messages=([system] if system else []) + [messages[i] for i in kept],
        kept=[names[i] for i in kept],
        dropped=[names[i] for i in turns if i not in kept],
        tokens=total,
        budget=budget,
        per_message={names[i]: tokens[i] for i in candidates},
    )

"""Which messages the model sees: the system prompt plus at most the last 8 others, then a token budget.

1. System messages (and the settings' system prompt) are merged into one leading system message.
2. Of the rest, the last `WINDOW_MESSAGES` are kept; a window never starts on an assistant turn.
3. While the estimate (see :mod:`chat.tokens`) exceeds what the model accepts per request — the smaller of its
   context and its provider's tokens-per-minute, minus the reserved max output — the oldest turn is dropped.
4. If the newest message alone (with the system prompt) still does not fit, `ContextTooLarge` is raised before
   anything is sent: Groq answers such requests with 413, and they can never succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chat.catalog import ModelSpec, larger_model_than
from chat.config import WINDOW_MESSAGES
from chat.errors import ContextTooLarge
from chat.schema import Message, TextPart
from chat.tokens import count_message, with_margin


@dataclass(frozen=True)
class Window:
    """The outcome: what is sent, which input positions it came from, and the token arithmetic."""

    messages: list[Message]
    """System message (if any) first, then the kept turns, oldest first."""
    kept: list[int]
    """Positions in the input of the kept non-system messages."""
    tokens: int
    """Estimated prompt tokens, margin included."""
    budget: int
    """Prompt tokens the model accepts for this request."""
    per_message: list[int]
    """Estimated tokens of every input message (0 for system messages, counted in the system prompt)."""


def _system(messages: Sequence[Message], system_prompt: str | None) -> Message | None:
    texts = [system_prompt] if system_prompt else []
    texts += [m.text for m in messages if m.role == "system" and m.text]
    return Message(role="system", parts=[TextPart(text="\n\n".join(texts))]) if texts else None


def last_n(messages: Sequence[Message], n: int = WINDOW_MESSAGES) -> list[int]:
    """Positions of the last `n` non-system messages, never starting on an assistant turn."""
    positions = [i for i, m in enumerate(messages) if m.role != "system"][-n:] if n > 0 else []
    while positions and messages[positions[0]].role == "assistant":
        positions.pop(0)
    return positions


def build(
    messages: Sequence[Message],
    model: ModelSpec,
    *,
    system_prompt: str | None = None,
    max_output: int | None = None,
    n: int = WINDOW_MESSAGES,
) -> Window:
    """The window for `model`; ContextTooLarge when the newest message cannot fit at all."""
    system = _system(messages, system_prompt)
    budget = model.input_budget(max_output)
    per_message = [0 if m.role == "system" else count_message(m, model) for m in messages]
    base = count_message(system, model) if system else 0
    kept = last_n(messages, n)
    while kept and with_margin(base + sum(per_message[i] for i in kept)) > budget:
        kept.pop(0)
        while len(kept) > 1 and messages[kept[0]].role == "assistant":
            kept.pop(0)
        if len(kept) == 1:
            break
    total = with_margin(base + sum(per_message[i] for i in kept))
    if not kept or total > budget:
        newest = [i for i, m in enumerate(messages) if m.role != "system"][-1:]
        needed = with_margin(base + sum(per_message[i] for i in newest))
        raise ContextTooLarge(
            needed=needed, budget=max(0, budget), model=model.label, suggestion=larger_model_than(model, needed).label
        )
    sent = ([system] if system else []) + [messages[i] for i in kept]
    return Window(sent, kept, total, budget, per_message)

"""AI SDK tool parts in a request's history (`dynamic-tool`, or `tool-<name>`), sent on in the provider's shape.

A part that reached its result (`output-available`, `output-error`, `output-denied`) becomes the assistant's call and
the tool's result; a call still without one is left out (a provider refuses a call that has no result).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chat.schema import Message, TextPart, ToolCallPart, ToolResultPart

ANSWERED = ("output-available", "output-error", "output-denied")
DENIED = "The tool was not run: the person did not allow it."


class ApiToolCall(BaseModel):
    """One AI SDK tool part of an assistant message."""

    model_config = ConfigDict(extra="ignore")
    toolCallId: str = Field(min_length=1, max_length=200)
    toolName: str = Field(min_length=1, max_length=200)
    state: str
    input: Any = None
    output: Any = None
    errorText: str | None = None

    @property
    def result(self) -> str:
        """What the model reads as the tool's answer."""
        if self.state == "output-denied":
            return DENIED
        if self.state == "output-error":
            return self.errorText or "The tool failed."
        return self.output if isinstance(self.output, str) else json.dumps(self.output, ensure_ascii=False)


def is_tool_part(part: Any) -> bool:
    """An AI SDK tool part (static `tool-<name>` or `dynamic-tool`)."""
    kind = part.get("type") if isinstance(part, dict) else None
    return isinstance(kind, str) and (kind == "dynamic-tool" or kind.startswith("tool-"))


def normalized(part: dict[str, Any]) -> dict[str, Any]:
    """A tool part with its tool's name (a static part names it in its type)."""
    kind = str(part.get("type"))
    return part if kind == "dynamic-tool" else {**part, "toolName": part.get("toolName") or kind.removeprefix("tool-")}


def tool_turn(before: list[TextPart], calls: list[ApiToolCall], after: list[TextPart]) -> list[Message]:
    """An assistant message with tool parts as the provider takes it: the calls (with the text before them), each
    answered call's result, then the text after them."""
    answered = [c for c in calls if c.state in ANSWERED]
    out: list[Message] = []
    if answered:
        parts: list[Any] = [
            *before,
            *(ToolCallPart(id=c.toolCallId, name=c.toolName, arguments=json.dumps(c.input or {})) for c in answered),
        ]
        out.append(Message(role="assistant", parts=parts))
        out += [
            Message(role="tool", parts=[ToolResultPart(call_id=c.toolCallId, name=c.toolName, content=c.result)])
            for c in answered
        ]
    elif before:
        out.append(Message(role="assistant", parts=list(before)))
    if after:
        out.append(Message(role="assistant", parts=list(after)))
    return out

"""One tool call in a reply, as the person sees it, the store keeps it and the AI SDK stream reports it.

A `ToolStep` is the call (the function the model named, its arguments as the model wrote them) and, once it ran,
what it gave (`ToolResult`). `pending` means the tool asks the person first and the reply waits for Run or Deny;
`approved` means the person said Run and the tool runs when the turn goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chat.schema import Message, ToolCallPart, ToolResultPart
from chat.text import Lang, Sentence, has_sentence
from chat.tools.spec import ToolResult

StepState = Literal["running", "pending", "approved", "done"]
MAX_STEPS = 5
"""Tool steps one user turn may take (seed 004's stop condition); then the model answers with what it has."""


@dataclass
class ToolStep:
    """One tool call: what the model asked for, and what it gave."""

    id: str
    function: str
    arguments: str
    step: int
    """Which of the turn's tool steps (1..MAX_STEPS) it belongs to."""
    server: str = ""
    tool: str = ""
    state: StepState = "running"
    result: ToolResult | None = None
    said: str = ""
    """What the model wrote before this step's calls (kept with the call it led to)."""

    @property
    def call(self) -> ToolCallPart:
        """The call as the model made it."""
        return ToolCallPart(id=self.id, name=self.function, arguments=self.arguments)

    def message(self, lang: Lang = "en") -> str:
        """The result in `lang`, or "" before there is one."""
        return self.result.message(lang) if self.result is not None else ""

    def deny(self) -> None:
        """The person did not let the tool run: it gets the result that says so, and the model reads it."""
        reason = Sentence("tools.result.denied", tool=self.tool or self.function, server=self.server or "?")
        self.result, self.state = ToolResult(status="denied", reason=reason, tool=self.function), "done"

    def record(self) -> dict[str, Any]:
        """What the store and an export keep (the result's reason as its sentence key and parameters)."""
        r = self.result
        out: dict[str, Any] = {
            "id": self.id,
            "function": self.function,
            "arguments": self.arguments,
            "step": self.step,
            "server": self.server,
            "tool": self.tool,
            "state": self.state,
            "said": self.said,
        }
        if r is not None:
            reason = {"key": r.reason.key, "params": r.reason.params} if r.reason is not None else None
            out["result"] = {
                "output": r.output,
                "status": r.status,
                "elapsed": r.elapsed,
                "truncated": r.truncated,
                "total": r.total_chars,
                "reason": reason,
            }
        return out

    @classmethod
    def restore(cls, data: dict[str, Any]) -> ToolStep | None:
        """A stored step (None when the record is not one)."""
        try:
            step = cls(str(data["id"]), str(data["function"]), str(data["arguments"]), int(data["step"]))
        except (KeyError, TypeError, ValueError):
            return None
        step.server, step.tool, step.said = (
            str(data.get("server", "")),
            str(data.get("tool", "")),
            str(data.get("said", "")),
        )
        state = data.get("state")
        step.state = "pending" if state == "pending" else "approved" if state == "approved" else "done"
        result = data.get("result")
        if isinstance(result, dict):
            reason = result.get("reason")
            sentence = None
            if isinstance(reason, dict) and has_sentence(str(reason.get("key"))):
                sentence = Sentence(str(reason["key"]), **(reason.get("params") or {}))
            step.result = ToolResult(
                output=str(result.get("output", "")),
                status=result.get("status", "ok"),
                elapsed=float(result.get("elapsed") or 0.0),
                truncated=bool(result.get("truncated")),
                total_chars=int(result.get("total") or 0),
                reason=sentence,
                tool=step.function,
            )
        elif step.state == "done":  # stored mid-call (the process ended): the call never gave a result
            step.result = ToolResult.failed("cancelled", stopped(step), tool=step.function)
        return step


def step_messages(steps: list[ToolStep]) -> list[Message]:
    """The steps as the model sees them again: per step, the assistant's calls, then each call's result.

    Calls still waiting for the person (pending, or approved and not yet run) have no result yet: they close the
    list, so the loop can run them before calling the model again.
    """
    out: list[Message] = []
    for number in sorted({s.step for s in steps}):
        batch = [s for s in steps if s.step == number]
        said = next((s.said for s in batch if s.said), "")
        parts: list[Any] = ([] if not said else [_text(said)]) + [s.call for s in batch]
        out.append(Message(role="assistant", parts=parts))
        for s in batch:
            if s.result is not None:
                part = ToolResultPart(call_id=s.id, name=s.function, content=s.result.text)
                out.append(Message(role="tool", parts=[part]))
    return out


def stopped(step: ToolStep) -> Sentence:
    """The result of a call stopped before it finished."""
    return Sentence("tools.result.cancelled", tool=step.tool or step.function, server=step.server or "?")


def _text(text: str) -> Any:
    from chat.schema import TextPart

    return TextPart(text=text)

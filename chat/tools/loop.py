"""The tool loop of one turn: the model asks for tools, Charla runs them, the model is called again with the results.

At most `MAX_STEPS` tool steps a turn; after the last one the model is called once more with `tool_choice: "none"`,
so it answers with what it has (and the reply says the limit was reached). Every further call of the model is one
more request against the rate limits and must fit the model's request budget.

Who decides whether a tool runs: on the API, only read-only or auto-approved tools run and the others are reported
as denied (the model is told so); in the chat, a tool that may change something asks the person first, and the
reply stops there (`waiting`) until the person says Run or Deny; the turn then goes on (`resume`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from chat import ratelimit
from chat.catalog import ModelSpec
from chat.errors import ContextTooLarge
from chat.providers.base import Provider
from chat.providers.stream import ProviderStream
from chat.schema import Message, TextPart, ToolCallPart, ToolResultPart
from chat.tokens import count_text, with_margin
from chat.tools.spec import ToolResult
from chat.tools.steps import MAX_STEPS, ToolStep, stopped

if TYPE_CHECKING:
    from chat.tools.calls import ToolCall
    from chat.tools.hub import ToolHub

Mode = Literal["ui", "api"]


@dataclass(frozen=True)
class ToolEvent:
    """A tool step starting or ending, in a reply's stream of events."""

    step: ToolStep
    phase: Literal["start", "end"]


@dataclass
class ToolLoop:
    """Runs the tools a model asks for and opens the model's next call, until it answers without tools."""

    hub: ToolHub
    provider: Provider
    spec: ModelSpec
    wire: list[dict[str, Any]]
    params: dict[str, Any]
    mode: Mode
    session: str | None = None
    ip: str | None = None
    tokens: int = 0
    """Estimated prompt tokens of what was sent so far (the window's estimate; tool messages are added to it)."""
    budget: int = 0
    step_no: int = 0
    steps: list[ToolStep] = field(default_factory=list)
    waiting: bool = False
    limited: bool = False
    """The turn reached MAX_STEPS: the last call of the model was made without tools."""
    _current: ToolCall | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def run(self, calls: Sequence[ToolCallPart], said: str) -> Iterator[ToolEvent]:
        """One tool step: the model's calls (and what it wrote before them) become a step; each call runs, is
        denied, or waits for the person."""
        self.step_no += 1
        parts: list[Any] = [TextPart(text=said)] if said else []
        self._add(Message(role="assistant", parts=[*parts, *calls]))
        for n, call in enumerate(calls):
            step = ToolStep(call.id, call.name, call.arguments, self.step_no, said=said if n == 0 else "")
            self.steps.append(step)
            yield from self._decide(step)

    def resume(self, steps: Sequence[ToolStep]) -> Iterator[ToolEvent]:
        """Go on after the person answered: run the calls they approved (denied ones already have their result)."""
        self.step_no = max((s.step for s in steps), default=0)
        for step in steps:
            if step.state == "approved":
                self.steps.append(step)
                yield from self._execute(step)

    def _decide(self, step: ToolStep) -> Iterator[ToolEvent]:
        spec = self.hub.tool(step.function)
        if spec is not None:
            step.server, step.tool = spec.server, spec.tool
        yield ToolEvent(step, "start")
        if spec is not None and self.mode == "api" and not spec.api_allowed:
            self._finish(step, ToolResult.denied(spec, by_api=True))
        elif spec is not None and self.mode == "ui" and spec.needs_approval:
            step.state, self.waiting = "pending", True
        else:
            self._finish(step, self._call(step))
        yield ToolEvent(step, "end")

    def _execute(self, step: ToolStep) -> Iterator[ToolEvent]:
        step.state = "running"
        yield ToolEvent(step, "start")
        self._finish(step, self._call(step))
        yield ToolEvent(step, "end")

    def _call(self, step: ToolStep) -> ToolResult:
        if self._cancelled.is_set():
            return ToolResult.failed("cancelled", stopped(step), tool=step.function)
        self._current = self.hub.submit(step.function, step.arguments)
        try:
            while not self._current.wait(0.1):
                if self._cancelled.is_set():
                    self._current.cancel()
            return self._current.result()
        finally:
            self._current = None

    def _finish(self, step: ToolStep, result: ToolResult) -> None:
        step.result, step.state = result, "done"
        self._add(
            Message(role="tool", parts=[ToolResultPart(call_id=step.id, name=step.function, content=result.text)])
        )

    def _add(self, message: Message) -> None:
        wire = self.provider.wire_message(message)
        self.wire.append(wire)
        self.tokens += count_text(json.dumps(wire, ensure_ascii=False))

    def next(self) -> ProviderStream | None:
        """The model's next call with the results (None: the turn waits for the person, or was stopped)."""
        if self.waiting or self._cancelled.is_set():
            return None
        if with_margin(self.tokens) > self.budget:
            raise ContextTooLarge(needed=with_margin(self.tokens), budget=self.budget, model=self.spec.label,
                                  suggestion=self.spec.label)  # fmt: skip
        ratelimit.take(session=self.session, ip=self.ip)  # each call of the model is one request
        params = self.params
        if self.step_no >= MAX_STEPS:
            self.limited = True
            params = {**params, "tool_choice": "none"}
        return self.provider.open(self.wire, model=self.spec.id, params=params)

    def cancel(self) -> None:
        """Stop: the running tool call is cancelled (the server is told), and no further call is made."""
        self._cancelled.set()
        current = self._current
        if current is not None:
            current.cancel(wait=0)

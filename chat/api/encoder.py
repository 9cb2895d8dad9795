"""The AI SDK's UI-message stream events of one reply, as SSE bytes: `sse()`, the pre-encoded `delta_event()` and
the `Encoder` that opens and closes a reply's parts.

Events, each `data: <json>\\n\\n` (shapes checked against the `ai` package's `uiMessageChunkSchema`):

    start {messageId, messageMetadata}  start-step  text-start {id}
    text-delta {id, delta} ...
    text-end {id}  finish-step  finish {finishReason, messageMetadata}  [DONE]

With `sendReasoning` a reasoning model's thinking comes first, as `reasoning-start {id}`, `reasoning-delta {id,
delta}`..., `reasoning-end {id}`, and `text-start` follows it; without it (seed 004's default) the thinking is not
sent at all. `messageMetadata` names the model that answered (`model`) and, when a retired id was asked for, that
id (`requestedModel`) and its retirement.

An upstream failure after the stream has begun ends it with `text-end`, `error {errorText}`, `finish-step`,
`finish {finishReason: "error"}` and `[DONE]`: never a silent cut. A reply cut at CHARLA_MAX_DURATION ends
normally with `finishReason: "other"` and `messageMetadata.outcome == "cut"` (plus a `note` saying so).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from chat.errors import ChatError, provider_label
from chat.providers.deltas import Delta
from chat.reply import Reply
from chat.text import Lang, t
from chat.tools.loop import ToolEvent
from chat.tools.steps import MAX_STEPS

DONE = b"data: [DONE]\n\n"
"""The stream's last event."""
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content-filter", "tool_calls": "tool-calls"}
"""The AI SDK's finish reason for each upstream `finish_reason`."""

_dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
"""A string as a JSON string literal, non-ASCII kept (what `_dumps` does to a str, without the encoder's call)."""


def sse(chunk: dict[str, Any]) -> bytes:
    """One SSE event carrying `chunk` as JSON."""
    return b"data: " + _dumps(chunk).encode() + b"\n\n"


def delta_event(kind: str, part_id: str) -> Callable[[str], bytes]:
    """A `{kind}-delta` event writer for part `part_id`: the same bytes as `sse({"type": ..., "id": ..., "delta":
    text})`, with only the text encoded per call (the hot path of a stream)."""
    head = sse({"type": f"{kind}-delta", "id": part_id, "delta": ""})[: -len('""}\n\n')]
    return lambda text: head + _quote(text).encode() + b"}\n\n"


class Encoder:
    """The UI-message stream events for one reply."""

    def __init__(self, reply: Reply, lang: Lang, *, send_reasoning: bool = False) -> None:
        self.reply = reply
        self.lang = lang
        self.send_reasoning = send_reasoning
        self.message_id = f"msg-{uuid.uuid4().hex}"
        self._new_part_ids()
        self._text_open = False
        self._reasoning_open = False
        self._tool_step = 0
        """The tool step (1..5) whose calls are being reported; 0 when none is."""
        self._step_ended = False
        """A tool call ended: the step ends when what follows is not another call of the same step."""

    def opening(self) -> bytes:
        """start, start-step (and text-start, unless reasoning may come first)."""
        meta = {"model": self.reply.model, "provider": self.reply.provider, **self._asked()}
        out = [
            sse({"type": "start", "messageId": self.message_id, "messageMetadata": meta}),
            sse({"type": "start-step"}),
        ]
        if not self.send_reasoning:
            out.append(self._open_text())
        return b"".join(out)

    def delta(self, delta: Delta) -> bytes:
        """One text-delta (or reasoning-delta), opening and closing parts as the kind changes."""
        if self._text_open and not (delta.reasoning or self._step_ended or self._reasoning_open):
            return self._text_delta(delta.text)  # the usual case: more of the same text
        step = self._next_step() if self._step_ended else b""
        if delta.reasoning:
            if not self.send_reasoning:
                return step
            head = step + (b"" if self._reasoning_open else sse({"type": "reasoning-start", "id": self.reasoning_id}))
            self._reasoning_open = True
            return head + self._reasoning_delta(delta.text)
        head = step + self._close_reasoning() + (b"" if self._text_open else self._open_text())
        return head + self._text_delta(delta.text)

    def tool(self, event: ToolEvent) -> bytes:
        """A tool step's parts (`dynamic: true`, the tools come from MCP servers, not from the client): the call's
        input, then its output, error or denial; the step ends with its last call, and the next one starts."""
        step = event.step
        ids = {"toolCallId": step.id}
        if event.phase == "start":
            head = b"" if step.step == self._tool_step else self._next_step()
            head += self._close_reasoning() + (
                sse({"type": "text-end", "id": self.text_id}) if self._text_open else b""
            )
            self._text_open, self._tool_step = False, step.step
            named = {**ids, "toolName": step.function, "dynamic": True}
            return (
                head
                + sse({"type": "tool-input-start", **named})
                + sse({"type": "tool-input-available", **named, "input": _arguments(step.arguments)})
            )
        result = step.result
        if result is None:  # waits for a person: only the chat asks
            body = b""
        elif result.status == "denied":
            body = sse({"type": "tool-output-denied", **ids})
        elif result.is_error:
            body = sse({"type": "tool-output-error", **ids, "errorText": result.message(self.lang)})
        else:
            body = sse({"type": "tool-output-available", **ids, "output": result.message(self.lang)})
        self._step_ended = True
        return body

    def _next_step(self) -> bytes:
        """finish-step and start-step, after the tool calls of a step (once more text or another step comes)."""
        if not self._step_ended:
            return b""
        self._step_ended, self._tool_step = False, 0
        self._new_part_ids()
        return sse({"type": "finish-step"}) + sse({"type": "start-step"})

    def closing(self) -> bytes:
        """text-end, finish-step, finish (with metadata), [DONE]."""
        return self._end(self.finish_reason())

    def failure(self, err: ChatError) -> bytes:
        """text-end, error, finish-step, finish("error"), [DONE]."""
        return self._end("error", sse({"type": "error", "errorText": err.message(self.lang)}))

    def finish_reason(self) -> str:
        """The AI SDK's finish reason for how the reply ended."""
        if self.reply.outcome != "finished":
            return "other"
        return FINISH_REASONS.get(self.reply.finish_reason or "stop", "other")

    def metadata(self) -> dict[str, Any]:
        """What the client may want to know about the reply: model, outcome, usage, timing."""
        reply = self.reply
        usage = reply.usage
        meta: dict[str, Any] = {
            "model": reply.model,
            "provider": reply.provider,
            **self._asked(),
            "outcome": reply.outcome,
            "finishReason": reply.finish_reason,
            "usage": None
            if usage is None
            else {
                "inputTokens": usage.prompt_tokens,
                "outputTokens": usage.completion_tokens,
                "totalTokens": usage.prompt_tokens + usage.completion_tokens,
            },
            "steps": len({s.step for s in reply.steps}),
            **({"transcript": reply.transcript} if reply.transcript is not None else {}),
            "ttftMs": _ms(reply.ttft),
            "ttfrMs": _ms(reply.ttfr),
            "durationMs": _ms(reply.duration),
        }
        if reply.outcome == "cut":
            meta["note"] = t("outcome.cut", self.lang, seconds=round(reply.max_duration))
        elif reply.outcome == "stopped":
            meta["note"] = t("outcome.stopped", self.lang)
        elif reply.step_limited:
            meta["note"] = t("outcome.step_limit", self.lang, steps=MAX_STEPS)
        elif reply.thought_out:
            sent = reply.context.payload if reply.context is not None else {}
            tokens = sent.get("max_completion_tokens", sent.get("max_tokens", "?"))
            meta["note"] = t("outcome.thought_out", self.lang, model=reply.model, tokens=tokens)
        return meta

    def _asked(self) -> dict[str, Any]:
        moved = self.reply.retirement
        if moved is None:
            return {}
        note = t(
            "outcome.retired",
            self.lang,
            model=moved.model,
            provider=provider_label(moved.provider),
            date=moved.date,
            successor=self.reply.model,
        )
        return {
            "requestedModel": self.reply.asked,
            "retired": {"date": moved.date, "source": moved.source, "note": note},
        }

    def _new_part_ids(self) -> None:
        """Fresh ids for the text and reasoning parts (of the reply, or of a new step)."""
        self.text_id = f"text-{uuid.uuid4().hex[:12]}"
        self.reasoning_id = f"reasoning-{uuid.uuid4().hex[:12]}"
        self._text_delta = delta_event("text", self.text_id)
        self._reasoning_delta = delta_event("reasoning", self.reasoning_id)

    def _open_text(self) -> bytes:
        self._text_open = True
        return sse({"type": "text-start", "id": self.text_id})

    def _close_reasoning(self) -> bytes:
        if not self._reasoning_open:
            return b""
        self._reasoning_open = False
        return sse({"type": "reasoning-end", "id": self.reasoning_id})

    def _end(self, reason: str, error: bytes = b"") -> bytes:
        head = self._close_reasoning() + (b"" if self._text_open else self._open_text())
        return b"".join(
            (
                head,
                sse({"type": "text-end", "id": self.text_id}),
                error,
                sse({"type": "finish-step"}),
                sse({"type": "finish", "finishReason": reason, "messageMetadata": self.metadata()}),
                DONE,
            )
        )


def _arguments(text: str) -> Any:
    """A tool call's arguments as JSON (the model's own text when it is not JSON)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)

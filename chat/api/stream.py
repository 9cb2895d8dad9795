"""The 200 response: a `Reply` relayed as the AI SDK's UI-message stream over Server-Sent Events.

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

Thread model: iterating a `Reply` blocks, so one thread per stream (the API's own `Workers`) pumps its deltas
into a deque, reading the upstream at most every FLUSH_INTERVAL (`paced_reads`); the loop writes whatever has
gathered as one body chunk, looking again at every tick of a shared `Ticker` while deltas flow, woken by the
worker only after a pause. A watcher task reads the ASGI channel: `http.disconnect` cancels the reply, which
closes the upstream request at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from chat.errors import ChatError, provider_label
from chat.providers.base import Delta, paced_reads
from chat.reply import Reply
from chat.text import Lang, t
from chat.tools.loop import ToolEvent
from chat.tools.steps import MAX_STEPS

log = logging.getLogger(__name__)

WORKER_THREADS = 256
"""Blocking calls (sending, relaying a stream) the API runs at once; more wait for a free thread."""
FLUSH_INTERVAL = 0.05
"""Seconds between two looks for a stream's new deltas, and between two reads of its upstream: what arrives
meanwhile leaves in one chunk. Every wake-up of a thread costs ~50-80 us of CPU on a small VM and every write
goes through uvicorn and Streamlit's middleware: per token, at 100 streams, that was most of the relay's cost."""
IDLE_LOOKS = 3
"""Empty looks after which a stream waits to be woken by its next delta instead of looking every tick."""
DONE = b"data: [DONE]\n\n"
STREAM_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "x-vercel-ai-ui-message-stream": "v1",
}
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content-filter", "tool_calls": "tool-calls"}

T = TypeVar("T")
_tickers: WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker] = WeakKeyDictionary()


class Ticker:
    """One timer per event loop for every stream's next look: a stream awaits the next tick, and one wake-up of
    the loop every FLUSH_INTERVAL serves all of them (a timer per stream wakes the loop once per stream)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._next: asyncio.Future[None] | None = None

    def next(self) -> asyncio.Future[None]:
        """The next tick (the timer runs only while some stream waits for it)."""
        if self._next is None:
            self._next = self._loop.create_future()
            self._loop.call_later(FLUSH_INTERVAL, self._fire)
        return self._next

    def _fire(self) -> None:
        tick, self._next = self._next, None
        if tick is not None and not tick.done():
            tick.set_result(None)


def ticker() -> Ticker:
    """The ticker of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _tickers.get(loop)
    if found is None:
        found = _tickers[loop] = Ticker(loop)
    return found


Done = Callable[[Any, BaseException | None], None]
"""Called on the worker thread with a call's result, or with what it raised."""


class Workers:
    """The API's own threads for blocking calls (sending, relaying a stream), kept once started, never the default
    pool Streamlit shares with static files.

    The event loop only queues a call; it never starts a thread itself. `Thread.start()` waits until the new thread
    runs, and under load that held the loop for tens of milliseconds per thread: a burst of 100 requests after a
    quiet spell (anyio drops its idle threads after 10 s) kept every stream's first token waiting for seconds. New
    threads are started by a helper thread; a call waits for one only when none is free. At most `size` threads.
    """

    def __init__(self, size: int = WORKER_THREADS) -> None:
        self.size = size
        self.threads = 0
        self._free = 0
        """Idle threads no queued call has claimed yet."""
        self._lock = threading.Lock()
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Done]] = queue.SimpleQueue()
        self._spawns: queue.SimpleQueue[None] | None = None

    def submit(self, func: Callable[[], Any], done: Done) -> None:
        """Run `func` on a free thread (or the next to be free); `done(result, error)` is called on that thread."""
        with self._lock:
            if self._free:
                self._free -= 1
                spawn = False
            else:
                spawn = self.threads < self.size
                self.threads += spawn
            if spawn and self._spawns is None:
                self._spawns = queue.SimpleQueue()
                spawner = threading.Thread(target=self._spawner, args=(self._spawns,), name="charla-api-spawn")
                spawner.daemon = True
                spawner.start()
        self._calls.put((func, done))
        if spawn and self._spawns is not None:
            self._spawns.put(None)

    def _spawner(self, spawns: queue.SimpleQueue[None]) -> None:
        while True:
            spawns.get()
            threading.Thread(target=self._work, name="charla-api-worker", daemon=True).start()

    def _work(self) -> None:
        while True:
            func, done = self._calls.get()
            try:
                done(func(), None)
            except BaseException as e:  # handed over to the caller, which raises it
                done(None, e)
            del func, done  # nothing of a finished call stays reachable from an idle thread
            with self._lock:
                self._free += 1


_workers = Workers()


async def run_blocking(func: Callable[[], T]) -> T:
    """Run a blocking call on a thread of the API's own (`Workers`); like `anyio.to_thread.run_sync`, a cancelled
    caller still waits for the call to end."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def done(result: Any, error: BaseException | None) -> None:
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the loop is closed: nobody waits
            pass

    _workers.submit(partial(context.run, func), done)
    cancelled: BaseException | None = None
    with anyio.CancelScope(shield=True):  # anyio's cancellation waits outside; asyncio's own is held back here
        while not future.done():
            try:
                await asyncio.wait((future,))
            except asyncio.CancelledError as e:
                cancelled = e
    if cancelled is not None:
        raise cancelled
    return future.result()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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


class Ended:
    """Marks the end of a reply that finished, was stopped or was cut."""


Item = Delta | ToolEvent | Ended | ChatError


class Relay:
    """Carries a reply's deltas from the worker thread that iterates it to the event loop that writes them."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self._loop = asyncio.get_running_loop()
        self._items: deque[Item] = deque()
        self._lock = threading.Lock()
        self._wake = asyncio.Event()
        self._idle = True
        """The loop waits for a wake-up (else it looks again after FLUSH_INTERVAL by itself)."""

    def pump(self) -> None:
        """Iterate the reply (blocking; on a worker thread) and hand every delta over, then how it ended."""
        try:
            with paced_reads(FLUSH_INTERVAL):
                for delta in self.reply:
                    self._push(delta)
            self._push(Ended())
        except ChatError as e:
            self._push(e)
        except Exception:
            log.exception("relaying a reply failed")
            self._push(ChatError())

    def cancel(self) -> None:
        """Stop the reply and close the upstream request (idempotent)."""
        self.reply.cancel("stopped")

    def _push(self, item: Item) -> None:
        with self._lock:
            self._items.append(item)
            wake, self._idle = self._idle, False
        if wake:
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:  # the loop is gone (server shutting down): nobody is reading
                self.cancel()

    async def batches(self) -> AsyncIterator[list[Item]]:
        """Everything pushed since the last batch; ends after the batch holding the end or the failure.

        The first delta leaves at once. While deltas keep coming the loop looks for more at every tick of the
        shared `Ticker`, without a wake-up from the worker thread per batch; after IDLE_LOOKS empty looks it waits
        to be woken by the next delta, which again leaves at once.
        """
        tick = ticker()
        while True:
            await self._wake.wait()
            self._wake.clear()
            empty = 0
            while empty < IDLE_LOOKS:
                with self._lock:
                    batch = list(self._items)
                    self._items.clear()
                    empty = 0 if batch else empty + 1
                    self._idle = empty >= IDLE_LOOKS
                if batch:
                    yield batch
                    if isinstance(batch[-1], Ended | ChatError):
                        return
                if not self._idle:
                    await asyncio.shield(tick.next())


class EventStream(StreamingResponse):
    """The SSE response for one reply; cancels the reply when the client goes away."""

    def __init__(self, reply: Reply, lang: Lang, headers: dict[str, str], *, send_reasoning: bool = False) -> None:
        super().__init__(iter(()), media_type="text/event-stream", headers={**STREAM_HEADERS, **headers})
        self.encoder = Encoder(reply, lang, send_reasoning=send_reasoning)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = Relay(self.encoder.reply)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch, receive, relay, tg.cancel_scope)
            tg.start_soon(run_blocking, relay.pump)
            try:
                await self._write(send, relay)
            except OSError:  # the client went away while we wrote
                pass
            finally:
                relay.cancel()
                tg.cancel_scope.cancel()

    async def _write(self, send: Send, relay: Relay) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.encoder.opening(), "more_body": True})
        async for batch in relay.batches():
            await send({"type": "http.response.body", "body": self._encode(batch), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _encode(self, batch: list[Item]) -> bytes:
        out = []
        for item in batch:
            if isinstance(item, Delta):
                out.append(self.encoder.delta(item))
            elif isinstance(item, ToolEvent):
                out.append(self.encoder.tool(item))
            elif isinstance(item, ChatError):
                out.append(self.encoder.failure(item))
            else:
                out.append(self.encoder.closing())
        return b"".join(out)

    @staticmethod
    async def _watch(receive: Receive, relay: Relay, scope: anyio.CancelScope) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                relay.cancel()
                scope.cancel()
                return

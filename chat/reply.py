"""A streaming reply: iterate it for `Delta`s (answer text, and a reasoning model's thinking) and, when the model
uses tools, `ToolEvent`s; afterwards it holds the text, the reasoning, the tool steps, usage, timing and how it ended.

With a tool loop (chat.tools.loop) a reply spans several calls of the model: the text written before a tool step
goes with that step, and `text` is what the model wrote after its last tool step.

`cancel()` (Stop, a client that went away) and the `CHARLA_MAX_DURATION` cut both close the upstream connection
at once, from any thread, even while the reading thread is blocked on a silent upstream; the text that arrived
is kept. An upstream failure after the stream began is raised from the iteration as a `ProviderError` whose
`partial` holds the text so far; the reply records it as `failed`. A finished reply replays from its buffer.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from chat.catalog import Retirement
from chat.errors import ChatError, ProviderError
from chat.providers.deltas import Delta
from chat.providers.stream import ProviderStream, Usage
from chat.ratelimit import Quota
from chat.tools.loop import ToolEvent, ToolLoop
from chat.tools.steps import ToolStep
from chat.window import Window

Outcome = Literal["streaming", "finished", "stopped", "cut", "failed"]
Event = Delta | ToolEvent


@dataclass(frozen=True)
class Sent:
    """What went upstream, for the context inspector: the window, the payload (base64 elided), the quota taken and
    whose key it went with."""

    window: Window
    payload: dict[str, Any]
    quota: Quota
    key_source: str


Clock = Callable[[], float]


class Deadline:
    """One call `Deadlines` will make; `cancel()` before it is due and it is not made."""

    __slots__ = ("call", "when")

    def __init__(self, when: float, call: Callable[[], None] | None) -> None:
        self.when = when
        self.call = call

    def cancel(self) -> None:
        self.call = None

    def __lt__(self, other: Deadline) -> bool:
        return self.when < other.when


class Deadlines:
    """Every reply's CHARLA_MAX_DURATION cut on one thread, started once (a `threading.Timer` per reply started
    and ended a thread per request: at 100 streams at once that wait held each stream's first read back)."""

    def __init__(self) -> None:
        self._due: list[Deadline] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def at(self, when: float, call: Callable[[], None]) -> Deadline:
        """Call `call` (on the deadline thread) at `when` (time.monotonic()), unless cancelled before."""
        deadline = Deadline(when, call)
        with self._ready:
            heapq.heappush(self._due, deadline)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="charla-deadlines", daemon=True)
                self._thread.start()
            if self._due[0] is deadline:  # sooner than what the thread waits for
                self._ready.notify()
        return deadline

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._due and self._due[0].call is None:  # cancelled: drop without waiting for it
                    heapq.heappop(self._due)
                wait = self._due[0].when - time.monotonic() if self._due else None
                if wait is None or wait > 0:
                    self._ready.wait(wait)
                    continue
                call = heapq.heappop(self._due).call
            if call is not None:
                call()


DEADLINES = Deadlines()


class Reply:
    """One assistant reply as it streams."""

    def __init__(
        self,
        stream: ProviderStream | None,
        *,
        provider: str,
        model: str,
        started: float,
        max_duration: float,
        clock: Clock = time.monotonic,
        context: Sent | None = None,
        loop: ToolLoop | None = None,
        resume: list[ToolStep] | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.context = context
        """What was sent (the service's `Sent`: window and payload), for the context inspector."""
        self.outcome: Outcome = "streaming"
        self.error: ChatError | None = None
        self.ttft: float | None = None
        """Seconds from the send to the first answer text."""
        self.ttfr: float | None = None
        """Seconds from the send to the first reasoning text (None for a reply without any)."""
        self.asked: str = model
        """The model the request named (a retired id differs from `model`, the one that answered)."""
        self.retirement: Retirement | None = None
        """The retirement that moved the request from `asked` to `model`, if any."""
        self.transcript: str | None = None
        """What was heard in the newest message's audio (an API request's audio file parts)."""
        self.duration: float | None = None
        self.max_duration = max_duration
        self.loop = loop
        self._resume = resume or []
        self._stream = stream
        self._started = started
        self._clock = clock
        self._chunks: list[str] = []
        self._thoughts: list[str] = []
        self._events: list[Event] = []
        self._usage: Usage | None = None
        self._cancel: Outcome | None = None
        self._lock = threading.Lock()
        self._consumed = False

    # --- what the UI and the API read -------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The answer so far: what the model wrote after its last tool step (all of it once the reply has ended)."""
        return "".join(self._chunks)

    @property
    def reasoning(self) -> str:
        """The model's thinking so far ("" for a model that does not show any)."""
        return "".join(self._thoughts)

    @property
    def steps(self) -> list[ToolStep]:
        """The tool steps of this reply, in order."""
        return self.loop.steps if self.loop is not None else []

    @property
    def waiting(self) -> bool:
        """The reply stopped at a tool that asks the person first (Run or Deny goes on)."""
        return self.loop is not None and self.loop.waiting

    @property
    def step_limited(self) -> bool:
        """The turn used all its tool steps; the model's last answer was given without tools."""
        return self.loop is not None and self.loop.limited

    @property
    def thought_out(self) -> bool:
        """True when the model spent its whole output budget thinking and gave no answer."""
        return self.finish_reason == "length" and not self.text.strip() and bool(self._thoughts)

    @property
    def usage(self) -> Usage | None:
        """Token counts reported by the provider, all the model's calls together (None until the end, or if it
        sent none)."""
        return self._usage

    @property
    def finish_reason(self) -> str | None:
        """The provider's finish reason for the last call (`stop`, `length`, `tool_calls`, …)."""
        return self._stream.state.finish_reason if self._stream is not None else None

    @property
    def rate_headers(self) -> dict[str, str]:
        """The provider's rate-limit headers on this reply."""
        return self._stream.state.rate_headers if self._stream is not None else {}

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens (reasoning included) per second of streaming, after the first token of either kind."""
        first = self.ttfr if self.ttfr is not None else self.ttft
        if self.usage is None or self.duration is None or first is None:
            return None
        streaming = self.duration - first
        return self.usage.completion_tokens / streaming if streaming > 0 else None

    @property
    def done(self) -> bool:
        """True once the reply has ended, whichever way."""
        return self.outcome != "streaming"

    # --- control ------------------------------------------------------------------------------------------------

    def cancel(self, reason: Literal["stopped", "cut"] = "stopped") -> None:
        """End the reply now, keeping what arrived; closes the upstream connection and stops a running tool.
        Safe from any thread."""
        with self._lock:
            if self._cancel is not None or self.done:
                return
            self._cancel = reason
        if self.loop is not None:
            self.loop.cancel()
        if self._stream is not None:
            self._stream.abort()

    def __iter__(self) -> Iterator[Event]:
        if self._consumed:
            yield from list(self._events)
            return
        self._consumed = True
        yield from self._run()

    def _run(self) -> Iterator[Event]:
        remaining = self.max_duration - (self._clock() - self._started)
        timer = DEADLINES.at(time.monotonic() + max(0.0, remaining), self._cut)
        try:
            yield from self._steps()
            self._end(self._cancel or "finished")
        except GeneratorExit:  # the consumer went away (a Streamlit rerun, a closed page)
            self.cancel("stopped")
            self._end("stopped")
            raise
        except Exception as e:
            if self._cancel is not None:  # our own abort woke the reader: not a failure
                self._end(self._cancel)
                return
            if isinstance(e, ChatError):
                if isinstance(e, ProviderError):
                    e.partial = self.text
                self.error = e
            self._end("failed")
            raise
        finally:
            timer.cancel()
            if self._stream is not None:
                self._stream.close()

    def _cut(self) -> None:
        self.cancel("cut")

    def _steps(self) -> Iterator[Event]:
        """Each call of the model in turn, with the tool steps between them."""
        if self.loop is not None and self._resume:
            yield from self._record(self.loop.resume(self._resume))
            self._stream = self.loop.next()
        while self._stream is not None:
            yield from self._read(self._stream)
            calls = self._stream.state.tool_calls
            if self.loop is None or not calls or self._cancel is not None:
                return
            said, self._chunks = self.text, []
            yield from self._record(self.loop.run(calls, said))
            if self._cancel is not None:
                return
            following = self.loop.next()
            if following is None:
                return
            self._stream.close()
            self._stream = following

    def _read(self, stream: ProviderStream) -> Iterator[Delta]:
        for delta in stream:
            if self._cancel is not None:
                break
            self._take(delta)
            yield delta
            if self._clock() - self._started >= self.max_duration:
                self.cancel("cut")
        used = stream.state.usage
        if used is not None:
            total = self._usage
            self._usage = (
                used
                if total is None
                else Usage(total.prompt_tokens + used.prompt_tokens, total.completion_tokens + used.completion_tokens)
            )

    def _record(self, events: Iterator[ToolEvent]) -> Iterator[ToolEvent]:
        for event in events:
            self._events.append(event)
            yield event

    def _take(self, delta: Delta) -> None:
        if delta.reasoning:
            if self.ttfr is None:
                self.ttfr = self._clock() - self._started
            self._thoughts.append(delta.text)
        else:
            if self.ttft is None:
                self.ttft = self._clock() - self._started
            self._chunks.append(delta.text)
        self._events.append(delta)

    def _end(self, outcome: Outcome) -> None:
        if self.done:
            return
        self.outcome = outcome
        self.duration = self._clock() - self._started

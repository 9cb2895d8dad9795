"""A streaming reply: iterate it for `Delta`s (answer text, and a reasoning model's thinking); afterwards it holds
the text, the reasoning, usage, timing and how it ended.

`cancel()` (Stop, a client that went away) and the `CHARLA_MAX_DURATION` cut both close the upstream connection
at once, from any thread, even while the reading thread is blocked on a silent upstream; the text that arrived
is kept. An upstream failure after the stream began is raised from the iteration as a `ProviderError` whose
`partial` holds the text so far; the reply records it as `failed`. A finished reply replays from its buffer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from chat.catalog import Retirement
from chat.errors import ChatError, ProviderError
from chat.providers.base import Delta, ProviderStream, Usage
from chat.ratelimit import Quota
from chat.window import Window

Outcome = Literal["streaming", "finished", "stopped", "cut", "failed"]


@dataclass(frozen=True)
class Sent:
    """What went upstream, for the context inspector: the window, the payload (base64 elided), the quota taken and
    whose key it went with."""

    window: Window
    payload: dict[str, Any]
    quota: Quota
    key_source: str


Clock = Callable[[], float]


class Reply:
    """One assistant reply as it streams."""

    def __init__(
        self,
        stream: ProviderStream,
        *,
        provider: str,
        model: str,
        started: float,
        max_duration: float,
        clock: Clock = time.monotonic,
        on_done: Callable[[Reply], None] | None = None,
        context: Sent | None = None,
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
        self.duration: float | None = None
        self.max_duration = max_duration
        self._stream = stream
        self._started = started
        self._clock = clock
        self._on_done = on_done
        self._chunks: list[str] = []
        self._thoughts: list[str] = []
        self._events: list[Delta] = []
        self._cancel: Outcome | None = None
        self._lock = threading.Lock()
        self._consumed = False

    # --- what the UI and the API read -------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text so far (all of it once the reply has ended)."""
        return "".join(self._chunks)

    @property
    def reasoning(self) -> str:
        """The model's thinking so far ("" for a model that does not show any)."""
        return "".join(self._thoughts)

    @property
    def thought_out(self) -> bool:
        """True when the model spent its whole output budget thinking and gave no answer."""
        return self.finish_reason == "length" and not self.text.strip() and bool(self._thoughts)

    @property
    def usage(self) -> Usage | None:
        """Token counts reported by the provider (None until the end, or if it sent none)."""
        return self._stream.state.usage

    @property
    def finish_reason(self) -> str | None:
        """The provider's finish reason (`stop`, `length`, …)."""
        return self._stream.state.finish_reason

    @property
    def rate_headers(self) -> dict[str, str]:
        """The provider's rate-limit headers on this reply."""
        return self._stream.state.rate_headers

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
        """End the reply now, keeping what arrived; closes the upstream connection. Safe from any thread."""
        with self._lock:
            if self._cancel is not None or self.done:
                return
            self._cancel = reason
        self._stream.abort()

    def __iter__(self) -> Iterator[Delta]:
        if self._consumed:
            yield from list(self._events)
            return
        self._consumed = True
        yield from self._run()

    def _run(self) -> Iterator[Delta]:
        remaining = self.max_duration - (self._clock() - self._started)
        timer = threading.Timer(max(0.0, remaining), self.cancel, args=("cut",))
        timer.daemon = True
        timer.start()
        try:
            for delta in self._stream:
                if self._cancel is not None:
                    break
                self._take(delta)
                yield delta
                if self._clock() - self._started >= self.max_duration:
                    self.cancel("cut")
            self._end(self._cancel or "finished")
        except GeneratorExit:  # the consumer went away (a Streamlit rerun, a closed page)
            self.cancel("stopped")
            self._end("stopped")
            raise
        except Exception as e:
            if self._cancel is not None:  # our own abort woke the reader: not a failure
                self._end(self._cancel)
                return
            if isinstance(e, ProviderError):
                e.partial = self.text
                self.error = e
            self._end("failed")
            raise
        finally:
            timer.cancel()
            self._stream.close()

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
        if self._on_done is not None:
            self._on_done(self)

"""Pacing a fast token stream for a page that re-renders Markdown: coalesce deltas, flush at most every ~60 ms.

Groq streams over 1,000 tokens/s. Re-rendering the whole Markdown of a reply for every token makes the browser
fall behind, so the UI reads the reply in a background thread and shows the text at most every `interval`
seconds (and at once when the reply ends). While the upstream is silent, `paced` still yields a heartbeat every
`heartbeat` seconds so the page reaches a Streamlit call and notices a Stop.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

Clock = Callable[[], float]

FLUSH_INTERVAL = 0.06
"""Seconds between two renders of a streaming reply."""
HEARTBEAT = 0.25
"""Seconds between two yields while nothing arrives."""


class Coalescer:
    """Collects deltas and says when a flush is due: at most one per `interval`, the first delta at once."""

    def __init__(self, interval: float = FLUSH_INTERVAL, *, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._pending: list[str] = []
        self._last_flush: float | None = None

    @property
    def pending(self) -> str:
        """Text collected since the last flush."""
        return "".join(self._pending)

    def add(self, delta: str) -> bool:
        """Collect `delta`; True when a flush is due now."""
        if delta:
            self._pending.append(delta)
        return self.due()

    def due(self) -> bool:
        """True when there is pending text and the last flush is at least `interval` ago (or never happened)."""
        if not self._pending:
            return False
        return self._last_flush is None or self._clock() - self._last_flush >= self.interval

    def wait_time(self) -> float:
        """Seconds until pending text may be flushed (0 when due, `interval` when nothing is pending)."""
        if not self._pending or self._last_flush is None:
            return self.interval if not self._pending else 0.0
        return max(0.0, self.interval - (self._clock() - self._last_flush))

    def take(self) -> str:
        """The pending text; starts a new interval."""
        text = "".join(self._pending)
        self._pending.clear()
        self._last_flush = self._clock()
        return text


@dataclass(frozen=True)
class Tick:
    """One yield of `paced`: new text since the last tick ("" for a heartbeat) and whether the stream ended."""

    text: str
    done: bool = False


_END = object()


def paced(
    deltas: Iterable[object],
    *,
    interval: float = FLUSH_INTERVAL,
    heartbeat: float = HEARTBEAT,
    clock: Clock = time.monotonic,
) -> Iterator[Tick]:
    """Read `deltas` in a background thread, from now on; yield coalesced text at most every `interval` seconds.

    The reading starts at the call, not at the first `next()`: what the page draws before it asks for the first
    tick overlaps with the wait for the first delta. The final tick has `done=True` and carries whatever was still
    pending. An exception raised by `deltas` is re-raised here after the text that arrived before it has been
    yielded. Closing this generator early (a Stop) leaves the reader thread to finish on its own once the source
    is cancelled.
    """
    inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
    threading.Thread(target=_read, args=(deltas, inbox), name="charla-reply-reader", daemon=True).start()
    return _ticks(inbox, interval, heartbeat, clock)


def _ticks(inbox: queue.SimpleQueue[object], interval: float, heartbeat: float, clock: Clock) -> Iterator[Tick]:
    coalescer = Coalescer(interval, clock=clock)
    failure: BaseException | None = None
    last_yield = clock()
    while (item := _next(inbox, coalescer, heartbeat)) is not _END:
        if isinstance(item, BaseException):
            failure = item
        elif isinstance(item, str):
            coalescer.add(item)
        if coalescer.due() or clock() - last_yield >= heartbeat:
            last_yield = clock()
            yield Tick(coalescer.take() if coalescer.due() else "")
    yield Tick(coalescer.take(), done=True)
    if failure is not None:
        raise failure


def _read(deltas: Iterable[object], inbox: queue.SimpleQueue[object]) -> None:
    """The reader thread: every delta's text (answer or reasoning: either is news to show), then the end."""
    try:
        for delta in deltas:
            inbox.put(delta if isinstance(delta, str) else str(getattr(delta, "text", "")))
    except BaseException as e:  # handed over to the consumer, which re-raises it
        inbox.put(e)
    inbox.put(_END)


def _next(inbox: queue.SimpleQueue[object], coalescer: Coalescer, heartbeat: float) -> object:
    """The next item, or None when it is time to flush or to beat."""
    timeout = min(heartbeat, coalescer.wait_time()) if coalescer.pending else heartbeat
    try:
        return inbox.get(timeout=max(0.001, timeout))
    except queue.Empty:
        return None

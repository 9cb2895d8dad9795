"""The API's own worker threads for blocking calls (`Workers`, `run_blocking`) and the one `Ticker` per event loop
that paces every stream's next look.

The event loop never starts a thread: it queues a call for a thread of the API's own, which stays once started
(see `Workers`). While deltas flow, every stream waits for the same tick of its loop's `Ticker` instead of a timer
of its own, so the loop wakes once per FLUSH_INTERVAL for all of them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio

WORKER_THREADS = 256
"""Blocking calls (sending, relaying a stream) the API runs at once; more wait for a free thread."""
FLUSH_INTERVAL = 0.05
"""Seconds between two looks for a stream's new deltas, and between two reads of its upstream: what arrives
meanwhile leaves in one chunk. Every wake-up of a thread costs ~50-80 us of CPU on a small VM and every write
goes through uvicorn and Streamlit's middleware: per token, at 100 streams, that was most of the relay's cost."""

BURST_PACE = 20
"""While requests are being opened, streams that already flow wait up to this many FLUSH_INTERVALs between two reads
of their upstream, and read again as soon as the last of them is open. It also bounds the whole of one hold, after
which the streams are not held again for as long (see `Opening`)."""

T = TypeVar("T")
log = logging.getLogger(__name__)
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


class Opening:
    """How many requests are being opened (read, checked and sent upstream) right now, and the read pace of the
    streams that already flow (`pace` and `wait`, for `paced_reads`).

    A burst of requests is set up under the one GIL with the streams already relaying: 100 arriving at once each
    wait for the others' setup and for every flowing stream's reads. While any request is still opening, the
    flowing streams hold their next read back (their tokens wait in the socket and leave in fewer, larger chunks;
    no first delta is ever held back), which gives the setups the CPU first, and read again as soon as the last
    request is open. A request is open once it has left for the provider: the wait for the provider's answer,
    which can take seconds, holds nobody back.

    The hold is a burst's, not a flood's: it lasts BURST_PACE x FLUSH_INTERVAL at the most, and after a hold the
    flowing streams keep their usual pace for at least as long as they were held: requests that keep opening
    without pause (a flood, malformed ones included) hold them once, and requests that open in waves hold them at
    most half the time. Requests that begin to open before that pause is over hold the streams from its end on, if
    they are still opening then. A quiet request's hold lasts as long as its setup, and so does the pause after it:
    a burst that follows a trickle of requests is held as after silence.
    """

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._calm = threading.Event()
        """Set while no request is opening."""
        self._calm.set()
        self._began: float | None = None
        """When the hold of the requests opening now begins: when the first of them came, or when the streams'
        spell free of holds ends, if that is later (None: none is opening)."""
        self._until = -math.inf
        """When that hold ends at the latest (monotonic seconds)."""
        self._free = -math.inf
        """When requests may hold the flowing streams again."""

    @contextmanager
    def request(self) -> Iterator[Callable[[], None]]:
        """Count one request as opening until the block ends or the `sent()` it gives is called (from any thread,
        any number of times), whichever comes first."""
        done = False

        def sent() -> None:
            nonlocal done
            with self._lock:
                if not done:
                    done = True
                    self.count -= 1
                    if not self.count:
                        self._release(time.monotonic())
                        self._calm.set()

        with self._lock:
            if not self.count:
                self._began = max(time.monotonic(), self._free)
                self._until = self._began + FLUSH_INTERVAL * BURST_PACE
            self.count += 1
            self._calm.clear()
        try:
            yield sent
        finally:
            sent()

    def _release(self, now: float) -> None:
        """The last request is open: its hold ends, and the streams are free of holds for as long as it lasted
        (a hold that had not begun leaves that spell as it was)."""
        if self._began is not None and now > self._began:
            end = min(now, self._until)
            self._free, self._until = end + (end - self._began), end
        self._began = None

    def _holding(self) -> float:
        """Seconds the requests opening now may still hold the flowing streams (0: none)."""
        began, now = self._began, time.monotonic()
        return max(0.0, self._until - now) if began is not None and now >= began else 0.0

    def pace(self) -> float:
        """Seconds from one read of a flowing stream to its next."""
        return FLUSH_INTERVAL * BURST_PACE if self._holding() else FLUSH_INTERVAL

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds` before a flowing stream's next read; while a burst holds the streams, only until
        the last of its requests is open or the hold's bound, whichever comes first (the pace is then asked
        again)."""
        holding = self._holding()
        if holding:
            self._calm.wait(min(seconds, holding))
        else:
            time.sleep(seconds)


OPENING = Opening()

Done = Callable[[Any, BaseException | None], None]
"""Called on the worker thread with a call's result, or with what it raised."""
Then = Callable[[Any], None]
"""Run on the same worker thread after a call's result was handed over (not after a failure)."""


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
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Done, Then | None]] = queue.SimpleQueue()
        self._spawns: queue.SimpleQueue[None] | None = None

    def submit(self, func: Callable[[], Any], done: Done, then: Then | None = None) -> None:
        """Run `func` on a free thread (or the next to be free); `done(result, error)` is called on that thread,
        then `then(result)` when `func` returned."""
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
        self._calls.put((func, done, then))
        if spawn and self._spawns is not None:
            self._spawns.put(None)

    def _spawner(self, spawns: queue.SimpleQueue[None]) -> None:
        while True:
            spawns.get()
            threading.Thread(target=self._work, name="charla-api-worker", daemon=True).start()

    def _work(self) -> None:
        while True:
            func, done, then = self._calls.get()
            try:
                result = func()
            except BaseException as e:  # handed over to the caller, which raises it
                done(None, e)
            else:
                done(result, None)
                if then is not None:
                    try:
                        then(result)
                    except Exception:
                        log.exception("a worker's follow-up call failed")
            result = None
            del func, done, then  # nothing of a finished call stays reachable from an idle thread
            with self._lock:
                self._free += 1


_workers = Workers()


async def run_blocking(func: Callable[[], T], then: Callable[[T], None] | None = None) -> T:
    """Run a blocking call on a thread of the API's own (`Workers`); like `anyio.to_thread.run_sync`, a cancelled
    caller still waits for the call to end. `then(result)` goes on on the same thread once the result is handed
    over (the relay of a reply starts on the thread that sent its request, with no second hand-over)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def done(result: Any, error: BaseException | None) -> None:
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the loop is closed: nobody waits
            pass

    def follow(result: T) -> None:
        if then is not None:
            context.run(then, result)

    _workers.submit(partial(context.run, func), done, None if then is None else follow)
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

"""The 200 response: a `Reply` relayed as the AI SDK's UI-message stream over Server-Sent Events.

The events and their order are :mod:`chat.api.encoder`'s; the threads that iterate replies and the shared ticker
are :mod:`chat.api.workers`'. This module carries the deltas from one to the other (`Relay`) and writes them to
the ASGI channel (`EventStream`).

Thread model: iterating a `Reply` blocks, so one thread per stream (the API's own `Workers`: the one that sent the
request goes on with `Relay.pump`, with no hand-over back to the loop in between) pumps its deltas into a deque,
reading the upstream at most every FLUSH_INTERVAL (`paced_reads`; less often while a burst of requests is being
opened, see `Opening`); the loop writes whatever has gathered as one body chunk, looking again at every tick of a
shared `Ticker` while deltas flow, woken by the worker only after a pause. A watcher task reads the ASGI channel:
`http.disconnect` cancels the reply, which closes the upstream request at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from functools import partial

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from chat.api.encoder import Encoder
from chat.api.workers import OPENING, Ticker, ticker
from chat.errors import ChatError
from chat.providers.deltas import Delta
from chat.providers.sse import paced_reads
from chat.reply import Reply
from chat.text import Lang
from chat.tools.loop import ToolEvent

log = logging.getLogger(__name__)

IDLE_LOOKS = 3
"""Empty looks after which a stream waits to be woken by its next delta instead of looking every tick."""
STREAM_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "x-vercel-ai-ui-message-stream": "v1",
}


def _settle(pause: asyncio.Future[None], _tick: object) -> None:
    if not pause.done():
        pause.set_result(None)


class Ended:
    """Marks the end of a reply that finished, was stopped or was cut."""


Item = Delta | ToolEvent | Ended | ChatError


class Relay:
    """Carries a reply's deltas from the worker thread that iterates it to the event loop that writes them."""

    def __init__(self, reply: Reply, loop: asyncio.AbstractEventLoop) -> None:
        self.reply = reply
        self._loop = loop
        self._items: deque[Item] = deque()
        self._lock = threading.Lock()
        self._wake = asyncio.Event()
        self._idle = True
        """The loop waits for a wake-up (else it looks again after FLUSH_INTERVAL by itself)."""
        self._ending = False
        """The end or a failure was pushed: the loop looks at once, not at the next tick."""
        self._pause: asyncio.Future[None] | None = None

    def pump(self) -> None:
        """Iterate the reply (blocking; on a worker thread) and hand every delta over, then how it ended."""
        try:
            with paced_reads(OPENING.pace, OPENING.wait):
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
        if wake or isinstance(item, Ended | ChatError):
            try:
                self._loop.call_soon_threadsafe(self._wake.set if wake else self._hurry)
            except RuntimeError:  # the loop is gone (server shutting down): nobody is reading
                self.cancel()

    def _hurry(self) -> None:
        """On the loop: the reply has ended, so its last batch leaves now instead of at the next tick."""
        self._ending = True
        if self._pause is not None and not self._pause.done():
            self._pause.set_result(None)

    async def batches(self) -> AsyncIterator[list[Item]]:
        """Everything pushed since the last batch; ends after the batch holding the end or the failure.

        The first delta leaves at once. While deltas keep coming the loop looks for more at every tick of the
        shared `Ticker`, without a wake-up from the worker thread per batch; after IDLE_LOOKS empty looks it waits
        to be woken by the next delta, which again leaves at once. The end (or a failure) leaves at once too: the
        client learns that the reply is over as soon as the server does.
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
                if not self._idle and not self._ending:
                    await self._until(tick)

    async def _until(self, tick: Ticker) -> None:
        """Wait for the next tick, or less if the reply ends meanwhile (`_hurry`)."""
        pause = self._pause = self._loop.create_future()
        tick.next().add_done_callback(partial(_settle, pause))
        await pause


class EventStream(StreamingResponse):
    """The SSE response for one reply; cancels the reply when the client goes away."""

    def __init__(self, relay: Relay, lang: Lang, headers: dict[str, str], *, send_reasoning: bool = False) -> None:
        super().__init__(iter(()), media_type="text/event-stream", headers={**STREAM_HEADERS, **headers})
        self.relay = relay
        self.encoder = Encoder(relay.reply, lang, send_reasoning=send_reasoning)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = self.relay
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch, receive, relay, tg.cancel_scope)
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

"""An upstream's Server-Sent Events body read as bytes (`read_sse`), and network reads paced to one per interval
while a stream is relayed (`paced_reads`).

Both vendors stream OpenAI-style `data: <json>` events; `ProviderStream` (in :mod:`chat.providers.stream`) turns
them into deltas. Reading the bytes ourselves skips httpx's two text layers, and pacing the reads lets a thread
wake once per batch of tokens instead of once per token: the relay's two largest CPU costs at 100 streams.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


def read_sse(response: Any) -> Iterator[tuple[str | None, Any]]:
    """(event name, parsed data) for each event of an OpenAI-style SSE body, until `data: [DONE]`.

    Read as bytes (`iter_bytes`, lines split here) rather than through `iter_lines`: the two text layers cost
    about a tenth of a relayed token's CPU. Text is UTF-8, an invalid byte read as U+FFFD, as `iter_lines` would.
    """
    event: str | None = None
    data: list[bytes] = []
    chunks = response.iter_bytes()
    for line in _lines(chunks):
        if line:
            name, _, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value.decode("utf-8", "replace")
            continue
        if data:
            payload = b"\n".join(data)
            if payload.strip() == b"[DONE]":
                _finish_body(response, chunks)
                return
            yield event, json.loads(payload.decode("utf-8", "replace"))
        event, data = None, []
    if data and b"\n".join(data).strip() != b"[DONE]":
        yield event, json.loads(b"\n".join(data).decode("utf-8", "replace"))


AFTER_DONE_SECONDS = 0.5
"""How long the body's end may take to arrive after `data: [DONE]` before the connection is given up."""
AFTER_DONE_BYTES = 65_536


def network_stream(response: Any) -> Any | None:
    """The transport's network stream under an httpx response (httpcore's, with `read` and the socket), if any."""
    return getattr(response, "extensions", {}).get("network_stream")


def _finish_body(response: Any, chunks: Iterator[bytes]) -> None:
    """Read the body's end after `[DONE]`, so that the connection goes back to the client's pool.

    A body closed before its end takes its connection with it, and the next request to the provider pays a new
    TCP and TLS handshake: for every message, every tool step and every API request of a shared key. The end
    normally comes with `[DONE]`; it is read unpaced, for at most `AFTER_DONE_SECONDS` in all, and an upstream
    that keeps the body open longer, or sends more than `AFTER_DONE_BYTES`, loses its connection as before.
    """
    network = network_stream(response)
    read = getattr(type(network), "read", None)  # the stream class's own read, under any pacing
    if network is None or read is None or not hasattr(network, "__dict__"):
        return
    paced = network.__dict__.get("read")
    deadline = time.monotonic() + AFTER_DONE_SECONDS
    network.read = lambda max_bytes, timeout=None: read(network, max_bytes, max(0.001, deadline - time.monotonic()))
    received = 0
    try:
        for chunk in chunks:
            received += len(chunk)
            if received > AFTER_DONE_BYTES or time.monotonic() > deadline:
                return
    except Exception:  # each SDK's own httpx raises its own timeout; the body is unfinished, so it is closed
        return
    finally:
        if paced is None:
            del network.read
        else:
            network.read = paced


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, split at `\\n`, `\\r\\n` or `\\r` (SSE's line ends), without them."""
    pending = b""
    for chunk in chunks:
        data = pending + chunk if pending else chunk
        hold = b""
        if b"\r" in data:
            if data.endswith(b"\r"):  # maybe the first half of \r\n: decide with the next chunk
                data, hold = data[:-1], b"\r"
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, pending = data.split(b"\n")
        pending += hold
        yield from lines
    if pending:
        yield pending.removesuffix(b"\r")


Pace = Callable[[], float]
"""Seconds from one read of a paced stream to the next, asked again before every read."""
Wait = Callable[[float], object]
"""Sleeps up to the given seconds, or less when the pace may have changed meanwhile (it is asked again then)."""


@dataclass(frozen=True)
class Pacing:
    """How a paced stream spaces its reads: the pace, and how it waits for the next read."""

    pace: Pace
    wait: Wait = time.sleep


_pacing: ContextVar[Pacing | None] = ContextVar("charla_read_pacing", default=None)


@contextmanager
def paced_reads(interval: float | Pace, wait: Wait = time.sleep) -> Iterator[None]:
    """Streams iterated inside this block (in this thread's context) read the network at most every `interval`
    seconds once their first delta is out: what arrives meanwhile comes in one read, handled in one go.

    A thread blocked on a socket per stream pays a wake-up and a hand-over of the GIL for every read, and an
    upstream sends each token as its own chunk: at 100 streams that hand-over, not the parsing, was most of the
    relay's CPU (`bench/api_load.py`). The first delta is never held back; later ones wait at most `interval`
    (a function: asked before every read, so the pace can follow the load; `wait` may end a wait early when the
    pace shortens).
    """
    token = _pacing.set(Pacing(interval if callable(interval) else lambda: interval, wait))
    try:
        yield
    finally:
        _pacing.reset(token)


def read_pacing() -> Pacing | None:
    """The pacing of the enclosing `paced_reads` block in this context (None: reads are not paced)."""
    return _pacing.get()


class PacedReads:
    """Stands in for a network stream's `read` (an instance attribute over the class's method) while a stream is
    paced; `restore()` takes it away again before the connection goes back to the pool."""

    def __init__(self, network: Any, pacing: Pacing) -> None:
        self._network = network
        self._read = network.read
        self._pacing = pacing
        self._last = time.monotonic()

    def __call__(self, max_bytes: int, timeout: float | None = None) -> bytes:
        while (wait := self._last + self._pacing.pace() - time.monotonic()) > 0:
            self._pacing.wait(wait)
        self._last = time.monotonic()
        data: bytes = self._read(max_bytes, timeout)
        return data

    @classmethod
    def install(cls, response: Any, pacing: Pacing) -> PacedReads | None:
        """Pace the reads of `response`'s network stream; None when it has none that can be paced."""
        network = network_stream(response)
        if network is None or not callable(getattr(network, "read", None)):
            return None
        paced = cls(network, pacing)
        try:
            network.read = paced
        except AttributeError:  # a stream class without instance attributes: read unpaced
            return None
        return paced

    def restore(self) -> None:
        """Give the network stream its own `read` back."""
        if self._network.__dict__.get("read") is self:
            del self._network.read

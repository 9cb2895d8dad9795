"""The relay's hot path: SSE read as bytes, paced upstream reads, the API's worker threads, the shared ticker and
the pre-encoded text-delta events all give the same bytes and behaviour as the plain ways they replace."""

from __future__ import annotations

import asyncio
import contextvars
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, cast

import pytest

from chat.api import workers
from chat.api.encoder import delta_event, sse
from chat.api.stream import Ended, Relay
from chat.api.workers import Ticker, Workers, run_blocking
from chat.errors import ChatError
from chat.providers.deltas import Delta
from chat.providers.sse import _lines, paced_reads, read_sse
from chat.providers.stream import ProviderStream
from tests.fakes.upstream import Script, script_in_text


def reference_lines(data: bytes) -> list[bytes]:
    """Lines split at \\n, \\r\\n or \\r, as httpx's `iter_lines` splits them."""
    parts = re.split(rb"\r\n|\r|\n", data)
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


def test_lines_split_like_iter_lines_whatever_the_chunking() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        data = bytes(rng.choice(b"ab: \r\n") for _ in range(rng.randint(0, 40)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 6))))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert list(_lines(chunks)) == reference_lines(data), (data, chunks)


class Body:
    """A response whose body arrives in the given byte chunks."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    def iter_bytes(self) -> Iterator[bytes]:
        yield from self.chunks


def test_read_sse_parses_events_from_bytes() -> None:
    body = Body(
        b'data: {"a": 1}\r\n\r\nevent: error\ndata: {"b":',
        b' "\xc3\xa9"}\n\n',
        b'data: {"c": "\xff"}\n\ndata: [DONE]\n\ndata: {"never": 1}\n\n',
    )
    assert list(read_sse(body)) == [(None, {"a": 1}), ("error", {"b": "é"}), (None, {"c": "\ufffd"})]


def test_read_sse_joins_data_lines_and_reads_a_last_event_without_blank_line() -> None:
    body = Body(b'data: {"a":\ndata: 2}\n\n:comment\ndata: {"z": 0}')
    assert list(read_sse(body)) == [(None, {"a": 2}), (None, {"z": 0})]


@pytest.mark.parametrize("text", ["hi", 'a"b\\c\nd\te', "ñ 日本 \u2028 \x00 \U0001f600", ""])
def test_delta_event_gives_the_same_bytes_as_sse(text: str) -> None:
    for kind in ("text", "reasoning"):
        assert delta_event(kind, f"{kind}-abc")(text) == sse(
            {"type": f"{kind}-delta", "id": f"{kind}-abc", "delta": text}
        )


class Network:
    """A network stream: each read returns the bytes the test queued, and notes when it was made."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.reads: list[float] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.reads.append(time.monotonic())
        return self.chunks.pop(0) if self.chunks else b""


class Response:
    """An open upstream response over a `Network`, read one chunk per network read (as httpcore does)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.extensions = {"network_stream": network}
        self.headers: dict[str, str] = {}
        self.closed = False

    def iter_bytes(self) -> Iterator[bytes]:
        while chunk := self.network.read(65536):  # looked up on each call, as httpcore does
            yield chunk

    def close(self) -> None:
        self.closed = True


def chunk(text: str) -> bytes:
    return b'data: {"choices": [{"delta": {"content": "' + text.encode() + b'"}}]}\n\n'


def open_stream(n: int) -> tuple[ProviderStream, Network]:
    network = Network([chunk(f"t{i} ") for i in range(n)] + [b"data: [DONE]\n\n"])
    response = Response(network)
    return ProviderStream(response, vendor="groq", model="m", translate=lambda e, **_: None), network


def test_paced_reads_space_the_reads_after_the_first_delta_and_restore_the_stream() -> None:
    provider_stream, network = open_stream(5)
    started = time.monotonic()
    texts: list[str] = []
    with paced_reads(0.03):
        for delta in provider_stream:
            texts.append(delta.text)
            if len(texts) == 1:
                assert time.monotonic() - started < 0.02  # the first delta is not held back
    assert "".join(texts) == "t0 t1 t2 t3 t4 "
    gaps = [b - a for a, b in zip(network.reads, network.reads[1:], strict=False)]
    assert all(gap >= 0.025 for gap in gaps[:-1]), gaps
    assert gaps[-1] < 0.02, gaps  # the body's end, after [DONE], is read at once
    assert "read" not in vars(network)  # the connection goes back to the pool unpaced


def gaps_of(network: Network) -> list[float]:
    return [b - a for a, b in zip(network.reads, network.reads[1:], strict=False)]


HELD = 4
"""BURST_PACE in the hold's tests: a burst holds the flowing streams 0.2 s at the most."""
BURST = workers.FLUSH_INTERVAL * HELD


@pytest.fixture
def opening(monkeypatch: pytest.MonkeyPatch) -> workers.Opening:
    monkeypatch.setattr(workers, "BURST_PACE", HELD)
    return workers.Opening()


@contextmanager
def flowing(opening: workers.Opening, chunks: int) -> Iterator[tuple[Iterator[Delta], Network]]:
    """A stream of `chunks` chunks, paced by `opening`, that has given its first delta: its other deltas and its
    network (the times of its reads)."""
    provider_stream, network = open_stream(chunks)
    with paced_reads(opening.pace, opening.wait):
        deltas = iter(provider_stream)
        next(deltas)
        yield deltas, network


def test_flowing_streams_hold_their_reads_while_a_burst_of_requests_is_being_opened(
    opening: workers.Opening,
) -> None:
    with flowing(opening, 4) as (deltas, network):
        with opening.request():  # another request is being sent upstream meanwhile, for longer than the bound
            next(deltas)
        rest = list(deltas)
    assert len(rest) == 2
    gaps = gaps_of(network)
    assert BURST * 0.9 <= gaps[0] < BURST * 1.5, gaps  # held, for the bound at the most
    assert all(gap < BURST * 0.6 for gap in gaps[1:]), gaps  # the usual pace once it is open


def read_while(opening: workers.Opening, requests: Callable[[threading.Event], None], chunks: int) -> list[float]:
    """Read a paced stream of `chunks` chunks while `requests(stop)` opens requests on another thread; the gaps
    between its reads (the body's end, read at once, left out)."""
    stop = threading.Event()
    with flowing(opening, chunks) as (deltas, network):
        sender = threading.Thread(target=requests, args=(stop,))
        sender.start()
        try:
            assert len(list(deltas)) == chunks - 1
        finally:
            stop.set()
            sender.join(5)
    return gaps_of(network)[:-1]


def overlapping(opening: workers.Opening, stop: threading.Event, seconds: float) -> None:
    """Requests that open one after another for `seconds`, each before the one before it is open."""
    with ExitStack() as previous:
        ends = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < ends:
            current = ExitStack()
            current.enter_context(opening.request())
            previous.close()
            previous = current
            time.sleep(0.03)


def held_of(gaps: list[float]) -> list[float]:
    return [gap for gap in gaps if gap > workers.FLUSH_INTERVAL * 2]


def test_a_flood_of_requests_holds_the_flowing_streams_once_not_for_as_long_as_it_lasts(
    opening: workers.Opening,
) -> None:
    gaps = read_while(opening, lambda stop: overlapping(opening, stop, 60.0), 14)
    assert sum(held_of(gaps)) < BURST * 1.5, gaps  # held once, for the bound
    assert sum(gaps) < BURST + 12 * workers.FLUSH_INTERVAL * 1.6, gaps  # then the usual pace (held: 2.6 s)


def test_requests_opening_in_waves_hold_the_flowing_streams_at_most_half_the_time(opening: workers.Opening) -> None:
    def waves(stop: threading.Event) -> None:  # each wave opens for longer than the bound, then pauses a moment
        while not stop.is_set():
            overlapping(opening, stop, 0.27)
            time.sleep(0.005)

    gaps = read_while(opening, waves, 30)
    held = held_of(gaps)
    assert held and all(gap < BURST * 1.5 for gap in held), gaps
    added = sum(gap - workers.FLUSH_INTERVAL for gap in held)  # what the holds add to the usual pace
    assert added <= sum(gaps) / 2, gaps  # held half the time at most (every wave: 83 %)


def test_a_burst_after_a_trickle_of_requests_is_held_as_after_silence(opening: workers.Opening) -> None:
    began: list[float] = []

    def trickle_then_burst(stop: threading.Event) -> None:
        for _ in range(8):  # a request every 60 ms, each open for 5 ms
            with opening.request():
                time.sleep(0.005)
            time.sleep(0.055)
        with opening.request():  # then one that stays open longer than the bound
            began.append(time.monotonic())
            stop.wait(0.3)

    with flowing(opening, 30) as (deltas, network):
        stop = threading.Event()
        sender = threading.Thread(target=trickle_then_burst, args=(stop,))
        sender.start()
        rest = list(deltas)
        stop.set()
        sender.join(5)
    assert len(rest) == 29 and began
    after = [b - a for a, b in zip(network.reads, network.reads[1:], strict=False) if b > began[0]]
    assert after[0] >= BURST * 0.9, (after, network.reads, began)  # the burst holds the stream for the bound


def test_a_burst_after_a_pause_as_long_as_the_bound_holds_the_streams_again(opening: workers.Opening) -> None:
    with flowing(opening, 10) as (deltas, network):
        with opening.request():
            next(deltas)  # held by the first burst
        for _ in range(6):  # no request for 0.3 s: the stream reads at its usual pace
            next(deltas)
        with opening.request():
            next(deltas)  # a new burst: held again
        rest = list(deltas)
    assert len(rest) == 1
    gaps = gaps_of(network)
    assert gaps[0] >= BURST * 0.9, gaps
    assert all(gap < BURST * 0.6 for gap in gaps[1:7]), gaps
    assert gaps[7] >= BURST * 0.9, gaps


def test_a_burst_that_begins_before_the_pause_after_a_hold_is_over_holds_the_streams_from_its_end(
    opening: workers.Opening,
) -> None:
    with flowing(opening, 12) as (deltas, network):
        with opening.request():
            next(deltas)  # held by the first burst for the bound: then free of holds for as long
        next(deltas)
        with opening.request():  # a burst that begins one read into that pause and outlasts it
            for _ in range(6):
                next(deltas)
        rest = list(deltas)
    assert len(rest) == 3
    gaps = gaps_of(network)
    assert gaps[0] >= BURST * 0.9, gaps
    assert all(gap < BURST * 0.6 for gap in gaps[1:4]), gaps  # the pause: the usual pace
    assert any(gap >= BURST * 0.7 for gap in gaps[4:8]), gaps  # then the burst holds the stream


def test_a_held_stream_reads_again_as_soon_as_the_last_request_is_open() -> None:
    opening = workers.Opening()
    provider_stream, network = open_stream(4)
    started, opened = threading.Event(), []

    def open_one() -> None:
        with opening.request():
            started.set()
            time.sleep(0.3)
            opened.append(time.monotonic())  # the last request is open from here on

    with paced_reads(opening.pace, opening.wait):
        deltas = iter(provider_stream)
        next(deltas)
        threading.Thread(target=open_one).start()
        started.wait(5)
        rest = list(deltas)
    assert len(rest) == 3
    held = [read for read in network.reads if read > network.reads[0]][0]
    assert opened and 0 <= held - opened[0] < 0.1, (held, opened)  # not the full bound: the burst is over
    gaps = [b - a for a, b in zip(network.reads, network.reads[1:], strict=False)]
    assert all(gap >= workers.FLUSH_INTERVAL * 0.9 for gap in gaps[1:-1]), gaps


def test_reads_are_not_paced_outside_paced_reads() -> None:
    provider_stream, network = open_stream(5)
    started = time.monotonic()
    assert len(list(provider_stream)) == 5
    assert time.monotonic() - started < 0.05
    assert "read" not in vars(network)


def test_closing_a_paced_stream_midway_restores_the_network_stream() -> None:
    provider_stream, network = open_stream(5)
    with paced_reads(0.01):
        deltas = iter(provider_stream)
        next(deltas)
        next(deltas)
        assert "read" in vars(network)
        provider_stream.close()
        assert "read" not in vars(network)
        deltas.close()


def test_workers_run_calls_concurrently_and_keep_their_threads() -> None:
    workers = Workers(size=8)
    results: list[int] = []
    done = threading.Event()
    lock = threading.Lock()

    def finished(result: Any, error: BaseException | None) -> None:
        with lock:
            results.append(result)
            if len(results) == 8:
                done.set()

    started = time.monotonic()
    for i in range(8):
        workers.submit(lambda i=i: time.sleep(0.2) or i, finished)  # type: ignore[func-returns-value]
    assert done.wait(5)
    assert time.monotonic() - started < 1.0  # all eight at once, not one after another
    assert sorted(results) == list(range(8))
    assert workers.threads == 8
    done.clear()
    results.clear()
    for i in range(8):
        workers.submit(lambda i=i: i, finished)
    assert done.wait(5)
    assert workers.threads == 8  # idle threads are used again


def test_the_caller_of_submit_starts_no_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    starters: list[str] = []
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        starters.append(threading.current_thread().name)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    workers = Workers(size=4)
    finished = threading.Semaphore(0)
    for _ in range(4):
        workers.submit(lambda: None, lambda result, error: finished.release())
    for _ in range(4):
        assert finished.acquire(timeout=5)
    assert starters.count(threading.current_thread().name) == 1  # the spawner, once; it starts the workers


def test_run_blocking_returns_raises_and_carries_the_context() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def main() -> None:
        var.set("request")
        assert await run_blocking(lambda: (threading.current_thread().name, var.get())) == (
            "charla-api-worker",
            "request",
        )
        with pytest.raises(ZeroDivisionError):
            await run_blocking(lambda: 1 / 0)

    asyncio.run(main())


def test_a_cancelled_caller_of_run_blocking_waits_for_the_call_to_end() -> None:
    ended = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        ended.set()

    async def main() -> None:
        task = asyncio.create_task(run_blocking(slow))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert ended.is_set()

    asyncio.run(main())


def test_one_ticker_timer_serves_every_waiter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "FLUSH_INTERVAL", 0.02)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        timers = 0
        original = loop.call_later

        def call_later(delay: float, callback: Any, *args: Any) -> asyncio.TimerHandle:
            nonlocal timers
            timers += 1
            return original(delay, callback, *args)

        loop.call_later = call_later  # type: ignore[method-assign]
        ticker = Ticker(loop)
        started = loop.time()
        await asyncio.gather(*(ticker.next() for _ in range(50)))
        assert timers == 1
        assert loop.time() - started >= 0.015
        await ticker.next()
        assert timers == 2

    asyncio.run(main())


def test_the_fake_reads_a_script_from_the_request_text() -> None:
    template = Script(delay=0.2)
    asked = script_in_text("hello [[fake status=503 error_after=4 delay=0.01]]", template)
    assert asked is not None
    assert (asked.status, asked.error_after, asked.delay) == (503, 4, 0.01)
    assert asked.text == "Echo: hello [[fake status=503 error_after=4 delay=0.01]]"
    assert script_in_text("hello [fake status=503]", template) is None


def test_deadlines_call_in_order_and_skip_the_cancelled() -> None:
    from chat.reply import Deadlines

    deadlines = Deadlines()
    called: list[str] = []
    now = time.monotonic()
    deadlines.at(now + 0.10, lambda: called.append("late"))
    deadlines.at(now + 0.02, lambda: called.append("soon"))
    deadlines.at(now + 0.05, lambda: called.append("cancelled")).cancel()
    time.sleep(0.3)
    assert called == ["soon", "late"]


class SlowEnding:
    """A reply for `Relay.pump`: one delta, then (once the client has it) another and the end, or a failure."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.first_read = threading.Event()

    def __iter__(self) -> Iterator[Delta]:
        yield Delta("a")
        self.first_read.wait(5)
        yield Delta("b")
        if self.fail:
            raise ChatError()

    def cancel(self, outcome: str) -> None:
        pass


@pytest.mark.parametrize("fail", [False, True], ids=["end", "failure"])
def test_the_end_of_a_relayed_reply_leaves_at_once_not_at_the_next_tick(
    monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    """A client learns that the reply is over when the server does (useChat's status turns ready), even while the
    relay looks for new deltas only once per tick."""
    monkeypatch.setattr(workers, "FLUSH_INTERVAL", 30.0)
    reply = SlowEnding(fail)

    async def main() -> list[list[Any]]:
        relay = Relay(cast(Any, reply), asyncio.get_running_loop())
        threading.Thread(target=relay.pump, daemon=True).start()
        batches: list[list[Any]] = []

        async def read() -> None:
            async for batch in relay.batches():
                batches.append(batch)
                reply.first_read.set()

        await asyncio.wait_for(read(), 5)
        return batches

    batches = asyncio.run(main())
    items = [item for batch in batches for item in batch]
    assert [d.text for d in items if isinstance(d, Delta)] == ["a", "b"]
    assert isinstance(items[-1], ChatError if fail else Ended)

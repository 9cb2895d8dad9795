"""The floor under `bench/api_load.py`'s CPU per relayed token: reading the same 100 upstream streams through the
groq SDK's HTTP stacks with the relay's paced reads, and relaying nothing.

    python bench/transport_floor.py [--streams 100] [--tokens 500] [--delay 0.01] [--pace 0.05]

The fake upstream sends each token as its own HTTP chunk, as the vendors do. Prints this process's CPU (user and
system, from getrusage) per token read:

- `sync bytes` and `sync sse`: the synchronous client Charla relays with (httpx, httpcore, h11; one thread per
  stream), reading raw bytes (`iter_bytes`) and through Charla's SSE reader (`read_sse`);
- `async bytes`: the SDK's async client (the same stack on one event loop, uvloop's when installed, no threads);
- `aiohttp bytes`: the async client on the SDK's optional aiohttp transport (`groq[aiohttp]`: HTTP parsed in C),
  printed only where `httpx-aiohttp` is installed.

What `api_load.py` measures above `sync sse` is the relay itself (deltas, reply bookkeeping, the AI SDK events,
the ASGI writes). The async lines tell whether relaying on an async client would lower that floor.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import resource
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_load import load_parser, prompt, start_fake  # noqa: E402

from chat.providers.sse import PacedReads, Pacing, network_stream, read_sse  # noqa: E402

MODEL = "openai/gpt-oss-20b"
CONNECTIONS = 1000


def read_one(client: Any, text: str, how: str, pace: float) -> int:
    """Open one stream through the SDK and read it to the end, paced after the first item; the items read."""
    response = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": text}], stream=True
    ).response
    items, paced = 0, None
    reader = response.iter_bytes() if how == "bytes" else read_sse(response)
    try:
        for _ in reader:
            items += 1
            if paced is None and pace:
                paced = PacedReads.install(response, Pacing(lambda: pace))
    finally:
        if paced is not None:
            paced.restore()
        response.close()
    return items


class AsyncPacedReads:
    """`PacedReads` for httpcore's async network stream: the next socket read waits for the pace."""

    def __init__(self, network: Any, pace: float) -> None:
        self._read = network.read
        self._pace = pace
        self._last = time.monotonic()

    async def __call__(self, max_bytes: int, timeout: float | None = None) -> bytes:
        wait = self._last + self._pace - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last = time.monotonic()
        data: bytes = await self._read(max_bytes, timeout)
        return data


async def read_one_async(client: Any, text: str, pace: float) -> int:
    """`read_one` on an async client, bytes only. On httpx's own transport the socket reads are paced; aiohttp's
    reads the socket as data arrives, so there the next chunk is taken at the pace instead."""
    raw = await client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": text}], stream=True
    )
    response = raw.http_response
    items, last = 0, None
    network = network_stream(response)
    try:
        async for _ in response.aiter_bytes():
            items += 1
            if not pace:
                continue
            if network is not None:
                if items == 1:
                    network.read = AsyncPacedReads(network, pace)
                continue
            if last is not None and (wait := last + pace - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            last = time.monotonic()
    finally:
        if network is not None and isinstance(network.__dict__.get("read"), AsyncPacedReads):
            del network.read  # the connection goes back to the pool unpaced, as `PacedReads.restore` leaves it
        await response.aclose()
    return items


def usage() -> Any:
    return resource.getrusage(resource.RUSAGE_SELF)


def report(name: str, tokens: int, seconds: float, before: Any, after: Any) -> None:
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(
        f"{name:13s}: {tokens} tokens in {seconds:.2f} s, CPU {1e6 * (user + system) / tokens:.0f} us per token "
        f"(user {1e6 * user / tokens:.0f}, system {1e6 * system / tokens:.0f})"
    )


def measure(client: Any, args: argparse.Namespace, how: str) -> None:
    text = prompt(args.tokens)
    read_one(client, text, how, args.pace)  # warm: imports, the connection pool
    threads = [threading.Thread(target=read_one, args=(client, text, how, args.pace)) for _ in range(args.streams)]
    before, started = usage(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report(f"sync {how}", args.streams * args.tokens, time.perf_counter() - started, before, usage())


async def measure_async(name: str, make: Callable[[], Any], args: argparse.Namespace) -> None:
    client = make()
    try:
        text = prompt(args.tokens)
        await read_one_async(client, text, args.pace)
        before, started = usage(), time.perf_counter()
        await asyncio.gather(*(read_one_async(client, text, args.pace) for _ in range(args.streams)))
        report(name, args.streams * args.tokens, time.perf_counter() - started, before, usage())
    finally:
        await client.close()


def run_loop(main: Callable[[], Awaitable[None]]) -> None:
    """Run on uvloop where it is installed (as the server does), else on asyncio's loop."""
    if importlib.util.find_spec("uvloop"):
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


def main() -> int:
    parser = load_parser(__doc__)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between two reads (0: unpaced)")
    args = parser.parse_args()
    import groq
    import httpx

    fake, url = start_fake(args.delay)
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)

    def client(http: Any) -> Any:
        return groq.AsyncGroq(api_key="bench-key", base_url=url, max_retries=0, http_client=http)

    try:
        sync = groq.Groq(api_key="bench-key", base_url=url, max_retries=0)
        print(f"streams={args.streams} tokens/stream={args.tokens} delay={args.delay * 1000:.0f} ms pace={args.pace}")
        for how in ("bytes", "sse"):
            measure(sync, args, how)
        run_loop(lambda: measure_async("async bytes", lambda: client(httpx.AsyncClient(limits=limits)), args))
        if importlib.util.find_spec("httpx_aiohttp"):
            aio = lambda: client(groq.DefaultAioHttpClient(limits=limits))  # noqa: E731
            run_loop(lambda: measure_async("aiohttp bytes", aio, args))
        else:
            print("aiohttp bytes: not measured (pip install httpx-aiohttp)")
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

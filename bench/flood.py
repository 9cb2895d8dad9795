"""A flowing API stream while another client floods POST /api/chat with requests that are parsed and refused.

    python bench/flood.py [--tokens 200] [--delay 0.01] [--flooders 16]

1. Starts the fake upstream (`python -m tests.fakes`) in its own process; a reply is `tokens` chunks `delay` s apart.
2. On one live `streamlit run app.py`, one client reads a reply through `POST /api/chat`, alone, then again while
   `flooders` other clients send malformed requests (a body that is not JSON: parsed, refused with a 400, no quota
   used) one after another for as long as the reply lasts.
Prints, for both readings, how long the reply took, its tokens/s, and the gaps between two chunks of it that the
client received (p50 and max). The flood's parsing takes CPU from everyone, under the one GIL; what it must not do
is keep the flowing streams' reads held back for as long as it lasts (a burst's hold lasts one second in all; see
`chat.api.workers.Opening`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_load import prompt, server_env, start_fake  # noqa: E402

from tests.live import LiveServer  # noqa: E402

MALFORMED = b'{"messages": [' + b"1," * 1_000_000
"""A body the API must parse to its end before it can refuse it (400 `invalid_json`: it never ends): 2 MB."""


async def read_reply(client: httpx.AsyncClient, url: str, text: str) -> tuple[float, int, list[float]]:
    """Seconds to the end, text-delta events read, and the gaps between the body chunks that carried them."""
    started = time.perf_counter()
    arrivals: list[float] = []
    deltas = 0
    payload = {"messages": [{"role": "user", "content": text}]}
    async with client.stream("POST", url, json=payload) as r:
        async for chunk in r.aiter_bytes():
            found = chunk.count(b'"text-delta"')
            if found:
                deltas += found
                arrivals.append(time.perf_counter())
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return time.perf_counter() - started, deltas, gaps


async def flood(client: httpx.AsyncClient, url: str, stop: asyncio.Event, sent: list[int]) -> None:
    while not stop.is_set():
        r = await client.post(url, content=MALFORMED, headers={"content-type": "application/json"})
        sent.append(r.status_code)


def show(label: str, seconds: float, deltas: int, gaps: list[float]) -> None:
    p50 = statistics.median(gaps) * 1000 if gaps else float("nan")
    top = max(gaps) * 1000 if gaps else float("nan")
    print(
        f"{label:13s}: {seconds:.2f} s, {deltas / seconds:.0f} tokens/s, gaps between chunks p50 {p50:.0f} ms, "
        f"max {top:.0f} ms"
    )


async def main_async(args: argparse.Namespace) -> int:
    fake, fake_url = start_fake(args.delay)
    text = prompt(args.tokens)
    try:
        env = {**server_env(fake_url), "CHARLA_DATA_DIR": tempfile.mkdtemp(prefix="charla-bench-")}
        with LiveServer(env) as server:
            url = f"{server.url}/api/chat"
            async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
                await read_reply(client, url, "warm up")
                show("alone", *await read_reply(client, url, text))
                stop, sent = asyncio.Event(), []
                flooders = [asyncio.create_task(flood(client, url, stop, sent)) for _ in range(args.flooders)]
                try:
                    seconds, deltas, gaps = await read_reply(client, url, text)
                finally:
                    stop.set()
                    await asyncio.gather(*flooders)
                show("under flood", seconds, deltas, gaps)
                statuses = sorted(set(sent))
                print(f"flood        : {len(sent)} malformed requests in {seconds:.2f} s, statuses {statuses}")
        return 0
    finally:
        fake.terminate()
        fake.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between upstream chunks")
    parser.add_argument("--flooders", type=int, default=16, help="clients sending malformed requests at once")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

"""The floor under `bench/api_load.py`'s CPU per relayed token: reading the same 100 upstream streams through the
groq SDK's own HTTP stack (httpx, httpcore, h11) with the relay's paced reads, and relaying nothing.

    python bench/transport_floor.py [--streams 100] [--tokens 500] [--delay 0.01] [--pace 0.05]

The fake upstream sends each token as its own HTTP chunk, as the vendors do. Prints this process's CPU (user and
system, from getrusage) per token read, once reading raw bytes (`iter_bytes`) and once through Charla's SSE
reader (`read_sse`). What `api_load.py` measures above this is the relay itself (deltas, reply bookkeeping, the
AI SDK events, the ASGI writes).
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_load import load_parser, prompt, start_fake  # noqa: E402

from chat.providers.sse import PacedReads, Pacing, read_sse  # noqa: E402


def read_one(client: Any, text: str, how: str, pace: float) -> int:
    """Open one stream through the SDK and read it to the end, paced after the first item; the items read."""
    response = client.chat.completions.create(
        model="openai/gpt-oss-20b", messages=[{"role": "user", "content": text}], stream=True
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


def measure(client: Any, args: argparse.Namespace, how: str) -> None:
    text = prompt(args.tokens)
    read_one(client, text, how, args.pace)  # warm: imports, the connection pool
    threads = [threading.Thread(target=read_one, args=(client, text, how, args.pace)) for _ in range(args.streams)]
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after, seconds = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - started
    tokens = args.streams * args.tokens
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(
        f"{how:5s}: {tokens} tokens in {seconds:.2f} s, CPU {1e6 * (user + system) / tokens:.0f} us per token "
        f"(user {1e6 * user / tokens:.0f}, system {1e6 * system / tokens:.0f})"
    )


def main() -> int:
    parser = load_parser(__doc__)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between two reads (0: unpaced)")
    args = parser.parse_args()
    import groq

    fake, url = start_fake(args.delay)
    try:
        client = groq.Groq(api_key="bench-key", base_url=url, max_retries=0)
        print(f"streams={args.streams} tokens/stream={args.tokens} delay={args.delay * 1000:.0f} ms pace={args.pace}")
        for how in ("bytes", "sse"):
            measure(client, args, how)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

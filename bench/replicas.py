"""Scaling out: the 100-stream API load through two replicas sharing Redis, against one replica alone; and what
one rate-limit check and one message write cost on each backend and engine.

    python bench/replicas.py [--streams 100] [--tokens 500] [--delay 0.01] [--writes 300] [--checks 2000]

Needs PostgreSQL and Redis (default 127.0.0.1; CHARLA_TEST_POSTGRES is an admin URL to create a scratch database
from, CHARLA_TEST_REDIS the Redis; a key prefix of its own, deleted at the end).

1. The fake upstream (`python -m tests.fakes`) in its own process, each reply `tokens` chunks `delay` s apart.
   Baseline: `streams` concurrent readers of the fake directly (its TTFT is what the relay adds to).
2. The same load through `POST /api/chat` of: one replica alone (memory limits, SQLite: the default); one
   replica on Redis + PostgreSQL; two replicas on one Redis + one PostgreSQL database, streams alternating.
   Each prints relayed tokens/s, its ratio to the upstream's, errors, and the TTFT it adds (p50/p99).
3. In-process: one `ratelimit.take` (session + IP) and one `peek` on memory and on Redis; one `add_message`
   (the user's message before the provider call) and one `update_reply` (a streaming write) on SQLite and on
   PostgreSQL. Mean and p95 per call.

The machine's cores are shared by everything here (fake upstream, replicas, client): two replicas on one small
host cannot add CPU, they show what sharing Redis costs and that the budget holds, not a speed-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import api_load  # noqa: E402
from api_load import Run, pct, read_stream  # noqa: E402

from tests.live import LiveServer  # noqa: E402
from tests.services import PG_ADMIN, REDIS, create_database, drop_database  # noqa: E402

MODEL = "openai/gpt-oss-20b"
"""The model the direct upstream phase asks the fake for (the API's default, the seed's model, maps to it)."""


async def spread(urls: list[str], text: str, streams: int) -> Run:
    """`streams` concurrent POST /api/chat readers, stream i sent to `urls[i % len(urls)]`."""
    run = Run()
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    payload: dict[str, object] = {"messages": [{"role": "user", "content": text}]}
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                read_stream(client, f"{urls[i % len(urls)]}/api/chat", payload, b'"text-delta"', run, {})
                for i in range(streams)
            )
        )
        run.seconds = time.perf_counter() - started
    return run


async def through(servers: list[LiveServer], text: str, streams: int) -> Run:
    urls = [s.url for s in servers]
    await spread(urls, "warm up", 2 * len(urls))
    return await spread(urls, text, streams)


def line(label: str, run: Run, base: Run) -> str:
    ratio = run.rate / base.rate if base.rate else 0.0
    added50, added99 = pct(run.ttft, 0.5) - pct(base.ttft, 0.5), pct(run.ttft, 0.99) - pct(base.ttft, 0.99)
    return (
        f"{label:34} {run.rate:8.0f} tokens/s  ratio {ratio:5.3f}  errors {len(run.errors):3d}  "
        f"added TTFT p50 {added50:6.1f} ms  p99 {added99:6.1f} ms"
    )


def per_call(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    """Mean and p95 of `fn(i)`, in µs, over `n` calls."""
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1e6)
    times.sort()
    return statistics.fmean(times), times[int(0.95 * (n - 1))]


def bench_limits(prefix: str, n: int) -> list[str]:
    from chat import ratelimit

    out = []
    for name, url in (("memory", None), ("Redis", REDIS)):
        os.environ.pop("CHARLA_REDIS_URL", None)
        if url:
            os.environ.update(CHARLA_REDIS_URL=url, CHARLA_REDIS_PREFIX=prefix)
        ratelimit.clear()
        take = per_call(lambda i: ratelimit.take(session=f"s{i}", ip=f"198.51.100.{i % 100}"), n)
        peek = per_call(lambda i: ratelimit.peek(session=f"s{i}", ip=f"198.51.100.{i % 100}"), n)
        out.append(
            f"rate-limit check, {name:6}: take (session + IP) mean {take[0]:6.0f} µs  p95 {take[1]:6.0f} µs"
            f"   peek mean {peek[0]:6.0f} µs  p95 {peek[1]:6.0f} µs"
        )
    os.environ.pop("CHARLA_REDIS_URL", None)
    return out


def bench_writes(database: str, n: int) -> list[str]:
    from chat.store import Store

    out = []
    for name, target in (
        ("SQLite", Path(tempfile.mkdtemp(prefix="charla-bench-")) / "charla.db"),
        ("PostgreSQL", database),
    ):
        with Store(target) as store:
            conv_id = store.create_conversation(owner=None, model=MODEL, settings={}).id
            add = per_call(lambda i, s=store, c=conv_id: s.add_message(c, role="user", text=f"message {i} " * 20), n)
            reply_id = store.start_reply(conv_id, model=MODEL, provider="groq").id
            update = per_call(lambda i, s=store, r=reply_id: s.update_reply(r, f"partial text {i} " * 40), n)
            store.finish_reply(reply_id, text="done", status="finished")
        out.append(
            f"message write, {name:10}: add_message mean {add[0]:6.0f} µs  p95 {add[1]:6.0f} µs"
            f"   update_reply mean {update[0]:6.0f} µs  p95 {update[1]:6.0f} µs"
        )
    return out


async def main_async(args: argparse.Namespace) -> int:
    for name in ("CHARLA_REDIS_URL", "CHARLA_DATABASE_URL", "CHARLA_REDIS_PREFIX"):  # each phase sets its own
        os.environ.pop(name, None)
    fake, fake_url = api_load.start_fake(args.delay)
    text = api_load.prompt(args.tokens)
    database = create_database("charla_bench")
    prefix = f"charla-bench-{secrets.token_hex(4)}"
    base_env = api_load.server_env(fake_url)
    shared = {
        **base_env,
        "CHARLA_DATABASE_URL": database,
        "CHARLA_REDIS_URL": REDIS,
        "CHARLA_REDIS_PREFIX": prefix,
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16),
    }
    where = f"PostgreSQL {PG_ADMIN.rsplit('@', 1)[-1]}, Redis {REDIS.rsplit('@', 1)[-1]}"
    lines = [
        f"streams={args.streams} tokens/stream={args.tokens} upstream delay={args.delay * 1000:.0f} ms, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {where}"
    ]
    try:
        base = await api_load.direct_phase(fake_url, text, args.streams)
        lines.append(
            f"{'upstream alone':34} {base.rate:8.0f} tokens/s  TTFT p50 {pct(base.ttft, 0.5):.1f} ms  "
            f"p99 {pct(base.ttft, 0.99):.1f} ms"
        )
        phases = (
            ("1 replica, memory + SQLite", [{**base_env, "CHARLA_DATA_DIR": tempfile.mkdtemp()}]),
            ("1 replica, Redis + PostgreSQL", [shared]),
            ("2 replicas, one Redis + PostgreSQL", [shared, shared]),
        )
        for label, envs in phases:
            servers = [
                LiveServer({**e, "CHARLA_DATA_DIR": e.get("CHARLA_DATA_DIR") or tempfile.mkdtemp()}).start()
                for e in envs
            ]
            try:
                run = await through(servers, text, args.streams)
            finally:
                for s in servers:
                    s.stop()
            lines.append(line(label, run, base))
            lines += [f"    error: {e}" for e in sorted(set(run.errors))[:3]]
        lines += bench_limits(prefix, args.checks)
        lines += bench_writes(database, args.writes)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
        drop_database(database)
        import redis

        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.unlink(*keys)
    print("\n".join(lines))
    return 0


def main() -> int:
    parser = api_load.load_parser(__doc__)
    parser.add_argument("--writes", type=int, default=300, help="message writes timed per engine")
    parser.add_argument("--checks", type=int, default=2000, help="rate-limit checks timed per backend")
    os.chdir(ROOT)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

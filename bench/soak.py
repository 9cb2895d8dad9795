"""Soak test of POST /api/chat: mixed traffic for a while against a live `streamlit run app.py`; does the server
stay flat?

    python bench/soak.py [--seconds 600] [--clients 16] [--sample 5]
    python bench/api_load.py --soak 600          # the same

`clients` loops each send one request after another, drawn from this mix (the fake upstream, in its own process,
reads a failure to inject from the request's text: see `tests.fakes.upstream.script_in_text`):

    ui        a short chat turn ("Echo: ..." in a few tokens), read to the end
    api       a longer reply (200 tokens), read to the end
    cancel    a 200-token reply the client walks away from after a few deltas
    fail500   the upstream answers 503 before the stream: a 5xx envelope is expected
    fail429   the upstream answers 429: a 429 with Retry-After is expected
    midfail   the upstream sends an error event after 5 chunks: an `error` part, then [DONE], is expected
    dropped   the upstream drops the connection after 5 chunks: an `error` part, then [DONE], is expected

Every few seconds the server's RSS (VmRSS), open file descriptors (/proc/<pid>/fd) and threads are sampled. At
the end: the figures at the start (after the first tenth, once warmed up), the middle and the end of the load,
whether each ended flat (end within 10 % and a small slack of the middle), the same once the load has stopped,
the outcomes per kind, and the errors beyond the injected ones (target: 0), with the first few of them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import prompt, server_env, start_fake  # noqa: E402

from tests.live import LiveServer  # noqa: E402

MIX = {"ui": 30, "api": 25, "cancel": 15, "fail500": 8, "fail429": 7, "midfail": 8, "dropped": 7}
"""Relative weights of each kind of request."""
SLACK = {"rss_mib": 16.0, "fds": 8.0, "threads": 4.0}
"""What an end figure may exceed the middle one by, besides 10 %, and still count as flat."""


@dataclass
class Sample:
    """The server process at one moment."""

    at: float
    rss_mib: float
    fds: int
    threads: int


@dataclass
class Tally:
    """Outcomes per kind, and the errors that were not injected."""

    done: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected: list[str] = field(default_factory=list)


def sample(pid: int, started: float) -> Sample | None:
    """RSS, open fds and threads of `pid` (Linux /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return Sample(
            time.monotonic() - started,
            int(fields["VmRSS"].split()[0]) / 1024,
            fds,
            int(fields["Threads"].strip()),
        )
    except (OSError, KeyError, ValueError):
        return None


def request_for(kind: str, n: int) -> dict[str, object]:
    """The body of one request of `kind` (the n-th: texts differ, as real ones do)."""
    words = {"ui": 8, "api": 200, "cancel": 200}.get(kind, 20)
    text = f"r{n} " + prompt(words)
    directive = {
        "fail500": "[[fake status=503]]",
        "fail429": "[[fake status=429 retry_after=1]]",
        "midfail": "[[fake error_after=5]]",
        "dropped": "[[fake drop_after=5]]",
    }.get(kind, "")
    history = [{"role": "user", "content": "earlier question"}, {"role": "assistant", "content": "earlier answer"}]
    return {"messages": [*(history if kind == "ui" else []), {"role": "user", "content": f"{text} {directive}"}]}


async def one(client: httpx.AsyncClient, url: str, kind: str, n: int, tally: Tally) -> None:
    """Send one request of `kind` and check its outcome against what the kind expects."""
    problem: str | None
    try:
        async with client.stream("POST", url, json=request_for(kind, n)) as r:
            if kind in ("fail500", "fail429"):
                problem = refusal_problem(kind, r.status_code, r.headers, await r.aread())
            elif r.status_code != 200:
                problem = f"status {r.status_code} {(await r.aread())[:160]!r}"
            else:
                problem = verdict(kind, *await read_events(r, stop_after=3 if kind == "cancel" else None))
    except httpx.HTTPError as e:
        problem = f"{type(e).__name__}: {e}"
    if problem is not None:
        tally.unexpected.append(f"{kind}: {problem}")
    tally.done[kind] += 1


async def read_events(r: httpx.Response, stop_after: int | None) -> tuple[int, bool, bool]:
    """Text deltas, whether an error part came, whether [DONE] came (stop after `stop_after` deltas: leaving the
    `stream` block then closes the connection mid-stream)."""
    deltas, failed, finished = 0, False, False
    async for line in r.aiter_lines():
        deltas += '"text-delta"' in line
        failed = failed or '"type":"error"' in line
        finished = finished or line == "data: [DONE]"
        if stop_after is not None and deltas >= stop_after:
            break
    return deltas, failed, finished


def refusal_problem(kind: str, status: int, headers: httpx.Headers, body: bytes) -> str | None:
    """What is wrong with the answer to an upstream failure before the stream (None: as expected)."""
    if kind == "fail429" and (status != 429 or "retry-after" not in headers):
        return f"status {status}, Retry-After {headers.get('retry-after')}: {body[:120]!r}"
    if kind == "fail500" and not 500 <= status < 600:
        return f"status {status}: {body[:120]!r}"
    return None


def verdict(kind: str, deltas: int, failed: bool, finished: bool) -> str | None:
    """What is wrong with a 200 stream of `kind` (None: as expected)."""
    if kind == "cancel":
        return None if deltas >= 3 else f"the stream ended after {deltas} deltas"
    if kind in ("midfail", "dropped"):
        return None if failed and finished else f"error part {failed}, [DONE] {finished}"
    if failed or not finished:
        return f"{'an error part' if failed else 'no [DONE]'} after {deltas} deltas"
    return None


async def client_loop(url: str, until: float, seed: int, tally: Tally) -> None:
    """One client: requests one after another until `until`."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    n = 0
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
        while time.monotonic() < until:
            n += 1
            await one(client, url, rng.choices(kinds, weights)[0], seed * 1_000_000 + n, tally)
            await asyncio.sleep(rng.uniform(0.0, 0.2))


async def sampler(pid: int, started: float, until: float, every: float, out: list[Sample]) -> None:
    while time.monotonic() < until:
        found = sample(pid, started)
        if found is not None:
            out.append(found)
        await asyncio.sleep(every)


def flat(middle: float, end: float, slack: float) -> bool:
    return end <= middle * 1.10 + slack


def report(samples: list[Sample], after: Sample | None, tally: Tally, seconds: float, log_tracebacks: int) -> bool:
    """Print the figures; True when everything ended flat and no error was unexpected."""
    warm = [s for s in samples if s.at >= seconds / 10] or samples
    start, middle, end = warm[0], warm[len(warm) // 2], warm[-1]
    total = sum(tally.done.values())
    print(f"soak: {seconds:.0f} s, {total} requests ({', '.join(f'{k} {v}' for k, v in sorted(tally.done.items()))})")
    ok = True
    for name, unit in (("rss_mib", "MiB"), ("fds", ""), ("threads", "")):
        a, m, e = (getattr(s, name) for s in (start, middle, end))
        peak = max(getattr(s, name) for s in samples)
        idle = f"{getattr(after, name):7.1f}{unit}" if after is not None else "n/a"
        level = flat(m, e, SLACK[name])
        ok = ok and level
        print(
            f"{name:8}: start {a:7.1f}{unit}  middle {m:7.1f}{unit}  end {e:7.1f}{unit}  peak {peak:7.1f}{unit}  "
            f"{'flat' if level else 'GROWING'}  (idle after the load: {idle})"
        )
    print(f"samples : {len(samples)} (at {start.at:.0f} s, {middle.at:.0f} s, {end.at:.0f} s for start/middle/end)")
    print(f"errors beyond the injected ones: {len(tally.unexpected)}  (target 0)")
    for err in tally.unexpected[:8]:
        print("  error:", err)
    print(f"tracebacks in the server log: {log_tracebacks}")
    return ok and not tally.unexpected


async def soak(seconds: float, clients: int, every: float, delay: float) -> bool:
    fake, fake_url = start_fake(delay)
    try:
        env = {**server_env(fake_url), "CHARLA_DATA_DIR": tempfile.mkdtemp(prefix="charla-soak-")}
        with LiveServer(env) as server:
            pid = server.proc.pid if server.proc else 0
            url = f"{server.url}/api/chat"
            tally, samples = Tally(), []
            started = time.monotonic()
            until = started + seconds
            await asyncio.gather(
                sampler(pid, started, until, every, samples),
                *(client_loop(url, until, seed, tally) for seed in range(1, clients + 1)),
            )
            await asyncio.sleep(every)
            after = sample(pid, started)
            tracebacks = server.log_path.read_text(errors="replace").count("Traceback")
        return report(samples, after, tally, seconds, tracebacks)
    finally:
        fake.terminate()
        fake.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client loops")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples of the server")
    parser.add_argument("--delay", type=float, default=0.005, help="seconds between upstream chunks")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    ok = asyncio.run(soak(args.seconds, args.clients, args.sample, args.delay))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

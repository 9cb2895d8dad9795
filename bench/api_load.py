"""Load test of POST /api/chat: N concurrent streams relayed by a live `streamlit run app.py`.

    python bench/api_load.py [--streams 100] [--tokens 500] [--delay 0.01] [--rounds 3] [--vendor mistral]
    python bench/api_load.py --pin            # the server on its own CPUs (Linux, 2 CPUs or more)
    python bench/api_load.py --soak 600       # mixed traffic for 600 s instead: see bench/soak.py

1. Starts the fake upstream (`python -m tests.fakes`) in its own process; every reply is `tokens` chunks, one
   due every `delay` seconds from the reply's start (a model's steady pace, which the CPU the server takes from
   the same machine does not slow; a late chunk goes at once).
2. Baseline: `streams` concurrent httpx clients read the fake's endpoint directly (Groq's, or Mistral's with
   `--vendor mistral`, when the relayed requests ask for a Mistral model).
3. Relayed: the same clients read `POST /api/chat` on a live server pointed at the fake.
Steps 2 and 3 are one round; `rounds` rounds run against the same server (the first meets a server that has
served only a warm-up of 4 streams), each printed, then the median of each figure over the rounds: on a small
shared VM one round's figures move by 20-30 % from run to run.

With `--pin` the fake upstream and the load generator run on the first CPU this process may use and the server
on the others, as they would on separate machines; without it all three share every CPU, and on a small machine
the ratio then also measures how much the server slows the fake upstream and the load generator down.
Pinned, the baseline's first tokens wait for the fake upstream and the load generator sharing one CPU, which the
relayed phase spreads over two: its added TTFT reads low, even below zero, and the ratio is the figure to read.

Prints tokens/s for both and their ratio (target >= 0.95), errors (target 0), the time to first token the relay
adds at p50/p99 (target p50 <= 200 ms), the server's CPU per relayed token (utime + stime of the server process
from /proc/<pid>/stat, before and after the relayed phase, over the tokens relayed; target <= 40 us) and the
server process's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer, free_port  # noqa: E402


@dataclass
class Run:
    """What one phase measured."""

    tokens: int = 0
    errors: list[str] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float | None = None
    cpu_user: float | None = None

    @property
    def rate(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def prompt(tokens: int) -> str:
    """A user message the fake echoes back as `tokens` chunks ("Echo: " + one chunk per word)."""
    return " ".join(f"t{i}" for i in range(tokens - 1))


async def read_stream(
    client: httpx.AsyncClient, url: str, payload: dict[str, object], marker: bytes, run: Run, headers: dict[str, str]
) -> None:
    """POST, read the SSE body, count lines carrying `marker`; record TTFT and errors."""
    started = time.perf_counter()
    count, done, failed = 0, False, False
    try:
        async with client.stream("POST", url, json=payload, headers=headers) as r:
            if r.status_code != 200:
                run.errors.append(f"status {r.status_code}: {(await r.aread())[:200]!r}")
                return
            async for line in r.aiter_lines():
                if marker in line.encode():
                    if count == 0:
                        run.ttft.append(time.perf_counter() - started)
                    count += 1
                failed = failed or '"type":"error"' in line
                done = done or line == "data: [DONE]"
    except httpx.HTTPError as e:
        run.errors.append(f"{type(e).__name__}: {e}")
        return
    run.tokens += count
    if failed or not done:
        run.errors.append("stream ended with an error event" if failed else "stream ended without [DONE]")


async def phase(
    url: str, payload: dict[str, object], marker: bytes, streams: int, headers: dict[str, str] | None = None
) -> Run:
    """`streams` concurrent readers of `url`."""
    run = Run()
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(read_stream(client, url, payload, marker, run, headers or {}) for _ in range(streams)))
        run.seconds = time.perf_counter() - started
    return run


def start_fake(delay: float) -> tuple[subprocess.Popen[bytes], str]:
    """The fake upstream in its own process; returns it and its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "--port", str(port), "--delay", str(delay)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    return proc, url


def server_env(fake_url: str) -> dict[str, str]:
    """A benchmarked server's environment: both providers at the fake, and limits no benchmark reaches."""
    return {
        "GROQ_BASE_URL": fake_url,
        "MISTRAL_BASE_URL": fake_url,
        "GROQ_API_KEY": "bench-key",
        "MISTRAL_API_KEY": "bench-key",
        "CHARLA_IP_RATE_LIMIT": "1000000/60",
        "CHARLA_RATE_LIMIT": "1000000/60",
    }


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set) of `pid` in MiB, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_times(pid: int) -> tuple[float, float] | None:
    """User and system CPU seconds `pid` has used (utime, stime of /proc/<pid>/stat; Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds `pid` has used, from /proc (Linux)."""
    times = cpu_times(pid)
    return None if times is None else sum(times)


def native_parts(pid: int) -> str:
    """Which of uvloop (the event loop) and httptools (uvicorn's HTTP parser) the server process has loaded: Streamlit
    and uvicorn use each when it is installed, else asyncio's loop and h11. From /proc/<pid>/maps (Linux)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "n/a"
    loop = "uvloop" if "/uvloop/" in maps else "asyncio"
    http = "httptools" if "/httptools/" in maps else "h11"
    return f"{loop} loop, {http} parser"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, in ms."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(base: Run, relay: Run, rss: float | None, args: argparse.Namespace) -> None:
    ratio = relay.rate / base.rate if base.rate else 0.0
    print(f"streams={args.streams} tokens/stream={args.tokens} upstream delay={args.delay * 1000:.0f} ms")
    print(
        f"upstream alone : {base.rate:9.0f} tokens/s  ({base.tokens} tokens in {base.seconds:.2f} s, "
        f"errors {len(base.errors)})"
    )
    print(
        f"through /api/chat: {relay.rate:7.0f} tokens/s  ({relay.tokens} tokens in {relay.seconds:.2f} s, "
        f"errors {len(relay.errors)})"
    )
    print(f"ratio          : {ratio:.3f}  (target >= 0.95)")
    print(f"TTFT upstream  : p50 {pct(base.ttft, 0.5):.1f} ms  p99 {pct(base.ttft, 0.99):.1f} ms")
    print(f"TTFT relayed   : p50 {pct(relay.ttft, 0.5):.1f} ms  p99 {pct(relay.ttft, 0.99):.1f} ms")
    print(
        f"added TTFT     : p50 {pct(relay.ttft, 0.5) - pct(base.ttft, 0.5):.1f} ms  "
        f"p99 {pct(relay.ttft, 0.99) - pct(base.ttft, 0.99):.1f} ms  (target p50 <= 200 ms)"
    )
    if relay.cpu is not None:
        tokens = max(1, relay.tokens)
        user = relay.cpu_user if relay.cpu_user is not None else float("nan")
        print(
            f"server CPU     : {relay.cpu:.2f} s over {relay.seconds:.2f} s: "
            f"{1e6 * relay.cpu / tokens:.0f} us per relayed token (user {1e6 * user / tokens:.0f}, "
            f"system {1e6 * (relay.cpu - user) / tokens:.0f}; target <= 40)"
        )
    print(f"server peak RSS: {'n/a' if rss is None else f'{rss:.0f} MiB'}")
    for err in sorted(set(base.errors + relay.errors))[:5]:
        print("  error:", err)
    if relay.ttft:
        print(f"(mean relayed TTFT {statistics.mean(relay.ttft) * 1000:.1f} ms)")


VENDORS = {
    "groq": ("/openai/v1/chat/completions", "openai/gpt-oss-20b", 1),
    "mistral": ("/v1/chat/completions", "mistral-small-latest", 2),
}
"""Per vendor: the fake's chat path, the model asked for, and the chunks with an empty `content` per stream
(Groq's opening one; Mistral's opening and closing ones)."""


async def direct_phase(fake_url: str, text: str, streams: int, vendor: str = "groq") -> Run:
    """The baseline: `streams` clients reading the fake's endpoint of `vendor` directly."""
    path, model, empty = VENDORS[vendor]
    direct = {"model": model, "stream": True, "messages": [{"role": "user", "content": text}]}
    base = await phase(f"{fake_url}{path}", direct, b'"content":', streams, {"Authorization": "Bearer bench-key"})
    base.tokens -= streams * empty
    return base


def summary(rounds: list[tuple[Run, Run]]) -> float:
    """Print the median of each figure over the rounds; return the median ratio."""
    ratios = [r.rate / b.rate if b.rate else 0.0 for b, r in rounds]
    added = [pct(r.ttft, 0.5) - pct(b.ttft, 0.5) for b, r in rounds]
    cpu = [1e6 * r.cpu / max(1, r.tokens) for _, r in rounds if r.cpu is not None]
    ratio = statistics.median(ratios)
    print(f"=== median of {len(rounds)} rounds")
    print(f"ratio          : {ratio:.3f}  (rounds: {', '.join(f'{x:.3f}' for x in ratios)}; target >= 0.95)")
    print(
        f"added TTFT p50 : {statistics.median(added):.0f} ms  (rounds: {', '.join(f'{x:.0f}' for x in added)}; "
        "target <= 200 ms)"
    )
    if cpu:
        print(
            f"server CPU     : {statistics.median(cpu):.0f} us per relayed token  "
            f"(rounds: {', '.join(f'{x:.0f}' for x in cpu)}; target <= 40)"
        )
    return ratio


def split_cpus() -> tuple[set[int] | None, set[int] | None]:
    """The CPUs for the server and for the harness (the fake upstream and the load generator): the first CPU
    this process may use for the harness, the others for the server. (None, None) with one CPU, or off Linux."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return (set(cpus[1:]), {cpus[0]}) if len(cpus) > 1 else (None, None)


@contextmanager
def on_cpus(cpus: set[int] | None) -> Iterator[None]:
    """Processes started inside this block run on `cpus` (None: wherever this process may run)."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def main_async(args: argparse.Namespace) -> int:
    server_cpus, harness_cpus = split_cpus() if args.pin else (None, None)
    if args.pin:
        pinned = f"server {sorted(server_cpus)}, harness {sorted(harness_cpus)}" if server_cpus and harness_cpus else ""
        print("cpus           :", pinned or "not pinned")
    with on_cpus(harness_cpus):
        return await run_rounds(args, server_cpus)


async def run_rounds(args: argparse.Namespace, server_cpus: set[int] | None) -> int:
    fake, fake_url = start_fake(args.delay)
    text = prompt(args.tokens)
    try:
        base = await direct_phase(fake_url, text, args.streams, args.vendor)
        asked = {"model": VENDORS[args.vendor][1]} if args.vendor != "groq" else {}
        env = {**server_env(fake_url), "CHARLA_DATA_DIR": tempfile.mkdtemp(prefix="charla-bench-")}
        rounds: list[tuple[Run, Run]] = []
        server = LiveServer(env)
        with on_cpus(server_cpus):
            server.start()
        try:
            await phase(
                f"{server.url}/api/chat",
                {"messages": [{"role": "user", "content": "warm up"}], **asked},
                b'"text-delta"',
                4,
            )
            pid = server.proc.pid if server.proc else 0
            print(f"server         : {native_parts(pid)}")
            for n in range(args.rounds):
                if n:
                    base = await direct_phase(fake_url, text, args.streams, args.vendor)
                cpu_before = cpu_times(pid)
                relay = await phase(
                    f"{server.url}/api/chat",
                    {"messages": [{"role": "user", "content": text}], **asked},
                    b'"text-delta"',
                    args.streams,
                )
                cpu_after = cpu_times(pid)
                if cpu_before is not None and cpu_after is not None:
                    relay.cpu = sum(cpu_after) - sum(cpu_before)
                    relay.cpu_user = cpu_after[0] - cpu_before[0]
                print(f"--- round {n + 1} of {args.rounds}")
                report(base, relay, peak_rss_mb(pid), args)
                rounds.append((base, relay))
        finally:
            server.stop()
        ratio = summary(rounds)
        ok = all(not b.errors and not r.errors for b, r in rounds) and ratio >= 0.95
        return 0 if ok else 1
    finally:
        fake.terminate()
        fake.wait(timeout=10)


def load_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every load benchmark shares: how many streams, how long, and the upstream's pace."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between upstream chunks")
    return parser


def main() -> int:
    parser = load_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="baseline + relayed rounds against one server")
    parser.add_argument(
        "--vendor", choices=sorted(VENDORS), default="groq", help="whose model the requests ask for (default: groq)"
    )
    parser.add_argument("--pin", action="store_true", help="run the server on CPUs of its own (Linux)")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="run bench/soak.py for SECONDS instead")
    args = parser.parse_args()
    if args.soak:
        import soak

        return soak.main(["--seconds", str(args.soak)])
    os.chdir(ROOT)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())

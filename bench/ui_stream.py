"""Chat page benchmark in Chromium against a live `streamlit run app.py` and the in-process fake upstream.

1. Tail latency: a 2,000-token reply streamed at 2,000 tokens/s; time from the upstream writing its last token
   (time.time() in the fake's process) to that token appearing in the page (Date.now() from a MutationObserver).
   Target <= 250 ms.
2. A 500-message conversation (test-only hook CHARLA_BENCH_SEED_MESSAGES): the server time of one full script
   run (the page prints it behind CHARLA_BENCH_TIMING; target <= 150 ms) and the websocket bytes the browser
   receives per rerun (target <= 100 KB).

Run: python bench/ui_stream.py
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeUpstream, Script  # noqa: E402
from tests.fakes import upstream as fake_module  # noqa: E402
from tests.live import LiveServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MARKER = "ZZENDMARKERZZ"
TOKENS = 2_000
RATE = 2_000.0
PER_CHUNK = 5
"""Tokens per SSE chunk (the fake waits in whole milliseconds and spends ~0.5 ms a chunk: 5 tokens every
2.5 ms is 2,000 tokens/s; the rate reached is printed)."""
CHUNK_OVERHEAD = 0.0005

_last_chunk_at: list[float] = []
_first_chunk_at: list[float] = []


def _record_marker() -> None:
    """Wrap the fake's chunk writer (in this process) to note when the chunk with the marker leaves."""
    original = fake_module._Handler._write_chunk

    def write(self: Any, data: bytes) -> None:
        original(self, data)
        if MARKER.encode() in data:
            _last_chunk_at.append(time.time())
        elif b'"t0 t1' in data:
            _first_chunk_at.append(time.time())

    fake_module._Handler._write_chunk = write  # type: ignore[method-assign]


OBSERVER = """marker => { window.__seen = new Promise(resolve => {
  const seen = () => document.body.innerText.includes(marker);
  if (seen()) { resolve(Date.now()); return; }
  const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); resolve(Date.now()); } });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}); }"""


def env(fake: FakeUpstream, data: Path, **extra: str) -> dict[str, str]:
    return {
        "GROQ_BASE_URL": fake.url,
        "MISTRAL_BASE_URL": fake.url,
        "GROQ_API_KEY": "test-key",
        "MISTRAL_API_KEY": "test-key",
        "CHARLA_DATA_DIR": str(data),
        "CHARLA_RATE_LIMIT": "100/60",
        "CHARLA_IP_RATE_LIMIT": "200/60",
        **extra,
    }


def tail_latency(browser: Any, fake: FakeUpstream, data: Path, runs: int = 3) -> tuple[list[float], list[float]]:
    results, rates = [], []
    with LiveServer(env(fake, data)) as srv:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(srv.url)
        page.wait_for_selector(IDLE, timeout=30_000)
        for run in range(runs):
            marker = f"{MARKER}{run}X"  # unique per run: earlier replies stay on the page
            fake.reset()
            _last_chunk_at.clear()
            _first_chunk_at.clear()
            words = [f"t{i} " for i in range(TOKENS - 1)] + [marker]
            chunks = ["".join(words[i : i + PER_CHUNK]) for i in range(0, TOKENS, PER_CHUNK)]
            fake.script(Script(chunks=chunks, delay=max(0.0, PER_CHUNK / RATE - CHUNK_OVERHEAD)))
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill("go")
            page.evaluate(OBSERVER, marker)
            box.press("Enter")
            shown_at = page.evaluate("window.__seen") / 1000
            page.wait_for_selector(IDLE, timeout=60_000)
            results.append((shown_at - _last_chunk_at[-1]) * 1000)
            rates.append(TOKENS / (_last_chunk_at[-1] - _first_chunk_at[-1]))
            page.wait_for_timeout(500)
        page.close()
    return results, rates


def rerun_cost(browser: Any, fake: FakeUpstream, data: Path, runs: int = 6) -> tuple[list[float], list[int]]:
    extra = {"CHARLA_BENCH_SEED_MESSAGES": "500", "CHARLA_BENCH_TIMING": "1"}
    with LiveServer(env(fake, data, **extra)) as srv:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        received: list[int] = []

        def on_ws(ws: Any) -> None:
            ws.on("framereceived", lambda payload: received.append(len(payload)))

        page.on("websocket", on_ws)
        page.goto(srv.url)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_timeout(1000)
        sizes = []
        toggle = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').first
        for _ in range(runs):
            before = sum(received)
            toggle.click()
            page.wait_for_timeout(200)
            page.wait_for_selector(IDLE, timeout=30_000)
            page.wait_for_timeout(300)
            sizes.append(sum(received) - before)
        page.close()
        times = [float(m) for m in re.findall(r"charla-bench script_ms=([\d.]+)", srv.log())]
    return times[1:], sizes  # the first run is the page load


def main() -> None:
    from playwright.sync_api import sync_playwright

    _record_marker()
    with FakeUpstream() as fake, sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        lat, rates = tail_latency(browser, fake, Path(tmp))
        print(f"upstream rate achieved: {', '.join(f'{r:,.0f}' for r in rates)} tokens/s")
        print(
            f"stream {TOKENS} tokens at {RATE:.0f}/s: last token upstream -> visible in page: "
            f"{', '.join(f'{x:.0f}' for x in lat)} ms (median {statistics.median(lat):.0f} ms; target <= 250)"
        )
        times, sizes = rerun_cost(browser, fake, Path(tmp))
        print(
            f"500-message conversation, one full rerun: server script time "
            f"{', '.join(f'{x:.0f}' for x in times)} ms (median {statistics.median(times):.0f} ms; target <= 150)"
        )
        print(
            f"websocket bytes received per rerun: {', '.join(f'{x / 1024:.1f}' for x in sizes)} KB "
            f"(median {statistics.median(sizes) / 1024:.1f} KB; target <= 100)"
        )
        browser.close()


if __name__ == "__main__":
    main()

"""Time to first token in the chat page, against a naive `st.write_stream` page on the same fake upstream.

    python bench/ui_ttft.py [--runs 7]

Both pages (Charla's `app.py`, `bench/naive_page.py`) run at once, each in a fresh `streamlit run` with its own
headless Chromium page, on one fake upstream. Sends alternate between them (which goes first alternates too), so
that a noisy neighbour on a shared machine slows both alike. Each send times, inside the page, the Enter key's
keydown (performance.now()) to the first token in the page (a MutationObserver that looks only at what each
mutation added, so that its own cost does not grow with the page); a 2,000-token reply at 2,000 and at
500 tokens/s; the median of `runs` warm sends per page and rate, and the ratio Charla / naive (goal <= 1.0). Cold:
the first visitor's first send in a fresh process against the next visitors' first sends (goal: no slower), each
in a new browser context; and the first visitor's second send, which no longer pays for the page's first reply.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ui_stream import ARGS, CHROMIUM, IDLE, env  # noqa: E402
from tests.fakes import FakeUpstream, Script  # noqa: E402
from tests.live import LiveServer  # noqa: E402

TOKENS = 2_000
VISITORS = 3
"""New visitors after the first, each timed on its first send: a page's first send also loads what the browser
first needs for a reply (script chunks, the first message's components), on every page, whatever the process."""
PAGES = {"charla": "app.py", "naive": "bench/naive_page.py"}

ARM = """marker => { window.__first = new Promise(resolve => {
  let start = null;
  const key = ev => { if (ev.key === 'Enter' && start === null) start = performance.now(); };
  document.addEventListener('keydown', key, {capture: true, once: true});
  const has = node => (node.textContent || '').includes(marker);
  const obs = new MutationObserver(records => {
    const now = performance.now();
    const hit = records.some(r => r.type === 'characterData' ? has(r.target) : [...r.addedNodes].some(has));
    if (start !== null && hit) { obs.disconnect(); resolve(now - start); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}); }"""


def script(run: int, rate: float) -> Script:
    marker = f"q{run}z "  # the first token, unique per send
    words = [marker] + [f"t{i} " for i in range(TOKENS - 2)] + [f"e{run}z"]
    chunks = ["".join(words[i : i + 5]) for i in range(0, TOKENS, 5)]
    return Script(chunks=chunks, delay=max(0.0, 5 / rate - 0.0005))


def send(page: Any, fake: FakeUpstream, run: int, rate: float) -> float:
    """Milliseconds from the Enter key to the first token on screen."""
    fake.script(script(run, rate))
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(f"go {run}")
    page.evaluate(ARM, f"q{run}z")
    box.press("Enter")
    first = page.evaluate("window.__first")
    page.get_by_text(f"e{run}z").last.wait_for(timeout=120_000)  # the whole reply arrived
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_timeout(300)
    return float(first)


def open_page(browser: Any, srv: LiveServer) -> Any:
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(srv.url)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    return page


def next_visitors(
    browser: Any, fake: FakeUpstream, servers: dict[str, LiveServer], rate: float, numbers: Iterator[int]
) -> dict[str, float]:
    """Per page, the median of VISITORS new visitors' first sends (`numbers`: each send's, for unique markers)."""
    got: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(VISITORS):  # each a new browser context: its own page, session and cache
        for name, srv in servers.items():
            page = open_page(browser, srv)
            got[name].append(send(page, fake, next(numbers), rate))
            page.context.close()
    return {name: statistics.median(times) for name, times in got.items()}


def measure(browser: Any, fake: FakeUpstream, rates: list[float], runs: int) -> dict[str, dict[Any, float]]:
    out: dict[str, dict[Any, float]] = {name: {} for name in PAGES}
    times: dict[tuple[str, float], list[float]] = {(name, rate): [] for name in PAGES for rate in rates}
    with ExitStack() as stack:
        pages, servers = {}, {}
        for name, path in PAGES.items():
            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            servers[name] = stack.enter_context(LiveServer(env(fake, data), script=path))
            pages[name] = open_page(browser, servers[name])
        numbers = itertools.count(1)
        for when in ("cold", "second"):
            for name, page in pages.items():
                out[name][when] = send(page, fake, next(numbers), rates[0])
        for name, got in next_visitors(browser, fake, servers, rates[0], numbers).items():
            out[name]["next"] = got
        for rate in rates:
            for run in range(runs):
                order = list(pages) if run % 2 == 0 else list(reversed(pages))
                for name in order:
                    times[name, rate].append(send(pages[name], fake, next(numbers), rate))
    for (name, rate), got in times.items():
        out[name][rate] = statistics.median(got)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rates = [2_000.0, 500.0]
    with FakeUpstream() as fake, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        results = measure(browser, fake, rates, args.runs)
        browser.close()
    charla, naive = results["charla"], results["naive"]
    print(f"time to first token, median of {args.runs} warm sends, the pages taking turns (ms):")
    for rate in rates:
        ratio = charla[rate] / naive[rate]
        line = f"charla {charla[rate]:6.0f}  naive {naive[rate]:6.0f}  ratio {ratio:.2f} (goal <= 1.0)"
        print(f"  {rate:>6.0f} tok/s: {line}")
    print(f"first send of a fresh process's first visitor, the next {VISITORS} visitors' first (median), and the")
    print("first visitor's second send (ms):")
    for name, got in results.items():
        print(
            f"  {name:>6}: first visitor {got['cold']:6.0f}  next visitors {got['next']:6.0f}  "
            f"second send {got['second']:6.0f}"
        )


if __name__ == "__main__":
    main()

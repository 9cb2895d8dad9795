"""Time to first token in the chat page, against a naive `st.write_stream` page on the same fake upstream.

    python bench/ui_ttft.py [--runs 3]

For each page (Charla's `app.py`, `bench/naive_page.py`) and each rate (2,000 and 500 tokens/s, a 2,000-token
reply): a fresh `streamlit run` and a headless Chromium; the time from the Enter key (Date.now() in the page) to
the first token on screen (a MutationObserver), median of `runs` warm sends. Cold: the first send of a fresh
process against the second (warm) one, for each page. Prints the medians and the ratio Charla / naive (goal <= 1.0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ui_stream import ARGS, CHROMIUM, IDLE, env  # noqa: E402
from tests.fakes import FakeUpstream, Script  # noqa: E402
from tests.live import LiveServer  # noqa: E402

TOKENS = 2_000
PAGES = {"charla": "app.py", "naive": "bench/naive_page.py"}

FIRST = """marker => { window.__first = new Promise(resolve => {
  const seen = () => document.body.innerText.includes(marker);
  const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); resolve(Date.now()); } });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}); }"""


def script(run: int, rate: float) -> Script:
    marker = f"q{run}z "  # the first token, unique per send
    words = [marker] + [f"t{i} " for i in range(TOKENS - 2)] + [f"e{run}z"]
    chunks = ["".join(words[i : i + 5]) for i in range(0, TOKENS, 5)]
    return Script(chunks=chunks, delay=max(0.0, 5 / rate - 0.0005))


def send(page: Any, fake: FakeUpstream, run: int, rate: float) -> float:
    """Milliseconds from Enter to the first token on screen."""
    fake.script(script(run, rate))
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(f"go {run}")
    page.evaluate(FIRST, f"q{run}z")
    started = page.evaluate("Date.now()")
    box.press("Enter")
    first = page.evaluate("window.__first")
    page.get_by_text(f"e{run}z").last.wait_for(timeout=120_000)  # the whole reply arrived
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_timeout(300)
    return float(first - started)


def measure(browser: Any, fake: FakeUpstream, name: str, rates: list[float], runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as data, LiveServer(env(fake, Path(data)), script=PAGES[name]) as srv:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(srv.url)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
        n = 0
        out["cold"] = send(page, fake, n, rates[0])
        n += 1
        out["second"] = send(page, fake, n, rates[0])
        for rate in rates:
            times = []
            for _ in range(runs):
                n += 1
                try:
                    times.append(send(page, fake, n, rate))
                except Exception:
                    page.screenshot(path=f"/tmp/ttft-fail-{name}.png", full_page=True)
                    print(srv.log()[-2000:])
                    raise
            out[rate] = statistics.median(times)
        page.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rates = [2_000.0, 500.0]
    results: dict[str, dict[str, Any]] = {}
    with FakeUpstream() as fake, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in PAGES:
            results[name] = measure(browser, fake, name, rates, args.runs)
        browser.close()
    charla, naive = results["charla"], results["naive"]
    print(f"time to first token, median of {args.runs} warm sends (ms):")
    for rate in rates:
        ratio = charla[rate] / naive[rate]
        line = f"charla {charla[rate]:6.0f}  naive {naive[rate]:6.0f}  ratio {ratio:.2f} (goal <= 1.0)"
        print(f"  {rate:>6.0f} tok/s: {line}")
    print("first send of a fresh process, and the second (ms):")
    for name, got in results.items():
        print(f"  {name:>6}: first {got['cold']:6.0f}  second {got['second']:6.0f}")


if __name__ == "__main__":
    main()

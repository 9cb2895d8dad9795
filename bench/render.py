"""What `chat.render.safe_markdown` costs on a 2,000-token reply, per call (the page redraws a streaming reply
about every 60 ms, each time on the whole text so far).

Printed, best of 5 runs of N calls, each call on a new text (so the cache never answers):
- a reply with no `![` (the fast path: one substring test);
- the same reply with two images at the end (block parse + inline parse of that paragraph);
- the same reply with an image in every block (every paragraph parsed inline);
- the reply with an image in every block drawn once with the caches empty (a conversation reopened);
- one streamed reply drawn at every word, total and per draw.

Usage: python bench/render.py [--calls 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chat.render import _rewrite, _scan, safe_markdown  # noqa: E402
from chat.tokens import count_text  # noqa: E402

PARAGRAPH = (
    "Here is some **bold** text with a [link](https://example.com/page) and `code` plus more words "
    "to fill the line up so the paragraph looks like a model reply. "
) * 2


def reply(images: str) -> str:
    """About 2,000 tokens of paragraphs, code and tables; `images`: "none", "end" or "every"."""
    blocks = []
    for i in range(24):
        blocks.append(PARAGRAPH + (f" ![figure {i}](https://e{i}.example/f.png)" if images == "every" else ""))
        if i % 6 == 0:
            blocks.append("```python\nfor i in range(10):\n    print(i)\n```")
        if i % 8 == 3:
            blocks.append("| a | b |\n|---|---|\n| 1 | 2 |")
    if images == "end":
        blocks.append("![chart](https://elsewhere.example/c.png?d=abc) and ![x][r]\n\n[r]: https://e.example/r.png")
    return "\n\n".join(blocks)


def per_call(text: str, calls: int) -> float:
    best = float("inf")
    for run in range(5):
        texts = [f"{text} {run}-{k}" for k in range(calls)]
        start = time.perf_counter()
        for t in texts:
            safe_markdown(t)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    for images in ("none", "end", "every"):
        text = reply(images)
        ms = per_call(text, args.calls * (10 if images == "none" else 1)) * 1000
        print(f"{images:>5} images: {count_text(text):5d} tokens, {len(text):5d} chars: {ms:.3f} ms per call")
    text = reply("every")
    cold = float("inf")
    for _ in range(5):
        _rewrite.cache_clear()
        _scan.cache_clear()
        start = time.perf_counter()
        safe_markdown(text)
        cold = min(cold, time.perf_counter() - start)
    print(f"every images, caches empty (a conversation reopened): {cold * 1000:.3f} ms")
    words = ("![chart](https://elsewhere.example/c.png) " + reply("end")).split(" ")
    start = time.perf_counter()
    for n in range(1, len(words) + 1):
        safe_markdown(" ".join(words[:n]))
    total = time.perf_counter() - start
    print(
        f"streamed with an image from the start, drawn at every word ({len(words)} draws): "
        f"{total * 1000:.0f} ms in all, {total / len(words) * 1000:.3f} ms per draw"
    )


if __name__ == "__main__":
    main()

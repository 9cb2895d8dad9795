"""Attachment conversion speed: a 12 MP JPEG and a 200-page text PDF.

Run: `python bench/attachments.py [--repeat 5]`. Prints the median of a few runs each:
- the 12 MP photo: ms to a ready image part with `convert`, against a naive
  `Image.open().convert("RGB").resize(...)` to the same size (also shown with the same JPEG encode added);
- the 200-page PDF: seconds to text with `convert`, the peak memory of that conversion (tracemalloc), and the
  process's peak RSS (measured first, before any image work).
Targets: image <= 150 ms and >= 3x faster than naive; PDF <= 2 s and <= 100 MB peak.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.attachments import convert  # noqa: E402
from tests.samples import text_pdf  # noqa: E402


def photo_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A 12 MP JPEG with photo-like entropy (gradient plus noise), about 4 MB like a phone photo."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 16)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def report_pages(count: int = 200) -> list[str]:
    """Pages of figures, ~900 characters each (all 200 pages stay under the 200,000-character cap)."""
    line = "Quarterly figures for region {r}: revenue {v} units, margin {m} percent, outlook stable."
    return [
        "\n".join(line.format(r=p * 100 + n, v=p * 37 + n, m=(p + n) % 40) for n in range(10))
        for p in range(1, count + 1)
    ]


def median_ms(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    pdf = text_pdf(report_pages())
    seconds = median_ms(lambda: convert("report.pdf", pdf), args.repeat) / 1000
    tracemalloc.start()
    att = convert("report.pdf", pdf)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"200-page text PDF ({len(pdf) / 1e6:.2f} MB, {att.pages} pages, {att.chars:,} chars)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  convert: {seconds:.2f} s   peak Python memory (tracemalloc): {peak / 1e6:.1f} MB")
    print(f"  whole benchmark process peak RSS (imports and PDF runs): {rss:.0f} MB")

    jpeg = photo_jpeg()
    convert("warm-up.jpg", jpeg)
    part = convert("photo.jpg", jpeg).images[0]
    size = (part.width or 0, part.height or 0)

    def naive() -> None:
        Image.open(io.BytesIO(jpeg)).convert("RGB").resize(size)

    def naive_encoded() -> None:
        Image.open(io.BytesIO(jpeg)).convert("RGB").resize(size).save(io.BytesIO(), "JPEG", quality=85)

    ours = median_ms(lambda: convert("photo.jpg", jpeg), args.repeat)
    base = median_ms(naive, args.repeat)
    base_encoded = median_ms(naive_encoded, args.repeat)
    print(f"12 MP JPEG ({len(jpeg) / 1e6:.1f} MB, 4000x3000 -> {size[0]}x{size[1]} {part.mime_type})")
    print(f"  convert: {ours:.1f} ms   naive open+convert+resize: {base:.1f} ms   ratio {base / ours:.1f}x")
    print(f"  naive with the same JPEG encode: {base_encoded:.1f} ms   ratio {base_encoded / ours:.1f}x")


if __name__ == "__main__":
    main()

"""What Charla's pipeline adds to a reply: time to first token through `chat.service` vs the raw SDK.

Both talk to the same fake upstream on 127.0.0.1 (tests/fakes), runs interleaved, medians of N. Printed:
- TTFT ratio service/raw with an upstream that takes 100 ms to its first token (a fast real provider), target <= 1.05;
- the absolute overhead in ms with an instant upstream (what the pipeline itself costs: validation, limits,
  window and token estimate, message conversion);
- CPU per streamed chunk: the SDKs' own chunk parsers against Charla's SSE reader (`ProviderStream`), same bytes;
- `import chat` in a fresh interpreter (target <= 300 ms; the SDKs are imported on first use).

Usage: python bench/overhead.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeUpstream, Script  # noqa: E402

HISTORY = [f"message number {i} with a few words of text" for i in range(11)]


def raw_ttft(vendor: str, url: str) -> float:
    roles = ["user", "assistant"]
    messages = [{"role": roles[i % 2], "content": t} for i, t in enumerate(HISTORY[-7:])]
    start = time.perf_counter()
    if vendor == "groq":
        import groq

        client = _raw_groq(url)
        stream = client.chat.completions.create(
            model="openai/gpt-oss-20b",
            messages=messages,
            stream=True,
            max_completion_tokens=1024,  # type: ignore[arg-type]
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                ttft = time.perf_counter() - start
                break
        stream.close()
        assert isinstance(client, groq.Groq)
    else:
        client = _raw_mistral(url)
        with sdk_as_shipped():  # the request and the chunks both, as the SDK ships
            res = client.chat.stream(model="mistral-small-latest", messages=messages, max_tokens=1024)  # type: ignore[arg-type]
            for event in res:
                delta = event.data.choices[0].delta.content
                if isinstance(delta, str) and delta:
                    ttft = time.perf_counter() - start
                    break
            res.close()
    return ttft


_clients: dict[str, object] = {}


@contextmanager
def sdk_as_shipped() -> Iterator[None]:
    """mistralai with its own `create_model` (Charla's `ReusedModelClasses` taken out while the raw SDK runs)."""
    from mistralai.client.utils import serializers

    names = vars(serializers)
    current = names["create_model"]
    names["create_model"] = getattr(current, "__wrapped__", current)
    try:
        yield
    finally:
        names["create_model"] = current


def _raw_groq(url: str):  # type: ignore[no-untyped-def]
    import groq

    if "groq" not in _clients:  # one client per process, as the service keeps
        _clients["groq"] = groq.Groq(api_key="test-key", base_url=url, max_retries=0)
    return _clients["groq"]


def _raw_mistral(url: str):  # type: ignore[no-untyped-def]
    from mistralai.client import Mistral

    if "mistral" not in _clients:
        _clients["mistral"] = Mistral(api_key="test-key", server_url=url)
    return _clients["mistral"]


def service_ttft(vendor: str) -> float:
    from chat.schema import ChatRequest, Message
    from chat.service import Caller, send

    roles = ["user", "assistant"]
    messages = [Message.of(roles[i % 2], t) for i, t in enumerate(HISTORY)]  # type: ignore[arg-type]
    model = "openai/gpt-oss-20b" if vendor == "groq" else "mistral-small-latest"
    start = time.perf_counter()
    reply = send(ChatRequest(messages=messages, model=model), caller=Caller(session="bench", ip="127.0.0.1"))
    for _ in reply:
        ttft = time.perf_counter() - start
        break
    reply.cancel()
    return ttft


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import chat; print(time.perf_counter() - t)"
    samples = [float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT)) for _ in range(5)]
    return statistics.median(samples)


def measure(fake: FakeUpstream, vendor: str, first_delay: float, runs: int) -> tuple[float, float]:
    raws, services = [], []
    for _ in range(3):  # warm up clients, connection pools, the tokenizer
        fake.script(Script(text="warm up", first_delay=first_delay), Script(text="warm up", first_delay=first_delay))
        raw_ttft(vendor, fake.url)
        service_ttft(vendor)
    for _ in range(runs):
        fake.script(Script(text="hello there", first_delay=first_delay), Script(text="hello", first_delay=first_delay))
        raws.append(raw_ttft(vendor, fake.url))
        services.append(service_ttft(vendor))
    return statistics.median(raws), statistics.median(services)


def chunk_cpu(fake: FakeUpstream, vendor: str, n: int = 3000) -> tuple[float, float]:
    """Microseconds of CPU per chunk: the SDK's parser, then Charla's reader (the fake's thread included in both)."""
    from chat.schema import ChatRequest, Message
    from chat.service import Caller, send

    messages = [{"role": "user", "content": "hi"}]
    fake.script(Script(chunks=["tok "] * n))
    start = time.process_time()
    if vendor == "groq":
        for _chunk in _raw_groq(fake.url).chat.completions.create(
            model="openai/gpt-oss-20b",
            messages=messages,
            stream=True,  # type: ignore[arg-type]
        ):
            pass
    else:
        with sdk_as_shipped():
            for _event in _raw_mistral(fake.url).chat.stream(model="mistral-small-latest", messages=messages):  # type: ignore[arg-type]
                pass
    sdk = (time.process_time() - start) / n * 1e6
    fake.script(Script(chunks=["tok "] * n))
    model = "openai/gpt-oss-20b" if vendor == "groq" else "mistral-small-latest"
    start = time.process_time()
    for _ in send(ChatRequest(messages=[Message.of("user", "hi")], model=model), caller=Caller(session="cpu")):
        pass
    return sdk, (time.process_time() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with FakeUpstream() as fake:
        os.environ.update(
            GROQ_BASE_URL=fake.url,
            MISTRAL_BASE_URL=fake.url,
            GROQ_API_KEY="test-key",
            MISTRAL_API_KEY="test-key",
            CHARLA_RATE_LIMIT="100000/60",
            CHARLA_IP_RATE_LIMIT="100000/60",
        )
        for vendor in ("groq", "mistral"):
            raw, svc = measure(fake, vendor, 0.1, args.runs)
            print(
                f"{vendor:8} TTFT, 100 ms upstream: raw SDK {raw * 1000:7.1f} ms | service {svc * 1000:7.1f} ms"
                f" | ratio {svc / raw:.3f} (target <= 1.05)"
            )
            raw0, svc0 = measure(fake, vendor, 0.0, args.runs)
            print(
                f"{vendor:8} TTFT, instant upstream: raw SDK {raw0 * 1000:6.1f} ms | service {svc0 * 1000:7.1f} ms"
                f" | pipeline overhead {(svc0 - raw0) * 1000:+.1f} ms"
            )
        for vendor in ("groq", "mistral"):
            sdk, ours = chunk_cpu(fake, vendor)
            print(f"{vendor:8} CPU per chunk: SDK parser {sdk:6.1f} us | Charla's reader {ours:5.1f} us")
    print(f"import chat: {import_time() * 1000:.0f} ms (target <= 300 ms)")


if __name__ == "__main__":
    main()

"""What a kept-alive connection to the provider saves per message: time to first token and CPU, over TLS.

    python bench/reuse.py [--runs 100] [--provider groq|mistral]

The fake upstream (tests/fakes) serves HTTPS on 127.0.0.1 with a throwaway self-signed certificate (made with
the `openssl` command), and the provider's official SDK client trusts it. Each run sends one chat request and
reads the reply through Charla's reader (`ProviderStream`), alternating two ways:
- reused: as Charla reads a reply, its body's end included, so the connection goes back to the client's pool;
- new: the reply closed at `[DONE]` before its body's end, so every request opens a new TCP and TLS connection.

Printed: the medians of the time to first delta and of this process's CPU per request (both sides run in this
process, so the CPU includes the server's half of each handshake), and their ratio. On 127.0.0.1 the round trips
cost nothing; a real provider adds two of them (TCP, then TLS 1.3) to every new connection, on top of this.

Then (groq, plain HTTP) what idle connections cost: CPU per request after a burst of 100 concurrent replies left
its connections in the pool, with Charla's client (at most `IDLE_CONNECTIONS` kept) and with one that keeps 100.
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chat.providers.stream import ProviderStream  # noqa: E402
from tests.fakes import FakeUpstream  # noqa: E402


class ClosedAtDone:
    """A response that hides its network stream, so the reader cannot read past `[DONE]` (the old behaviour)."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self.headers = response.headers
        self.extensions: dict[str, Any] = {}

    def iter_bytes(self) -> Any:
        return self._response.iter_bytes()

    def close(self) -> None:
        self._response.close()


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def client(provider: str, url: str, cert: Path) -> Any:
    """The vendor's SDK client over HTTPS to the fake, trusting its certificate."""
    import httpx

    trust = ssl.create_default_context(cafile=str(cert))
    if provider == "groq":
        import groq

        return groq.Groq(api_key="bench-key", base_url=url, max_retries=0, http_client=httpx.Client(verify=trust))
    from mistralai.client import Mistral

    mistral: Any = Mistral(api_key="bench-key", server_url=url)
    mistral.sdk_configuration.client = type(mistral.sdk_configuration.client)(verify=trust)
    return mistral


def open_response(provider: str, sdk: Any) -> Any:
    messages = [{"role": "user", "content": "hello there"}]
    if provider == "groq":
        return sdk.chat.completions.create(model="openai/gpt-oss-20b", messages=messages, stream=True).response
    return sdk.chat.stream(model="mistral-small-latest", messages=messages).response


def one(provider: str, sdk: Any, reuse: bool) -> tuple[float, float]:
    """Seconds to the first delta and CPU seconds, for one request read to its end."""
    cpu, started = time.process_time(), time.perf_counter()
    response = open_response(provider, sdk)
    stream = ProviderStream(
        response if reuse else ClosedAtDone(response), vendor=provider, model="m", translate=lambda e, **_: None
    )
    first = None
    for _ in stream:
        first = first if first is not None else time.perf_counter() - started
    stream.close()
    return first or 0.0, time.process_time() - cpu


def after_burst(idle: int) -> tuple[int, float]:
    """Idle connections left by a burst of 100 concurrent replies, and the CPU ms per request after it."""
    import threading

    from pydantic import SecretStr

    from chat.providers import clients
    from tests.fakes import Script

    clients.CLIENTS.clear()
    clients.IDLE_CONNECTIONS, kept = idle, clients.IDLE_CONNECTIONS
    try:
        with FakeUpstream() as up:
            sdk = clients.groq_client(SecretStr("bench-key"), up.url, 30.0)
            up.script(*[Script(text="a burst", delay=0.2)] * 100)
            burst = [threading.Thread(target=one, args=("groq", sdk, True)) for _ in range(100)]
            for thread in burst:
                thread.start()
            for thread in burst:
                thread.join()
            pooled = len(sdk._client._transport._pool.connections)
            cpu = statistics.median(one("groq", sdk, True)[1] for _ in range(200)) * 1000
    finally:
        clients.IDLE_CONNECTIONS = kept
        clients.CLIENTS.clear()
    return pooled, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--provider", choices=["groq", "mistral"], default="groq")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeUpstream() as up:
        cert, key = certificate(Path(folder))
        serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        serving.load_cert_chain(cert, key)
        server: Any = up._server
        server.socket = serving.wrap_socket(server.socket, server_side=True)
        url = up.url.replace("http://", "https://")
        sdks = {reuse: client(args.provider, url, cert) for reuse in (True, False)}  # a pool each
        results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for n in range(args.runs * 2 + 2):
            reuse = n % 2 == 0
            got = one(args.provider, sdks[reuse], reuse)
            if n >= 2:  # the first of each is a warm-up
                results[reuse].append(got)
        ports = [r.peer_port for r in up.chat_requests(args.provider)]
    print(
        f"{args.provider}, HTTPS on 127.0.0.1, {args.runs} requests each way, alternating; connections opened: "
        f"{len(set(ports[0::2]))} reused, {len(set(ports[1::2]))} new"
    )
    medians = {}
    for reuse, label in ((True, "reused connection"), (False, "new connection   ")):
        ttft = statistics.median(t for t, _ in results[reuse]) * 1000
        cpu = statistics.median(c for _, c in results[reuse]) * 1000
        medians[reuse] = (ttft, cpu)
        print(f"{label}: first delta {ttft:6.2f} ms, CPU {cpu:5.2f} ms per request")
    print(
        f"ratio reused/new: first delta {medians[True][0] / medians[False][0]:.2f}, "
        f"CPU {medians[True][1] / medians[False][1]:.2f}"
    )
    from chat.providers.clients import IDLE_CONNECTIONS

    for idle in (IDLE_CONNECTIONS, 100):
        pooled, cpu = after_burst(idle)
        print(f"after a burst of 100, {pooled:3d} idle connections kept: CPU {cpu:.2f} ms per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())

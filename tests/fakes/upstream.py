"""A fake Groq + Mistral upstream on 127.0.0.1 that speaks both vendors' real wire format.

Standard library only: `ThreadingHTTPServer`, HTTP/1.1, chunked transfer for SSE. See sdk.md §3.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes import audio, wire
from tests.fakes.models import ModelTable, reasoning_mode
from tests.fakes.wire import GROQ, MISTRAL

CHAT_PATHS = {"/openai/v1/chat/completions": GROQ, "/v1/chat/completions": MISTRAL}
MODELS_PATHS = {"/openai/v1/models": GROQ, "/v1/models": MISTRAL}
POLL_STEP = 0.05  # seconds between disconnect checks while sleeping
DEFAULT_RETRY_AFTER = 7


def message_text(message: Any) -> str:
    """Text of one chat message: a string content, or its text parts joined with spaces."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return " ".join(t for t in texts if isinstance(t, str))
    return ""


@dataclass
class Recorded:
    """One request the fake received."""

    vendor: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float
    peer_port: int = 0
    """The client's port: two requests with the same one came over the same (kept-alive) connection."""

    @property
    def messages(self) -> list[Any]:
        """`body["messages"]`, or [] when absent."""
        msgs = self.body.get("messages") if isinstance(self.body, dict) else None
        return msgs if isinstance(msgs, list) else []

    @property
    def model(self) -> str | None:
        """`body["model"]`, or None."""
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream."""
        return bool(self.body.get("stream")) if isinstance(self.body, dict) else False

    @property
    def last_user_text(self) -> str:
        """Text of the last user message (text parts joined), or ""."""
        for msg in reversed(self.messages):
            if isinstance(msg, dict) and msg.get("role") == "user":
                return message_text(msg)
        return ""


@dataclass
class Script:
    """One scripted reply; see the module docs in tests/fakes/__init__.py for each field."""

    text: str | None = None
    chunks: list[str] | None = None
    delay: float = 0.0
    first_delay: float = 0.0
    status: int = 200
    retry_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 30.0
    hold_after_done: float = 0.0
    """Seconds the body stays open after `data: [DONE]` before its terminating chunk."""
    drop_after: int | None = None
    error_after: int | None = None
    usage: tuple[int, int] | None = None
    finish_reason: str = "stop"
    headers: dict[str, str] | None = None
    reasoning: str | None = None
    """Thinking streamed before the text, in the vendor's and model's own format (see fakes.models)."""
    tool_calls: list[dict[str, Any]] | None = None
    """Tools the model asks for after its text: [{"name": ..., "arguments": {...}}] (ignored when the request says
    `tool_choice: "none"`, as a real model would)."""

    def calls_for(self, body: Any) -> list[dict[str, Any]]:
        """The tool calls this reply makes for the request `body`."""
        offered = isinstance(body, dict) and body.get("tools") and body.get("tool_choice") != "none"
        return list(self.tool_calls or []) if offered else []

    def deltas(self) -> list[str]:
        """Content deltas to stream: `chunks`, else `text` split word by word (joined they give `text`)."""
        if self.chunks is not None:
            return list(self.chunks)
        return [w for w in re.split(r"(?<=\s)(?=\S)", self.text or "") if w]


SCRIPT_IN_TEXT = re.compile(r"\[\[fake((?:\s+\w+=[\w.]+)*)\s*\]\]")
SCRIPT_FIELDS: dict[str, Callable[[str], Any]] = {
    "status": int,
    "retry_after": int,
    "error_after": int,
    "drop_after": int,
    "stall_after": int,
    "delay": float,
    "first_delay": float,
    "stall_seconds": float,
}


def script_in_text(text: str, template: Script) -> Script | None:
    """The script a request asks for in its own text, for a fake in another process that cannot be scripted:
    `[[fake status=503]]`, `[[fake error_after=5 delay=0.01]]` (fields of `Script`: status, retry_after,
    error_after, drop_after, stall_after, delay, first_delay, stall_seconds). The reply is the echo, as unscripted;
    None when the text asks for nothing."""
    found = SCRIPT_IN_TEXT.search(text)
    if found is None:
        return None
    fields: dict[str, Any] = {}
    for pair in found.group(1).split():
        name, _, value = pair.partition("=")
        if name in SCRIPT_FIELDS:
            fields[name] = SCRIPT_FIELDS[name](value)
    return dataclasses.replace(template, text="Echo: " + text, **fields)


def echo_reply(rec: Recorded) -> str:
    """Default reply: "Echo: " + the last user text."""
    return "Echo: " + rec.last_user_text


def rough_tokens(text: str) -> int:
    """About four characters per token."""
    return math.ceil(len(text) / 4)


def _usage(script: Script, rec: Recorded, text: str, vendor: str) -> dict[str, Any]:
    """Usage for a reply: the scripted pair, else rough counts."""
    if script.usage is not None:
        prompt, completion = script.usage
    else:
        prompt = sum(rough_tokens(message_text(m)) + 4 for m in rec.messages)
        completion = rough_tokens(text)
    return wire.usage_dict(prompt, completion, vendor)


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with a deep backlog, daemon threads and a handle on its FakeUpstream."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, addr: tuple[str, int], fake: FakeUpstream) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; report anything else."""
        if isinstance(_current_exception(), (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def close_open_sockets(self) -> None:
        """Shut down every live connection so blocked handler threads return."""
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _current_exception() -> BaseException | None:
    """The exception being handled, if any."""
    return sys.exc_info()[1]


class FakeUpstream:
    """Fake Groq and Mistral APIs on one local port, with scripted replies and full request records."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, default_script: Script | None = None) -> None:
        self.host, self.port = host, port
        self._base_script = default_script or Script()
        self.url = ""
        self.requests: list[Recorded] = []
        self.disconnects: list[Recorded] = []
        self.default_reply: Callable[[Recorded], str] = echo_reply
        self.default_script = dataclasses.replace(self._base_script)  # timing etc. of unscripted replies
        self.verbose = False
        self.models = ModelTable()
        self.listing_status: dict[str, int] = {}
        """A vendor's `GET /models` answers with this status (its real error body) instead of the listing."""
        self.listing_delay = 0.0
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._disconnected = threading.Condition(self._lock)
        self._generation = 0
        self._request_count = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FakeUpstream:
        """Bind a port and serve in a background daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-upstream-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns promptly even with stalled streams open."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_open_sockets()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # scripting and records ---------------------------------------------------------------------------
    def script(self, *steps: Script) -> None:
        """Queue replies; each chat request consumes the next one."""
        with self._lock:
            self._scripts.extend(steps)

    def reset(self) -> None:
        """Forget requests, queued scripts and disconnects (late events of older streams are ignored)."""
        with self._lock:
            self._generation += 1
            self.requests.clear()
            self.disconnects.clear()
            self._scripts.clear()
            self.default_reply = echo_reply
            self.default_script = dataclasses.replace(self._base_script)
            self.listing_status = {}
            self.listing_delay = 0.0
        self.models.reset()

    def model_requests(self, vendor: str | None = None) -> list[Recorded]:
        """Recorded GETs of a model listing, optionally for one vendor."""
        with self._lock:
            recs = list(self.requests)
        return [
            r for r in recs if r.method == "GET" and r.path in MODELS_PATHS and (vendor is None or r.vendor == vendor)
        ]

    def chat_requests(self, vendor: str | None = None) -> list[Recorded]:
        """Recorded POSTs to a chat-completions route, optionally for one vendor."""
        with self._lock:
            recs = list(self.requests)
        return [
            r for r in recs if r.method == "POST" and r.path in CHAT_PATHS and (vendor is None or r.vendor == vendor)
        ]

    def wait_disconnect(self, timeout: float = 5.0, count: int = 1) -> bool:
        """Block until `count` client disconnects were recorded; False on timeout."""
        with self._disconnected:
            return self._disconnected.wait_for(lambda: len(self.disconnects) >= count, timeout)

    # used by the handler -----------------------------------------------------------------------------
    def _record(self, rec: Recorded) -> tuple[int, int]:
        """Append a request; return (generation, running request count)."""
        with self._lock:
            self.requests.append(rec)
            self._request_count += 1
            return self._generation, self._request_count

    def _record_disconnect(self, rec: Recorded, generation: int) -> None:
        """Note that the client of `rec` went away mid-stream."""
        with self._disconnected:
            if generation == self._generation and not self._stopping.is_set():
                self.disconnects.append(rec)
                self._disconnected.notify_all()

    def _next_script(self, rec: Recorded) -> Script:
        """The next queued script, else one the request asks for in its text (`script_in_text`), else the default
        reply."""
        with self._lock:
            if self._scripts:
                return self._scripts.popleft()
            template, reply = self.default_script, self.default_reply
        asked = script_in_text(rec.last_user_text, template)
        if asked is not None:
            return asked
        if template.text is None and template.chunks is None:
            return dataclasses.replace(template, text=reply(rec))
        return template


# --- the request handler ----------------------------------------------------------------------------------

_SEND, _SLEEP, _PACE, _DROP = "send", "sleep", "pace", "drop"
Action = tuple[str, Any]
"""`_SLEEP` waits its seconds (a stall); `_PACE` waits until the next chunk is due on the stream's schedule."""


class Schedule:
    """When a stream's next paced chunk is due: `delay` after the one before, counted from the stream's start.

    A model server generates at its own pace whatever its clients' machines are doing. Counting each delay from
    the last send instead would add the fake's own send time, which grows with the CPU the client under test
    takes from the same machine, to every chunk: the stream would slow down because of its client. A chunk whose
    time has passed goes at once, so a fake that fell behind catches up; a stall starts the schedule again.
    """

    def __init__(self) -> None:
        self.due = time.monotonic()

    def wait(self, delay: float) -> float:
        """Seconds until the next chunk is due, `delay` after the last one was due."""
        self.due += delay
        return max(0.0, self.due - time.monotonic())

    def restart(self) -> None:
        self.due = time.monotonic()


def stream_plan(vendor: str, model: str, script: Script, rec: Recorded, mode: str | None = None) -> Iterator[Action]:
    """The SSE stream for `script` as a sequence of send/sleep/drop actions; `mode` streams the reasoning first."""
    ids = wire.new_ids(vendor)
    deltas = script.deltas()
    yield _SEND, wire.sse(wire.first_chunk(vendor, ids, model))
    yield from _reasoning_plan(vendor, ids, model, script, mode)
    for i in range(len(deltas) + 1):
        if i == _clamp(script.stall_after, deltas):
            yield _SLEEP, script.stall_seconds
        if i == _clamp(script.drop_after, deltas):
            yield _DROP, None
            return
        if i == _clamp(script.error_after, deltas):
            yield _SEND, wire.sse(wire.stream_error(vendor))
            return
        if i > 0 and script.delay:
            yield _PACE, script.delay
        if i < len(deltas):
            content: Any = [{"type": "text", "text": deltas[i]}] if mode == "chunks" else deltas[i]
            yield _SEND, wire.sse(wire.chunk(vendor, ids, model, {"content": content}))
    calls = script.calls_for(rec.body)
    if calls:
        yield _SEND, wire.sse(wire.chunk(vendor, ids, model, wire.tool_call_delta(vendor, calls)))
    usage = _usage(script, rec, "".join(deltas) + (script.reasoning or "" if mode else ""), vendor)
    reason = "tool_calls" if calls else script.finish_reason
    yield _SEND, wire.sse(wire.finish_chunk(vendor, ids, model, reason, usage))
    options = rec.body.get("stream_options") if isinstance(rec.body, dict) else None
    if vendor == GROQ and isinstance(options, dict) and options.get("include_usage"):
        yield _SEND, wire.sse(wire.groq_usage_frame(ids, model, usage))
    yield _SEND, wire.DONE


def _reasoning_plan(vendor: str, ids: dict[str, str], model: str, script: Script, mode: str | None) -> Iterator[Action]:
    """The thinking, as `delta.reasoning` (field), `<think>` tags split across content deltas (tags) or Mistral's
    typed thinking chunks (chunks)."""
    words = [w for w in re.split(r"(?<=\s)(?=\S)", script.reasoning or "") if w]
    if not mode or not words:
        return
    if mode == "tags":
        pieces = ["<th", "ink>", *words, "</thi", "nk>\n\n"]
        deltas: list[dict[str, Any]] = [{"content": p} for p in pieces]
    elif mode == "field":
        deltas = [{"reasoning": w} for w in words]
    else:
        deltas = [{"content": [{"type": "thinking", "thinking": [{"type": "text", "text": w}]}]} for w in words]
    for delta in deltas:
        if script.delay:
            yield _PACE, script.delay
        yield _SEND, wire.sse(wire.chunk(vendor, ids, model, delta))


def _clamp(n: int | None, deltas: list[str]) -> int | None:
    """A chunk count clamped to the number of deltas (None stays None)."""
    return None if n is None else max(0, min(n, len(deltas)))


def peer_gone(sock: socket.socket, timeout: float) -> bool | None:
    """Wait up to `timeout` for the socket to turn readable: True on EOF/reset, None if data arrived."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR)
            ready = bool(poller.poll(timeout * 1000))
        else:  # pragma: no cover - non-Linux fallback
            ready = bool(select.select([sock], [], [], timeout)[0])
        if not ready:
            return False
        return True if sock.recv(1, socket.MSG_PEEK) == b"" else None
    except (OSError, ValueError):
        return True


class _Handler(BaseHTTPRequestHandler):
    """Routes both vendors' endpoints; one instance per connection (keep-alive aware)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as the vendors' servers do: a small write on a kept-alive connection goes at once
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.fake.verbose:
            super().log_message(format, *args)

    @property
    def fake(self) -> FakeUpstream:
        return self.server.fake

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch()

    # plumbing ----------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        """The request body (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        """A complete JSON response."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _wait(self, seconds: float) -> str | None:
        """Sleep `seconds` while watching the client: None when done, else "disconnect" or "stopping"."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if self.fake._stopping.is_set():
                return "stopping"
            step = min(POLL_STEP, remaining)
            gone = peer_gone(self.connection, step)
            if gone:
                return "disconnect"
            if gone is None:
                time.sleep(step)
        return None

    # routing -----------------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        raw = self._read_body()
        path = urlsplit(self.path).path
        if path.startswith("/_fake/"):
            self._control(path, raw)
            return
        if path in audio.PATHS:  # speech to text and text to speech: tests/fakes/audio.py
            audio.serve(self, raw, path)
            return
        vendor = GROQ if path.startswith("/openai/") else MISTRAL
        rec = Recorded(
            vendor,
            self.command,
            path,
            {k.lower(): v for k, v in self.headers.items()},
            _parse(raw),
            time.monotonic(),
            self.client_address[1],
        )
        generation, count = self.fake._record(rec)
        base = {
            "x-request-id": wire.new_ids(vendor)["request_id"],
            **wire.ratelimit_headers(vendor, count, exhausted=False),
        }
        if not _authorized(rec.headers.get("authorization", "")):
            self._send_json(401, wire.error_body(vendor, 401, rec.model or "", 0), base)
        elif self.command == "POST" and CHAT_PATHS.get(path) == vendor:
            refused = self.fake.models.refusal(vendor, rec.body)
            if refused is not None:  # a model or parameter the vendor refuses: no script is used up
                self._send_json(refused[0], refused[1], base)
            else:
                self._chat(rec, generation, base)
        elif self.command == "GET" and path.startswith(_models_prefix(vendor)):
            self._models(rec, path, base)
        else:
            self._not_found(rec, base)

    def _not_found(self, rec: Recorded, base: dict[str, str]) -> None:
        """Unknown route, in the vendor's words."""
        if rec.vendor == GROQ:
            body: Any = {
                "error": {
                    "message": f"Unknown request URL: {rec.method} {rec.path}. Please check the "
                    "URL for typos, or see the docs at https://console.groq.com/docs/",
                    "type": "invalid_request_error",
                    "code": "unknown_url",
                }
            }
        else:
            body = {"detail": "Not Found"}
        self._send_json(404, body, base)

    def _models(self, rec: Recorded, path: str, base: dict[str, str]) -> None:
        """List models, or retrieve one by id."""
        if self.fake.listing_delay and self._wait(self.fake.listing_delay) is not None:
            return
        status = self.fake.listing_status.get(rec.vendor)
        if status is not None:
            self._send_json(status, wire.error_body(rec.vendor, status, "", DEFAULT_RETRY_AFTER), base)
            return
        listing = self.fake.models.listing(rec.vendor)
        prefix = _models_prefix(rec.vendor)
        if path.rstrip("/") == prefix:
            self._send_json(200, listing, base)
            return
        wanted = path[len(prefix) + 1 :]
        card = next((m for m in listing["data"] if m["id"] == wanted), None)
        if card is None:
            self._send_json(404, wire.error_body(rec.vendor, 404, wanted, 0), base)
        else:
            self._send_json(200, card, base)

    def _chat(self, rec: Recorded, generation: int, base: dict[str, str]) -> None:
        """A chat completion: scripted error, streamed reply, or plain JSON reply."""
        script = self.fake._next_script(rec)
        model = rec.model or "unknown-model"
        headers = {**base, **(script.headers or {})}
        outcome = self._wait(script.first_delay) if script.first_delay else None
        if outcome is not None:
            self._abandon(rec, generation, outcome)
        elif script.status != 200 or not isinstance(rec.body, dict):
            self._error(rec, script, model, headers)
        elif rec.stream:
            self._stream(rec, generation, script, model, headers)
        else:
            text = "".join(script.deltas())
            usage = _usage(script, rec, text, rec.vendor)
            body = wire.completion(rec.vendor, wire.new_ids(rec.vendor), model, text, script.finish_reason, usage)
            self._send_json(200, body, headers)

    def _error(self, rec: Recorded, script: Script, model: str, headers: dict[str, str]) -> None:
        """The vendor's real error body and headers for the scripted status (400 for a non-JSON body)."""
        status = script.status if script.status != 200 else 400
        retry_after = script.retry_after if script.retry_after is not None else DEFAULT_RETRY_AFTER
        extra: dict[str, str] = {}
        if status == 429:
            extra = {**wire.ratelimit_headers(rec.vendor, 0, exhausted=True), "retry-after": str(retry_after)}
        elif script.retry_after is not None:
            extra = {"retry-after": str(script.retry_after)}
        body = wire.error_body(rec.vendor, status, model, retry_after)
        self._send_json(status, body, {**headers, **extra, **(script.headers or {})})

    def _stream(self, rec: Recorded, generation: int, script: Script, model: str, headers: dict[str, str]) -> None:
        """Send the SSE stream chunk by chunk, watching for the client going away."""
        self.send_response(200)
        self.send_header("content-type", wire.SSE_CONTENT_TYPE[rec.vendor])
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        mode = reasoning_mode(rec.vendor, self.fake.models.get(rec.vendor, model), rec.body)
        schedule = Schedule()
        for kind, arg in stream_plan(rec.vendor, model, script, rec, mode):
            outcome = self._act(kind, arg, schedule)
            if outcome == "dropped":
                return
            if outcome is not None:
                self._abandon(rec, generation, outcome)
                return
        if script.hold_after_done and (outcome := self._wait(script.hold_after_done)) is not None:
            self._abandon(rec, generation, outcome)
            return
        self._write_chunk(b"")

    def _act(self, kind: str, arg: Any, schedule: Schedule) -> str | None:
        """Run one plan action: None to go on, else "dropped", "disconnect" or "stopping"."""
        if kind == _PACE:
            return self._wait(schedule.wait(arg))
        if kind == _SLEEP:
            outcome = self._wait(arg)
            schedule.restart()
            return outcome
        if kind == _DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return "dropped"
        if peer_gone(self.connection, 0):
            return "disconnect"
        try:
            self._write_chunk(arg)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return "disconnect"
        return None

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (empty data = the terminating chunk), flushed at once."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _abandon(self, rec: Recorded, generation: int, outcome: str) -> None:
        """Give up on a response whose client left (recorded) or whose server is stopping."""
        self.close_connection = True
        if outcome == "disconnect":
            self.fake._record_disconnect(rec, generation)

    # control routes for standalone runs (python -m tests.fakes) -------------------------------------------
    def _control(self, path: str, raw: bytes) -> None:
        """`POST /_fake/script` (Script fields, one object or a list), `POST /_fake/reset`,
        `GET /_fake/requests`, `GET /_fake/disconnects`; not recorded."""
        if path == "/_fake/script" and self.command == "POST":
            steps = _parse(raw)
            steps = steps if isinstance(steps, list) else [steps]
            self.fake.script(*(_script_from_json(s) for s in steps))
            self._send_json(200, {"queued": len(steps)}, {})
        elif path == "/_fake/reset" and self.command == "POST":
            self.fake.reset()
            self._send_json(200, {"reset": True}, {})
        elif path in ("/_fake/requests", "/_fake/disconnects") and self.command == "GET":
            recs = self.fake.requests if path.endswith("requests") else self.fake.disconnects
            self._send_json(200, [dataclasses.asdict(r) for r in list(recs)], {})
        else:
            self._send_json(404, {"detail": "Not Found"}, {})


def _models_prefix(vendor: str) -> str:
    """`/openai/v1/models` or `/v1/models`."""
    return next(p for p, v in MODELS_PATHS.items() if v == vendor)


def _authorized(value: str) -> bool:
    """A non-empty Bearer key other than "bad-key"."""
    scheme, _, key = value.partition(" ")
    return scheme.lower() == "bearer" and key.strip() not in ("", "bad-key")


def _parse(raw: bytes) -> Any:
    """JSON body, the raw text when it is not JSON, or None when empty."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _script_from_json(data: Any) -> Script:
    """A Script from its JSON fields (usage as a two-item list)."""
    fields = dict(data) if isinstance(data, dict) else {}
    if fields.get("usage") is not None:
        fields["usage"] = tuple(fields["usage"])
    known = {f.name for f in dataclasses.fields(Script)}
    return Script(**{k: v for k, v in fields.items() if k in known})


__all__ = ["FakeUpstream", "Recorded", "Script", "echo_reply", "message_text", "peer_gone", "stream_plan"]

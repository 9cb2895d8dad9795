"""An open upstream reply read as deltas (`ProviderStream`), what it learned besides the text (`StreamState`,
`Usage`), and the one place a vendor's SDK and transport exceptions become Charla errors (`map_errors`).

The vendor's SDK sends the request and checks the status (:mod:`chat.providers.base`); the body is read here.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chat import errors
from chat.providers.deltas import Delta, ThinkTags, content_deltas
from chat.providers.sse import PacedReads, network_stream, read_pacing, read_sse
from chat.schema import ToolCallPart


@dataclass(frozen=True)
class Usage:
    """Token counts the provider reported for one reply."""

    prompt_tokens: int
    completion_tokens: int


@dataclass
class StreamState:
    """What a stream learned besides the text: usage, finish reason and the provider's rate-limit headers."""

    usage: Usage | None = None
    finish_reason: str | None = None
    rate_headers: dict[str, str] = field(default_factory=dict)
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    """Tool calls as they arrive, by index: Groq sends each whole in one delta, Mistral's relayed models in pieces."""

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tools the model asked for in this stream, in order."""
        return [
            ToolCallPart(id=c.get("id") or f"call{i}", name=c.get("name", ""), arguments=c.get("arguments") or "{}")
            for i, c in sorted(self.calls.items())
        ]

    def take_calls(self, deltas: Any) -> None:
        """Add one delta's `tool_calls` (ids and names come once; arguments may come in pieces)."""
        for n, item in enumerate(deltas if isinstance(deltas, list) else ()):
            if not isinstance(item, dict):
                continue
            call = self.calls.setdefault(int(item.get("index", n)), {})
            function = item.get("function") or {}
            if item.get("id"):
                call["id"] = str(item["id"])
            if function.get("name"):
                call["name"] = str(function["name"])
            args = function.get("arguments")
            if args is not None:
                call["arguments"] = call.get("arguments", "") + (args if isinstance(args, str) else json.dumps(args))


Translate = Callable[..., "errors.ProviderError | None"]
"""A vendor's `translate(exc, model=, partial=)`: the Charla error for an SDK or transport exception."""


@contextmanager
def map_errors(translate: Translate, model: str, received: list[str] | None = None) -> Iterator[None]:
    """Re-raise SDK and transport exceptions as the vendor's Charla errors (the text so far kept)."""
    try:
        yield
    except errors.ProviderError:
        raise
    except Exception as e:
        mapped = translate(e, model=model, partial="".join(received or ()))
        if mapped is None:
            raise
        raise mapped from e


def _is_error(event: str | None, chunk: Any) -> bool:
    """An error event inside a 200 stream (each vendor's shape)."""
    return event == "error" or not isinstance(chunk, dict) or "error" in chunk or chunk.get("object") == "error"


class ProviderStream:
    """An open upstream reply: iterate for `Delta`s (answer and reasoning); `abort()` may be called from another thread.

    The vendor's SDK sends the request and checks the status; the body is read here, as plain SSE lines and
    `json.loads`, not through the SDKs' per-chunk models: both vendors stream the same OpenAI-style chunks, and
    the SDKs' parsers cost 120 µs (groq) to 680 µs (mistralai) of CPU per chunk against ~20 µs here
    (`bench/overhead.py`), which a 1,000-token/s stream or 100 concurrent API streams would feel.
    """

    def __init__(self, response: Any, *, vendor: str, model: str, translate: Translate) -> None:
        self.state = StreamState()
        self._response = response
        self._vendor = vendor
        self._model = model
        self._translate = translate
        self._paced: PacedReads | None = None
        headers = getattr(response, "headers", {}) or {}
        self.state.rate_headers = {
            k.lower(): v for k, v in headers.items() if "ratelimit" in k.lower() or k.lower() == "retry-after"
        }

    def __iter__(self) -> Iterator[Delta]:
        received: list[str] = []
        tags = ThinkTags()
        pacing = read_pacing()
        with map_errors(self._translate, self._model, received):
            try:
                for event, chunk in read_sse(self._response):
                    if _is_error(event, chunk):
                        raise errors.StreamInterrupted(self._vendor, model=self._model, partial="".join(received))
                    for choice in chunk.get("choices") or ():
                        for delta in self._choice(choice, tags):
                            if not delta.reasoning:
                                received.append(delta.text)
                            yield delta
                            if pacing is not None and self._paced is None:
                                self._paced = PacedReads.install(self._response, pacing)
                    self._usage(chunk)
                yield from tags.flush()
            except json.JSONDecodeError:
                raise errors.StreamInterrupted(self._vendor, model=self._model, partial="".join(received)) from None
            finally:
                self._unpace()

    def _choice(self, choice: dict[str, Any], tags: ThinkTags) -> list[Delta]:
        delta = choice.get("delta") or {}
        out = [Delta(delta["reasoning"], reasoning=True)] if delta.get("reasoning") else []
        out += content_deltas(delta.get("content"), tags)
        if delta.get("tool_calls"):
            self.state.take_calls(delta["tool_calls"])
        if choice.get("finish_reason"):
            self.state.finish_reason = str(choice["finish_reason"])
        return out

    def _usage(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
        if isinstance(usage, dict):
            self.state.usage = Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

    def _unpace(self) -> None:
        paced, self._paced = self._paced, None
        if paced is not None:
            paced.restore()

    def abort(self) -> None:
        """Close the upstream connection now, even while another thread is blocked reading it."""
        stream = network_stream(self._response)
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read at once; the upstream sees the FIN
            except OSError:
                pass
        self.close()

    def close(self) -> None:
        """Release the HTTP response (idempotent)."""
        self._unpace()
        try:
            self._response.close()
        except Exception:  # closing a half-dead connection may raise anything the transport raises
            pass

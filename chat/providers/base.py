"""What every provider module gives the service: an opened upstream stream of text deltas.

A vendor module (one per SDK) turns neutral messages into its wire shape, opens the streaming request (errors
before the first byte raise there, so the API can still answer with a status) and hands the open HTTP response to
a `ProviderStream`. Each vendor translates its SDK's and transport's exceptions to :mod:`chat.errors` in one
function, `translate()`, which `map_errors` applies around the request and the stream.
"""

from __future__ import annotations

import json
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import SecretStr

from chat import errors
from chat.catalog.spec import Listed, ModelSpec, Reasoning
from chat.config import Provider as ProviderName
from chat.providers.deltas import Delta, ThinkTags, content_deltas
from chat.providers.sse import PacedReads, read_pace, read_sse
from chat.schema import GenerationSettings, ImagePart, Message, ToolCallPart


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
        pace = read_pace()
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
                            if pace is not None and self._paced is None:
                                self._paced = PacedReads.install(self._response, pace)
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
        stream = getattr(self._response, "extensions", {}).get("network_stream")
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


class Provider(ABC):
    """A chat backend on one vendor's official SDK."""

    name: ClassVar[ProviderName]

    def __init__(
        self, api_key: SecretStr, *, base_url: str | None = None, timeout: float = 30.0, client: Any = None
    ) -> None:
        self._key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._injected = client

    @property
    def client(self) -> Any:
        """The vendor SDK's client: the one given to the constructor, else the shared one for this key and host."""
        if self._injected is not None:
            return self._injected
        from chat.providers.clients import client_for

        return client_for(self.name, self._key, self._base_url, self._timeout)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"  # never the key

    def params(
        self, spec: ModelSpec, settings: GenerationSettings, tools: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The request's settings in the vendor's own names: only what `spec` takes (shown by the inspector too)."""
        params: dict[str, Any] = {"tools": tools, "tool_choice": "auto"} if tools and spec.tools else {}
        if settings.temperature is not None:
            params["temperature"] = settings.temperature
        max_tokens = settings.max_tokens if settings.max_tokens is not None else spec.default_output
        params[self.max_tokens_param] = max_tokens
        if spec.reasoning is not None:
            params |= self.reasoning_params(spec.reasoning, settings.reasoning_effort or spec.reasoning.default)
        return params

    def open(
        self, wire: list[dict[str, Any]], *, model: str, params: dict[str, Any], timeout: float | None = None
    ) -> ProviderStream:
        """Send `wire` (from `wire_messages`) with `params` (from `params`) and return the open stream; raise
        ProviderError subclasses. `timeout` bounds this request's waits (default: the provider's)."""
        with map_errors(self.translate, model):
            response = self._send(wire, model, params, timeout or self._timeout)
        return ProviderStream(response, vendor=self.name, model=model, translate=self.translate)

    def list_models(self) -> list[Listed]:
        """The provider's `GET /models` through its SDK, in neutral words; ProviderError subclasses on failure."""
        with map_errors(self.translate, ""):
            return self._list()

    def wire_messages(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """The messages exactly as they go on the wire (for the context inspector and tests)."""
        return [self.wire_message(m) for m in messages]

    def wire_message(self, message: Message) -> dict[str, Any]:
        """One message in the vendor's shape: text and images, an assistant's tool calls, a tool's result."""
        from chat.schema import ToolResultPart

        if message.role == "tool":
            result = next(p for p in message.parts if isinstance(p, ToolResultPart))
            return {"role": "tool", "tool_call_id": self.call_id(result.call_id), "content": result.content}
        wire: dict[str, Any] = {"role": message.role, "content": wire_content(message, self.image_part)}
        calls = message.tool_calls
        if calls:
            wire["tool_calls"] = [
                {"id": self.call_id(c.id), "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in calls
            ]
        return wire

    @staticmethod
    def call_id(call_id: str) -> str:
        """A tool call's id as the vendor takes it (Groq: as it is)."""
        return call_id

    max_tokens_param: ClassVar[str]
    """The vendor's name for the max-output setting."""

    @staticmethod
    @abstractmethod
    def translate(e: BaseException, *, model: str, partial: str = "") -> errors.ProviderError | None:
        """The vendor's one map from its SDK's and transport's exceptions to Charla errors (None: not ours)."""

    @staticmethod
    @abstractmethod
    def image_part(part: ImagePart) -> dict[str, Any]:
        """The vendor's wire shape of an image part."""

    @staticmethod
    @abstractmethod
    def reasoning_params(reasoning: Reasoning, effort: str | None) -> dict[str, Any]:
        """The vendor's parameters that steer a reasoning model at `effort` (only those the model takes)."""

    @abstractmethod
    def _send(self, wire: list[dict[str, Any]], model: str, params: dict[str, Any], timeout: float) -> Any:
        """Make the streaming request through the SDK; return the open HTTP response (body not read)."""

    @abstractmethod
    def _list(self) -> list[Listed]:
        """Read `GET /models` through the SDK."""


_STATUS: dict[int, type[errors.ProviderError]] = {
    401: errors.AuthError,
    403: errors.ForbiddenError,
    404: errors.ModelNotFound,
    413: errors.RequestTooLarge,
    429: errors.UpstreamRateLimited,
}


def status_error(
    vendor: str,
    code: int,
    *,
    retry_after: str | None,
    model: str,
    partial: str,
    too_large: bool = False,
    model_gone: bool = False,
) -> errors.ProviderError:
    """The Charla error for an upstream HTTP status (`too_large`: a 400 that says the request is too large;
    `model_gone`: the body says the model is retired or unknown to this key)."""
    if model_gone:
        from chat.catalog import successor_for

        successor = successor_for(model, vendor).id
        return errors.ModelUnavailable(vendor, model=model, successor=successor, partial=partial, status_code=code)
    if too_large:
        code = 413 if code == 400 else code
    cls = _STATUS.get(code) or (errors.UpstreamUnavailable if code >= 500 else errors.UpstreamBadRequest)
    return cls(vendor, status_code=code, retry_after=retry_after_seconds(retry_after), model=model, partial=partial)


def retry_after_seconds(value: str | None) -> int | None:
    """Whole seconds from a Retry-After header (seconds form), rounded up; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(1, int(-(-seconds // 1)))


def wire_content(message: Message, image_part: Any) -> str | list[dict[str, Any]]:
    """A message's content in the OpenAI-style shape both vendors share: a string, or a list of parts.

    `image_part(ImagePart) -> dict` gives the vendor's image shape. Files must have been converted before.
    """
    from chat.schema import FilePart, ImagePart, TextPart, ToolCallPart

    if all(isinstance(p, TextPart | ToolCallPart) for p in message.parts):
        return message.text
    parts: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            parts.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            parts.append(image_part(part))
        elif isinstance(part, FilePart):
            raise TypeError(f"file part {part.name!r} reached a provider unconverted")
    return parts

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
from chat.config import Provider as ProviderName
from chat.schema import ImagePart, Message


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


def read_sse(response: Any) -> Iterator[tuple[str | None, Any]]:
    """(event name, parsed data) for each event of an OpenAI-style SSE body, until `data: [DONE]`."""
    event: str | None = None
    data: list[str] = []
    for line in response.iter_lines():
        if line:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            continue
        if data:
            payload = "\n".join(data)
            if payload.strip() == "[DONE]":
                return
            yield event, json.loads(payload)
        event, data = None, []
    if data and "\n".join(data).strip() != "[DONE]":
        yield event, json.loads("\n".join(data))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # Mistral's content chunks (e.g. thinking + text): keep the text
        return "".join(c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text")
    return ""


class ProviderStream:
    """An open upstream reply: iterate for text deltas; `abort()` may be called from another thread.

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
        headers = getattr(response, "headers", {}) or {}
        self.state.rate_headers = {
            k.lower(): v for k, v in headers.items() if "ratelimit" in k.lower() or k.lower() == "retry-after"
        }

    def __iter__(self) -> Iterator[str]:
        received: list[str] = []
        with map_errors(self._translate, self._model, received):
            try:
                for event, chunk in read_sse(self._response):
                    if event == "error" or not isinstance(chunk, dict) or "error" in chunk \
                            or chunk.get("object") == "error":
                        raise errors.StreamInterrupted(self._vendor, model=self._model, partial="".join(received))
                    for choice in chunk.get("choices") or ():
                        delta = _text((choice.get("delta") or {}).get("content"))
                        if delta:
                            received.append(delta)
                            yield delta
                        if choice.get("finish_reason"):
                            self.state.finish_reason = str(choice["finish_reason"])
                    self._usage(chunk)
            except json.JSONDecodeError:
                raise errors.StreamInterrupted(self._vendor, model=self._model, partial="".join(received)) from None

    def _usage(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
        if isinstance(usage, dict):
            self.state.usage = Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

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
        try:
            self._response.close()
        except Exception:  # closing a half-dead connection may raise anything the transport raises
            pass


class Provider(ABC):
    """A chat backend on one vendor's official SDK."""

    name: ClassVar[ProviderName]

    def __init__(self, api_key: SecretStr, *, base_url: str | None = None, timeout: float = 30.0) -> None:
        self._key = api_key
        self._base_url = base_url
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"  # never the key

    def open(
        self, wire: list[dict[str, Any]], *, model: str, temperature: float | None, max_tokens: int | None
    ) -> ProviderStream:
        """Send `wire` (from `wire_messages`) and return the open stream; raise ProviderError subclasses."""
        params: dict[str, Any] = {}
        if temperature is not None:
            params["temperature"] = temperature
        if max_tokens is not None:
            params[self.max_tokens_param] = max_tokens
        with map_errors(self.translate, model):
            response = self._send(wire, model, params)
        return ProviderStream(response, vendor=self.name, model=model, translate=self.translate)

    def wire_messages(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """The messages exactly as they go on the wire (for the context inspector and tests)."""
        return [{"role": m.role, "content": wire_content(m, self.image_part)} for m in messages]

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

    @abstractmethod
    def _send(self, wire: list[dict[str, Any]], model: str, params: dict[str, Any]) -> Any:
        """Make the streaming request through the SDK; return the open HTTP response (body not read)."""


_STATUS: dict[int, type[errors.ProviderError]] = {
    401: errors.AuthError,
    403: errors.ForbiddenError,
    404: errors.ModelNotFound,
    413: errors.RequestTooLarge,
    429: errors.UpstreamRateLimited,
}


def status_error(
    vendor: str, code: int, *, retry_after: str | None, model: str, partial: str, too_large: bool = False
) -> errors.ProviderError:
    """The Charla error for an upstream HTTP status (`too_large`: a 400 that says the request is too large)."""
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
    from chat.schema import FilePart, ImagePart, TextPart

    if all(isinstance(p, TextPart) for p in message.parts):
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

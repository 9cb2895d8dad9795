"""What every provider module gives the service: an opened upstream stream of text deltas.

A vendor module (one per SDK) turns neutral messages into its wire shape, opens the streaming request (errors
before the first byte raise there, so the API can still answer with a status) and wraps the SDK stream in a
`ProviderStream`. All SDK and transport exceptions are translated to :mod:`chat.errors` in one place per vendor.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import SecretStr

from chat.config import Provider as ProviderName
from chat.schema import Message


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


class ProviderStream(ABC):
    """An open upstream reply: iterate for text deltas; `abort()` may be called from another thread."""

    def __init__(self, response: Any) -> None:
        self.state = StreamState()
        self._response = response
        headers = getattr(response, "headers", {}) or {}
        self.state.rate_headers = {
            k.lower(): v for k, v in headers.items() if "ratelimit" in k.lower() or k.lower() == "retry-after"
        }

    @abstractmethod
    def __iter__(self) -> Iterator[str]:
        """Yield text deltas; raise chat.errors.ProviderError subclasses on failure."""

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

    @abstractmethod
    def open(
        self, messages: Sequence[Message], *, model: str, temperature: float | None, max_tokens: int | None
    ) -> ProviderStream:
        """Send the request and return the open stream; raise ProviderError subclasses on failure."""

    @abstractmethod
    def wire_messages(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """The messages exactly as they go on the wire (for the context inspector and tests)."""


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

"""What every provider module gives the service: an opened upstream stream of text deltas.

A vendor module (one per SDK) turns neutral messages into its wire shape, opens the streaming request (errors
before the first byte raise there, so the API can still answer with a status) and hands the open HTTP response to
a `ProviderStream`. Each vendor translates its SDK's and transport's exceptions to :mod:`chat.errors` in one
function, `translate()`, which `map_errors` applies around the request and the stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import SecretStr

from chat import errors
from chat.catalog.spec import Listed, ModelSpec, Reasoning
from chat.config import Provider as ProviderName
from chat.providers.stream import ProviderStream, map_errors
from chat.schema import GenerationSettings, ImagePart, Message


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

"""Mistral on the official `mistralai` 3.x SDK (`from mistralai.client import Mistral`, sync, streaming).

mistralai speaks HTTP through `httpx2` (Pydantic's fork of httpx) and does not wrap transport errors: timeouts
and connection failures arrive as raw `httpx2` exceptions, before and during the stream; a mid-stream error event
is read by `ProviderStream` (the SDK's own per-chunk validation costs ~680 µs of CPU a chunk). All of it is
translated here. Retries: none (the SDK's default, kept on
purpose — see chat.providers.groq for why).
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx2
from mistralai.client import errors as mistral_errors
from mistralai.client import models as mistral_models
from mistralai.client.utils import serializers
from pydantic import TypeAdapter

from chat import errors
from chat.catalog.overlay import NOT_CHAT
from chat.catalog.spec import Listed, Reasoning
from chat.providers.base import Provider, status_error
from chat.schema import ImagePart

MESSAGES: TypeAdapter[list[Any]] = TypeAdapter(list[mistral_models.ChatCompletionRequestMessage])
TOOLS: TypeAdapter[list[Any]] = TypeAdapter(list[mistral_models.ChatCompletionRequestTool])
"""The request's messages and tools as the SDK's own models, validated by adapters built once. Given plain dicts,
`chat.stream` walks them against its types and validates them through a wrapper model: even with that model's
class reused (`ReusedModelClasses`), 4.1 ms of CPU per send with 11 messages of 50 words, against 1.8 ms so."""

MAX_MODEL_CLASSES = 256


class ReusedModelClasses:
    """Stands in for `create_model` in the SDK's serializers: the class for a (name, field type, config) is built
    once and reused.

    To validate or dump one argument, the SDK builds a new pydantic model class around its type on every call,
    even for arguments left unset: `chat.stream` does it six times per send (stop, metadata, response_format,
    tool_choice, prediction, guardrails), 3 ms of a Mistral send's 5 ms of CPU. The class depends on nothing
    else; any other call (more fields, an unhashable type, a full cache) is passed through as it is."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.__wrapped__ = build
        self._classes: dict[tuple[Any, ...], Any] = {}
        self.built = 0
        """Classes built through this object (a reused one is not counted)."""

    def __call__(self, name: str, /, **fields: Any) -> Any:
        body, config = fields.get("body"), fields.get("__config__")
        if fields.keys() != {"body", "__config__"} or not isinstance(body, tuple) or not isinstance(config, dict):
            return self.__wrapped__(name, **fields)
        try:
            key = (name, body, tuple(sorted(config.items())))
            found = self._classes.get(key)
        except TypeError:  # an unhashable type or setting
            return self.__wrapped__(name, **fields)
        if found is None:
            found = self.__wrapped__(name, **fields)
            self.built += 1
            if len(self._classes) < MAX_MODEL_CLASSES:
                self._classes[key] = found
        return found


def _reuse_model_classes() -> None:
    """Put `ReusedModelClasses` in the SDK's serializers (once; a release without them is left alone)."""
    names = vars(serializers)
    build = names.get("create_model")
    if callable(build) and not isinstance(build, ReusedModelClasses):
        names["create_model"] = ReusedModelClasses(build)


_reuse_model_classes()


def _error_type(body: str | None) -> str | None:
    try:
        parsed = json.loads(body or "")
    except ValueError:
        return None
    return str(parsed.get("type")) if isinstance(parsed, dict) and parsed.get("type") else None


def _status_error(e: mistral_errors.MistralError, model: str, partial: str) -> errors.ProviderError:
    retry = e.headers.get("retry-after") if e.headers is not None else None
    return status_error(
        "mistral",
        e.status_code,
        retry_after=retry,
        model=model,
        partial=partial,
        too_large="too large" in (e.body or "").lower(),
        model_gone=bool(model) and _error_type(e.body) == "invalid_model",
    )


def translate(e: BaseException, *, model: str, partial: str = "") -> errors.ProviderError | None:
    """The Charla error for any exception mistralai or httpx2 raises (None: not ours)."""
    if isinstance(e, mistral_errors.ResponseValidationError):  # includes an error event inside a 200 stream
        return errors.StreamInterrupted("mistral", model=model, partial=partial)
    if isinstance(e, mistral_errors.MistralError):
        if 200 <= e.status_code < 300:
            return errors.StreamInterrupted("mistral", model=model, partial=partial)
        return _status_error(e, model, partial)
    if isinstance(e, httpx2.TimeoutException):
        return errors.UpstreamTimeout("mistral", model=model, partial=partial)
    if isinstance(e, httpx2.TransportError | httpx2.StreamError | mistral_errors.NoResponseError):
        cls = errors.StreamInterrupted if partial else errors.UpstreamConnectionError
        return cls("mistral", model=model, partial=partial)
    return None


class MistralProvider(Provider):
    """Mistral's chat completions."""

    name = "mistral"
    max_tokens_param = "max_tokens"
    translate = staticmethod(translate)

    @staticmethod
    def image_part(part: ImagePart) -> dict[str, Any]:
        return {"type": "image_url", "image_url": part.data_url}

    @staticmethod
    def call_id(call_id: str) -> str:
        """Mistral takes tool call ids of exactly 9 letters and digits (else 400, code 3280): another vendor's id
        (Groq's `call_…`) is mapped to one, the same every time, so a call and its result still match."""
        if len(call_id) == 9 and call_id.isalnum() and call_id.isascii():
            return call_id
        digest = hashlib.sha256(call_id.encode()).digest()
        alphabet = string.ascii_letters + string.digits
        return "".join(alphabet[b % len(alphabet)] for b in digest[:9])

    @staticmethod
    def reasoning_params(reasoning: Reasoning, effort: str | None) -> dict[str, Any]:
        return {"reasoning_effort": effort} if effort else {}

    def _list(self) -> list[Listed]:
        cards = self.client.models.list().data or []
        return [_listed(card) for card in cards if hasattr(card, "capabilities")]

    def _send(self, wire: list[dict[str, Any]], model: str, params: dict[str, Any], timeout: float) -> Any:
        if params.get("tools"):
            params = {**params, "tools": TOOLS.validate_python(params["tools"])}
        messages = MESSAGES.validate_python(wire)
        stream = self.client.chat.stream(model=model, messages=messages, timeout_ms=int(timeout * 1000), **params)
        return stream.response


def _listed(card: Any) -> Listed:
    """One model card of Mistral's listing: capabilities, context, aliases and any announced retirement."""
    caps = card.capabilities
    not_chat = caps.ocr or caps.moderation or caps.audio_transcription or caps.audio_speech or caps.classification
    retired = card.deprecation.date().isoformat() if isinstance(card.deprecation, datetime) else None
    replacement = card.deprecation_replacement_model
    temperature = card.default_model_temperature
    return Listed(
        id=card.id,
        provider="mistral",
        chat=bool(caps.completion_chat)
        and not not_chat
        and not getattr(card, "archived", False)
        and not any(word in card.id.lower() for word in NOT_CHAT),
        context_length=card.max_context_length if isinstance(card.max_context_length, int) else None,
        vision=bool(caps.vision),
        tools=bool(caps.function_calling),
        default_temperature=temperature if isinstance(temperature, float | int) else None,
        aliases=tuple(card.aliases or ()),
        retired_on=retired,
        replacement=replacement if isinstance(replacement, str) else None,
    )

"""Groq on the official `groq` SDK (sync client, streaming; clients and retries: chat.providers.clients)."""

from __future__ import annotations

from typing import Any

import groq
import httpx
from groq.types.chat import ChatCompletion, ChatCompletionChunk

from chat import errors
from chat.catalog.overlay import NOT_CHAT
from chat.catalog.spec import Listed, Reasoning
from chat.providers.base import Provider, status_error
from chat.providers.clients import groq_timeout
from chat.schema import ImagePart

CHAT_PATH = "/openai/v1/chat/completions"
"""Groq's chat completions endpoint, as `chat.completions.create` posts to it."""
MIN_CHAT_CONTEXT = 4_096
"""Listed models with a smaller window are classifiers (prompt guards), not chat models."""


MODEL_GONE = ("model_not_found", "model_decommissioned")
"""Groq's error codes for a model it no longer serves (404 since the 2026 retirements, 400 before)."""


def _status_error(e: groq.APIStatusError, model: str, partial: str) -> errors.ProviderError:
    body = e.body if isinstance(e.body, dict) else {}
    detail = body.get("error", body)
    code = detail.get("code") if isinstance(detail, dict) else None
    retry = e.response.headers.get("retry-after")
    return status_error(
        "groq",
        e.status_code,
        retry_after=retry,
        model=model,
        partial=partial,
        too_large=code == "context_length_exceeded",
        model_gone=bool(model) and code in MODEL_GONE,
    )


def translate(e: BaseException, *, model: str, partial: str = "") -> errors.ProviderError | None:
    """The Charla error for any exception the groq SDK or httpx raises (None: not ours)."""
    started = bool(partial)
    if isinstance(e, groq.APIStatusError):
        return _status_error(e, model, partial)
    if isinstance(e, groq.APITimeoutError | httpx.TimeoutException):
        return errors.UpstreamTimeout("groq", model=model, partial=partial)
    if isinstance(e, groq.APIConnectionError):
        return errors.UpstreamConnectionError("groq", model=model, partial=partial)
    if isinstance(e, groq.APIError):  # an error event inside a 200 stream
        return errors.StreamInterrupted("groq", model=model, partial=partial)
    if isinstance(e, httpx.TransportError | httpx.StreamError):
        cls = errors.StreamInterrupted if started else errors.UpstreamConnectionError
        return cls("groq", model=model, partial=partial)
    return None


class GroqProvider(Provider):
    """Groq's OpenAI-compatible chat completions."""

    name = "groq"
    max_tokens_param = "max_completion_tokens"
    translate = staticmethod(translate)

    @staticmethod
    def image_part(part: ImagePart) -> dict[str, Any]:
        return {"type": "image_url", "image_url": {"url": part.data_url}}

    @staticmethod
    def reasoning_params(reasoning: Reasoning, effort: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"reasoning_effort": effort} if effort else {}
        if reasoning.style == "qwen":  # the thinking in delta.reasoning, not as <think> tags in the content
            params["reasoning_format"] = "parsed"
        return params

    def _list(self) -> list[Listed]:
        return [_listed(m.id, m.model_extra or {}) for m in self.client.models.list().data]

    def _send(self, wire: list[dict[str, Any]], model: str, params: dict[str, Any], timeout: float) -> Any:
        """`chat.completions.create`'s request, through the client's `post` (the SDK's way to send a body as it
        is): `create` first walks the whole body against its TypedDicts (`maybe_transform`), which renames nothing
        for this endpoint and cost 0.5 ms for a 500-word message, 3.5 ms for a window of 16, before every send."""
        body = {
            "model": model,
            "messages": wire,
            "stream": True,
            "stream_options": {"include_usage": True},
            **params,
        }
        stream = self.client.post(
            CHAT_PATH,
            cast_to=ChatCompletion,
            body=body,
            options={"timeout": groq_timeout(timeout)},
            stream=True,
            stream_cls=groq.Stream[ChatCompletionChunk],
        )
        return stream.response


def _listed(model_id: str, extra: dict[str, Any]) -> Listed:
    """One entry of Groq's listing: `context_window`, `max_completion_tokens` and `active` beside the id."""
    context = extra.get("context_window")
    context = context if isinstance(context, int) else None
    max_output = extra.get("max_completion_tokens")
    chat = (
        extra.get("active") is not False
        and not any(word in model_id.lower() for word in NOT_CHAT)
        and (context is None or context >= MIN_CHAT_CONTEXT)
    )
    return Listed(
        id=model_id,
        provider="groq",
        chat=chat,
        context_length=context,
        max_output=max_output if isinstance(max_output, int) else None,
    )

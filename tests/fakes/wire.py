"""Groq and Mistral wire payloads: stream chunks, error bodies, rate-limit headers, model lists.

Shapes follow ../shared/reference/sdk.md §1.3, §1.5, §1.6, §2.3, §2.5 and §2.6.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

GROQ = "groq"
MISTRAL = "mistral"

SSE_CONTENT_TYPE = {GROQ: "text/event-stream", MISTRAL: "text/event-stream; charset=utf-8"}
GROQ_TPM = 8000
GROQ_RPD = 14400
MISTRAL_TOKENS_PER_MINUTE = 500_000
MISTRAL_TOKENS_PER_MONTH = 1_000_000_000


def new_ids(vendor: str) -> dict[str, str]:
    """Fresh completion id (and Groq request id) for one response."""
    hex_id = uuid.uuid4().hex
    if vendor == GROQ:
        return {"id": f"chatcmpl-{hex_id[:24]}", "request_id": f"req_{hex_id[:26]}"}
    return {"id": hex_id, "request_id": hex_id}


def sse(payload: Any) -> bytes:
    """One server-sent event frame: `data: <json>` and a blank line."""
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


DONE = b"data: [DONE]\n\n"


def usage_dict(prompt: int, completion: int, vendor: str) -> dict[str, Any]:
    """Usage block as each vendor reports it."""
    base: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if vendor == GROQ:
        base.update(queue_time=0.012, prompt_time=0.0004, completion_time=0.02, total_time=0.0204)
    return base


def chunk(
    vendor: str, ids: dict[str, str], model: str, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A `chat.completion.chunk` with one choice."""
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    body: dict[str, Any] = {
        "id": ids["id"],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }
    if vendor == GROQ:
        choice["logprobs"] = None
        body["system_fingerprint"] = "fp_fake0000"
    body["choices"] = [choice]
    body.update(extra)
    return body


def first_chunk(vendor: str, ids: dict[str, str], model: str) -> dict[str, Any]:
    """The opening chunk: role assistant, empty content."""
    extra = {"x_groq": {"id": ids["request_id"]}} if vendor == GROQ else {}
    return chunk(vendor, ids, model, {"role": "assistant", "content": ""}, **extra)


def content_chunk(vendor: str, ids: dict[str, str], model: str, text: str) -> dict[str, Any]:
    """One content delta."""
    return chunk(vendor, ids, model, {"content": text})


def finish_chunk(vendor: str, ids: dict[str, str], model: str, reason: str, usage: dict[str, Any]) -> dict[str, Any]:
    """The last choice chunk, carrying finish_reason and usage where each vendor puts it."""
    if vendor == GROQ:
        return chunk(vendor, ids, model, {}, reason, x_groq={"id": ids["request_id"], "usage": usage})
    return chunk(vendor, ids, model, {"content": ""}, reason, usage=usage)


def groq_usage_frame(ids: dict[str, str], model: str, usage: dict[str, Any]) -> dict[str, Any]:
    """Groq's `stream_options.include_usage` frame: no choices, top-level usage."""
    return {
        "id": ids["id"],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake0000",
        "choices": [],
        "usage": usage,
        "x_groq": {"id": ids["request_id"]},
    }


def stream_error(vendor: str) -> dict[str, Any]:
    """An error event inside a 200 stream."""
    if vendor == GROQ:
        return {"error": {"message": "upstream overloaded", "type": "internal_server_error"}}
    return {
        "object": "error",
        "message": "upstream overloaded",
        "type": "internal_server_error",
        "param": None,
        "code": "3000",
    }


def completion(
    vendor: str, ids: dict[str, str], model: str, text: str, reason: str, usage: dict[str, Any]
) -> dict[str, Any]:
    """A non-streamed `chat.completion` response."""
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
    body: dict[str, Any] = {
        "id": ids["id"],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": usage,
    }
    if vendor == GROQ:
        choice["logprobs"] = None
        body["x_groq"] = {"id": ids["request_id"]}
    return body


def _groq_error(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    """Groq's `{"error": {...}}` envelope."""
    err: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        err["code"] = code
    return {"error": err}


def _mistral_error(message: str, type_: str, code: str) -> dict[str, Any]:
    """Mistral's `{"object": "error", ...}` shape."""
    return {"object": "error", "message": message, "type": type_, "param": None, "code": code}


def groq_error_body(status: int, model: str, retry_after: int) -> dict[str, Any]:
    """The body real Groq sends for `status`."""
    tpm = f"in organization `org_fake` service tier `on_demand` on tokens per minute (TPM): Limit {GROQ_TPM}"
    if status == 401:
        return _groq_error("Invalid API Key", "invalid_request_error", "invalid_api_key")
    if status == 403:
        return _groq_error(
            f"Permission denied: you do not have access to model `{model}`.",
            "invalid_request_error",
            "permission_denied",
        )
    if status == 404:
        return _groq_error(
            f"The model `{model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        )
    if status == 413:
        return _groq_error(
            f"Request too large for model `{model}` {tpm}, Requested 9000, please reduce your message size "
            "and try again. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "tokens",
            "rate_limit_exceeded",
        )
    if status == 429:
        return _groq_error(
            f"Rate limit reached for model `{model}` {tpm}, Used 4093, Requested 3531. Please try again in "
            f"{retry_after}s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            "tokens",
            "rate_limit_exceeded",
        )
    if status >= 500:
        return _groq_error("Service Unavailable", "internal_server_error")
    return _groq_error("Invalid request.", "invalid_request_error")


def mistral_error_body(status: int, model: str) -> dict[str, Any]:
    """The body real Mistral sends for `status`."""
    if status == 401:
        return {"detail": "Unauthorized"}
    if status == 403:
        return _mistral_error(f"Access to model {model} is forbidden", "forbidden", "1400")
    if status == 404:
        return _mistral_error(f"Invalid model: {model}", "invalid_model", "1500")
    if status == 413:
        return _mistral_error(
            "Prompt contains 140000 tokens, too large for model with 131072 maximum context length",
            "invalid_request_prompt",
            "3051",
        )
    if status == 422:
        return {"detail": [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required", "input": None}]}
    if status == 429:
        return _mistral_error("Requests rate limit exceeded", "rate_limited", "1300")
    if status >= 500:
        return _mistral_error("Service unavailable.", "internal_server_error", "1000")
    return _mistral_error("Invalid request", "invalid_request_error", "3000")


def error_body(vendor: str, status: int, model: str, retry_after: int) -> dict[str, Any]:
    """Dispatch to the vendor's error body."""
    if vendor == GROQ:
        return groq_error_body(status, model, retry_after)
    return mistral_error_body(status, model)


def ratelimit_headers(vendor: str, used_requests: int, exhausted: bool) -> dict[str, str]:
    """Rate-limit headers each vendor attaches to every response."""
    if vendor == GROQ:
        return {
            "x-ratelimit-limit-requests": str(GROQ_RPD),
            "x-ratelimit-limit-tokens": str(GROQ_TPM),
            "x-ratelimit-remaining-requests": str(max(GROQ_RPD - used_requests, 0)),
            "x-ratelimit-remaining-tokens": "0" if exhausted else str(GROQ_TPM - 120),
            "x-ratelimit-reset-requests": "2m59.56s",
            "x-ratelimit-reset-tokens": "7.66s",
        }
    remaining = "0" if exhausted else str(MISTRAL_TOKENS_PER_MINUTE - 120 * used_requests % 100_000)
    return {
        "ratelimitbysize-limit": str(MISTRAL_TOKENS_PER_MINUTE),
        "ratelimitbysize-remaining": remaining,
        "ratelimitbysize-reset": "42",
        "ratelimitbysize-query-cost": "120",
        "x-ratelimitbysize-limit-minute": str(MISTRAL_TOKENS_PER_MINUTE),
        "x-ratelimitbysize-remaining-minute": remaining,
        "x-ratelimitbysize-limit-month": str(MISTRAL_TOKENS_PER_MONTH),
        "x-ratelimitbysize-remaining-month": str(MISTRAL_TOKENS_PER_MONTH - 120 * used_requests),
    }


def tool_call_id(vendor: str) -> str:
    """A new tool call id as each vendor makes them (Mistral: exactly 9 letters and digits)."""
    hex_id = uuid.uuid4().hex
    return f"call_{hex_id[:24]}" if vendor == GROQ else hex_id[:9]


def tool_call_delta(vendor: str, calls: list[dict[str, Any]]) -> dict[str, Any]:
    """A delta asking for `calls`, each whole in one piece (Groq's way, and Mistral's own models')."""
    items = [
        {
            "index": i,
            "id": tool_call_id(vendor),
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))},
        }
        for i, c in enumerate(calls)
    ]
    return {"content": "", "tool_calls": items} if vendor == MISTRAL else {"tool_calls": items}

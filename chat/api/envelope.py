"""Every error response of the API, built in one place (seed 004's shapes), and the rate-limit headers.

    400 {"error": "Invalid request format", "details": [{code, minimum|maximum, path, message}, ...]}
    429 {"error": "Too Many Requests", "message": ..., "retryAfter": N}   + Retry-After, X-RateLimit-Remaining: 0
    5xx {"error": "Error processing the request", "details": <what happened and what to do>}
        (503 when the shared rate limiter does not answer: + Retry-After, X-RateLimit-Remaining: 0)
    401 / 413 / 415 {"error": <what happened and what to do>}

Every response, 200 included, carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
(seconds until a slot frees) for the client IP's quota. Bodies are built from :mod:`chat.i18n` sentences and
numbers only: never from an upstream body, an exception's text or a key.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from chat import config, ratelimit
from chat.errors import (
    AttachmentError,
    ChatError,
    ContextTooLarge,
    EffortNotTaken,
    InvalidRequest,
    ModelUnavailable,
    ProviderError,
    RateLimited,
    RateLimiterUnavailable,
    SettingsOutOfRange,
    UnknownModel,
)
from chat.ratelimit import Quota
from chat.text import Lang, t

DETAIL_ORDER = ("code", "minimum", "maximum", "path", "message")
UNKNOWN_RETRY_AFTER = 60
"""Seconds to suggest when an upstream 429 came without Retry-After (providers' windows are per minute)."""


class Unauthorized(ChatError):
    """CHARLA_API_TOKEN is set and the request did not carry it."""

    key = "api.unauthorized"
    status = 401


class BodyTooLarge(ChatError):
    """The body is larger than the API reads."""

    key = "api.body_too_large"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit)


class UnsupportedMediaType(ChatError):
    """The body is not declared as JSON."""

    key = "api.unsupported_media_type"
    status = 415


def ip_quota(ip: str | None) -> Quota:
    """The client IP's quota, without using any (the full quota when the IP is unknown; none left while the
    shared limiter is unreachable)."""
    return ratelimit.ip_quota(ip)


def rate_headers(quota: Quota) -> dict[str, str]:
    """X-RateLimit-Limit / -Remaining / -Reset (seconds)."""
    return {
        "X-RateLimit-Limit": str(quota.limit),
        "X-RateLimit-Remaining": str(quota.remaining),
        "X-RateLimit-Reset": str(quota.reset),
    }


def retry_after(err: ChatError) -> int:
    """Whole seconds a 429 asks the client to wait."""
    if isinstance(err, RateLimited):
        return max(1, err.retry_after)
    if isinstance(err, ProviderError) and err.retry_after:
        return max(1, err.retry_after)
    return UNKNOWN_RETRY_AFTER


def detail_path(err: ChatError) -> list[int | str]:
    """Where in the request a 400 that is not a schema error points."""
    if isinstance(err, UnknownModel | ModelUnavailable):
        return ["model"]
    if isinstance(err, EffortNotTaken):
        return ["reasoningEffort"]
    if isinstance(err, SettingsOutOfRange):
        return [str(err.params.get("field", ""))]
    if isinstance(err, AttachmentError | ContextTooLarge):
        return ["messages"]
    return []


def seed_order(detail: dict[str, Any]) -> dict[str, Any]:
    """A detail with its keys in seed 004's order (code, minimum|maximum, path, message), others after."""
    known = {k: detail[k] for k in DETAIL_ORDER if k in detail}
    return known | {k: v for k, v in detail.items() if k not in known}


def detail(err: ChatError, lang: Lang) -> dict[str, Any]:
    """Seed 004's detail for a 400 that is not a schema error: where it points and, for a setting out of range,
    the bound it crossed."""
    out: dict[str, Any] = {"code": "custom", "path": detail_path(err), "message": err.message(lang)}
    if isinstance(err, SettingsOutOfRange):
        value, low, high = (err.params.get(k) for k in ("value", "minimum", "maximum"))
        below = isinstance(value, int | float) and isinstance(low, int | float) and value < low
        out |= {"code": "too_small", "minimum": low} if below else {"code": "too_big", "maximum": high}
    return out


def error_body(err: ChatError, lang: Lang) -> dict[str, Any]:
    """The JSON body for `err`, in `lang`."""
    if err.status == 400:
        details = err.details if isinstance(err, InvalidRequest) else [detail(err, lang)]
        return {"error": t("api.invalid_format", lang), "details": [seed_order(d) for d in details]}
    if err.status == 429:
        message = t("api.too_many_message", lang) if isinstance(err, RateLimited) else err.message(lang)
        return {"error": t("api.too_many", lang), "message": message, "retryAfter": retry_after(err)}
    if err.status >= 500:
        return {"error": t("api.processing_error", lang), "details": err.message(lang)}
    return {"error": err.message(lang)}


def error_response(err: ChatError, lang: Lang, ip: str | None) -> JSONResponse:
    """The response for `err`: seed 004's body, its status, and the rate-limit headers."""
    if isinstance(err, RateLimiterUnavailable):  # do not ask the limiter that just failed again
        spec = config.ip_rate()
        quota = Quota(spec.requests, 0, ratelimit.UNAVAILABLE_RETRY)
    else:
        quota = ip_quota(ip)
    headers = rate_headers(quota)
    if isinstance(err, RateLimiterUnavailable):
        headers["Retry-After"] = str(ratelimit.UNAVAILABLE_RETRY)
    if err.status == 429:
        wait = retry_after(err)
        headers.update({"Retry-After": str(wait), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(wait)})
    if err.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(err, lang), status_code=err.status, headers=headers)

"""Charla's one error tree. Every failure a user can meet is one of these, with a sentence that says what to do.

```
ChatError                         user-facing; .message(lang) renders it in English or Spanish
 ├─ ConfigError                   the deployer or the user must change a setting
 │   ├─ MissingKeyError           no API key for the provider (session, environment, secrets)
 │   └─ NoKeyError                no key for any provider, and no model named (the API's default needs one)
 ├─ RequestError                  the request itself cannot be sent as it is (HTTP 400)
 │   ├─ InvalidRequest            schema validation failed; .details is seed 004's list
 │   ├─ UnknownModel              the model is not in Charla's catalogue
 │   ├─ SettingsOutOfRange        temperature / max output outside the model's limits
 │   ├─ EffortNotTaken            a reasoning effort the model does not take (or a model that does not reason)
 │   ├─ AttachmentError           a file cannot be read or cannot be sent to this model
 │   │   └─ VisionRequired        an image for a model that cannot see
 │   └─ ContextTooLarge           the newest message alone exceeds what the model accepts
 ├─ ClientIPError                 the client's IP is not acceptable in production
 ├─ RateLimited                   Charla's own limit (per session or per IP); .retry_after
 ├─ RateLimiterUnavailable        the shared limiter (Redis) does not answer: refused, never unlimited (503)
 └─ ProviderError                 the upstream said no, or the connection failed
     ├─ AuthError                 401: the key is wrong
     ├─ ForbiddenError            403: the key may not use this model
     ├─ ModelNotFound             404
     ├─ ModelUnavailable          the model is retired or not open to this key; .successor names what to use
     ├─ EmptyListing              GET /models held no chat model (the settings say so; the overlay is shown)
     ├─ RequestTooLarge           413
     ├─ UpstreamRateLimited       429; .retry_after from Retry-After
     ├─ UpstreamUnavailable       5xx
     ├─ UpstreamTimeout           no byte within the read timeout
     ├─ TooSlow                   not a byte before CHARLA_MAX_DURATION, the longest a reply may take
     ├─ UpstreamConnectionError   cannot connect
     ├─ StreamInterrupted         the stream broke after it began; the partial text is kept
     └─ UpstreamBadRequest        any other 4xx
```

Messages never contain a key: they are built from the catalogue in :mod:`chat.i18n` and from numbers and
names only, never from an upstream body.
"""

from __future__ import annotations

from typing import Any

from chat.text import Lang, t

__all__ = [
    "AttachmentError",
    "AuthError",
    "ChatError",
    "ClientIPError",
    "ConfigError",
    "ContextTooLarge",
    "EffortNotTaken",
    "EmptyListing",
    "ForbiddenError",
    "InvalidRequest",
    "MissingKeyError",
    "ModelNotFound",
    "ModelUnavailable",
    "NoKeyError",
    "ProviderError",
    "RateLimited",
    "RateLimiterUnavailable",
    "RequestError",
    "RequestTooLarge",
    "SettingsOutOfRange",
    "StreamInterrupted",
    "TooSlow",
    "UnknownModel",
    "UpstreamBadRequest",
    "UpstreamConnectionError",
    "UpstreamRateLimited",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "VisionRequired",
]


class ChatError(Exception):
    """An error shown to the user. `key` names its sentence in :mod:`chat.i18n`; `params` fill it in."""

    key = "error.generic"
    status = 500
    """The HTTP status the API answers with. Upstream key problems are the host's to fix (500); an upstream 429
    is passed on as 429 with its Retry-After; 401 is kept for the API's own bearer token."""

    def __init__(self, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params: dict[str, Any] = params
        super().__init__(self.message("en"))

    def message(self, lang: Lang = "en") -> str:
        """The sentence for the user, in `lang`."""
        return t(self.key, lang, **self.params)


class ConfigError(ChatError):
    """A setting must change before this can work."""

    status = 500


class MissingKeyError(ConfigError):
    """No API key for the provider."""

    key = "error.missing_key"
    status = 500

    def __init__(self, provider: str) -> None:
        self.provider = provider
        super().__init__(provider=provider_label(provider), env=f"{provider.upper()}_API_KEY")


class NoKeyError(ConfigError):
    """No API key for any provider, and the request named no model to say whose is missing."""

    key = "error.no_key"
    status = 500


class RequestError(ChatError):
    """The request cannot be sent as it is."""

    status = 400


class InvalidRequest(RequestError):
    """Schema validation failed. `details` is seed 004's list of {code, minimum|maximum, path, message}."""

    key = "error.invalid_request"

    def __init__(self, details: list[dict[str, Any]]) -> None:
        self.details = details
        super().__init__(count=len(details))


class UnknownModel(RequestError):
    """The model is not in the catalogue."""

    key = "error.unknown_model"


class SettingsOutOfRange(RequestError):
    """A setting is outside the model's limits."""

    key = "error.settings_range"


class EffortNotTaken(RequestError):
    """A reasoning effort the model does not take, or any effort for a model that does not reason."""

    key = "error.effort"


class AttachmentError(RequestError):
    """An attachment cannot be read, or cannot be sent to the chosen model."""

    key = "error.attachment"


class VisionRequired(AttachmentError):
    """An image would reach a model without vision."""

    key = "error.vision_required"


class ContextTooLarge(RequestError):
    """The newest user message alone does not fit what the model accepts per request."""

    key = "error.context_too_large"


class ClientIPError(RequestError):
    """The client's address is missing or not public while CHARLA_ENV=production."""

    key = "error.client_ip"


class RateLimited(ChatError):
    """Charla's own rate limit was reached. `retry_after` is in whole seconds."""

    key = "error.rate_limited"
    status = 429

    def __init__(self, retry_after: int, limit: int, scope: str) -> None:
        self.retry_after = retry_after
        self.limit = limit
        self.scope = scope
        super().__init__(seconds=retry_after, limit=limit)


class RateLimiterUnavailable(ChatError):
    """The shared rate limiter (Redis) did not answer, so the request is refused: the limits fail closed."""

    key = "error.limiter_down"
    status = 503


class ProviderError(ChatError):
    """The upstream provider refused the request or could not be reached."""

    key = "error.upstream"
    status = 502

    def __init__(
        self,
        provider: str,
        *,
        status_code: int | None = None,
        retry_after: int | None = None,
        model: str = "",
        partial: str = "",
        **params: Any,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.retry_after = retry_after
        self.model = model
        self.partial = partial
        """Text that arrived before the failure (kept, never thrown away)."""
        super().__init__(
            provider=provider_label(provider),
            status=status_code if status_code is not None else "-",
            seconds=retry_after if retry_after is not None else "?",
            model=model,
            env=f"{provider.upper()}_API_KEY",
            **params,
        )


class AuthError(ProviderError):
    """401: the key is wrong."""

    key = "error.auth"
    status = 500


class ForbiddenError(ProviderError):
    """403: the key may not use this model or this endpoint."""

    key = "error.forbidden"
    status = 500


class ModelNotFound(ProviderError):
    """404: the provider does not serve the model."""

    key = "error.model_not_found"
    status = 502


class ModelUnavailable(ProviderError):
    """The provider no longer serves the model to this key (retired, or never open to it).

    `successor` is the model to switch to; the API answers 400 and the UI offers the switch with one click.
    """

    key = "error.model_unavailable"
    status = 400

    def __init__(self, provider: str, *, successor: str = "", **details: Any) -> None:
        self.successor = successor
        super().__init__(provider, successor=successor, **details)


class EmptyListing(ProviderError):
    """The provider's model listing held no chat model."""

    key = "error.empty_listing"


class RequestTooLarge(ProviderError):
    """413: the request is larger than the provider or the account accepts."""

    key = "error.too_large"
    status = 413


class UpstreamRateLimited(ProviderError):
    """429 from the provider."""

    key = "error.upstream_rate_limited"
    status = 429


class UpstreamUnavailable(ProviderError):
    """5xx from the provider."""

    key = "error.upstream_down"
    status = 502


class UpstreamTimeout(ProviderError):
    """The provider sent nothing within the read timeout."""

    key = "error.timeout"
    status = 504


class TooSlow(ProviderError):
    """The provider sent nothing before the reply's deadline (CHARLA_MAX_DURATION)."""

    key = "error.too_slow"
    status = 504

    def __init__(self, provider: str, *, seconds_limit: int = 60, **details: Any) -> None:
        super().__init__(provider, seconds_limit=seconds_limit, **details)


class UpstreamConnectionError(ProviderError):
    """The provider could not be reached."""

    key = "error.connection"
    status = 502


class StreamInterrupted(ProviderError):
    """The reply broke off after it began; the text that arrived is kept."""

    key = "error.stream_cut"
    status = 502


class UpstreamBadRequest(ProviderError):
    """Any other 4xx from the provider."""

    key = "error.upstream_bad_request"
    status = 502


def provider_label(provider: str) -> str:
    """The provider's display name."""
    return {"groq": "Groq", "mistral": "Mistral"}.get(provider, provider)

"""Every exception the SDKs and their transports can raise maps to one Charla error (one map per vendor)."""

from __future__ import annotations

import groq
import httpx
import httpx2
import pytest
from mistralai.client import errors as mistral_errors

from chat import errors
from chat.providers import groq as groq_provider
from chat.providers import mistral as mistral_provider

REQ = httpx.Request("POST", "http://127.0.0.1/openai/v1/chat/completions")
REQ2 = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def groq_status(code: int, headers: dict[str, str] | None = None) -> groq.APIStatusError:
    response = httpx.Response(code, request=REQ, headers=headers, json={"error": {"message": "x"}})
    return groq.Groq(api_key="k", base_url="http://127.0.0.1")._make_status_error("x", body=None, response=response)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (groq.APITimeoutError(request=REQ), errors.UpstreamTimeout),
        (groq.APIConnectionError(request=REQ), errors.UpstreamConnectionError),
        (groq.APIError("stream error", REQ, body=None), errors.StreamInterrupted),
        (httpx.ReadTimeout("stall", request=REQ), errors.UpstreamTimeout),
        (httpx.RemoteProtocolError("peer closed"), errors.StreamInterrupted),
        (httpx.ConnectError("refused"), errors.UpstreamConnectionError),
        (groq_status(401), errors.AuthError),
        (groq_status(403), errors.ForbiddenError),
        (groq_status(404), errors.ModelNotFound),
        (groq_status(413), errors.RequestTooLarge),
        (groq_status(418), errors.UpstreamBadRequest),
        (groq_status(429, {"retry-after": "2.5"}), errors.UpstreamRateLimited),
        (groq_status(502), errors.UpstreamUnavailable),
    ],
)
def test_groq_map(exc: BaseException, expected: type[errors.ProviderError]) -> None:
    partial = "" if expected is errors.UpstreamConnectionError else "some text"
    mapped = groq_provider.translate(exc, model="m", partial=partial)
    assert type(mapped) is expected
    assert mapped.partial == partial
    if expected is errors.UpstreamRateLimited:
        assert mapped.retry_after == 3  # rounded up, never early


def mistral_status(code: int, headers: dict[str, str] | None = None) -> mistral_errors.SDKError:
    response = httpx2.Response(code, request=REQ2, headers=headers, text='{"message":"x"}')
    return mistral_errors.SDKError("API error occurred", response, '{"message":"x"}')


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx2.ReadTimeout("stall", request=REQ2), errors.UpstreamTimeout),
        (httpx2.ConnectTimeout("slow", request=REQ2), errors.UpstreamTimeout),
        (httpx2.ConnectError("refused"), errors.UpstreamConnectionError),
        (httpx2.RemoteProtocolError("peer closed"), errors.StreamInterrupted),
        (mistral_errors.NoResponseError(), errors.UpstreamConnectionError),
        (mistral_status(401), errors.AuthError),
        (mistral_status(403), errors.ForbiddenError),
        (mistral_status(404), errors.ModelNotFound),
        (mistral_status(429, {"retry-after": "7"}), errors.UpstreamRateLimited),
        (mistral_status(500), errors.UpstreamUnavailable),
        (mistral_status(422), errors.UpstreamBadRequest),
    ],
)
def test_mistral_map(exc: BaseException, expected: type[errors.ProviderError]) -> None:
    partial = "" if expected is errors.UpstreamConnectionError else "some text"
    mapped = mistral_provider.translate(exc, model="m", partial=partial)
    assert type(mapped) is expected
    if expected is errors.UpstreamRateLimited:
        assert mapped.retry_after == 7


def test_errors_outside_the_sdks_are_not_swallowed() -> None:
    assert groq_provider.translate(ValueError("bug"), model="m") is None
    assert mistral_provider.translate(KeyError("bug"), model="m") is None


def test_every_error_renders_in_both_languages_without_placeholders() -> None:
    samples = [cls("groq", status_code=500, retry_after=3, model="m") for cls in errors.ProviderError.__subclasses__()]
    samples += [errors.MissingKeyError("mistral"), errors.NoKeyError(), errors.RateLimited(5, 20, "ip")]
    for err in samples:
        for lang in ("en", "es"):
            text = err.message(lang)  # type: ignore[arg-type]
            assert text and "{" not in text, (type(err).__name__, lang, text)

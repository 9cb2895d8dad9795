"""The SDK clients of the voice calls (the same shared clients as chat's, see chat.providers.clients), and the
vendors' error translation around them. The base URL is read from `chat.config.base_url()` on every call, so a
changed environment (or a test's fake server) takes effect at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import groq
from mistralai.client import Mistral
from pydantic import SecretStr

from chat import config, errors
from chat.config import Provider
from chat.providers import clients
from chat.providers import groq as groq_provider
from chat.providers import mistral as mistral_provider
from chat.providers.stream import map_errors


def as_secret(key: SecretStr | str) -> SecretStr:
    """`key` as a SecretStr (a plain string is wrapped, never logged)."""
    return key if isinstance(key, SecretStr) else SecretStr(key.strip())


def groq_client(key: SecretStr, timeout: float) -> groq.Groq:
    """The shared Groq client for `key` on GROQ_BASE_URL (or Groq's host)."""
    client: groq.Groq = clients.groq_client(key, config.base_url("groq"), timeout)
    return client


def mistral_client(key: SecretStr, timeout: float) -> Mistral:
    """The shared Mistral client for `key` on MISTRAL_BASE_URL (or Mistral's host)."""
    client: Mistral = clients.mistral_client(key, config.base_url("mistral"), timeout)
    return client


@contextmanager
def vendor_errors(provider: Provider, model: str) -> Iterator[None]:
    """The vendor's `translate()` around an SDK call.

    A speech model the vendor says is gone is reported as not found (404): the successor that the chat catalogue
    would name in a ModelUnavailable is a chat model, which cannot transcribe or speak.
    """
    translate = groq_provider.translate if provider == "groq" else mistral_provider.translate
    try:
        with map_errors(translate, model):
            yield
    except errors.ModelUnavailable as e:
        raise errors.ModelNotFound(provider, status_code=e.status_code, model=model) from e

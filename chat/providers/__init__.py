"""Provider registry: each vendor's SDK is imported only when that vendor is first used."""

from __future__ import annotations

from pydantic import SecretStr

from chat.config import Provider as ProviderName
from chat.providers.base import Provider, ProviderStream, StreamState, Usage

__all__ = ["Provider", "ProviderStream", "StreamState", "Usage", "get_provider"]


def get_provider(
    name: ProviderName, api_key: SecretStr, *, base_url: str | None = None, timeout: float = 30.0
) -> Provider:
    """The provider `name` with `api_key`, talking to `base_url` (None: the vendor's official host)."""
    if name == "groq":
        from chat.providers.groq import GroqProvider

        return GroqProvider(api_key, base_url=base_url, timeout=timeout)
    if name == "mistral":
        from chat.providers.mistral import MistralProvider

        return MistralProvider(api_key, base_url=base_url, timeout=timeout)
    raise ValueError(f"unknown provider {name!r}; choose groq or mistral")

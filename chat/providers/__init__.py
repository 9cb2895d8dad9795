"""Provider registry: each vendor's SDK is imported only when that vendor is first used.

`substitute(factory)` puts another provider in place of both vendors for the `with` block: the seam the tests use
for an in-process provider (tests/fakes/provider.py), next to each vendor's `client=` for an injected SDK client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from chat.config import Provider as ProviderName
from chat.providers.base import Provider
from chat.providers.stream import ProviderStream, StreamState, Usage

__all__ = ["Factory", "Provider", "ProviderStream", "StreamState", "Usage", "get_provider", "substitute"]

Factory = Callable[[ProviderName, SecretStr, str | None, float], Provider]
"""`factory(name, key, base_url, timeout)` -> a provider."""
_substitute: list[Factory] = []


@contextmanager
def substitute(factory: Factory) -> Iterator[None]:
    """Serve every provider through `factory` inside the block."""
    _substitute.append(factory)
    try:
        yield
    finally:
        _substitute.remove(factory)


def get_provider(
    name: ProviderName, api_key: SecretStr, *, base_url: str | None = None, timeout: float = 30.0
) -> Provider:
    """The provider `name` with `api_key`, talking to `base_url` (None: the vendor's official host)."""
    if _substitute:
        return _substitute[-1](name, api_key, base_url, timeout)
    if name == "groq":
        from chat.providers.groq import GroqProvider

        return GroqProvider(api_key, base_url=base_url, timeout=timeout)
    if name == "mistral":
        from chat.providers.mistral import MistralProvider

        return MistralProvider(api_key, base_url=base_url, timeout=timeout)
    raise ValueError(f"unknown provider {name!r}; choose groq or mistral")

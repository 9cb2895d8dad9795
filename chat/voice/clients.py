"""The SDK clients of the voice calls, built as chat.providers builds its own (no SDK retries, timeouts set), and
the vendors' error translation around them.

Clients are cached per (key digest, base URL, timeout), never keyed by the raw key: the key reaches only the
client's constructor. The base URL is read from `chat.config.base_url()` on every call, so a changed environment
(or a test's fake server) takes effect at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import groq
import httpx
from mistralai.client import Mistral
from pydantic import SecretStr

from chat import config, errors
from chat.config import Provider, key_digest
from chat.providers import groq as groq_provider
from chat.providers import mistral as mistral_provider
from chat.providers.base import map_errors

MAX_CLIENTS = 32

T = TypeVar("T")


def as_secret(key: SecretStr | str) -> SecretStr:
    """`key` as a SecretStr (a plain string is wrapped, never logged)."""
    return key if isinstance(key, SecretStr) else SecretStr(key.strip())


class _Cache:
    """A small LRU of clients, thread-safe."""

    def __init__(self, size: int = MAX_CLIENTS) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ident: tuple[Any, ...], build: Callable[[], T]) -> T:
        with self._lock:
            if ident in self._items:
                self._items.move_to_end(ident)
                found: T = self._items[ident]
                return found
            client = self._items[ident] = build()
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return client

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_clients = _Cache()


def groq_client(key: SecretStr, timeout: float) -> groq.Groq:
    """A Groq client for `key` on GROQ_BASE_URL (or Groq's host)."""
    base = config.base_url("groq")
    return _clients.get(
        ("groq", key_digest(key), base, timeout),
        lambda: groq.Groq(
            api_key=key.get_secret_value(),
            base_url=base,
            max_retries=0,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        ),
    )


def mistral_client(key: SecretStr, timeout: float) -> Mistral:
    """A Mistral client for `key` on MISTRAL_BASE_URL (or Mistral's host); mistralai retries nothing by default."""
    base = config.base_url("mistral")
    return _clients.get(
        ("mistral", key_digest(key), base, timeout),
        lambda: Mistral(api_key=key.get_secret_value(), server_url=base, timeout_ms=int(timeout * 1000)),
    )


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

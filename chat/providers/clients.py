"""The vendors' SDK clients, built once per key and host and shared by chat, model listings and voice.

Clients are kept per (vendor, key digest, host, timeout), never keyed by the key itself; the key reaches only the
client's constructor. A session's own key must not outlive the session: `SessionKeys` notes which session keys a
browser session used, and when that object is collected (Streamlit drops a session's state when the session ends)
the clients built with those keys are dropped too, and with them the last reference to the key string.

Retries: the SDKs' own are turned off. A person is watching the reply: a hidden retry on 429 sleeps up to 60 s in
silence and spends the same tokens-per-minute again, and a retry after a 5xx doubles the wait before the error the
user must see anyway. Charla shows each failure at once with what to do (wait N s, Retry, or the other provider),
and an API client decides its own retries from `Retry-After`. mistralai retries nothing by default.
"""

from __future__ import annotations

import os
import ssl
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, TypeVar

from pydantic import SecretStr

from chat.config import Provider, key_digest

MAX_CLIENTS = 64
MAX_CONNECTIONS = 1000
"""Connections one client may hold open, one per reply streaming at that moment. The SDKs' default of 100 made
the 101st reply on a shared key wait, in silence, for another reply to end (or for the timeout)."""
IDLE_CONNECTIONS = 10
"""Finished replies' connections kept for the next requests (each saves a TCP and TLS handshake). Few: the pool
looks at every idle connection on every request, and 100 of them cost each request 4 ms of CPU."""
IDLE_SECONDS = 60.0
"""How long an idle connection is kept: long enough for a person's next message (the SDKs keep one 5 s), and
well under the idle limits of the proxies APIs sit behind (Cloudflare's is 400 s). A connection the provider
closed sooner is seen closed, and replaced, before it is used."""
T = TypeVar("T")
_on_send: ContextVar[Callable[[], object] | None] = ContextVar("charla_on_send", default=None)


@contextmanager
def on_send(callback: Callable[[], object]) -> Iterator[None]:
    """Call `callback` each time a request leaves for a provider from this context (the block's, and the worker
    threads' that copy it), just before the request is written: what follows is a wait for the network."""
    token = _on_send.set(callback)
    try:
        yield
    finally:
        _on_send.reset(token)


def _leaving(_request: Any) -> None:
    callback = _on_send.get()
    if callback is not None:
        callback()


HOOKS = {"request": [_leaving]}
"""Every client's httpx event hooks (`on_send`)."""


def pool_limits(http: Any) -> Any:
    """Charla's connection limits as `http.Limits` (`http`: httpx for groq, httpx2 for mistralai)."""
    return http.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=IDLE_CONNECTIONS, keepalive_expiry=IDLE_SECONDS
    )


def shared_tls(create: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """One TLS context per HTTP stack (`create`: its default one) and CA setting (`SSL_CERT_FILE`, `SSL_CERT_DIR`),
    shared by every client: building one reads the whole CA bundle, ~37 ms of CPU here, which each new client
    (each visitor's own key, each timeout) paid, twice for mistralai's pair of clients."""
    return _tls(create, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _tls(create: Callable[[], ssl.SSLContext], _cafile: str | None, _capath: str | None) -> ssl.SSLContext:
    return create()


def groq_timeout(seconds: float) -> Any:
    """Groq's timeout for a call: `seconds` in all, at most 5 s of it to connect."""
    import httpx

    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


class ClientCache:
    """A small thread-safe LRU of SDK clients, each keyed by (vendor, key digest, host, timeout)."""

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

    def forget(self, digest: str) -> None:
        """Drop every client built with the key whose digest is `digest`."""
        with self._lock:
            for ident in [i for i in self._items if i[1] == digest]:
                del self._items[ident]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CLIENTS = ClientCache()


def groq_client(key: SecretStr, base_url: str | None, timeout: float) -> Any:
    """A `groq.Groq` for `key` on `base_url` (None: Groq's host), without retries."""
    import groq
    import httpx

    return CLIENTS.get(
        ("groq", key_digest(key), base_url, timeout),
        lambda: groq.Groq(
            api_key=key.get_secret_value(),
            base_url=base_url,
            max_retries=0,
            timeout=groq_timeout(timeout),
            http_client=groq.DefaultHttpxClient(
                verify=shared_tls(httpx.create_ssl_context), limits=pool_limits(httpx), event_hooks=HOOKS
            ),
        ),
    )


def mistral_client(key: SecretStr, base_url: str | None, timeout: float) -> Any:
    """A `mistralai` client for `key` on `base_url` (None: Mistral's host)."""
    import httpx2
    from mistralai.client import Mistral

    def build() -> Any:
        tls = shared_tls(httpx2.create_ssl_context)
        return Mistral(
            api_key=key.get_secret_value(),
            server_url=base_url,
            timeout_ms=int(timeout * 1000),
            # what the SDK builds itself (its HTTP stack is httpx2), with Charla's limits and TLS context
            client=httpx2.Client(follow_redirects=True, verify=tls, limits=pool_limits(httpx2), event_hooks=HOOKS),
            # never used by Charla: given only so that the SDK does not build one and read the CA bundle again
            async_client=httpx2.AsyncClient(follow_redirects=True, verify=tls),
        )

    return CLIENTS.get(("mistral", key_digest(key), base_url, timeout), build)


def client_for(vendor: Provider, key: SecretStr, base_url: str | None, timeout: float) -> Any:
    """The vendor's client for `key`."""
    return (groq_client if vendor == "groq" else mistral_client)(key, base_url, timeout)


class SessionKeys:
    """The keys one browser session typed in: when this object goes, the clients built with them go too."""

    def __init__(self, cache: ClientCache = CLIENTS) -> None:
        self._cache = cache
        self._digests: set[str] = set()

    def note(self, key: SecretStr | None) -> SecretStr | None:
        """Remember `key` as this session's (returns it, for chaining)."""
        if key is not None:
            digest = key_digest(key)
            if digest not in self._digests:
                self._digests.add(digest)
                weakref.finalize(self, self._cache.forget, digest)  # holds the digest only, never the key
        return key

"""Rate limits per browser session and per client IP, shared by the UI and the API.

One interface (:class:`~chat.ratelimit.base.Backend`), two backends, chosen here and nowhere else
(:func:`backend`):

- :mod:`~chat.ratelimit.memory` (default): a sliding-window log in this process's memory;
- :mod:`~chat.ratelimit.redis_backend` (`CHARLA_REDIS_URL` set): the `limits` package's moving window in Redis,
  so every replica spends one shared budget. It fails closed when Redis does not answer.

`take` is what the pipeline calls before anything is sent; `peek` feeds the UI's quota meter and `ip_quota` the
API's `X-RateLimit-*` headers, so both read the same state the limits are enforced on.
"""

from __future__ import annotations

import threading

from chat import config
from chat.errors import RateLimiterUnavailable
from chat.ratelimit.base import Backend, Check, Quota, refusal, tightest
from chat.ratelimit.memory import Limiter, MemoryBackend

__all__ = [
    "Backend",
    "Check",
    "Limiter",
    "Quota",
    "backend",
    "checks",
    "clear",
    "ip_quota",
    "peek",
    "refuse_spent",
    "take",
]

UNAVAILABLE_RETRY = 5
"""Seconds the API suggests waiting (Retry-After, X-RateLimit-Reset) while the shared limiter is unreachable."""

_backends: dict[tuple[str, str], Backend] = {}
_lock = threading.Lock()


def backend() -> Backend:
    """The process's backend: Redis when CHARLA_REDIS_URL is set, else memory (one per URL and prefix)."""
    url = config.redis_url()
    name = (url or "", config.redis_prefix() if url else "")
    with _lock:
        found = _backends.get(name)
        if found is None:
            if url:
                from chat.ratelimit.redis_backend import RedisBackend  # redis/limits load only when used

                found = RedisBackend(url, prefix=name[1])
            else:
                found = MemoryBackend()
            _backends[name] = found
        return found


def clear() -> None:
    """Forget every backend and its counts in this process (tests). Redis keys are left alone."""
    with _lock:
        for found in _backends.values():
            if isinstance(found, MemoryBackend):
                found.reset()
        _backends.clear()


def checks(*, session: str | None, ip: str | None) -> list[Check]:
    """The limits a request from `session` and `ip` must pass (CHARLA_RATE_LIMIT, CHARLA_IP_RATE_LIMIT)."""
    out: list[Check] = []
    if session:
        out.append(Check(config.session_rate(), session, "session"))
    if ip:
        out.append(Check(config.ip_rate(), ip, "ip"))
    return out


def take(*, session: str | None, ip: str | None) -> Quota:
    """Use one request of the session's and of the IP's quota (both or neither); return the tighter quota.

    Raises RateLimited from whichever limit is exhausted (the longer wait when both are), and
    RateLimiterUnavailable when the shared limiter cannot be asked.
    """
    wanted = checks(session=session, ip=ip)
    if not wanted:
        return Quota(0, 0, 0)
    return tightest(backend().take(wanted))


def refuse_spent(*, session: str | None, ip: str | None) -> None:
    """RateLimited at once, using nothing, when the session's or the IP's quota is already spent: the API asks
    before it parses a request, so a client over its limit costs no parsing however large its requests. The
    request's own slot is still taken by `take`, in the pipeline. RateLimiterUnavailable as `take`."""
    wanted = checks(session=session, ip=ip)
    if wanted:
        spent = [(q, c) for q, c in zip(backend().peek(wanted), wanted, strict=True) if q.remaining == 0]
        if spent:
            raise refusal(spent)


def peek(*, session: str | None, ip: str | None) -> Quota | None:
    """The tighter of the session's and the IP's quotas, without using any.

    None when there is nothing to show: no session and no IP, or the shared limiter is unreachable (the UI then
    hides its meter; sending says why it cannot go).
    """
    wanted = checks(session=session, ip=ip)
    if not wanted:
        return None
    try:
        return tightest(backend().peek(wanted))
    except RateLimiterUnavailable:
        return None


def ip_quota(ip: str | None) -> Quota:
    """The client IP's quota for the API's headers: the full quota when the IP is unknown, none left (for
    `UNAVAILABLE_RETRY` s) when the shared limiter is unreachable, since requests are refused meanwhile."""
    spec = config.ip_rate()
    if not ip:
        return Quota(spec.requests, spec.requests, 0)
    try:
        return backend().peek([Check(spec, ip, "ip")])[0]
    except RateLimiterUnavailable:
        return Quota(spec.requests, 0, UNAVAILABLE_RETRY)

"""Rate limits in Redis (CHARLA_REDIS_URL), shared by every replica: the `limits` package's moving window.

Each (scope, key, spec) is one Redis list of request times, newest first, trimmed to N and expiring after the
window (`{prefix}:LIMITER/{scope}/{key}/{N}/{SECONDS}/second`). `limits` checks and pushes in one server-side
script, so one limit is atomic across any number of processes: N replicas never let N times the limit through.

Both or neither. A request takes one slot of its session's limit and one of its IP's. `limits` has no
operation over two keys and no way to give a slot back (`clear` deletes a whole key), so `take` first *tests*
both (refusing with nothing spent if either is full), then *hits* the IP limit (the one many sessions share, so
the one a concurrent request is likely to fill first), then the session's. Each hit is atomic, so no limit can
ever be exceeded. A request that loses a race between the test and its hits is refused; if it loses on the
session after its IP hit succeeded, that IP slot stays spent without a request: a lost race can only under-use a
slot, never exceed a limit. Tests rule out the common case (a session at its limit retrying), which would
otherwise burn its IP's budget.

Why no Lua of our own: one script could test and push both keys at once, exactly, in one round trip. But it
would be a second rate-limit implementation to keep correct (boundary rules, expiry, trimming, Redis Cluster
hash slots, and `limits`' own key layout if both are to read the same keys), where the issue asks for a
well-kept library. The race above costs at most one unused slot per lost race; exceeding a limit is impossible.

Windows are whole seconds (`limits` truncates fractions), so CHARLA_RATE_LIMIT and CHARLA_IP_RATE_LIMIT must be
too when Redis is used (:func:`chat.config.session_rate` checks). Times are the replicas' own clocks
(`limits` reads `time.time()`): keep them in sync (NTP).

Redis down or hung: the limiter fails CLOSED. Every request is refused with RateLimiterUnavailable (503 from
the API; a sentence in English and Spanish in the UI) rather than let a public demo on the host's key become
unlimited. Each command waits at most `socket_timeout` (default 0.5 s, overridable in the URL query), with no
retries, so a hung Redis cannot hang a request. Nothing needs restarting: redis-py reconnects on the next
command once Redis answers again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

import redis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from chat.config import RateSpec
from chat.errors import RateLimiterUnavailable
from chat.ratelimit.base import Check, Quota, refusal

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 0.5
"""Seconds a Redis command (or connect) may take before the request is refused; `?socket_timeout=` wins."""
DOWN = (StorageError, redis.RedisError, OSError)


def item_of(spec: RateSpec) -> RateLimitItem:
    """`limits`' item for `spec` (whole seconds; :mod:`chat.config` has already refused fractions)."""
    return RateLimitItemPerSecond(spec.requests, max(1, int(spec.seconds)))


class RedisBackend:
    """The moving windows of every replica, in one Redis. Fails closed (see the module docstring)."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "charla") -> None:
        self.prefix = prefix
        self._storage = RedisStorage(
            url,
            key_prefix=prefix,
            wrap_exceptions=True,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._down = False

    def _quota(self, check: Check) -> Quota:
        item = item_of(check.spec)
        stats = self._limiter.get_window_stats(item, check.scope, check.key)
        if stats.remaining >= item.amount:  # an empty window: its reset_time is just now + window
            return Quota(item.amount, item.amount, 0)
        reset = math.ceil(round(stats.reset_time - time.time(), 3))
        return Quota(item.amount, max(0, stats.remaining), max(0, reset))

    def _hit(self, check: Check) -> bool:
        return self._limiter.hit(item_of(check.spec), check.scope, check.key)

    def _take(self, checks: Sequence[Check]) -> list[Quota]:
        full = [c for c in checks if not self._limiter.test(item_of(c.spec), c.scope, c.key)]
        if full:
            raise refusal([(self._quota(c), c) for c in full])
        for check in sorted(checks, key=lambda c: c.scope != "ip"):  # the shared IP limit first
            if not self._hit(check):  # lost a race since the test
                raise refusal([(self._quota(check), check)])
        return [self._quota(c) for c in checks]

    def take(self, checks: Sequence[Check]) -> list[Quota]:
        try:
            quotas = self._take(checks)
        except DOWN as e:
            raise self._unavailable(e) from None
        self._up()
        return quotas

    def peek(self, checks: Sequence[Check]) -> list[Quota]:
        try:
            quotas = [self._quota(c) for c in checks]
        except DOWN as e:
            raise self._unavailable(e) from None
        self._up()
        return quotas

    def ping(self) -> bool:
        return bool(self._storage.check())

    def reset(self) -> None:
        """Delete every key under this backend's prefix (tests; it scans, so not for a large production Redis)."""
        self._storage.reset()

    def _unavailable(self, error: BaseException) -> RateLimiterUnavailable:
        if not self._down:  # once per outage; the error's class only (a message may carry the URL)
            cause = error.storage_error if isinstance(error, StorageError) else error
            log.warning(
                "rate limits: Redis is not answering (%s); refusing requests until it does", type(cause).__name__
            )
        self._down = True
        return RateLimiterUnavailable()

    def _up(self) -> None:
        if self._down:
            log.warning("rate limits: Redis answers again")
        self._down = False

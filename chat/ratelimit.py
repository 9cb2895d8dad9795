"""Rate limits per browser session and per client IP, shared by the UI and the API (one process, one store).

Algorithm: a sliding-window log. For each key the limiter keeps the times of the requests it allowed within the
last `seconds`; a request is allowed while fewer than `requests` are in the window. Unlike a fixed window it never
lets 2N through around a boundary, and unlike a token bucket its numbers read plainly: `remaining` is N minus the
requests in the window, and `reset` is when the oldest of them leaves it (one more request becomes possible).
Memory is at most N timestamps per active key; keys idle for a whole window are dropped, and the number of keys
is capped (least recently used dropped first). Thread-safe (one lock per limiter); the clock is injectable.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from chat import config
from chat.config import RateSpec
from chat.errors import RateLimited

Clock = Callable[[], float]
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Quota:
    """Where a key stands: `remaining` of `limit`, and `reset` whole seconds until a slot frees (0: none used)."""

    limit: int
    remaining: int
    reset: int

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait before the next request is allowed (0: allowed now)."""
        return self.reset if self.remaining == 0 else 0


class Limiter:
    """A sliding-window log limiter for one `RateSpec`."""

    def __init__(self, spec: RateSpec, *, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.spec = spec
        self._clock = clock
        self._max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        horizon = now - self.spec.seconds
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def _quota(self, hits: deque[float], now: float) -> Quota:
        reset = math.ceil(round(hits[0] + self.spec.seconds - now, 6)) if hits else 0
        return Quota(self.spec.requests, max(0, self.spec.requests - len(hits)), max(0, reset))

    def peek(self, key: str) -> Quota:
        """The key's quota, without using any of it."""
        with self._lock:
            now = self._clock()
            return self._quota(self._window(key, now), now)

    def hit(self, key: str, *, scope: str = "session") -> Quota:
        """Use one request; RateLimited (with `retry_after`) when none is left."""
        with self._lock:
            now = self._clock()
            hits = self._window(key, now)
            quota = self._quota(hits, now)
            if quota.remaining == 0:
                raise RateLimited(max(1, quota.reset), self.spec.requests, scope)
            hits.append(now)
            return self._quota(hits, now)

    def reset(self) -> None:
        """Forget every key (tests, or a deployer's admin action)."""
        with self._lock:
            self._hits.clear()


_shared: dict[RateSpec, Limiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(spec: RateSpec) -> Limiter:
    """The process-wide limiter for `spec` (the UI's script threads and the API's handlers share it)."""
    with _shared_lock:
        limiter = _shared.get(spec)
        if limiter is None:
            limiter = _shared[spec] = Limiter(spec)
        return limiter


def session_limiter() -> Limiter:
    """The per-session limiter configured by CHARLA_RATE_LIMIT."""
    return shared_limiter(config.session_rate())


def ip_limiter() -> Limiter:
    """The per-IP limiter configured by CHARLA_IP_RATE_LIMIT."""
    return shared_limiter(config.ip_rate())


def take(*, session: str | None, ip: str | None) -> Quota:
    """Use one request of the session's and of the IP's quota (both or neither); return the tighter quota.

    Raises RateLimited from whichever limit is exhausted, with the longer wait when both are.
    """
    checks = [
        (lim, key, scope)
        for lim, key, scope in ((session_limiter(), session, "session"), (ip_limiter(), ip, "ip"))
        if key
    ]
    with _shared_lock:
        waits = [(lim.peek(key), scope) for lim, key, scope in checks]
        blocked = [(q, scope) for q, scope in waits if q.remaining == 0]
        if blocked:
            quota, scope = max(blocked, key=lambda b: b[0].reset)
            raise RateLimited(max(1, quota.reset), quota.limit, scope)
        quotas = [lim.hit(key, scope=scope) for lim, key, scope in checks]
    return min(quotas, key=lambda q: (q.remaining, -q.reset)) if quotas else Quota(0, 0, 0)


def peek(*, session: str | None, ip: str | None) -> Quota | None:
    """The tighter of the session's and the IP's quotas, without using any."""
    quotas = [lim.peek(key) for lim, key in ((session_limiter(), session), (ip_limiter(), ip)) if key]
    return min(quotas, key=lambda q: (q.remaining, -q.reset)) if quotas else None

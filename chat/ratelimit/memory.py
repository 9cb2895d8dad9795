"""The default backend: rate limits in this process's memory (one replica, or a laptop).

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
from collections.abc import Callable, Sequence

from chat.config import RateSpec
from chat.errors import RateLimited
from chat.ratelimit.base import Check, Quota, Scope, refusal

Clock = Callable[[], float]
MAX_KEYS = 100_000


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


class MemoryBackend:
    """One Limiter per (scope, spec) in this process, shared by the UI's script threads and the API's handlers.

    Both or neither: under one lock every check is peeked first, and only when all have room is each one hit.
    """

    name = "memory"

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._limiters: dict[tuple[Scope, RateSpec], Limiter] = {}
        self._lock = threading.RLock()

    def limiter(self, scope: Scope, spec: RateSpec) -> Limiter:
        """The limiter of `spec` for keys of `scope` (created on first use)."""
        with self._lock:
            found = self._limiters.get((scope, spec))
            if found is None:
                found = self._limiters[(scope, spec)] = Limiter(spec, clock=self._clock)
            return found

    def take(self, checks: Sequence[Check]) -> list[Quota]:
        with self._lock:
            quotas = self.peek(checks)
            blocked = [(q, c) for q, c in zip(quotas, checks, strict=True) if q.remaining == 0]
            if blocked:
                raise refusal(blocked)
            return [self.limiter(c.scope, c.spec).hit(c.key, scope=c.scope) for c in checks]

    def peek(self, checks: Sequence[Check]) -> list[Quota]:
        return [self.limiter(c.scope, c.spec).peek(c.key) for c in checks]

    def ping(self) -> bool:
        return True

    def reset(self) -> None:
        with self._lock:
            self._limiters.clear()

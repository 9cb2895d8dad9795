"""What every rate-limit backend shares: the quota it reports, the checks it is given, the interface it offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from chat.config import RateSpec
from chat.errors import RateLimited

Scope = Literal["session", "ip"]


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


@dataclass(frozen=True)
class Check:
    """One limit a request must pass: `spec` for `key` (a session id or a client IP) in `scope`."""

    spec: RateSpec
    key: str
    scope: Scope


class Backend(Protocol):
    """Where the sliding windows live. `take` and `peek` return one Quota per check, in order."""

    name: str
    """`memory` or `redis` (shown by /healthz)."""

    def take(self, checks: Sequence[Check]) -> list[Quota]:
        """Use one request of every check, or of none: RateLimited (the longest wait) when any is exhausted.

        RateLimiterUnavailable when the backend cannot be asked (the request must then be refused)."""
        ...

    def peek(self, checks: Sequence[Check]) -> list[Quota]:
        """The quotas, without using any (RateLimiterUnavailable when the backend cannot be asked)."""
        ...

    def ping(self) -> bool:
        """Whether the backend answers now (never raises)."""
        ...

    def reset(self) -> None:
        """Forget every count (tests, or a deployer's admin action)."""
        ...


def refusal(blocked: Sequence[tuple[Quota, Check]]) -> RateLimited:
    """The RateLimited for the exhausted checks: the one that frees last decides the wait."""
    quota, check = max(blocked, key=lambda b: b[0].reset)
    return RateLimited(max(1, quota.reset), quota.limit, check.scope)


def tightest(quotas: Sequence[Quota]) -> Quota:
    """The quota that runs out first (fewest remaining, then the longest reset)."""
    return min(quotas, key=lambda q: (q.remaining, -q.reset))

"""Rate limits: sliding window per key, quotas that read plainly, shared by session and IP."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat import ratelimit
from chat.config import RateSpec
from chat.errors import RateLimited
from chat.ratelimit import Limiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_parse_spec() -> None:
    assert RateSpec.parse("20/60") == RateSpec(20, 60.0)
    for bad in ("20", "0/60", "x/y", "5/-1", ""):
        with pytest.raises(ValueError, match="N/SECONDS"):
            RateSpec.parse(bad)


def test_quota_counts_down_and_refuses_with_retry_after() -> None:
    clock = Clock()
    lim = Limiter(RateSpec(3, 60), clock=clock)
    assert lim.peek("a").remaining == 3
    assert [lim.hit("a").remaining for _ in range(3)] == [2, 1, 0]
    clock.now += 10
    with pytest.raises(RateLimited) as info:
        lim.hit("a")
    assert info.value.retry_after == 50
    assert "50 s" in info.value.message("en")
    assert lim.peek("b").remaining == 3  # other keys unaffected


def test_slots_free_one_by_one_as_they_leave_the_window() -> None:
    clock = Clock()
    lim = Limiter(RateSpec(2, 10), clock=clock)
    lim.hit("k")
    clock.now += 4
    lim.hit("k")
    assert lim.peek("k") == ratelimit.Quota(2, 0, 6)
    clock.now += 6
    assert lim.peek("k").remaining == 1
    assert lim.peek("k").reset == 4
    clock.now += 4
    assert lim.peek("k").remaining == 2 and lim.peek("k").reset == 0


def test_thread_safe_under_contention() -> None:
    lim = Limiter(RateSpec(100, 60))
    allowed = []

    def worker() -> None:
        for _ in range(50):
            try:
                lim.hit("shared")
                allowed.append(1)
            except RateLimited:
                pass

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 100


def test_key_count_is_bounded() -> None:
    lim = Limiter(RateSpec(1, 60), max_keys=10)
    for i in range(100):
        lim.hit(f"ip{i}")
    assert len(lim._hits) == 10


def test_take_uses_both_or_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "5/60")
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "2/60")
    ratelimit.session_limiter().reset()
    ratelimit.ip_limiter().reset()
    ratelimit.take(session="s1", ip="1.2.3.4")
    quota = ratelimit.take(session="s2", ip="1.2.3.4")
    assert quota.remaining == 0 and quota.limit == 2  # the tighter quota is reported
    with pytest.raises(RateLimited) as info:
        ratelimit.take(session="s3", ip="1.2.3.4")
    assert info.value.scope == "ip"
    assert ratelimit.session_limiter().peek("s3").remaining == 5  # the refused request used nothing


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=1, max_value=100),
    st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=80),
)
def test_never_more_than_n_in_any_window(n: int, seconds: int, gaps: list[float]) -> None:
    clock = Clock()
    lim = Limiter(RateSpec(n, seconds), clock=clock)
    allowed: list[float] = []
    for gap in gaps:
        clock.now += gap
        before = lim.peek("k")
        try:
            after = lim.hit("k")
        except RateLimited as e:
            assert before.remaining == 0
            assert 1 <= e.retry_after <= seconds
            # the refusal is honest: after retry_after seconds a slot is free
            assert allowed[-n] + seconds <= clock.now + e.retry_after
            continue
        assert after.remaining == before.remaining - 1
        allowed.append(clock.now)
        recent = [t for t in allowed if t > clock.now - seconds]
        assert len(recent) <= n

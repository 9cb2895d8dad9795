"""Rate limits: sliding window per key, quotas that read plainly, shared by session and IP, on both backends.

The memory limiter's own tests inject a clock; the backend tests run the same assertions on memory and on the
real Redis (whose window follows the wall clock, as `limits` reads `time.time()`), with whole-second windows.
"""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat import ratelimit
from chat.config import RateSpec
from chat.errors import RateLimited
from chat.ratelimit import Backend, Check, Limiter


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


def test_key_count_is_bounded() -> None:
    lim = Limiter(RateSpec(1, 60), max_keys=10)
    for i in range(100):
        lim.hit(f"ip{i}")
    assert len(lim._hits) == 10


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


# --- the same tests on both backends ------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """The backend `chat.ratelimit.backend()` picks: memory, or Redis (CHARLA_REDIS_URL, a prefix of the test's)."""
    if request.param == "redis":
        monkeypatch.setenv("CHARLA_REDIS_URL", request.getfixturevalue("redis_url"))
        monkeypatch.setenv("CHARLA_REDIS_PREFIX", request.getfixturevalue("redis_prefix"))
    ratelimit.clear()
    chosen = ratelimit.backend()
    assert chosen.name == request.param and chosen is ratelimit.backend()
    return chosen


def test_backend_counts_down_and_refuses_with_the_wait(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "3/60")
    assert ratelimit.peek(session="a", ip=None) == ratelimit.Quota(3, 3, 0)
    assert [ratelimit.take(session="a", ip=None).remaining for _ in range(3)] == [2, 1, 0]
    with pytest.raises(RateLimited) as info:
        ratelimit.take(session="a", ip=None)
    assert 58 <= info.value.retry_after <= 60 and info.value.scope == "session" and info.value.limit == 3
    quota = ratelimit.peek(session="a", ip=None)
    assert quota is not None and quota.remaining == 0 and 58 <= quota.reset <= 60
    assert ratelimit.peek(session="b", ip=None) == ratelimit.Quota(3, 3, 0)  # other keys unaffected
    assert backend.ping()


def test_backend_takes_both_or_neither(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "5/60")
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "2/60")
    ratelimit.take(session="s1", ip="1.2.3.4")
    quota = ratelimit.take(session="s2", ip="1.2.3.4")
    assert quota.remaining == 0 and quota.limit == 2  # the tighter quota is reported
    with pytest.raises(RateLimited) as info:
        ratelimit.take(session="s3", ip="1.2.3.4")
    assert info.value.scope == "ip"
    assert ratelimit.peek(session="s3", ip=None) == ratelimit.Quota(5, 5, 0)  # the refused request used nothing
    assert ratelimit.ip_quota("1.2.3.4").remaining == 0
    assert ratelimit.ip_quota(None) == ratelimit.Quota(2, 2, 0)


def test_backend_frees_a_slot_when_it_leaves_the_window(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "2/1")
    ratelimit.take(session=None, ip="5.6.7.8")
    ratelimit.take(session=None, ip="5.6.7.8")
    with pytest.raises(RateLimited) as info:
        ratelimit.take(session=None, ip="5.6.7.8")
    assert info.value.retry_after == 1
    time.sleep(1.1)
    assert ratelimit.take(session=None, ip="5.6.7.8").remaining == 1


def test_backend_is_exact_under_contention(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """8 threads (each with its own Redis connection) and 6 sessions behind one IP: no limit is ever exceeded."""
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "4/60")
    monkeypatch.setenv("CHARLA_IP_RATE_LIMIT", "15/60")
    allowed: dict[str, int] = {}
    lock = threading.Lock()

    def worker(n: int) -> None:
        session = f"s{n % 6}"
        for _ in range(10):
            try:
                ratelimit.take(session=session, ip="9.9.9.9")
            except RateLimited:
                continue
            with lock:
                allowed[session] = allowed.get(session, 0) + 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    used_ip = 15 - ratelimit.ip_quota("9.9.9.9").remaining
    assert used_ip == 15 and sum(allowed.values()) <= 15  # 80 requests spend the shared IP budget, never more
    if backend.name == "memory":  # one lock: exact; Redis: a lost race may leave a slot unused
        assert sum(allowed.values()) == 15
    for session in (f"s{i}" for i in range(6)):
        quota = ratelimit.peek(session=session, ip=None)
        assert quota is not None
        assert allowed.get(session, 0) <= 4 - quota.remaining <= 4  # a lost race may only leave a slot unused


def test_redis_replicas_share_one_budget(redis_url: str, redis_prefix: str) -> None:
    """Two backends with their own connection pools, as two replicas have: one budget."""
    from chat.ratelimit.redis_backend import RedisBackend

    one, two = RedisBackend(redis_url, prefix=redis_prefix), RedisBackend(redis_url, prefix=redis_prefix)
    checks = [Check(RateSpec(4, 60), "203.0.113.9", "ip")]
    assert [(one if i % 2 else two).take(checks)[0].remaining for i in range(4)] == [3, 2, 1, 0]
    for replica in (one, two):
        with pytest.raises(RateLimited):
            replica.take(checks)
    assert one.peek(checks) == two.peek(checks)
    other = RedisBackend(redis_url, prefix=redis_prefix + "-other")  # another deployment on the same Redis
    assert other.peek(checks)[0].remaining == 4


def test_whole_seconds_are_required_with_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "3/1.5")
    assert ratelimit.checks(session="s", ip=None)[0].spec == RateSpec(3, 1.5)  # fine in memory
    monkeypatch.setenv("CHARLA_REDIS_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(ValueError, match="CHARLA_RATE_LIMIT must count whole seconds"):
        ratelimit.checks(session="s", ip=None)
    monkeypatch.setenv("CHARLA_RATE_LIMIT", "3/2.0")
    assert ratelimit.checks(session="s", ip=None)[0].spec.seconds == 2

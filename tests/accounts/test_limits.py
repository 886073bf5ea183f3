"""Token buckets and concurrency leases, run against both backends with a fake clock.

The Redis backend runs against database 15 under a unique prefix per test, and its
keys are deleted afterwards; it is skipped only when no Redis answers.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from accounts import limits
from accounts.limits import (
    Decision,
    LimitsBackend,
    LimitsUnavailable,
    MemoryLimits,
    RateLimit,
    RedisLimits,
)
from tests.helpers.clock import T0, FakeClock
from tests.helpers.redis import TEST_REDIS_URL, delete_prefix, redis_url_or_skip

FREE = RateLimit(10, 60)  # the free tier: ten a minute, one token every six seconds


@dataclass
class Rig:
    backend: LimitsBackend
    clock: FakeClock

    def drain(self, key: str, limit: RateLimit) -> int:
        """Take until refused; how many were admitted."""
        admitted = 0
        while self.backend.take(key, limit).allowed:
            admitted += 1
        return admitted


@pytest.fixture(params=["memory", "redis"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    clock = FakeClock()
    if request.param == "memory":
        yield Rig(MemoryLimits(clock=clock), clock)
        return
    url = redis_url_or_skip("Redis limits")
    prefix = f"pogtest-limits-{uuid.uuid4().hex}"
    try:
        yield Rig(RedisLimits(url, prefix, clock=clock), clock)
    finally:
        delete_prefix(url, prefix)


# --------------------------------------------------------------------------- token bucket


def test_a_full_bucket_admits_exactly_its_requests_then_says_when_to_retry(rig: Rig) -> None:
    decisions = [rig.backend.take("alice", FREE) for _ in range(10)]
    assert [d.allowed for d in decisions] == [True] * 10
    assert [d.remaining for d in decisions] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert all(d.retry_after_s == 0 for d in decisions)
    assert rig.backend.take("alice", FREE) == Decision(False, 0, 6.0)
    assert rig.backend.take("bob", FREE).allowed  # buckets are per key

    rig.clock.advance(2.5)  # 2.5 / 6 of a token, to the milli-token below
    assert rig.backend.take("alice", FREE) == Decision(False, 0.416, 3.5)
    rig.clock.advance(3.5)
    assert rig.backend.take("alice", FREE) == Decision(True, 0, 0)
    assert rig.backend.take("alice", FREE) == Decision(False, 0, 6.0)


def test_retry_after_is_exact_for_a_rate_that_does_not_divide_evenly(rig: Rig) -> None:
    seven = RateLimit(7, 60)  # a token every 8.571428... s
    assert rig.drain("k", seven) == 7
    refused = rig.backend.take("k", seven)
    assert (refused.allowed, refused.retry_after_s) == (False, 8.572)
    rig.clock.advance(8.571)
    assert rig.backend.take("k", seven).retry_after_s == pytest.approx(0.001)
    rig.clock.advance(0.001)
    assert rig.backend.take("k", seven).allowed


def test_refill_admits_exactly_the_refilled_amount_without_drift(rig: Rig) -> None:
    assert rig.drain("a", FREE) == 10
    rig.clock.advance(30)
    assert rig.drain("a", FREE) == 5

    # Many small steps at an uneven rate: credits never round away or pile up.
    seven = RateLimit(7, 60)
    start = rig.clock.now
    assert rig.drain("b", seven) == 7
    admitted = 0
    for step in range(1, 463):
        rig.clock.now = start + step * 1.3
        admitted += rig.drain("b", seven)
    assert admitted == math.floor(7 * 462 * 1.3 / 60)  # 70 in 600.6 s


def test_costs_above_one_and_fractional_costs(rig: Rig) -> None:
    assert rig.backend.take("c", FREE, cost=4) == Decision(True, 6, 0)
    assert rig.backend.take("c", FREE, cost=4) == Decision(True, 2, 0)
    # Two tokens short: twelve seconds, and the refused take costs nothing.
    assert rig.backend.take("c", FREE, cost=4) == Decision(False, 2, 12.0)
    assert rig.backend.take("c", FREE, cost=2) == Decision(True, 0, 0)
    rig.clock.advance(3)
    assert rig.backend.take("c", FREE, cost=0.5) == Decision(True, 0, 0)
    assert rig.backend.take("c", FREE, cost=0.5) == Decision(False, 0, 3.0)
    assert rig.backend.take("d", FREE, cost=10).allowed  # the whole capacity at once


def test_impossible_costs_are_refused_as_bad_arguments(rig: Rig) -> None:
    for cost in (0, -1, 0.0004, 10.001, math.nan, math.inf):
        with pytest.raises(ValueError):
            rig.backend.take("e", FREE, cost=cost)
    assert rig.backend.peek("e", FREE).remaining == 10


def test_a_long_idle_never_fills_a_bucket_above_capacity(rig: Rig) -> None:
    assert rig.backend.take("f", FREE).allowed
    rig.clock.advance(10 * 365 * 86400)
    assert rig.backend.peek("f", FREE).remaining == 10
    assert rig.drain("f", FREE) == 10


def test_peek_takes_nothing_and_reset_refills(rig: Rig) -> None:
    assert rig.backend.peek("g", FREE) == Decision(True, 10, 0)
    assert rig.drain("g", FREE) == 10
    assert rig.backend.peek("g", FREE) == Decision(False, 0, 6.0)
    assert rig.backend.peek("g", FREE, cost=3) == Decision(False, 0, 18.0)
    rig.clock.advance(6)
    assert rig.backend.peek("g", FREE) == Decision(True, 1, 0)
    assert rig.backend.peek("g", FREE) == Decision(True, 1, 0)
    rig.backend.reset("g")
    assert rig.drain("g", FREE) == 10


def test_a_changed_limit_keeps_the_missing_tokens(rig: Rig) -> None:
    assert rig.drain("h", FREE) == 10
    upgraded = RateLimit(100, 3600)
    assert rig.backend.peek("h", upgraded).remaining == 90
    assert rig.drain("h", upgraded) == 90
    rig.clock.advance(36)  # one token at 100 an hour
    assert rig.drain("h", upgraded) == 1


def test_a_clock_behind_the_bucket_neither_refills_nor_shortens_the_wait(rig: Rig) -> None:
    assert rig.drain("i", FREE) == 10
    rig.clock.advance(-2)  # another process's clock, two seconds behind
    assert rig.backend.take("i", FREE) == Decision(False, 0, 8.0)


def test_fifty_threads_hammering_one_bucket_get_exactly_the_allowance(rig: Rig) -> None:
    limit = RateLimit(10, 60)
    barrier = threading.Barrier(50)
    admitted: list[int] = []

    def hammer() -> None:
        barrier.wait()
        admitted.append(sum(rig.backend.take("shared", limit).allowed for _ in range(5)))

    threads = [threading.Thread(target=hammer) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 50
    assert sum(admitted) == 10
    assert rig.backend.peek("shared", limit).remaining == 0


def test_bad_rate_limits_are_value_errors() -> None:
    for requests, period in ((0, 60.0), (-1, 60.0), (10, 0.0), (10, -1.0), (10, math.nan), (10, 0.0001)):
        with pytest.raises(ValueError):
            RateLimit(requests, period)
    with pytest.raises(ValueError):
        RateLimit(True, 60)
    with pytest.raises(ValueError):
        RateLimit(1_000_000, 86_400)  # beyond exact counting
    assert RateLimit(100_000, 86_400).capacity_units < 2**53


# --------------------------------------------------------------------------- concurrency


def test_fifty_threads_racing_for_one_slot_get_exactly_one_lease(rig: Rig) -> None:
    barrier = threading.Barrier(50)
    leases: list[limits.Lease | None] = []

    def race() -> None:
        barrier.wait()
        leases.append(rig.backend.acquire("job", 1, 30))

    threads = [threading.Thread(target=race) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [lease for lease in leases if lease is not None]
    assert (len(leases), len(won)) == (50, 1)
    assert won[0].key == "job" and won[0].expires_at == T0 + 30
    assert rig.backend.active("job") == 1

    assert rig.backend.release(won[0]) is True
    assert rig.backend.active("job") == 0
    assert rig.backend.release(won[0]) is False
    assert rig.backend.acquire("job", 1, 30) is not None


def test_a_limit_above_one_hands_out_that_many_leases(rig: Rig) -> None:
    held = [rig.backend.acquire("team", 3, 30) for _ in range(3)]
    assert all(lease is not None for lease in held)
    assert len({lease.id for lease in held if lease}) == 3
    assert rig.backend.acquire("team", 3, 30) is None
    assert rig.backend.acquire("other", 3, 30) is not None  # per key
    assert rig.backend.active("team") == 3


def test_an_expired_lease_frees_its_slot(rig: Rig) -> None:
    lease = rig.backend.acquire("crashy", 1, 5)
    assert lease is not None
    rig.clock.advance(4.999)
    assert rig.backend.acquire("crashy", 1, 5) is None
    rig.clock.advance(0.001)
    assert rig.backend.active("crashy") == 0
    successor = rig.backend.acquire("crashy", 1, 5)
    assert successor is not None
    # The late holder learns it lost the slot; it cannot free or renew the successor's.
    assert rig.backend.release(lease) is False
    assert rig.backend.extend(lease, 5) is None
    assert rig.backend.active("crashy") == 1


def test_extend_keeps_a_long_job_s_slot(rig: Rig) -> None:
    lease = rig.backend.acquire("long", 1, 5)
    assert lease is not None
    rig.clock.advance(4)
    renewed = rig.backend.extend(lease, 5)
    assert renewed is not None
    assert (renewed.id, renewed.expires_at) == (lease.id, T0 + 9)
    rig.clock.advance(4)  # past the first expiry
    assert rig.backend.acquire("long", 1, 5) is None
    assert rig.backend.active("long") == 1
    rig.clock.advance(1)
    assert rig.backend.acquire("long", 1, 5) is not None


def test_hold_releases_on_exit_even_when_the_job_fails(rig: Rig) -> None:
    with rig.backend.hold("ctx", 1, 30) as lease:
        assert lease is not None
        with rig.backend.hold("ctx", 1, 30) as second:
            assert second is None
        assert rig.backend.active("ctx") == 1
    assert rig.backend.active("ctx") == 0
    with pytest.raises(RuntimeError), rig.backend.hold("ctx", 1, 30):
        raise RuntimeError("the job failed")
    assert rig.backend.active("ctx") == 0


def test_bad_concurrency_arguments_are_value_errors(rig: Rig) -> None:
    for limit, lease_s in ((0, 30.0), (-1, 30.0), (1, 0.0), (1, -5.0), (1, math.inf)):
        with pytest.raises(ValueError):
            rig.backend.acquire("bad", limit, lease_s)
    lease = rig.backend.acquire("bad", 1, 30)
    assert lease is not None
    with pytest.raises(ValueError):
        rig.backend.extend(lease, 0)


# --------------------------------------------------------------------------- backend specifics


def test_memory_forgets_idle_identities_but_never_a_debt() -> None:
    clock = FakeClock()
    backend = MemoryLimits(clock=clock)
    backend._sweep_at = 20
    for i in range(15):
        assert backend.take(f"idle-{i}", FREE).allowed
    for i in range(4):
        assert Rig(backend, clock).drain(f"busy-{i}", FREE) == 10
    clock.advance(6)  # the idle ones are full again, the busy ones are nine tokens short
    assert backend.acquire("job", 1, 1) is not None  # the twentieth key: sweeps
    assert sorted(backend._buckets) == [f"busy-{i}" for i in range(4)]
    assert all(Rig(backend, clock).drain(f"busy-{i}", FREE) == 1 for i in range(4))


def test_redis_keys_expire_once_the_bucket_is_full_again() -> None:
    import redis

    url = redis_url_or_skip("Redis limits")
    prefix = f"pogtest-limits-{uuid.uuid4().hex}"
    backend = RedisLimits(url, prefix, clock=FakeClock())
    client = redis.Redis.from_url(url)
    try:
        backend.take("alice", FREE)
        assert 6000 < client.pttl(f"{prefix}:limits:rate:alice") <= 7000  # six seconds to full, plus slack
        Rig(backend, FakeClock()).drain("alice", FREE)
        assert 60_000 < client.pttl(f"{prefix}:limits:rate:alice") <= 61_000
        backend.peek("bob", FREE)
        assert not client.exists(f"{prefix}:limits:rate:bob")  # a peek writes nothing
        lease = backend.acquire("job", 2, 30)
        assert lease is not None and 30_000 < client.pttl(f"{prefix}:limits:conc:job") <= 31_000
        backend.release(lease)
        assert not client.exists(f"{prefix}:limits:conc:job")
    finally:
        delete_prefix(url, prefix)


def test_an_unreachable_redis_raises_limits_unavailable() -> None:
    backend = RedisLimits("redis://127.0.0.1:1/0", "pogtest-nowhere", timeout_s=0.5)
    calls: list[Any] = [
        lambda: backend.take("k", FREE),
        lambda: backend.peek("k", FREE),
        lambda: backend.reset("k"),
        lambda: backend.acquire("k", 1, 30),
        lambda: backend.release(limits.Lease("k", "x", T0)),
        lambda: backend.extend(limits.Lease("k", "x", T0), 30),
        lambda: backend.active("k"),
    ]
    for call in calls:
        with pytest.raises(LimitsUnavailable, match="limits store unavailable"):
            call()


def test_default_limits_follow_redis_url(settings: Any) -> None:
    try:
        settings.REDIS_URL = ""
        limits.use_limits(None)
        assert isinstance(limits.default_limits(), MemoryLimits)
        assert limits.default_limits() is limits.default_limits()
        assert limits.take("mod", FREE) == Decision(True, 9, 0)
        assert limits.peek("mod", FREE).remaining == 9
        limits.reset("mod")
        assert limits.peek("mod", FREE).remaining == 10
        with limits.hold("mod", 1, 30) as lease:
            assert lease is not None and limits.active("mod") == 1
            assert limits.acquire("mod", 1, 30) is None
            renewed = limits.extend(lease, 60)
            assert renewed is not None
        assert limits.release(lease) is False and limits.active("mod") == 0

        settings.REDIS_URL = TEST_REDIS_URL
        limits.use_limits(None)
        assert isinstance(limits.default_limits(), RedisLimits)  # connecting is lazy: no Redis needed here
        swapped = MemoryLimits()
        limits.use_limits(swapped)
        assert limits.default_limits() is swapped
    finally:
        limits.use_limits(None)

"""Charging one request to several buckets (identity, address, prefix): all or nothing, both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from accounts.limits import LimitsBackend, MemoryLimits, RateLimit, RedisLimits
from tests.helpers.clock import FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip

IDENTITY = RateLimit(10, 60)
ADDRESS = RateLimit(25, 60)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[LimitsBackend]:
    if request.param == "memory":
        yield MemoryLimits(clock=clock)
        return
    url = redis_url_or_skip("Redis take_all")
    prefix = f"pogtest-takeall-{uuid.uuid4().hex}"
    try:
        yield RedisLimits(url, prefix, clock=clock)
    finally:
        delete_prefix(url, prefix)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_rotating_identities_share_the_address_bucket(backend: LimitsBackend) -> None:
    admitted = 0
    for n in range(60):  # sixty throwaway identities behind one address, two requests each
        for _ in range(2):
            admitted += backend.take_all([(f"user:{n}", IDENTITY), ("address:a", ADDRESS)]).allowed
    assert admitted == 25
    # Another identity behind another address is untouched.
    assert backend.take_all([("user:carol", IDENTITY), ("address:b", ADDRESS)]).allowed


def test_a_refusal_charges_no_bucket_and_names_the_one_that_refused(
    backend: LimitsBackend, clock: FakeClock
) -> None:
    for _ in range(10):
        assert backend.take_all([("user:1", IDENTITY), ("address:a", ADDRESS)]).allowed
    refused = backend.take_all([("user:1", IDENTITY), ("address:a", ADDRESS)])
    assert (refused.allowed, refused.refused, refused.retry_after_s) == (False, 0, 6.0)
    # The address was not charged for the refused request: 15 tokens left, not 14.
    assert backend.peek("address:a", ADDRESS).remaining == 15
    assert refused.decisions[1].allowed and refused.decisions[1].remaining == 14  # what it would have left


def test_when_several_refuse_the_longest_wait_is_named(backend: LimitsBackend, clock: FakeClock) -> None:
    small = RateLimit(1, 60)
    assert backend.take_all([("a", small), ("b", RateLimit(1, 600))]).allowed
    clock.advance(30)
    refused = backend.take_all([("a", small), ("b", RateLimit(1, 600))])
    assert refused.refused == 1 and refused.retry_after_s == 570.0
    assert refused.decisions[0].retry_after_s == 30.0


def test_each_bucket_refills_at_its_own_rate(backend: LimitsBackend, clock: FakeClock) -> None:
    for n in range(25):
        assert backend.take_all([(f"user:{n}", IDENTITY), ("address:a", ADDRESS)]).allowed
    assert backend.take_all([("user:99", IDENTITY), ("address:a", ADDRESS)]).refused == 1
    clock.advance(60 / 25)  # one address token back
    assert backend.take_all([("user:99", IDENTITY), ("address:a", ADDRESS)]).allowed
    assert not backend.take_all([("user:98", IDENTITY), ("address:a", ADDRESS)]).allowed


def test_bad_costs_are_refused_before_anything_is_charged(backend: LimitsBackend) -> None:
    with pytest.raises(ValueError):
        backend.take_all([("a", IDENTITY), ("b", RateLimit(1, 60))], cost=2)
    assert backend.peek("a", IDENTITY).remaining == 10


def test_every_process_charges_the_same_buckets_in_scale_mode(clock: FakeClock) -> None:
    url = redis_url_or_skip("Redis take_all across processes")
    prefix = f"pogtest-takeall-{uuid.uuid4().hex}"
    web, other_web = RedisLimits(url, prefix, clock=clock), RedisLimits(url, prefix, clock=clock)
    try:
        admitted = [
            (web if n % 2 else other_web).take_all([(f"user:{n}", IDENTITY), ("address:a", ADDRESS)]).allowed
            for n in range(40)
        ]
        assert sum(admitted) == 25
    finally:
        delete_prefix(url, prefix)

"""Breaker transitions, run against both backends with a fake clock.

The Redis backend runs against database 15 under a unique prefix per test, and
its keys are deleted afterwards; it is skipped only when no Redis answers.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from limbs import breakers
from limbs.breakers import Breaker, BreakerBackend, BreakerPolicy, MemoryBackend, RedisBackend
from tests.helpers.clock import T0, FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip

# slow_trip=2 (the default is 1) so the tests can tell one stall from two in a row.
POLICY = BreakerPolicy(
    window_s=30, min_requests=5, error_rate=0.5, open_s=15, max_open_s=300, probe_timeout_s=30, slow_trip=2
)


@dataclass
class Rig:
    backend: BreakerBackend
    clock: FakeClock

    def breaker(self, provider: str = "cloudflare", model: str = "@cf/flux-1-schnell") -> Breaker:
        return Breaker(provider, model, self.backend)


@pytest.fixture(params=["memory", "redis"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    clock = FakeClock()
    if request.param == "memory":
        yield Rig(MemoryBackend(POLICY, clock=clock), clock)
        return
    url = redis_url_or_skip("The Redis breaker backend")
    prefix = f"pogtest-breakers-{uuid.uuid4().hex}"
    try:
        yield Rig(RedisBackend(url, prefix, POLICY, clock=clock), clock)
    finally:
        delete_prefix(url, prefix)


def fail(b: Breaker, times: int, kind: str | None = None) -> None:
    for _ in range(times):
        b.record_failure(kind=kind)


def trip(rig: Rig, b: Breaker) -> None:
    fail(b, POLICY.min_requests)
    assert b.state().state == "open"


def test_an_untouched_breaker_is_closed_and_allows(rig: Rig) -> None:
    b = rig.breaker()
    assert b.allow()
    st = b.state()
    assert (st.state, st.requests, st.failures, st.opened_until, st.forced) == ("closed", 0, 0, None, None)


def test_it_stays_closed_below_min_requests(rig: Rig) -> None:
    b = rig.breaker()
    fail(b, POLICY.min_requests - 1)
    st = b.state()
    assert (st.state, st.failures, st.requests) == ("closed", 4, 4)
    assert b.allow()


def test_it_opens_at_the_error_rate(rig: Rig) -> None:
    b = rig.breaker()
    for _ in range(5):
        b.record_success()
    fail(b, 4, kind="server_error")
    assert b.state().state == "closed"  # 4 of 9 is below one half
    b.record_failure(kind="server_error")  # 5 of 10 reaches it
    st = b.state()
    assert (st.state, st.failures, st.requests) == ("open", 5, 10)
    assert st.opened_until == pytest.approx(T0 + POLICY.open_s)
    assert st.last_error_kind == "server_error"
    assert not b.allow()


def test_outcomes_older_than_the_window_are_forgotten(rig: Rig) -> None:
    b = rig.breaker()
    # Fewer than min_requests in all, so the consecutive-failure rule stays out of it.
    fail(b, POLICY.min_requests - 2)
    rig.clock.advance(POLICY.window_s + 1)
    b.record_failure()
    st = b.state()
    assert (st.state, st.requests, st.consecutive) == ("closed", 1, POLICY.min_requests - 1)


def test_consecutive_failures_wider_apart_than_the_window_still_open_it(rig: Rig) -> None:
    b = rig.breaker()
    for _ in range(POLICY.min_requests - 1):
        b.record_failure(kind="server_error")
        rig.clock.advance(POLICY.window_s + 1)  # each failure alone in the window
    st = b.state()
    assert (st.state, st.requests, st.consecutive) == ("closed", 0, POLICY.min_requests - 1)
    b.record_failure(kind="server_error")
    st = b.state()
    assert (st.state, st.requests, st.consecutive) == ("open", 1, POLICY.min_requests)
    assert st.opened_until == pytest.approx(rig.clock.now + POLICY.open_s)
    assert not b.allow()


def test_a_success_resets_the_consecutive_failures(rig: Rig) -> None:
    b = rig.breaker()
    for i in range(3 * POLICY.min_requests):
        if i % POLICY.min_requests == POLICY.min_requests - 1:
            b.record_success()
        else:
            b.record_failure(kind="server_error")
        rig.clock.advance(POLICY.window_s + 1)
    st = b.state()
    assert (st.state, st.consecutive, st.consecutive_slow) == ("closed", 0, 0)


def test_slow_trip_consecutive_stalls_open_it_at_once(rig: Rig) -> None:
    assert POLICY.slow_trip == 2
    b = rig.breaker()
    for _ in range(3):
        b.record_success()
    b.record_failure(kind="stalled")
    rig.clock.advance(POLICY.window_s + 1)  # even spaced wider than the window
    assert b.state().state == "closed"
    b.record_failure(kind="timeout")  # a timeout is as slow as a stall
    st = b.state()
    assert (st.state, st.requests, st.failures, st.consecutive_slow) == ("open", 1, 1, 2)
    assert st.opened_until == pytest.approx(rig.clock.now + POLICY.open_s)
    assert st.last_error_kind == "timeout"


def test_a_success_between_stalls_resets_the_slow_count(rig: Rig) -> None:
    b = rig.breaker()
    b.record_failure(kind="stalled")
    b.record_success()
    b.record_failure(kind="stalled")
    st = b.state()
    assert (st.state, st.consecutive, st.consecutive_slow) == ("closed", 1, 1)
    b.record_failure(kind="stalled")
    assert b.state().state == "open"


def test_a_fast_failure_between_stalls_resets_the_slow_count(rig: Rig) -> None:
    # Documented choice: only slow failures with nothing else in between count,
    # though the fast failure keeps the plain consecutive count going.
    b = rig.breaker()
    b.record_failure(kind="stalled")
    b.record_failure(kind="http_5xx")
    b.record_failure(kind="stalled")
    st = b.state()
    assert (st.state, st.consecutive, st.consecutive_slow) == ("closed", 3, 1)


def test_closing_after_a_probe_resets_both_counters(rig: Rig) -> None:
    b = rig.breaker()
    fail(b, POLICY.slow_trip, kind="stalled")
    assert b.state().state == "open"
    rig.clock.advance(POLICY.open_s)
    assert b.allow()
    b.record_success()
    st = b.state()
    assert (st.state, st.consecutive, st.consecutive_slow) == ("closed", 0, 0)
    b.record_failure(kind="stalled")
    assert b.state().state == "closed"  # one stall after closing is not two


def test_stalls_under_a_forced_close_do_not_open_it(rig: Rig) -> None:
    b = rig.breaker()
    b.force("closed")
    fail(b, 10, kind="stalled")
    assert b.state().state == "forced_closed"
    assert b.allow()


def test_while_open_allow_is_false_every_time_and_changes_nothing(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    before = b.state()
    allowed = sum(b.allow() for _ in range(200))
    assert allowed == 0
    assert b.state() == before


def test_after_the_open_period_exactly_one_probe_is_allowed(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    rig.clock.advance(POLICY.open_s - 0.01)
    assert not b.allow()
    rig.clock.advance(0.01)
    assert b.state().state == "half_open"
    results = [b.allow() for _ in range(20)]
    assert results == [True] + [False] * 19
    assert b.state().probing


def test_exactly_one_of_eight_racing_threads_gets_the_probe(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    rig.clock.advance(POLICY.open_s)
    barrier = threading.Barrier(8)
    granted: list[int] = []
    lock = threading.Lock()

    def race() -> None:
        barrier.wait()
        mine = sum(b.allow() for _ in range(25))
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(granted) == 8
    assert sum(granted) == 1


def test_a_successful_probe_closes_it_with_a_fresh_window(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    rig.clock.advance(POLICY.open_s)
    assert b.allow()
    b.record_success()
    st = b.state()
    assert (st.state, st.requests, st.failures, st.opened_until, st.trips) == ("closed", 0, 0, None, 0)
    assert b.allow()
    fail(b, POLICY.min_requests - 1)  # the old failures no longer count
    assert b.state().state == "closed"


def test_a_failed_probe_reopens_it_for_longer(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    rig.clock.advance(POLICY.open_s)
    assert b.allow()
    b.record_failure(kind="timeout")
    st = b.state()
    assert st.state == "open"
    assert st.opened_until == pytest.approx(rig.clock.now + 2 * POLICY.open_s)
    assert not st.probing
    assert not b.allow()
    rig.clock.advance(2 * POLICY.open_s)
    assert b.allow()  # and the next probe goes


def test_the_growing_open_period_stops_at_max_open_s(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    for _ in range(10):
        rig.clock.now = b.state().opened_until or 0.0
        assert b.allow()
        b.record_failure()
    assert b.state().opened_until == pytest.approx(rig.clock.now + POLICY.max_open_s)


def test_a_retry_after_longer_than_open_s_is_honoured(rig: Rig) -> None:
    b = rig.breaker()
    fail(b, POLICY.min_requests - 1)
    b.record_failure(retry_after=120, kind="server_error")
    assert b.state().opened_until == pytest.approx(T0 + 120)
    rig.clock.advance(POLICY.open_s)
    assert not b.allow()
    rig.clock.advance(120 - POLICY.open_s)
    assert b.allow()


def test_a_retry_after_is_capped_at_max_open_s(rig: Rig) -> None:
    b = rig.breaker()
    b.record_failure(retry_after=86_400, kind="quota_exhausted")
    assert b.state().opened_until == pytest.approx(T0 + POLICY.max_open_s)


def test_a_quota_failure_opens_at_once_for_its_retry_after(rig: Rig) -> None:
    b = rig.breaker()
    for _ in range(10):
        b.record_success()
    b.record_failure(retry_after=60, kind="quota_exhausted")
    st = b.state()
    assert (st.state, st.requests, st.last_error_kind) == ("open", 11, "quota_exhausted")
    assert st.opened_until == pytest.approx(T0 + 60)


def test_a_rate_limit_with_a_short_retry_after_opens_only_that_long(rig: Rig) -> None:
    b = rig.breaker()
    b.record_failure(retry_after=2, kind="rate_limited")
    assert not b.allow()
    rig.clock.advance(2)
    assert b.allow()


def test_a_rate_limit_without_retry_after_is_only_counted(rig: Rig) -> None:
    b = rig.breaker()
    b.record_failure(kind="rate_limited")
    assert b.state().state == "closed"


def test_a_used_up_quota_without_retry_after_opens_for_the_open_period(rig: Rig) -> None:
    b = rig.breaker()
    b.record_failure(kind="quota_exhausted")
    assert b.state().opened_until == pytest.approx(T0 + POLICY.open_s)


def test_a_quota_answer_from_a_straggler_lengthens_the_open_period(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    b.record_failure(retry_after=200, kind="rate_limited")
    assert b.state().opened_until == pytest.approx(T0 + 200)


def test_a_straggler_success_while_open_changes_nothing(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    before = b.state()
    b.record_success()
    assert b.state() == before


def test_forced_open_refuses_every_call(rig: Rig) -> None:
    b = rig.breaker()
    b.force("open")
    assert sum(b.allow() for _ in range(50)) == 0
    st = b.state()
    assert (st.state, st.forced) == ("forced_open", "open")
    rig.clock.advance(POLICY.max_open_s * 10)  # an override does not time out
    assert not b.allow()


def test_forced_closed_allows_calls_even_with_failures(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    b.force("closed")
    fail(b, 20)
    assert all(b.allow() for _ in range(50))
    st = b.state()
    assert (st.state, st.forced, st.failures) == ("forced_closed", "closed", 20)


def test_release_returns_it_to_normal(rig: Rig) -> None:
    b = rig.breaker()
    b.force("open")
    b.force(None)
    st = b.state()
    assert (st.state, st.forced) == ("closed", None)
    assert b.allow()

    b.force("closed")
    fail(b, 10)
    b.force(None)
    assert b.allow()
    # The failures seen under the override still count: the next one trips it, as normal.
    b.record_failure()
    assert b.state().state == "open"
    assert not b.allow()


def test_an_unreported_probe_expires_and_a_new_probe_may_go(rig: Rig) -> None:
    b = rig.breaker()
    trip(rig, b)
    rig.clock.advance(POLICY.open_s)
    assert b.allow()  # this caller then crashes without reporting
    rig.clock.advance(POLICY.probe_timeout_s - 0.5)
    assert not b.allow()
    rig.clock.advance(0.5)
    assert b.allow()
    assert not b.allow()


def test_all_states_lists_every_touched_breaker(rig: Rig) -> None:
    rig.breaker("ollama", "llama3.2:3b").allow()
    rig.breaker("cloudflare", "@cf/black-forest-labs/flux-1-schnell").record_success()
    rig.breaker("gemini", "gemini-2.0-flash").force("open")
    trip(rig, rig.breaker("cloudflare", "@cf/meta/llama-3.1-8b-instruct"))
    states = rig.backend.all_states()
    assert [(s.provider, s.model, s.state) for s in states] == [
        ("cloudflare", "@cf/black-forest-labs/flux-1-schnell", "closed"),
        ("cloudflare", "@cf/meta/llama-3.1-8b-instruct", "open"),
        ("gemini", "gemini-2.0-flash", "forced_open"),
        ("ollama", "llama3.2:3b", "closed"),
    ]
    rig.backend.reset_all()
    assert rig.backend.all_states() == []


def test_breakers_of_different_models_are_independent(rig: Rig) -> None:
    trip(rig, rig.breaker("cloudflare", "a"))
    assert rig.breaker("cloudflare", "b").allow()
    assert rig.breaker("gemini", "a").allow()


def test_the_module_functions_use_the_configured_backend(rig: Rig) -> None:
    breakers.use_backend(rig.backend)
    try:
        trip(rig, breakers.breaker("gemini", "m"))
        assert not breakers.breaker("gemini", "m").allow()
        assert [s.state for s in breakers.all_states()] == ["open"]
        breakers.reset_all()
        assert breakers.all_states() == []
    finally:
        breakers.use_backend(None)


def test_the_default_policy_comes_from_settings(settings: Any) -> None:
    settings.POG_BREAKER_MIN_REQUESTS = 7
    settings.POG_BREAKER_OPEN_S = 20
    settings.POG_BREAKER_SLOW_TRIP = 3
    policy = BreakerPolicy.from_settings()
    assert (policy.min_requests, policy.open_s, policy.slow_trip) == (7, 20.0, 3)


def test_one_stall_opens_a_breaker_by_default(settings: Any) -> None:
    if hasattr(settings, "POG_BREAKER_SLOW_TRIP"):
        del settings.POG_BREAKER_SLOW_TRIP
    assert BreakerPolicy().slow_trip == 1
    assert BreakerPolicy.from_settings().slow_trip == 1
    b = Breaker("cloudflare", "m", MemoryBackend(BreakerPolicy(), clock=FakeClock()))
    b.record_failure(kind="stalled")
    assert b.state().state == "open"


def test_admit_says_which_call_is_the_half_open_probe(rig: Rig) -> None:
    b = rig.breaker()
    assert b.admit() == breakers.PASS
    fail(b, POLICY.min_requests)
    assert b.admit() == breakers.REFUSED
    rig.clock.advance(POLICY.open_s)
    assert [b.admit() for _ in range(3)] == [breakers.PROBE, breakers.REFUSED, breakers.REFUSED]
    b.record_success()
    assert b.admit() == breakers.PASS


def test_a_policy_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError):
        BreakerPolicy(error_rate=0)
    with pytest.raises(ValueError):
        BreakerPolicy(open_s=60, max_open_s=30)
    with pytest.raises(ValueError):
        BreakerPolicy(slow_trip=0)


def test_a_backend_without_a_clock_of_its_own_keeps_the_time_use_clock_gives() -> None:
    clock = FakeClock()
    breakers.use_clock(clock)
    try:
        b = Breaker("cloudflare", "m", MemoryBackend(POLICY))
        trip_at = clock.now
        fail(b, POLICY.min_requests)
        assert b.state().opened_until == pytest.approx(trip_at + POLICY.open_s)
        clock.advance(POLICY.open_s)
        assert b.admit() == breakers.PROBE
    finally:
        breakers.use_clock(None)
    assert breakers.now() == pytest.approx(time.time(), abs=5)

"""Pre-threat detection: both detector backends with a fake clock, then the Django side (flags, throttle).

The Redis backend runs against database 15 under a unique prefix per test, its keys
deleted afterwards; it is skipped only when no Redis answers.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from accounts import anomaly, threats
from accounts.anomaly import (
    AnomaliesBackend,
    AnomaliesUnavailable,
    AnomalyPolicy,
    MemoryAnomalies,
    RedisAnomalies,
    Verdict,
)
from accounts.limits import RateLimit
from accounts.models import AnomalyFlag, User
from tests.helpers.clock import FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip

ROOT = Path(__file__).resolve().parents[2]
START = 60.0 * 28_333_334  # a minute boundary, late 2023
POLICY = AnomalyPolicy()  # the documented defaults, independent of settings
Clock = Callable[[], float]


@dataclass
class Rig:
    make: Callable[[Clock, AnomalyPolicy], AnomaliesBackend]
    clock: FakeClock
    backend: AnomaliesBackend

    def minute(
        self, identity: str, statuses: list[int], backend: AnomaliesBackend | None = None
    ) -> list[Verdict]:
        """Record ``statuses`` spread over the current minute, then move the clock to the next one."""
        backend = backend or self.backend
        start = self.clock.now
        verdicts: list[Verdict] = []
        for n, status in enumerate(statuses):
            self.clock.now = start + 59.0 * n / max(1, len(statuses))
            verdicts += backend.record(identity, status=status)
        self.clock.now = start + 60
        return verdicts

    def minutes(self, identity: str, counts: list[int], status: int = 200) -> list[Verdict]:
        return [v for n in counts for v in self.minute(identity, [status] * n)]


@pytest.fixture(params=["memory", "redis"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    clock = FakeClock(START)
    if request.param == "memory":

        def make_memory(c: Clock, policy: AnomalyPolicy) -> AnomaliesBackend:
            return MemoryAnomalies(clock=c, policy=policy)

        yield Rig(make_memory, clock, make_memory(clock, POLICY))
        return
    url = redis_url_or_skip("Redis anomalies")
    prefix = f"pogtest-anomaly-{uuid.uuid4().hex}"

    def make_redis(c: Clock, policy: AnomalyPolicy) -> AnomaliesBackend:
        return RedisAnomalies(url, prefix, clock=c, policy=policy)

    try:
        yield Rig(make_redis, clock, make_redis(clock, POLICY))
    finally:
        delete_prefix(url, prefix)


def steady(rng: random.Random, minutes: int, around: int = 10, spread: int = 2) -> list[int]:
    return [rng.randint(around - spread, around + spread) for _ in range(minutes)]


def expected_ewma(counts: list[float], alpha: float = 0.3) -> tuple[float, float]:
    """Mean and variance by hand (no clipping: for sequences that never leave their baseline)."""
    mean, var = counts[0], 0.0
    for x in counts[1:]:
        diff = x - mean
        mean, var = mean + alpha * diff, (1 - alpha) * (var + alpha * diff * diff)
    return mean, var


# --------------------------------------------------------------------------- the rule


def test_a_steady_identity_is_never_flagged_and_a_burst_after_it_is(rig: Rig) -> None:
    assert rig.minutes("user:1", steady(random.Random(7), 20)) == []
    before = rig.backend.baseline("user:1")
    assert before is not None and before.history == 19  # the 20th minute closes with the next call

    verdicts = rig.minutes("user:1", [200])
    assert len(verdicts) == 1
    burst = verdicts[0]
    assert (burst.identity, burst.metric, burst.bucket_start) == ("user:1", "requests", START + 20 * 60)
    assert burst.history == 20 and burst.z >= 4.0 and burst.count >= 20
    # Tripped while the burst was still going on, at the first count over the line.
    assert burst.count < 200
    assert (burst.count - 1 - burst.mean) / burst.std < 4.0 <= (burst.count - burst.mean) / burst.std
    assert burst.z == pytest.approx((burst.count - burst.mean) / burst.std)
    assert 8 < burst.mean < 12 and burst.std == pytest.approx(burst.mean**0.5)  # the Poisson floor

    evidence = burst.as_evidence()
    assert json.loads(json.dumps(evidence)) == evidence
    assert evidence["z"] == pytest.approx(burst.z, abs=0.001) and evidence["metric"] == "requests"
    assert evidence["rule"] == {"z_at_least": 4.0, "count_at_least": 20} and evidence["history"] == 20

    # The burst was clipped when folded: a second one is still far out of line.
    again = rig.minutes("user:1", [200])
    assert [v.metric for v in again] == ["requests"]
    after = rig.backend.baseline("user:1")
    assert after is not None and after.mean["requests"] < 40


def test_a_burst_with_too_little_history_is_not_flagged(rig: Rig) -> None:
    assert rig.minutes("user:new", [10, 10, 10, 10, 200]) == []  # four closed minutes behind the burst
    tripped = rig.minutes("user:five", [10, 10, 10, 10, 10, 200])
    assert [(v.metric, v.history) for v in tripped] == [("requests", 5)]


def test_an_identity_under_the_floor_is_never_flagged_however_spiky(rig: Rig) -> None:
    quiet = [1, 0, 1, 1, 0, 1, 1, 1]  # 0: an idle minute, not folded
    assert rig.minutes("user:quiet", [*quiet, 19, *quiet, 19]) == []  # z 18, but under 20 requests
    assert rig.minutes("user:quiet", [9], status=500) == []  # z 9, but under ten errors
    assert rig.minutes("user:quiet", [9], status=422) == []
    # The same history with one more request: only the floor was holding it back.
    assert [v.metric for v in rig.minutes("user:control", [*quiet, 20])] == ["requests"]


@pytest.mark.parametrize(("status", "metric"), [(500, "errors"), (503, "errors"), (422, "bad_input")])
def test_errors_and_bad_input_trip_on_their_own(rig: Rig, status: int, metric: str) -> None:
    assert rig.minutes("user:2", [10] * 8) == []
    verdicts = rig.minute("user:2", [200] * 4 + [status] * 11)  # 15 requests: ordinary for requests
    assert [v.metric for v in verdicts] == [metric]
    (verdict,) = verdicts
    assert verdict.count == 10 and verdict.mean == 0 and verdict.std == 1 and verdict.z == 10
    assert verdict.requests == 14  # four fine, then ten of these when the tenth one tripped
    assert verdict.as_evidence()["share_of_requests"] == pytest.approx(10 / 14, abs=0.001)


def test_statuses_count_as_documented(rig: Rig) -> None:
    for status in (200, 204, 302, 401, 403, 404, 429, 500, 502, 400, 413, 422):
        rig.backend.record("user:3", status=status)
    state = rig.backend.baseline("user:3")
    assert state is not None
    assert state.counts == {"requests": 12, "errors": 2, "bad_input": 3}
    for bad in (99, 600, True, "200"):
        with pytest.raises(ValueError):
            rig.backend.record("user:3", status=bad)  # type: ignore[arg-type]


def test_two_identities_do_not_affect_each_other(rig: Rig) -> None:
    rng = random.Random(3)
    for _ in range(12):
        assert rig.minute("user:alice", [200] * 10) == []
        assert rig.minute("user:bob", [200] * rng.choice([10, 200])) == []  # bob: no steady baseline
    alice = rig.backend.baseline("user:alice")
    assert alice is not None and alice.history == 11 and alice.mean["requests"] == 10
    assert rig.minutes("user:alice", [200]) != []
    rig.backend.reset("user:bob")
    assert rig.backend.baseline("user:bob") is None
    assert rig.backend.baseline("user:alice") is not None


def test_the_baseline_is_an_ewma_of_active_buckets_only(rig: Rig) -> None:
    rig.minutes("user:4", [10, 20, 10])
    rig.clock.advance(3600)  # an idle hour is not an hour of zeros
    rig.minutes("user:4", [16])
    rig.backend.record("user:4", status=200)
    state = rig.backend.baseline("user:4")
    assert state is not None and state.history == 4 and state.counts["requests"] == 1
    mean, var = expected_ewma([10, 20, 10, 16])
    assert state.mean["requests"] == pytest.approx(mean) and state.std["requests"] == pytest.approx(var**0.5)
    assert state.mean["requests"] == pytest.approx(13.27)  # 10, 13, 12.1, then 13.27

    rig.clock.advance(POLICY.ttl_s + 60)  # a day idle: the history is forgotten
    rig.backend.record("user:4", status=200)
    state = rig.backend.baseline("user:4")
    assert state is not None and state.history == 0 and state.counts["requests"] == 1


def test_evaluate_closes_a_bucket_without_counting(rig: Rig) -> None:
    assert rig.backend.evaluate("user:nobody", START) == []
    assert rig.backend.baseline("user:nobody") is None
    rig.minutes("user:5", [10] * 6)
    assert [v.metric for v in rig.minute("user:5", [200] * 30)] == ["requests"]  # early, while counting
    state = rig.backend.baseline("user:5")
    assert state is not None and state.history == 6
    assert rig.backend.evaluate("user:5") == []
    state = rig.backend.baseline("user:5")
    assert state is not None and state.history == 7 and state.counts["requests"] == 0


def test_judged_at_close_the_verdict_comes_when_the_bucket_closes(rig: Rig) -> None:
    late = rig.make(rig.clock, AnomalyPolicy(trip_early=False))
    for _ in range(6):
        assert rig.minute("user:6", [200] * 10, backend=late) == []
    assert rig.minute("user:6", [200] * 150 + [500] * 50, backend=late) == []
    assert late.evaluate("user:6", rig.clock.now - 1) == []  # still the burst's minute
    verdicts = late.evaluate("user:6")
    assert sorted((v.metric, v.count, v.requests) for v in verdicts) == [
        ("errors", 50, 200),
        ("requests", 200, 200),
    ]
    assert {v.bucket_start for v in verdicts} == {START + 6 * 60}
    assert late.evaluate("user:6", rig.clock.now + 600) == []  # each bucket is judged once


def test_a_record_from_a_clock_behind_counts_in_the_current_bucket(rig: Rig) -> None:
    rig.minutes("user:7", [10, 10])
    rig.clock.advance(-120)  # another process, two minutes behind
    rig.backend.record("user:7", status=200)
    state = rig.backend.baseline("user:7")
    assert state is not None and state.history == 1 and state.counts["requests"] == 11


def test_the_default_backend_follows_settings_and_can_be_swapped(settings: Any) -> None:
    settings.REDIS_URL = None
    anomaly.use_anomalies(None)
    try:
        assert isinstance(anomaly.default_anomalies(), MemoryAnomalies)
        mine = MemoryAnomalies(clock=FakeClock(START), policy=POLICY)
        anomaly.use_anomalies(mine)
        anomaly.record("user:8", status=422)
        assert anomaly.default_anomalies() is mine
        state = mine.baseline("user:8")
        assert state is not None and state.counts["bad_input"] == 1
        anomaly.reset("user:8")
        assert mine.baseline("user:8") is None
    finally:
        anomaly.use_anomalies(None)


def test_redis_down_raises_anomalies_unavailable() -> None:
    down = RedisAnomalies("redis://127.0.0.1:1/0", "pogtest", policy=POLICY, timeout_s=0.2)
    with pytest.raises(AnomaliesUnavailable):
        down.record("user:9", status=200)
    with pytest.raises(AnomaliesUnavailable):
        down.evaluate("user:9")
    with pytest.raises(AnomaliesUnavailable):
        down.baseline("user:9")


# --------------------------------------------------------------------------- concurrency

PLAN = [30, 70, 20, 90, 50, 40]  # per worker and minute; every fifth one a 500


def statuses(n: int) -> list[int]:
    return [500 if k % 5 == 4 else 200 for k in range(n)]


def expected_after(workers: int) -> anomaly.Baseline:
    """The same totals recorded serially by one caller."""
    clock = FakeClock(START)
    serial = Rig(MemoryAnomalies, clock, MemoryAnomalies(clock, POLICY))
    for n in PLAN[:-1]:
        serial.minute("user:race", statuses(n) * workers)
    serial.clock.now += 1
    for status in statuses(PLAN[-1]) * workers:
        serial.backend.record("user:race", status=status)
    state = serial.backend.baseline("user:race")
    assert state is not None
    return state


def assert_same(state: anomaly.Baseline | None, expected: anomaly.Baseline) -> None:
    assert state is not None
    assert (state.history, state.counts) == (expected.history, expected.counts)
    for metric in anomaly.METRICS:
        assert state.mean[metric] == pytest.approx(expected.mean[metric], rel=1e-12)
        assert state.std[metric] == pytest.approx(expected.std[metric], rel=1e-12)


def test_threads_recording_at_once_lose_no_counts_and_fold_each_bucket_once(rig: Rig) -> None:
    workers = 4
    local = threading.local()
    backend = rig.make(lambda: float(local.now), POLICY)
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for minute, n in enumerate(PLAN):
                local.now = START + 60 * minute + 1
                barrier.wait(timeout=10)  # everyone rolls the bucket over at once
                for status in statuses(n):
                    backend.record("user:race", status=status)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert_same(backend.baseline("user:race"), expected_after(workers))


CHILD = """
import json, sys, time
from accounts.anomaly import AnomalyPolicy, RedisAnomalies

url, prefix = sys.argv[1:3]
now = [0.0]
backend = RedisAnomalies(url, prefix, clock=lambda: now[0], policy=AnomalyPolicy())
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] != "race":
        break
    now[0] = cmd["now"]
    while time.time() < cmd["at"]:
        pass
    for status in cmd["statuses"]:
        backend.record(cmd["identity"], status=status)
    print(json.dumps({"done": True}), flush=True)
"""


def test_two_processes_recording_at_once_lose_no_counts_and_fold_each_bucket_once() -> None:
    url = redis_url_or_skip("Redis anomalies")
    prefix = f"pogtest-anomaly-shared-{uuid.uuid4().hex}"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, prefix],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    clock = FakeClock(START)
    parent = RedisAnomalies(url, prefix, clock=clock, policy=POLICY)
    try:
        assert json.loads(child.stdout.readline()) == {"ready": True}
        for minute, n in enumerate(PLAN):
            clock.now = START + 60 * minute + 1
            at = time.time() + 0.05
            cmd = {"op": "race", "identity": "user:race", "now": clock.now, "at": at, "statuses": statuses(n)}
            child.stdin.write(json.dumps(cmd) + "\n")
            child.stdin.flush()
            while time.time() < at:
                pass
            for status in statuses(n):
                parent.record("user:race", status=status)
            assert json.loads(child.stdout.readline()) == {"done": True}
        assert_same(parent.baseline("user:race"), expected_after(2))
    finally:
        child.stdin.write(json.dumps({"op": "quit"}) + "\n")
        child.stdin.flush()
        child.wait(timeout=10)
        delete_prefix(url, prefix)


# --------------------------------------------------------------------------- the Django side


@pytest.fixture
def detector(rig: Rig) -> Iterator[Rig]:
    anomaly.use_anomalies(rig.backend)
    threats.clear_cache()
    yield rig
    anomaly.use_anomalies(None)
    threats.clear_cache()


def feed(rig: Rig, user: User, counts: list[int], status: int = 200) -> None:
    for n in counts:
        start = rig.clock.now
        for k in range(n):
            rig.clock.now = start + 59.0 * k / n
            threats.note_request(user.pk, status)
        rig.clock.now = start + 60


def test_a_burst_flags_the_user_once_with_evidence_until_staff_clear_it(
    detector: Rig, alice: User, bob: User
) -> None:
    staff = User.objects.create_user("staff", is_staff=True)
    feed(detector, alice, [10] * 8)
    feed(detector, bob, [10] * 8)
    assert not AnomalyFlag.objects.exists() and not threats.is_throttled(alice.pk)

    feed(detector, alice, [200, 200])  # two anomalous minutes: one incident
    (flag,) = AnomalyFlag.objects.all()
    assert (flag.user, flag.metric, flag.cleared_at) == (alice, "requests", None)
    assert flag.evidence["identity"] == f"user:{alice.pk}" and flag.evidence["z"] >= 4.0
    assert flag.evidence["mean"] == pytest.approx(10) and flag.evidence["history"] == 8
    assert list(threats.open_flags()) == [flag]
    assert threats.is_throttled(alice.pk) and not threats.is_throttled(bob.pk)

    feed(detector, alice, [12], status=500)  # a different metric is a separate flag
    assert sorted(AnomalyFlag.objects.values_list("metric", flat=True)) == ["errors", "requests"]

    for open_flag in threats.open_flags():
        assert threats.clear_flag(open_flag, by=staff)
    assert not threats.is_throttled(alice.pk)  # cleared in this process: seen at once
    flag.refresh_from_db()
    assert flag.cleared_by == staff and flag.cleared_at is not None
    assert not threats.clear_flag(flag, by=staff)  # already cleared

    feed(detector, alice, [400])  # still far out of line after clearing: flagged again
    assert threats.open_flags().filter(user=alice, metric="requests").count() == 1
    assert threats.is_throttled(alice.pk)


def test_is_throttled_is_cached_for_a_couple_of_seconds(
    detector: Rig, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(threats, "_monotonic", lambda: now[0])
    assert not threats.is_throttled(alice.pk)
    AnomalyFlag.objects.create(user=alice, metric="requests", evidence={})  # as another process would
    now[0] += 1.9
    assert not threats.is_throttled(alice.pk)  # stale, within the documented bound
    now[0] += 0.2
    assert threats.is_throttled(alice.pk)


def test_throttled_limits_are_much_stricter() -> None:
    assert threats.throttled_limit(RateLimit(10, 60)) == RateLimit(2, 60)
    assert threats.throttled_limit(RateLimit(100, 3600)) == RateLimit(25, 3600)
    assert threats.throttled_limit(RateLimit(3, 60)) == RateLimit(1, 80)  # a quarter of the rate
    assert threats.throttled_limit(RateLimit(1, 60)) == RateLimit(1, 240)


def test_note_request_fails_open_when_the_store_is_down(alice: User) -> None:
    anomaly.use_anomalies(RedisAnomalies("redis://127.0.0.1:1/0", "pogtest", policy=POLICY, timeout_s=0.2))
    try:
        threats.note_request(alice.pk, 200)  # logged, not raised
    finally:
        anomaly.use_anomalies(None)


def test_the_middleware_notes_api_requests_of_known_users(detector: Rig, alice: User) -> None:
    statuses = iter([201, 422, 503, 200])

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=next(statuses))

    middleware = threats.AnomalyMiddleware(view)
    factory = RequestFactory()
    by_session = factory.get("/api/assets")
    by_session.user = alice
    by_token = factory.post("/api/generate")
    by_token.auth = alice  # type: ignore[attr-defined]  # what django-ninja sets for a bearer token
    anonymous = factory.get("/api/assets")
    page = factory.get("/studio/")
    page.user = alice
    assert [middleware(r).status_code for r in (by_session, by_token, anonymous, page)] == [
        201,
        422,
        503,
        200,
    ]
    state = detector.backend.baseline(f"user:{alice.pk}")
    assert state is not None and state.counts == {"requests": 2, "errors": 0, "bad_input": 1}

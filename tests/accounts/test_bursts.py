"""Bursts within a minute per identity, address and prefix: both backends with a fake clock, and the flags.

Reproduces the issue's failure: about 300 identities, each used for a handful of requests
from one network, were never flagged, because the only detector compared an identity with
its own history of at least five minutes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from accounts import anomaly, bursts, threats
from accounts.addresses import Client, client_from
from accounts.anomaly import AnomaliesBackend, Count, MemoryAnomalies, RedisAnomalies
from accounts.bursts import BurstPolicy
from accounts.models import AnomalyFlag, User
from tests.helpers.clock import FakeClock
from tests.helpers.redis import delete_prefix, redis_url_or_skip

POLICY = BurstPolicy()  # the documented defaults, independent of settings
HOSTILE = client_from("203.0.113.7")
NEIGHBOUR = client_from("203.0.113.8")
ORDINARY = client_from("198.51.100.9")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(60.0 * 28_333_334)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[AnomaliesBackend]:
    if request.param == "memory":
        made: AnomaliesBackend = MemoryAnomalies(clock=clock)
        anomaly.use_anomalies(made)
        yield made
    else:
        url = redis_url_or_skip("Redis bursts")
        prefix = f"pogtest-bursts-{uuid.uuid4().hex}"
        made = RedisAnomalies(url, prefix, clock=clock)
        anomaly.use_anomalies(made)
        try:
            yield made
        finally:
            delete_prefix(url, prefix)
    anomaly.use_anomalies(None)
    threats.clear_cache()


def test_counts_slide_with_the_window_and_distinct_members_count_once(
    backend: AnomaliesBackend, clock: FakeClock
) -> None:
    def bump(member: str) -> list[int]:
        return backend.count([Count("c"), Count("d", member=member)], 5, 12)

    assert bump("x") == [1, 1]
    assert bump("x") == [2, 1]  # the same member again: still one
    assert bump("y") == [3, 2]
    clock.advance(30)
    assert bump("z") == [4, 3]
    clock.advance(20)
    assert bump("x") == [5, 3]  # x seen again, so it stays in the window after its first sighting leaves
    clock.advance(15)  # the first three requests fell out of the window (60 s in 5 s slots); so did y
    assert backend.count([Count("c", 0), Count("d", 0, member="-")], 5, 12) == [2, 2]
    clock.advance(60)
    assert backend.count([Count("c", 0), Count("d", 0, member="-")], 5, 12) == [0, 0]


def test_a_claim_is_won_once_per_ttl(backend: AnomaliesBackend, clock: FakeClock) -> None:
    assert backend.claim("k", 60)
    assert not backend.claim("k", 60)
    assert backend.claim("other", 60)
    if isinstance(backend, MemoryAnomalies):  # Redis expires by its own clock
        clock.advance(61)
        assert backend.claim("k", 60)


def test_rotating_identities_from_one_address_are_seen_within_seconds(
    backend: AnomaliesBackend, clock: FakeClock
) -> None:
    # The old detector's view: each identity is new, so it has no baseline and is never judged.
    found: list[bursts.Burst] = []
    for n in range(300):
        clock.advance(0.2)  # five new identities a second
        for _ in range(3):
            assert backend.record(f"user:{n}", status=200) == []
            found += bursts.observe_request(f"user:{n}", HOSTILE, 200, POLICY)
    by_subject = {(b.subject, b.metric): b for b in found}
    address = by_subject[("address:203.0.113.7", bursts.IDENTITIES)]
    assert address.count == POLICY.address_identities  # seen at the 40th identity, 8 s in
    prefix = by_subject[("prefix:203.0.113.0/24", bursts.IDENTITIES)]
    assert prefix.count == POLICY.prefix_identities
    assert address.as_evidence() == {
        "subject": "address:203.0.113.7",
        "metric": "identities",
        "seen": "40 distinct identities from address:203.0.113.7 in 60 s",
        "count": 40,
        "window_s": 60,
        "rule": {"count_at_least": 40, "within_s": 60},
    }
    # Reported once per window, not on every later request.
    assert len(found) == len(by_subject)
    # Nobody else was reported.
    assert {b.subject for b in found} == {"address:203.0.113.7", "prefix:203.0.113.0/24"}


def test_an_address_far_above_the_population_is_seen_and_a_busy_crowd_is_not(
    backend: AnomaliesBackend, clock: FakeClock
) -> None:
    policy = BurstPolicy(address_requests=100, population_factor=5)
    # Thirty ordinary addresses at 40 requests a minute each; the studio is busy, nobody stands out.
    for second in range(60):
        clock.advance(1)
        for n in range(30):
            if second % 3 == 0 or n % 3 == second % 3:
                assert bursts.observe_request(f"user:{n}", client_from(f"198.51.100.{n}"), 200, policy) == []
    # One address at 150 a minute stands out from the floor but not from five times the crowd (~200)...
    quiet = [
        b for k in range(150) for b in bursts.observe_request("user:x", client_from("192.0.2.1"), 200, policy)
    ]
    assert [b for b in quiet if b.metric == bursts.REQUESTS] == []
    # ...and one at 400 does.
    loud = [
        b for k in range(400) for b in bursts.observe_request("user:y", client_from("192.0.2.2"), 200, policy)
    ]
    (burst,) = [b for b in loud if b.subject == "address:192.0.2.2"]
    assert burst.metric == bursts.REQUESTS and burst.count == burst.line > 100
    assert burst.as_evidence()["population"]["active_addresses"] == 32


def test_an_identity_burst_needs_no_history(backend: AnomaliesBackend, clock: FakeClock) -> None:
    statuses = [422] * 29 + [200] * 211 + [429] * 60
    found = [b for s in statuses for b in bursts.observe_request("user:5", ORDINARY, s, POLICY)]
    assert {(b.subject, b.metric, b.count) for b in found} == {
        ("user:5", bursts.REFUSED, 60),
        ("user:5", bursts.REQUESTS, 300),
    }
    assert all(b.window_s == 60 for b in found)


def test_many_guests_from_one_network_are_a_burst(backend: AnomaliesBackend, clock: FakeClock) -> None:
    found = []
    for n in range(40):
        clock.advance(0.5)
        found += bursts.observe_new_identity(HOSTILE if n % 2 else NEIGHBOUR, POLICY)
    (burst,) = found
    assert (burst.subject, burst.metric, burst.count) == ("prefix:203.0.113.0/24", bursts.NEW_IDENTITIES, 30)
    assert bursts.observe_new_identity(ORDINARY, POLICY) == []


# --------------------------------------------------------------------------- flags


def test_a_burst_becomes_one_flag_naming_what_was_seen_and_throttles_that_subject(
    backend: AnomaliesBackend, clock: FakeClock, alice: User, settings: Any
) -> None:
    settings.POG_BURST_ADDRESS_IDENTITIES = 10
    staff = User.objects.create_user("staff", is_staff=True)
    guests = [User.create_guest() for _ in range(12)]
    for guest in guests:
        threats.note_request(guest.pk, 200, HOSTILE)
    threats.note_request(alice.pk, 200, ORDINARY)
    (flag,) = AnomalyFlag.objects.all()
    assert (flag.subject, flag.user, flag.metric) == ("address:203.0.113.7", None, "identities")
    assert flag.evidence["count"] == 10 and flag.evidence["window_s"] == 60
    assert str(flag) == "identities anomaly for address:203.0.113.7"
    assert threats.throttled_subjects(HOSTILE) == (True, False)
    assert threats.throttled_subjects(NEIGHBOUR) == (False, False)
    assert threats.throttled_subjects(ORDINARY) == (False, False)
    assert not any(threats.is_throttled(g.pk) for g in guests) and not threats.is_throttled(alice.pk)

    clock.advance(120)  # a later window: the same subject, still uncleared, is not flagged twice
    for guest in guests:
        threats.note_request(guest.pk, 200, HOSTILE)
    assert AnomalyFlag.objects.count() == 1

    assert threats.clear_flag(flag, by=staff)
    assert threats.throttled_subjects(HOSTILE) == (False, False)


def test_an_identity_burst_flags_and_throttles_the_user(
    backend: AnomaliesBackend, alice: User, settings: Any
) -> None:
    settings.POG_BURST_IDENTITY_BAD_INPUT = 5
    for _ in range(5):
        threats.note_request(alice.pk, 422, ORDINARY)
    (flag,) = AnomalyFlag.objects.all()
    assert (flag.subject, flag.user, flag.metric) == (f"user:{alice.pk}", alice, "burst_bad_input")
    assert threats.is_throttled(alice.pk)


def test_guests_made_from_one_network_flag_it(backend: AnomaliesBackend, settings: Any, db: Any) -> None:
    settings.POG_BURST_PREFIX_NEW_IDENTITIES = 3
    for _ in range(3):
        threats.note_new_identity(HOSTILE)
    (flag,) = AnomalyFlag.objects.all()
    assert (flag.subject, flag.metric) == ("prefix:203.0.113.0/24", "new_identities")
    assert flag.evidence["last_address"] == "203.0.113.7"
    assert threats.throttled_subjects(NEIGHBOUR) == (False, True)


def test_the_burst_lines_are_checked() -> None:
    with pytest.raises(ValueError):
        BurstPolicy(address_identities=0)
    with pytest.raises(ValueError):
        BurstPolicy(population_factor=0.5)
    with pytest.raises(ValueError):
        BurstPolicy(slot_s=0)
    assert BurstPolicy(slot_s=5, slots=12).window_s == 60


def test_unknown_clients_are_still_counted(backend: AnomaliesBackend) -> None:
    unknown = Client("unknown", "unknown")
    found = [b for n in range(40) for b in bursts.observe_request(f"user:{n}", unknown, 200, POLICY)]
    assert {b.subject for b in found} == {"address:unknown"}

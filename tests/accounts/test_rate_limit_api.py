"""The tier's rate limit through the real request path: under concurrent requests exactly the
allowance is admitted (memory in embedded mode, Redis in scale mode), the rest get 429."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import close_old_connections

from accounts.models import ApiToken, Tier, User
from limbs.models import Generation
from tests.helpers.api import bearer, post_handle

pytestmark = pytest.mark.usefixtures("settle_jobs")


def _post(raw: str) -> Any:
    """A small sprite asked for with the token ``raw``, without waiting for it."""
    return post_handle(bearer(raw), "image", action="sprite", intent="a tiny frog", params={"size": 8})


def test_concurrent_requests_admit_exactly_the_allowance(alice: User) -> None:
    # Plenty of concurrency, a small rate: the rate limit is the only thing that says no.
    alice.tier = Tier.objects.create(slug="test-rate", name="Rate", requests_per_period=7, concurrency=100)
    alice.save()
    _, raw = ApiToken.issue(alice)
    statuses: list[int] = []
    retry: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def fire() -> None:
        try:
            start.wait()
            response = _post(raw)
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 429:
                    retry.append(response["Retry-After"])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=fire) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Admitted: 202 while queued, or 200 when a fast worker finished it before the answer.
    assert sum(s in (200, 202) for s in statuses) == 7, statuses
    assert statuses.count(429) == 17
    assert all(int(r) >= 1 for r in retry)
    assert Generation.objects.filter(owner=alice).count() == 7


def test_the_free_tier_runs_one_thing_at_a_time_and_says_when_to_come_back(alice: User) -> None:
    Tier.ensure_shipped()
    _, raw = ApiToken.issue(alice)
    # Hold the one running slot as a queued generation would.
    from accounts import limits

    lease = limits.acquire(f"busy:user:{alice.pk}", 1, lease_s=30)
    assert lease is not None
    refused = _post(raw)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "busy"
    assert int(refused["Retry-After"]) >= 1
    limits.release(lease)
    assert _post(raw).status_code == 202


def test_a_refused_request_costs_no_token_and_stores_nothing(alice: User) -> None:
    alice.tier = Tier.objects.create(slug="test-one", name="One", requests_per_period=1, concurrency=5)
    alice.save()
    _, raw = ApiToken.issue(alice)
    bad = post_handle(bearer(raw), "image", action="sprite", intent="x", params={"size": 999})
    assert bad.status_code == 422
    assert _post(raw).status_code == 202  # the typo did not use up the one request
    second = _post(raw)
    assert second.status_code == 429 and second.json()["error"]["code"] == "rate_limited"
    assert Generation.objects.filter(owner=alice).count() == 1


def test_a_tier_the_limiter_cannot_count_is_refused_in_the_admin_and_never_fails_requests(
    alice: User,
) -> None:
    from django.core.exceptions import ValidationError

    odd = Tier(slug="test-odd", name="Odd", requests_per_period=10**9, period_s=60, concurrency=1)
    with pytest.raises(ValidationError) as caught:
        odd.full_clean()
    assert "requests_per_period" in caught.value.message_dict
    odd.save()  # saved around the admin's validation, as a script might
    alice.tier = odd
    alice.save()
    _, raw = ApiToken.issue(alice)
    assert _post(raw).status_code == 202


def test_a_flagged_identity_is_throttled_until_staff_clear_the_flag(alice: User, bob: User) -> None:
    from accounts import threats
    from accounts.models import AnomalyFlag

    alice.tier = Tier.objects.create(slug="test-eight", name="Eight", requests_per_period=8, concurrency=50)
    alice.save()
    flag = AnomalyFlag.objects.create(user=alice, metric="requests", evidence={"z": 9.1})
    threats.clear_cache()
    _, raw = ApiToken.issue(alice)
    assert [_post(raw).status_code for _ in range(3)] == [202, 202, 429]
    refused = _post(raw)
    assert "unusual activity" in refused.json()["error"]["message"]
    assert threats.clear_flag(flag, bob)
    assert not threats.is_throttled(alice.pk)

"""Abuse that rotates identities, through the real request path, with a fake clock.

Reproduces the issue's failures: limits and the detector were per identity and identities
are free, so about 300 throwaway identities from one network were each admitted at the
full tier rate and none was flagged; reads were not metered at all. Runs on the memory
backends in embedded mode and on Redis in scale mode (``limits``, ``anomaly``).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts import anomaly, limits, threats
from accounts.limits import MemoryLimits, RedisLimits
from accounts.models import AnomalyFlag, ApiToken, Tier, User
from accounts.reads import WS_TOO_MANY, WebsocketConnectMeter
from tests.helpers.clock import FakeClock

pytestmark = pytest.mark.usefixtures("settle_jobs")

ORDINARY = "198.51.100.9"
HOSTILE_NET = "203.0.113"


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """Limits and detector on the fake clock (Redis in scale mode, keys cleaned by conftest)."""
    clock = FakeClock(time.time())
    if django_settings.REDIS_URL:
        limits.use_limits(RedisLimits(clock=clock))
        anomaly.use_anomalies(anomaly.RedisAnomalies(clock=clock))
    else:
        limits.use_limits(MemoryLimits(clock=clock))
        anomaly.use_anomalies(anomaly.MemoryAnomalies(clock=clock))
    threats.clear_cache()
    yield clock
    limits.use_limits(None)
    anomaly.use_anomalies(None)
    threats.clear_cache()


def api(raw: str, address: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)


def sprite(client: Client) -> Any:
    body = {"action": "sprite", "intent": "a tiny frog", "params": {"size": 8}, "seed": 3}
    return client.post("/api/handle/image", data=json.dumps(body), content_type="application/json")


def admitted(response: Any) -> bool:
    # 202 while queued, or 200 when a fast worker already finished it.
    return bool(response.status_code in (200, 202))


def test_rotating_identities_from_one_network_are_stopped_within_a_minute_and_others_are_not(
    clock: FakeClock, alice: User, settings: Any
) -> None:
    # Smaller multiples than the shipped ones keep the number of real jobs small; the shape is the same.
    settings.POG_LIMIT_ADDRESS_MULTIPLE = 3
    settings.POG_LIMIT_PREFIX_MULTIPLE = 6
    free = Tier.ensure_shipped()["free"]  # 10 a minute: network 60, each address 30
    guests = []
    for _ in range(300):
        guest = User.create_guest()
        guests.append(ApiToken.issue(guest)[1])
    _, alice_raw = ApiToken.issue(alice)
    carol = api(alice_raw, ORDINARY)
    addresses = [f"{HOSTILE_NET}.{n}" for n in (10, 11, 12, 13)]

    hostile: list[tuple[int, Any]] = []  # (second, generation answer)
    ordinary: list[Any] = []
    flagged_at: dict[str, float] = {}
    for second in range(90):
        clock.advance(1)
        for k in range(5):  # five throwaway identities a second, each asking for a generation
            n = second * 5 + k
            hostile.append((second, sprite(api(guests[n % 300], addresses[n % 4]))))
        if second % 10 == 0:
            ordinary += [sprite(carol), carol.get("/api/assets")]
        for flag in AnomalyFlag.objects.exclude(subject__in=flagged_at):
            flagged_at[flag.subject] = second

    # Before: every identity had its own ten a minute, so all 450 were admitted and nothing was flagged.
    # Now the network's bucket (60, refilled at one a second) holds them back from the start...
    network = 6 * free.requests_per_period
    assert sum(admitted(r) for s, r in hostile if s < 20) <= network + 20
    # ...and once it is flagged (within the first minute), a quarter of that is all it gets.
    assert sum(admitted(r) for s, r in hostile if s >= 30) <= network // 4 + 1
    refused = [r for _, r in hostile if r.status_code == 429]
    assert len(refused) >= 450 - (network + 30) - (network // 4 + 1)
    codes = Counter(r.json()["error"]["code"] for r in refused)
    assert set(codes) <= {"network_rate_limited", "address_rate_limited"}, codes
    for response in refused:
        assert int(response["Retry-After"]) >= 1
        message = response.json()["error"]["message"]
        assert f"{HOSTILE_NET}." in message and "The next one can start in" in message

    # Seen within the first minute: the network and each address, by the identities they used.
    assert flagged_at[f"prefix:{HOSTILE_NET}.0/24"] < 60
    assert all(flagged_at[f"address:{a}"] < 60 for a in addresses)
    flag = AnomalyFlag.objects.get(subject=f"prefix:{HOSTILE_NET}.0/24")
    assert flag.metric == "identities" and flag.user is None
    assert flag.evidence["count"] == 120 and flag.evidence["window_s"] == 60
    assert "120 distinct identities" in flag.evidence["seen"]
    assert not AnomalyFlag.objects.filter(subject=f"address:{ORDINARY}").exists()

    # The ordinary person on another network never noticed.
    assert [r.status_code for r in ordinary[1::2]] == [200] * 9
    assert all(admitted(r) for r in ordinary[0::2]), [r.status_code for r in ordinary[0::2]]


def test_a_new_guest_starts_with_a_third_of_its_tier_and_is_told_so(clock: FakeClock, alice: User) -> None:
    tier = Tier.objects.create(slug="test-nine", name="Nine", requests_per_period=9, concurrency=100)
    fresh, old = User.create_guest(), User.create_guest()
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(minutes=11))
    for user in (fresh, old, alice):
        User.objects.filter(pk=user.pk).update(tier=tier)
    answers = {
        user.username: [sprite(api(ApiToken.issue(user)[1], f"192.0.2.{n}")) for _ in range(10)]
        for n, user in enumerate((fresh, old, alice))
    }
    assert sum(map(admitted, answers[fresh.username])) == 3
    assert sum(map(admitted, answers[old.username])) == 9  # past its first ten minutes
    assert sum(map(admitted, answers["alice"])) == 9  # an account is not a throwaway identity
    refusal = answers[fresh.username][3]
    assert refusal.status_code == 429 and refusal.json()["error"]["code"] == "rate_limited"
    message = refusal.json()["error"]["message"]
    assert "That is 3 requests in a minute, the most a new guest may make in its first 10 minutes" in message
    assert "the Nine tier allows 9 after that" in message
    assert refusal["Retry-After"] == "20"


def test_a_scraper_gets_429_on_reads_while_pages_and_others_are_served(
    clock: FakeClock, alice: User, bob: User, settings: Any
) -> None:
    settings.POG_READS_PER_MINUTE = 20
    settings.POG_READS_PER_ADDRESS_MINUTE = 50
    _, raw = ApiToken.issue(alice)
    scraper = api(raw, "192.0.2.50")
    statuses = [scraper.get("/api/assets").status_code for _ in range(25)]
    assert statuses == [200] * 20 + [429] * 5  # before: reads were not metered at all
    refused = scraper.get("/api/assets?offset=0")
    body = refused.json()["error"]
    assert body["code"] == "reads_rate_limited"
    assert body["message"] == (
        "That is 20 reads in a minute, the most one identity may make. The next one can start in 3 s."
    )
    assert refused["Retry-After"] == "3"
    assert scraper.get("/api/openapi.json").status_code == 200  # the API's own docs are never metered

    # The same person's pages, in a browser at the same address, are not starved.
    browser = Client(REMOTE_ADDR="192.0.2.50")
    browser.force_login(alice)
    assert browser.get("/").status_code == 200
    assert browser.get("/assets/").status_code == 200
    assert browser.get("/api/assets").status_code == 429  # the API read is the same identity's

    # Someone else elsewhere reads as usual; the scraper's allowance comes back with time.
    assert api(ApiToken.issue(bob)[1], ORDINARY).get("/api/assets").status_code == 200
    clock.advance(3)
    assert scraper.get("/api/assets").status_code == 200


def test_reads_rotating_identities_from_one_address_share_its_allowance(
    clock: FakeClock, settings: Any
) -> None:
    settings.POG_READS_PER_ADDRESS_MINUTE = 30
    tokens = [ApiToken.issue(User.create_guest())[1] for _ in range(40)]
    statuses = [api(raw, "192.0.2.60").get("/api/assets").status_code for raw in tokens]
    assert statuses == [200] * 30 + [429] * 10
    refused = api(tokens[0], "192.0.2.60").get("/api/assets").json()["error"]
    assert refused["code"] == "address_reads_rate_limited"
    assert "everyone at your address 192.0.2.60 may make together" in refused["message"]
    assert api(tokens[0], "192.0.2.61").get("/api/assets").status_code == 200
    # Anonymous reads count against the address too.
    assert Client(REMOTE_ADDR="192.0.2.60").get("/api/limbs").status_code == 429


def test_trusted_proxies_forward_the_client_and_others_cannot_pick_one(
    clock: FakeClock, settings: Any
) -> None:
    settings.POG_READS_PER_ADDRESS_MINUTE = 2
    settings.POG_TRUSTED_PROXIES = ["10.0.0.1"]
    spoofing = Client(REMOTE_ADDR="192.0.2.70")
    statuses = [
        spoofing.get("/api/limbs", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # a made-up header from a client changes nothing
    proxied = Client(REMOTE_ADDR="10.0.0.1")
    statuses = [
        proxied.get("/api/limbs", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 200]  # three clients behind our proxy


def test_guests_are_limited_per_address_and_network_and_feed_the_detector(
    clock: FakeClock, settings: Any
) -> None:
    settings.POG_GUESTS_PER_MINUTE = 5
    settings.POG_GUESTS_PER_PREFIX_MINUTE = 8
    settings.POG_BURST_PREFIX_NEW_IDENTITIES = 8

    def guests(address: str, n: int) -> list[Any]:
        return [Client(REMOTE_ADDR=address).post("/api/auth/guest") for _ in range(n)]

    first = guests(f"{HOSTILE_NET}.1", 6)
    assert [r.status_code for r in first] == [201] * 5 + [429]
    assert "from your address (203.0.113.1)" in first[-1].json()["error"]["message"]
    second = guests(f"{HOSTILE_NET}.2", 4)
    assert [r.status_code for r in second] == [201] * 3 + [429]
    assert "from your network (203.0.113.0/24)" in second[-1].json()["error"]["message"]
    assert int(second[-1]["Retry-After"]) >= 1
    assert guests(ORDINARY, 1)[0].status_code == 201

    # Eight guests from one network in a minute is a burst: flagged, and the network is throttled.
    flag = AnomalyFlag.objects.get(subject=f"prefix:{HOSTILE_NET}.0/24")
    assert flag.metric == "new_identities" and flag.evidence["count"] == 8
    clock.advance(60)
    later = guests(f"{HOSTILE_NET}.3", 3)
    assert [r.status_code for r in later] == [201, 201, 429]  # a quarter of eight
    assert "unusual activity" in later[-1].json()["error"]["message"]
    assert guests(ORDINARY, 1)[0].status_code == 201


@pytest.mark.asyncio
async def test_websocket_connects_are_metered_per_address(clock: FakeClock, settings: Any) -> None:
    settings.POG_WS_CONNECTS_PER_ADDRESS_MINUTE = 2

    async def accept(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()

    meter = WebsocketConnectMeter(accept)

    def at(address: str) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await meter(dict(scope, client=(address, 5000)), receive, send)

        return app

    results = []
    for _ in range(3):
        communicator = WebsocketCommunicator(at("192.0.2.80"), "/ws/studio/")
        results.append(await communicator.connect())
        await communicator.disconnect()
    assert results == [(True, None), (True, None), (False, WS_TOO_MANY)]
    elsewhere = WebsocketCommunicator(at("192.0.2.81"), "/ws/studio/")
    assert await elsewhere.connect() == (True, None)
    await elsewhere.disconnect()


def test_a_cookie_less_page_flood_gets_a_small_429_page_and_known_people_are_served(
    clock: FakeClock, alice: User, settings: Any
) -> None:
    settings.POG_PAGES_PER_ADDRESS_MINUTE = 5
    flood = Client(REMOTE_ADDR="192.0.2.70")
    statuses = [flood.get("/").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2  # before: pages were not metered at all
    refused = flood.get("/")
    assert refused["Content-Type"].startswith("text/html")
    assert refused["Retry-After"] == "12"
    assert b"A little too fast" in refused.content
    assert b"5 pages in a minute" in refused.content
    # Someone signed in at the same address opens pages as usual, and so does a stranger elsewhere.
    browser = Client(REMOTE_ADDR="192.0.2.70")
    browser.force_login(alice)
    assert browser.get("/").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.71").get("/").status_code == 200
    # A bearer token does not make a page view known (pages take none): still metered.
    _, raw = ApiToken.issue(alice)
    assert api(raw, "192.0.2.70").get("/").status_code == 429
    clock.advance(12)
    assert flood.get("/").status_code == 200

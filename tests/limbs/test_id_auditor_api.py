"""The id auditor through the API: it reads the registered relic caches and the id tables
in the caller's own library, and never another identity's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import Tier, User
from relics.museum import do_register_cache
from tests.relics.synth import classic_files

pytestmark = pytest.mark.usefixtures("jobs_running")


def handle(client: Client, **body: Any) -> dict[str, Any]:
    response = client.post("/api/handle/id_auditor", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["status"] == "succeeded", result
    return dict(result)


def report(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    main = next(a for a in body["assets"] if a["mime"] == "application/json")
    return dict(json.loads(client.get(main["url"]).content))


@pytest.fixture
def roomy(alice: User, roomy_tier: Tier) -> User:
    alice.tier = roomy_tier
    alice.save()
    return alice


def test_reserve_avoids_every_item_id_of_a_registered_cache_and_then_its_own(
    roomy: User, alice_api: Client
) -> None:
    cache, _ = do_register_cache(classic_files(), source="upload", user=roomy)
    items = cache.counts.get("items", 0)
    assert items > 0
    first = report(
        alice_api, handle(alice_api, action="reserve", params={"type": "item", "count": 3}, wait=True)
    )
    assert first["ids"] == [items, items + 1, items + 2]
    # The reservation is an asset in the library now, so the next one steps past it.
    second = report(
        alice_api, handle(alice_api, action="reserve", params={"type": "item", "count": 2}, wait=True)
    )
    assert second["ids"] == [items + 3, items + 4]


def test_audit_of_the_relic_scope_names_the_cache(roomy: User, alice_api: Client) -> None:
    cache, _ = do_register_cache(classic_files(), source="upload", user=roomy)
    body = handle(alice_api, action="audit", params={"scope": "relic"}, wait=True)
    assert cache.sha256 in json.dumps(report(alice_api, body))


def test_another_identitys_reservations_do_not_count_as_mine(
    roomy: User, alice_api: Client, bob: User, bob_api: Client
) -> None:
    bob.tier = roomy.tier
    bob.save()
    mine = report(
        alice_api, handle(alice_api, action="reserve", params={"type": "npc", "count": 5}, wait=True)
    )
    theirs = report(bob_api, handle(bob_api, action="reserve", params={"type": "npc", "count": 5}, wait=True))
    assert mine["ids"] == theirs["ids"]

"""The id auditor through the API: it reads the registered relic caches and the id tables
in the caller's own library, and never another identity's."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import Tier, User
from relics.museum import do_register_cache
from tests.helpers.api import handle, json_output
from tests.relics.synth import classic_files

pytestmark = pytest.mark.usefixtures("jobs_running")


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
    first = json_output(alice_api, handle(alice_api, "id_auditor", "reserve", type="item", count=3))
    assert first["ids"] == [items, items + 1, items + 2]
    # The reservation is an asset in the library now, so the next one steps past it.
    second = json_output(alice_api, handle(alice_api, "id_auditor", "reserve", type="item", count=2))
    assert second["ids"] == [items + 3, items + 4]


def test_audit_of_the_relic_scope_names_the_cache(roomy: User, alice_api: Client) -> None:
    cache, _ = do_register_cache(classic_files(), source="upload", user=roomy)
    body = handle(alice_api, "id_auditor", "audit", scope="relic")
    assert cache.sha256 in json.dumps(json_output(alice_api, body))


def test_another_identitys_reservations_do_not_count_as_mine(
    roomy: User, alice_api: Client, bob: User, bob_api: Client
) -> None:
    bob.tier = roomy.tier
    bob.save()
    mine = json_output(alice_api, handle(alice_api, "id_auditor", "reserve", type="npc", count=5))
    theirs = json_output(bob_api, handle(bob_api, "id_auditor", "reserve", type="npc", count=5))
    assert mine["ids"] == theirs["ids"]

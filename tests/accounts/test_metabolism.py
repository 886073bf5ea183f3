"""Metabolism: validation, optimistic concurrency, and what the router does with it."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import close_old_connections
from django.test import Client

from accounts.metabolism import MetabolismInvalid, Preferences, VersionConflict, update_metabolism
from accounts.models import Metabolism, Tier, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tiers(db: Any) -> None:
    # A transactional test elsewhere may have flushed the rows migration 0002 made.
    Tier.ensure_shipped()


def patch(client: Client, **body: Any) -> Any:
    return client.patch("/api/metabolism", data=json.dumps(body), content_type="application/json")


def test_a_new_identity_starts_at_version_one_with_the_defaults(alice_api: Client) -> None:
    body = alice_api.get("/api/metabolism").json()
    assert body["version"] == 1
    assert (body["trust_profile"], body["efficiency_mode"]) == ("validate", "muscle")
    assert body["preferred_models"] == {} and body["macros"] == []


def test_a_change_based_on_the_current_version_applies_and_bumps_it(alice_api: Client) -> None:
    response = patch(
        alice_api,
        version=1,
        preferred_models={"image": "gemini:gemini-2.5-flash-image"},
        confidence={"*": 0.4},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["preferred_models"] == {"image": "gemini:gemini-2.5-flash-image"}
    assert body["confidence"] == {"*": 0.4}


def test_a_stale_version_gets_409_with_the_current_state_and_changes_nothing(alice_api: Client) -> None:
    assert patch(alice_api, version=1, efficiency_mode="discovery").status_code == 200
    response = patch(alice_api, version=1, efficiency_mode="precision")
    assert response.status_code == 409
    body = response.json()
    assert body["error"]["code"] == "version_conflict"
    assert body["current"]["version"] == 2
    assert body["current"]["efficiency_mode"] == "discovery"
    assert alice_api.get("/api/metabolism").json()["efficiency_mode"] == "discovery"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_models": {"nolimb": "gemini:x"}}, "preferred_models.nolimb"),
        ({"preferred_models": {"image": "just-a-model"}}, "preferred_models.image"),
        ({"preferred_models": {"image": "procedural:x"}}, "preferred_models.image"),
        ({"confidence": {"image": 1.5}}, "confidence.image"),
        ({"confidence": {"image": "high"}}, "confidence.image"),
        ({"trust_profile": "paranoid"}, "trust_profile"),
        ({"efficiency_mode": "lazy"}, "efficiency_mode"),
        ({"macros": [{"name": "", "limb": "image"}]}, "macros.0.name"),
        (
            {"macros": [{"name": "m", "limb": "image", "action": "generate", "params": {"width": 5}}]},
            "macros.0.params.width",
        ),
    ],
)
def test_bad_preferences_get_422_naming_the_field_and_store_nothing(
    alice_api: Client, body: dict[str, Any], field: str
) -> None:
    response = patch(alice_api, version=1, **body)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert alice_api.get("/api/metabolism").json()["version"] == 1


def test_a_macro_is_stored_with_its_parameters_filled_in(alice_api: Client) -> None:
    macro = {"name": "Boss sprite", "limb": "image", "action": "sprite", "intent": "a lava boss"}
    body = patch(alice_api, version=1, macros=[macro]).json()
    assert body["macros"][0]["params"] == {"size": 32, "kind": "auto", "outline": True}


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_that_retry_on_conflict_lose_no_write(alice: User) -> None:
    Metabolism.for_user(alice)
    writers, errors = 8, []

    def add_macro(n: int) -> None:
        try:
            for _ in range(200):
                current = Metabolism.objects.get(user=alice)
                macros = [*current.macros, {"name": f"macro {n}", "limb": "image", "action": "sprite"}]
                try:
                    update_metabolism(alice, current.version, {"macros": macros})
                    return
                except VersionConflict:
                    continue
            errors.append(f"writer {n} never got through")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=add_macro, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = Metabolism.objects.get(user=alice)
    assert sorted(m["name"] for m in final.macros) == sorted(f"macro {n}" for n in range(writers))
    assert final.version == 1 + writers


def test_update_refuses_unknown_fields(alice: User) -> None:
    with pytest.raises(MetabolismInvalid) as caught:
        update_metabolism(alice, 1, {"colour": "blue"})
    assert caught.value.field == "colour"


def test_preferences_follow_the_tier_cache_policy_and_the_modes(alice: User) -> None:
    prefs = Preferences.for_owner(alice, "image")
    assert (prefs.read_cache, prefs.write_cache, prefs.private_cache) == (True, True, False)
    alice.tier = Tier.objects.get(slug="enterprise")
    alice.save()
    assert Preferences.for_owner(alice, "image").private_cache
    Tier.objects.filter(slug="enterprise").update(cache_policy="off")
    alice.refresh_from_db()
    off = Preferences.for_owner(alice, "image")
    assert (off.read_cache, off.write_cache) == (False, False)
    alice.tier = None
    alice.save()
    update_metabolism(alice, 1, {"efficiency_mode": "precision", "confidence": {"image": 0.2}})
    precise = Preferences.for_owner(alice, "image")
    assert (precise.read_cache, precise.write_cache, precise.threshold) == (False, True, 0.7)
    update_metabolism(alice, 2, {"trust_profile": "high"})
    assert Preferences.for_owner(alice, "image").threshold == 0.0


def test_the_default_tier_comes_from_the_setting(alice: User, settings: Any) -> None:
    assert alice.effective_tier().slug == "free"
    settings.POG_DEFAULT_TIER = "premium"
    assert alice.effective_tier().slug == "premium"
    settings.POG_DEFAULT_TIER = "no-such-tier"
    assert alice.effective_tier().slug == "free"


def test_the_free_tier_is_ten_a_minute_one_at_a_time_small_models() -> None:
    free = Tier.objects.get(slug="free")
    assert (free.requests_per_period, free.period_s, free.concurrency, free.model_size) == (
        10,
        60,
        1,
        "small",
    )


def test_preferences_read_a_preloaded_metabolism_without_a_query(
    alice: User, django_assert_num_queries: Any
) -> None:
    alice.tier = Tier.objects.get(slug="free")
    alice.save()
    update_metabolism(alice, 1, {"confidence": {"image": 0.4}})
    loaded = User.objects.select_related("tier", "metabolism").get(pk=alice.pk)
    with django_assert_num_queries(0):
        prefs = Preferences.for_owner(loaded, "image", preloaded=True)
    assert prefs.threshold == 0.4
    # Without the promise, an instance's cached metabolism is not trusted: it may be stale.
    update_metabolism(alice, 2, {"confidence": {"image": 0.6}})
    assert Preferences.for_owner(loaded, "image").threshold == 0.6

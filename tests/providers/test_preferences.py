"""The router reads each person's metabolism and tier: preferred model, confidence
threshold, cache policy. Jobs run in this process so the fakes' settings apply."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from accounts.metabolism import update_metabolism
from accounts.models import Tier, User
from limbs.fakes.server import FakeProvider
from limbs.models import CacheEntry
from limbs.request import GenerateInput, do_generate
from limbs.runs import run_generation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tiers(db: Any) -> None:
    # A transactional test elsewhere may have flushed the rows migration 0002 made.
    Tier.ensure_shipped()


def make(user: User, seed: int = 7, intent: str = "a red dragon") -> dict[str, Any]:
    data = GenerateInput(
        limb="image", action="generate", intent=intent, params={"width": 64, "height": 64}, seed=seed
    )
    generation = do_generate(user, data, queue=False)
    body = run_generation(str(generation.pk))
    assert body is not None and body["status"] == "succeeded", body
    return body


def test_the_preferred_model_in_the_metabolism_goes_first(
    alice: User, cf_settings: FakeProvider, gemini_settings: FakeProvider
) -> None:
    update_metabolism(alice, 1, {"preferred_models": {"image": "gemini:gemini-2.5-flash-image"}})
    body = make(alice)
    assert body["provider"] == "gemini"
    assert [(a["provider"], a["outcome"]) for a in body["attempts"]] == [("gemini", "ok")]
    assert cf_settings.request_count == 0


def test_an_output_below_the_confidence_threshold_falls_through_to_the_next_tier(
    alice: User, cf_settings: FakeProvider
) -> None:
    update_metabolism(alice, 1, {"confidence": {"image": 1.0}})
    body = make(alice)
    first = body["attempts"][0]
    assert (first["provider"], first["outcome"]) == ("cloudflare", "invalid")
    assert "below your threshold 1.00" in first["detail"]
    # The procedural tier is exempt, so the request still succeeds.
    assert body["provider"] == "procedural"


def test_without_a_threshold_the_same_answer_is_kept(alice: User, cf_settings: FakeProvider) -> None:
    assert make(alice)["provider"] == "cloudflare"


def test_a_private_cache_tier_never_serves_one_identity_from_anothers_result(
    alice: User, bob: User, cf_settings: FakeProvider
) -> None:
    enterprise = Tier.objects.get(slug="enterprise")
    alice.tier = enterprise
    alice.save()
    bob.tier = enterprise
    bob.save()
    assert make(alice)["cache"] == "miss"
    assert make(bob)["cache"] == "miss"
    assert make(alice)["cache"] == "hit"


def test_a_shared_cache_tier_serves_identical_requests_from_memory(
    alice: User, bob: User, cf_settings: FakeProvider
) -> None:
    assert make(alice)["cache"] == "miss"
    assert make(bob)["cache"] == "hit"
    assert cf_settings.request_count == 1


def test_a_tier_with_the_cache_off_neither_reads_nor_writes_it(
    alice: User, cf_settings: FakeProvider
) -> None:
    tier = Tier.objects.get(slug="free")
    tier.cache_policy = "off"
    tier.save()  # as the admin saves it: each process forgets the default tier it kept
    assert make(alice)["cache"] == "miss"
    assert make(alice)["cache"] == "miss"
    assert CacheEntry.objects.count() == 0


def test_discovery_mode_makes_afresh_but_still_remembers(
    alice: User, bob: User, cf_settings: FakeProvider
) -> None:
    update_metabolism(alice, 1, {"efficiency_mode": "discovery"})
    assert make(alice)["cache"] == "miss"
    assert make(alice)["cache"] == "miss"
    assert make(bob)["cache"] == "hit"


def test_zero_trust_rechecks_a_remembered_result_and_drops_a_damaged_one(
    alice: User, cf_settings: FakeProvider
) -> None:
    from django.core.files.storage import default_storage

    from limbs.storage import blob_name

    update_metabolism(alice, 1, {"trust_profile": "zero"})
    first = make(alice)
    digest = first["assets"][0]["sha256"]
    with default_storage.open(blob_name(digest), "wb") as fh:
        fh.write(b"not a png any more")
    again = make(alice)
    assert again["cache"] == "miss"
    assert again["assets"][0]["sha256"] == digest
    # Made afresh, the same bytes also repaired the damaged stored copy.
    with default_storage.open(blob_name(digest), "rb") as fh:
        assert Image.open(io.BytesIO(fh.read())).size == (64, 64)

"""relic.catalog: the entries of a cache the person may see, as the museum indexed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from relics.museum import do_publish_cache
from tests.limbs.parts.relic.helpers import counts, document, excavated, folder, handle, succeeded
from tests.relics import synth

UNKNOWN = "0" * 64


def catalogued(client: Client, **params: Any) -> dict[str, Any]:
    doc: dict[str, Any] = document(client, succeeded(handle(client, "catalog", **params)))
    return doc


def test_it_lists_a_kind_filtered_by_words_as_the_museum_does(alice_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    spiky = catalogued(alice_api, cache=sha, kind="items", query="spiky")
    assert spiky["format"] == "pog.relic.catalog/1" and spiky["cache"] == sha and spiky["era"] == "classic"
    assert spiky["entries"] == [
        {"kind": "items", "key": "0", "index": 0, "name": "Iron Mace", "preview": "png"}
    ]
    museum = alice_api.get(f"/api/relics/caches/{sha}/entries", {"kind": "npcs"}).json()["entries"]
    assert catalogued(alice_api, cache=sha.upper(), kind="npcs")["entries"] == museum
    everything = catalogued(alice_api, cache=sha, limit=5)
    assert everything["total"] == 19 and everything["shown"] == 5
    assert everything["counts"] == synth_counts()


def synth_counts() -> dict[str, int]:
    return {
        "items": 2, "npcs": 2, "objects": 2, "wall_objects": 1, "tiles": 2, "textures": 2, "animations": 3,
        "spells": 1, "prayers": 1, "models": 1, "sectors": 1, "sounds": 1,
    }  # fmt: skip


def test_the_same_catalogue_is_remembered(alice_api: Client) -> None:
    sha = excavated(alice_api, synth.modern_files())
    assert succeeded(handle(alice_api, "catalog", cache=sha))["cache"] == "miss"
    assert succeeded(handle(alice_api, "catalog", cache=sha))["cache"] == "hit"


@pytest.mark.parametrize("cache", [UNKNOWN, "not-a-sha", ""])
def test_an_unknown_cache_is_a_422_naming_it_and_nothing_is_stored(alice_api: Client, cache: str) -> None:
    excavated(alice_api, synth.modern_files())
    before = counts()
    response = handle(alice_api, "catalog", cache=cache)
    assert response.status_code == 422 and response.json()["error"]["field"] == "params.cache"
    assert counts() == before


def test_bob_cannot_catalogue_alices_private_cache_until_staff_publish_it(
    alice_api: Client, bob_api: Client, bob: User
) -> None:
    sha = excavated(alice_api, synth.classic_files())
    before = counts()
    hidden = handle(bob_api, "catalog", cache=sha)
    unknown = handle(bob_api, "catalog", cache=UNKNOWN)
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json()["error"]["message"].replace(sha, "?") == unknown.json()["error"]["message"].replace(
        UNKNOWN, "?"
    )
    assert counts() == before
    staff = User.objects.create_user("sam", "", "pw", is_staff=True)
    do_publish_cache(staff, sha, True)
    assert catalogued(bob_api, cache=sha, kind="prayers")["entries"][0]["name"] == "Thick skin"


def test_the_real_cache_lists_its_items(rsc_cache_dir: Path, alice_api: Client) -> None:
    sha = excavated(alice_api, folder(rsc_cache_dir))
    found = catalogued(alice_api, cache=sha, kind="items", query="iron mace")
    assert found["counts"]["items"] == 1290
    assert {"key": "0", "name": "Iron Mace"}.items() <= found["entries"][0].items()
    objects = catalogued(alice_api, cache=sha, kind="objects", limit=1)
    assert objects["entries"][0]["name"] == "Tree"

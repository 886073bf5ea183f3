"""relic.fork: an entry becomes the person's asset through the one writer, whose signed
ledger entry names the relic (cache and entry) as its parent; the original never changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from limbs.models import Asset, Generation
from provenance.ledger import verify_entry
from provenance.models import LedgerEntry
from tests.limbs.parts.relic.helpers import (
    content,
    counts,
    excavated,
    folder,
    handle,
    main,
    originals,
    succeeded,
)
from tests.relics import synth


@pytest.mark.parametrize(
    ("entry", "mime"),
    [("items/0", "image/png"), ("models/tree2", "model/gltf-binary"), ("sounds/advance", "audio/wav"),
     ("spells/0", "application/json"), ("sectors/m05050", "image/png")],
)  # fmt: skip
def test_a_fork_names_the_relic_as_its_parent_in_a_verified_entry(
    alice: User, alice_api: Client, entry: str, mime: str
) -> None:
    sha = excavated(alice_api, synth.classic_files())
    body = succeeded(handle(alice_api, "fork", cache=sha, entry=entry))
    [made] = body["assets"]
    assert made["mime"] == mime and made["parents"] == []
    data = content(alice_api, made)
    assert hashlib.sha256(data).hexdigest() == made["sha256"]
    asset = Asset.objects.get(pk=made["id"])
    assert (
        asset.owner == alice and asset.meta["relic"]["cache"] == sha and asset.meta["relic"]["entry"] == entry
    )
    ledger = asset.ledger_entry
    assert ledger is not None and ledger.kind == "generation" and ledger.subject == body["generation"]
    assert ledger.body["parents"] == [{"relic": sha, "entry": entry}]
    assert ledger.body["outputs"][0]["sha256"] == made["sha256"] and "entry" in ledger.body["reads"]
    assert verify_entry(ledger)["verified"]
    assert originals(sha) == synth.classic_files()


def test_the_asset_page_and_its_family_tree_show_the_relic(alice: User, alice_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files(), name="Synthetic")
    made = main(succeeded(handle(alice_api, "fork", cache=sha, entry="items/0", name="my mace.png")))
    assert made["name"] == "my mace.png" and (made["width"], made["height"]) == (48, 32)
    browser = Client()
    browser.force_login(alice)
    html = browser.get(made["page"]).content.decode()
    museum_page = f"/relics/?cache={sha}&amp;kind=items&amp;entry=0"
    assert html.count(museum_page) == 2  # in the facts and in the family tree
    family = html[html.index('id="family-title"') :]
    assert "Iron Mace" in family and "Synthetic" in family and "Nothing: this one started" not in family
    assert f"/relics/{sha}/items/0/preview" in family
    assert alice_api.get(f"/api/provenance/{made['id']}").status_code == 200


def test_forking_twice_gives_one_asset(alice: User, alice_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    first = main(succeeded(handle(alice_api, "fork", cache=sha, entry="npcs/0")))
    again = succeeded(handle(alice_api, "fork", cache=sha, entry="npcs/0"))
    assert again["cache"] == "hit" and main(again)["id"] == first["id"]
    assert Asset.objects.filter(owner=alice, mime="image/png").count() == 1


def test_bob_cannot_fork_alices_private_cache_by_either_door(alice_api: Client, bob_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    before = counts()
    response = handle(bob_api, "fork", cache=sha, entry="items/0")
    assert response.status_code == 422 and response.json()["error"]["field"] == "params.cache"
    museum = bob_api.post(
        f"/api/relics/caches/{sha}/entries/items/0/fork", {}, content_type="application/json"
    )
    assert museum.status_code == 404 and museum.json()["error"]["code"] == "no_cache"
    assert counts() == before


def test_the_museums_fork_button_goes_through_the_same_writer(alice: User, alice_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    response = alice_api.post(
        f"/api/relics/caches/{sha}/entries/sounds/advance/fork", {"name": "advance!.wav"}, "application/json"
    )
    assert response.status_code == 201, response.content
    forked = response.json()
    assert forked["name"] == "advance!.wav" and forked["mime"] == "audio/wav"
    generation = Generation.objects.get(pk=forked["generation"])
    assert (generation.limb, generation.action, generation.owner) == ("relic", "fork", alice)
    ledger = LedgerEntry.objects.get(seq=forked["ledger_entry"])
    assert ledger.kind == "generation" and ledger.body["parents"] == [
        {"relic": sha, "entry": "sounds/advance"}
    ]
    assert verify_entry(ledger)["verified"]
    missing = alice_api.post(f"/api/relics/caches/{sha}/entries/items/99/fork", {}, "application/json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_entry"


def test_the_real_unicorn_forks_and_the_cache_stays_as_it_was(rsc_cache_dir: Path, alice_api: Client) -> None:
    files = folder(rsc_cache_dir)
    sha = excavated(alice_api, files)
    for entry in ("npcs/0", "objects/0", "sounds/" + "advance"):
        body = succeeded(handle(alice_api, "fork", cache=sha, entry=entry))
        ledger = LedgerEntry.objects.get(subject=body["generation"])
        assert ledger.body["parents"] == [{"relic": sha, "entry": entry}]
        assert verify_entry(ledger)["verified"]
    assert originals(sha) == files

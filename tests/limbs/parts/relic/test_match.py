"""relic.match: the same name across the caches (and eras) the person may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client

from tests.limbs.parts.relic.helpers import counts, document, excavated, folder, handle, succeeded
from tests.relics import synth


def matched(client: Client, **params: Any) -> dict[str, Any]:
    doc: dict[str, Any] = document(client, succeeded(handle(client, "match", **params)))
    return doc


def test_a_name_is_found_in_both_eras(alice_api: Client) -> None:
    classic = excavated(alice_api, synth.classic_files())
    modern = excavated(alice_api, synth.modern_files())
    found = matched(alice_api, name="IRON MACE!")
    assert found["format"] == "pog.relic.matches/1" and found["normalised"] == "iron mace"
    assert [(m["cache"], m["era"], m["kind"], m["key"]) for m in found["matches"]] == [
        (classic, "classic", "items", "0"),
        (modern, "modern", "items", "1"),
    ]
    assert found["eras"] == {"classic": 1, "modern": 1} and found["total"] == 2
    assert [m["cache"] for m in matched(alice_api, name="Man", era="modern")["matches"]] == [modern]
    assert matched(alice_api, name="Man", kind="items")["matches"] == []
    # The museum's own match answers the same.
    museum = alice_api.get("/api/relics/match", {"name": "iron mace"}).json()["matches"]
    assert [(m["cache"], m["key"]) for m in museum] == [(m["cache"], m["key"]) for m in found["matches"]]


def test_only_caches_you_may_see_are_searched(alice_api: Client, bob_api: Client) -> None:
    excavated(alice_api, synth.classic_files())
    assert matched(bob_api, name="Iron Mace")["matches"] == []
    modern = excavated(bob_api, synth.modern_files())
    assert [m["cache"] for m in matched(bob_api, name="Iron Mace")["matches"]] == [modern]


def test_a_missing_name_is_named(alice_api: Client) -> None:
    before = counts()
    for params in ({}, {"name": ""}, {"name": "x", "era": "medieval"}):
        response = handle(alice_api, "match", **params)
        assert response.status_code == 422
        assert response.json()["error"]["field"] in ("params.name", "params.era")
    assert counts() == before


def test_the_real_iron_mace_is_matched_in_rs3(rsc_cache_dir: Path, alice_api: Client) -> None:
    classic = excavated(alice_api, folder(rsc_cache_dir))
    modern = excavated(alice_api, synth.modern_files())
    found = matched(alice_api, name="Iron Mace", kind="items")
    assert [(m["cache"], m["key"]) for m in found["matches"]] == [(classic, "0"), (modern, "1")]
    unicorns = matched(alice_api, name="Unicorn", era="classic")["matches"]
    assert ("npcs", "0") in [(m["kind"], m["key"]) for m in unicorns]

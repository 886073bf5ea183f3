"""relic.preview: one entry as the museum renders it, with its decoded record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from relics.models import RelicRender
from tests.limbs.parts.relic.helpers import content, counts, excavated, folder, handle, originals, succeeded
from tests.relics import synth

RELIC_META = {"era", "kind", "name", "cache", "entry"}


@pytest.mark.parametrize(
    ("entry", "mime"),
    [("items/0", "image/png"), ("models/tree2", "model/gltf-binary"), ("sounds/advance", "audio/wav"),
     ("sectors/m05050", "image/png"), ("npcs/0", "image/png")],
)  # fmt: skip
def test_the_file_and_record_are_the_museums_own(alice_api: Client, entry: str, mime: str) -> None:
    sha = excavated(alice_api, synth.classic_files())
    body = succeeded(handle(alice_api, "preview", cache=sha, entry=entry))
    shown, record = body["assets"] if body["assets"][0]["role"] == "main" else body["assets"][::-1]
    assert shown["role"] == "main" and shown["mime"] == mime and record["role"] == "entry"
    museum = f"/api/relics/caches/{sha}/entries/{entry}"
    assert content(alice_api, shown) == alice_api.get(f"{museum}/preview").content
    decoded = json.loads(content(alice_api, record))
    from_museum = alice_api.get(museum).json()
    assert decoded == {k: v for k, v in from_museum.items() if k not in ("preview_url", "also_in")}
    assert shown["meta"]["relic"] == {
        "cache": sha, "entry": entry, "era": "classic", "kind": entry.split("/")[0], "name": decoded["name"]
    }  # fmt: skip
    assert originals(sha) == synth.classic_files()
    # Rendered once: the museum's page and the limb read the same render.
    assert RelicRender.objects.filter(entry_key=entry).count() == 1


def test_a_data_only_entry_is_its_record(alice_api: Client) -> None:
    sha = excavated(alice_api, synth.modern_files())
    body = succeeded(handle(alice_api, "preview", cache=sha, entry="items/300"))
    [record] = body["assets"]
    assert record["mime"] == "application/json" and record["name"] == "coins.json"
    assert json.loads(content(alice_api, record))["fields"]["params"] == {"5": 1, "6": "stack"}


def test_a_bad_entry_is_named(alice_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    before = counts()
    for entry in ("items", "weapons/0", "items/", ""):
        response = handle(alice_api, "preview", cache=sha, entry=entry)
        assert response.status_code == 422 and response.json()["error"]["field"] == "params.entry"
    assert counts() == before
    # Well formed but not in this cache: known only once the museum is read, and said plainly.
    missing = handle(alice_api, "preview", cache=sha, entry="items/99")
    assert missing.status_code == 200 and missing.json()["status"] == "failed"
    assert missing.json()["error"] == "entry: The cache has no entry 'items/99'."
    assert missing.json()["assets"] == []


def test_bob_cannot_preview_alices_private_cache(alice_api: Client, bob_api: Client) -> None:
    sha = excavated(alice_api, synth.classic_files())
    before = counts()
    response = handle(bob_api, "preview", cache=sha, entry="items/0")
    assert response.status_code == 422 and response.json()["error"]["field"] == "params.cache"
    assert counts() == before


def test_the_real_unicorn_is_a_paper_doll(rsc_cache_dir: Path, alice_api: Client) -> None:
    sha = excavated(alice_api, folder(rsc_cache_dir))
    body = succeeded(handle(alice_api, "preview", cache=sha, entry="npcs/0"))
    shown = next(a for a in body["assets"] if a["role"] == "main")
    assert shown["mime"] == "image/png" and shown["name"] == "unicorn.png" and shown["width"] > 0
    assert (
        content(alice_api, shown) == alice_api.get(f"/api/relics/caches/{sha}/entries/npcs/0/preview").content
    )
    assert originals(sha) == folder(rsc_cache_dir)

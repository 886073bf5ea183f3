"""file.list and file.bundle read the studio through the person's own view of it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client

from limbs.models import Asset, Generation
from tests.limbs.parts.file.test_upload import sample, send

pytestmark = pytest.mark.usefixtures("jobs_running")


def handle(client: Client, action: str, **params: Any) -> Any:
    body = {"action": action, "params": params, "wait": True, "seed": 1}
    return client.post("/api/handle/file", body, content_type="application/json")


def uploaded(client: Client, kind: str) -> dict[str, Any]:
    name, data = sample(kind)
    asset: dict[str, Any] = send(client, name, data).json()["assets"][0]
    return asset


def listed(client: Client, **params: Any) -> dict[str, Any]:
    response = handle(client, "list", **params)
    assert response.status_code == 200, response.content
    doc: dict[str, Any] = json.loads(client.get(response.json()["assets"][0]["url"]).content)
    return doc


def test_the_list_shows_only_your_things_filtered_by_kind(alice_api: Client, bob_api: Client) -> None:
    png = uploaded(alice_api, "png")
    wav = uploaded(alice_api, "wav")
    uploaded(bob_api, "txt")
    mine = listed(alice_api, kind="image")
    assert [t["id"] for t in mine["things"]] == [png["id"]]
    everything = {t["id"] for t in listed(alice_api)["things"]}
    assert {png["id"], wav["id"]} <= everything
    assert all(t["kind"] != "text" for t in listed(alice_api)["things"])
    assert listed(bob_api, kind="image")["things"] == []


def test_a_new_thing_makes_the_list_work_again_instead_of_remembering(alice_api: Client) -> None:
    uploaded(alice_api, "png")
    assert handle(alice_api, "list", kind="image").json()["cache"] == "miss"
    assert handle(alice_api, "list", kind="image").json()["cache"] == "hit"
    uploaded(alice_api, "gif")
    again = handle(alice_api, "list", kind="image").json()
    assert again["cache"] == "miss"


def test_a_bundle_holds_the_chosen_files_and_a_manifest_of_their_sha256(alice_api: Client) -> None:
    chosen = [uploaded(alice_api, "png"), uploaded(alice_api, "json"), uploaded(alice_api, "vox")]
    response = handle(alice_api, "bundle", assets=[a["id"] for a in chosen], name="my game")
    assert response.status_code == 200, response.content
    [made] = response.json()["assets"]
    assert made["name"] == "my game.zip" and made["mime"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(alice_api.get(made["url"]).content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert [f["asset"] for f in manifest["files"]] == [a["id"] for a in chosen]
        for entry, asset in zip(manifest["files"], chosen, strict=True):
            assert (
                hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"] == asset["sha256"]
            )
    bundle = Asset.objects.get(pk=made["id"])
    assert {str(p.pk) for p in bundle.parents.all()} == {a["id"] for a in chosen}


def test_a_bundle_of_someone_elses_file_is_refused_and_nothing_is_stored(
    alice_api: Client, bob_api: Client
) -> None:
    theirs = uploaded(bob_api, "png")
    before = Generation.objects.count()
    response = handle(alice_api, "bundle", assets=[theirs["id"]])
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "params.assets"
    assert Generation.objects.count() == before
    assert handle(alice_api, "bundle", assets=[]).status_code == 422
    assert handle(alice_api, "bundle", assets="not-an-id").json()["error"]["field"] == "params.assets"

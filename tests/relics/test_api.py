"""The relic JSON API: upload, browse, preview, fork, match, and the error shape."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from limbs.models import Asset
from relics import museum
from relics.models import RelicCache
from tests.helpers.api import token_client
from tests.relics import synth
from tests.relics.uploaded import settle

pytestmark = pytest.mark.django_db


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"cache/{name}", data)
    return buf.getvalue()


def _upload(client: Client, files: dict[str, bytes]) -> Any:
    zipped = SimpleUploadedFile("cache.zip", _zip(files), content_type="application/zip")
    return settle(client, client.post("/api/relics/caches", {"files": [zipped], "label": "Synthetic"}))


@pytest.fixture
def cache_sha(alice_api: Client) -> str:
    response = _upload(alice_api, synth.classic_files())
    assert response.status_code == 201, response.content
    sha: str = response.json()["sha256"]
    return sha


def test_uploading_a_zip_registers_the_cache_once(alice_api: Client, cache_sha: str) -> None:
    body = alice_api.get(f"/api/relics/caches/{cache_sha}").json()
    assert body["era"] == "classic" and body["label"] == "Synthetic" and body["counts"]["items"] == 2
    assert body["visibility"] == {"audience": "you", "teams": [], "public": False}
    again = _upload(alice_api, synth.classic_files())
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["sha256"] == cache_sha
    assert len(alice_api.get("/api/relics/caches").json()["caches"]) == 1


def test_loose_files_upload_too(alice_api: Client) -> None:
    parts = [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()]
    response = settle(alice_api, alice_api.post("/api/relics/caches", {"files": parts}))
    assert response.status_code == 201 and response.json()["era"] == "modern"


def test_it_needs_an_identity(client: Client) -> None:
    assert client.get("/api/relics/caches").status_code == 401


def test_a_malformed_cache_gets_a_422_naming_the_file_and_offset(alice_api: Client) -> None:
    files = synth.classic_files()
    files["models36.jag"] = files["models36.jag"][:6] + b"\xff" * (len(files["models36.jag"]) - 6)
    response = _upload(alice_api, files)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "malformed_cache" and error["file"] == "models36.jag"
    assert isinstance(error["offset"], int)
    assert "models36.jag" in error["message"] and "offset" in error["message"]
    assert response.upload["status"] == "failed" and response.upload["cache"] is None
    # Nothing registered, nothing listed, and the staged files are gone.
    assert not RelicCache.objects.exists() and alice_api.get("/api/relics/caches").json()["caches"] == []
    assert not any(museum.staging_root().glob("*/*"))


def test_uploads_are_checked_by_magic_traversal_and_size(alice_api: Client, settings: Any) -> None:
    bad = SimpleUploadedFile("js5-19.jcache", b"definitely not sqlite")
    response = alice_api.post("/api/relics/caches", {"files": [bad]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "bad_magic"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../config85.jag", b"x")
    evil = SimpleUploadedFile("evil.zip", buf.getvalue())
    response = alice_api.post("/api/relics/caches", {"files": [evil]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "path_traversal"
    settings.POG_RELIC_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("config85.jag", b"\x00" * (1024 * 1024 + 1))
    response = alice_api.post("/api/relics/caches", {"files": [big]})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_entries_are_filtered_server_side_and_paginated(alice_api: Client, cache_sha: str) -> None:
    url = f"/api/relics/caches/{cache_sha}/entries"
    body = alice_api.get(url, {"kind": "items", "per_page": "1"}).json()
    assert (body["count"], body["pages"], [e["name"] for e in body["entries"]]) == (2, 2, ["Iron Mace"])
    body = alice_api.get(url, {"kind": "items", "per_page": "1", "page": "2"}).json()
    assert [e["name"] for e in body["entries"]] == ["Coins"]
    body = alice_api.get(url, {"kind": "items", "q": "money"}).json()
    assert [e["key"] for e in body["entries"]] == ["1"]
    response = alice_api.get(url, {"kind": "dragons"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "kind"


def test_an_entry_shows_every_decoded_field(alice_api: Client, cache_sha: str) -> None:
    body = alice_api.get(f"/api/relics/caches/{cache_sha}/entries/npcs/0").json()
    assert body["name"] == "Man" and body["fields"]["hits"] == 7 and body["fields"]["command"] == "Talk-to"
    assert body["preview_url"].endswith("/entries/npcs/0/preview")
    missing = alice_api.get(f"/api/relics/caches/{cache_sha}/entries/npcs/9")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_entry"


def test_previews_are_served_with_their_type_and_an_etag(alice_api: Client, cache_sha: str) -> None:
    base = f"/api/relics/caches/{cache_sha}/entries"
    for path, mime in (
        ("items/0", "image/png"),
        ("models/tree2", "model/gltf-binary"),
        ("sounds/advance", "audio/wav"),
    ):
        response = alice_api.get(f"{base}/{path}/preview")
        assert response.status_code == 200 and response["Content-Type"] == mime
        cached = alice_api.get(f"{base}/{path}/preview", HTTP_IF_NONE_MATCH=response["ETag"])
        assert cached.status_code == 304
    response = alice_api.get(f"{base}/spells/0/preview")
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_preview"


def test_a_fork_belongs_to_the_requester_only(
    alice: User, alice_api: Client, bob_api: Client, cache_sha: str
) -> None:
    response = alice_api.post(
        f"/api/relics/caches/{cache_sha}/entries/items/0/fork",
        {"name": "mace.png"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    asset = response.json()
    assert asset["name"] == "mace.png" and asset["mime"] == "image/png" and asset["ledger_entry"]
    assert Asset.objects.get(pk=asset["id"]).owner == alice
    assert alice_api.get(f"/api/assets/{asset['id']}").status_code == 200
    assert bob_api.get(f"/api/assets/{asset['id']}").status_code == 404
    provenance = alice_api.get(f"/api/provenance/{asset['id']}")
    assert provenance.status_code == 200


def test_match_finds_the_same_name_in_the_other_era(alice_api: Client, cache_sha: str) -> None:
    parts = [SimpleUploadedFile(n, d) for n, d in synth.modern_files().items()]
    modern = settle(alice_api, alice_api.post("/api/relics/caches", {"files": parts})).json()["sha256"]
    body = alice_api.get("/api/relics/match", {"name": "Iron Mace", "era": "modern"}).json()
    assert [(m["cache"], m["kind"], m["key"]) for m in body["matches"]] == [(modern, "items", "1")]
    entry = alice_api.get(f"/api/relics/caches/{cache_sha}/entries/items/0").json()
    assert [m["era"] for m in entry["also_in"]] == ["modern"]
    assert alice_api.get("/api/relics/match", {"name": "x", "era": "future"}).status_code == 422


def test_registering_a_server_folder_is_for_staff(alice: User, tmp_path: Path, settings: Any) -> None:
    folder = tmp_path / "rsc"
    folder.mkdir()
    for name, data in synth.classic_files().items():
        (folder / name).write_bytes(data)
    settings.POG_RELIC_DIRS = [str(tmp_path)]
    client = token_client(alice)
    response = client.post(
        "/api/relics/caches/folder", {"path": str(folder)}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only"
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    response = client.post(
        "/api/relics/caches/folder", {"path": str(folder)}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["caches"][0]["created"] is True
    outside = client.post("/api/relics/caches/folder", {"path": "/etc"}, content_type="application/json")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "folder_not_allowed"

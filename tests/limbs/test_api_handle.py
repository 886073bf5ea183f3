"""POST /api/handle/{limb} and the generation/asset endpoints, in whichever mode runs."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from accounts.models import User
from limbs.models import CacheEntry
from tests.helpers.api import asset_bytes, counts, handle, post_handle
from tests.helpers.gltf import khronos_validate

pytestmark = pytest.mark.usefixtures("jobs_running")


def test_red_dragon_returns_one_png_whose_sha256_matches_its_content(alice_api: Client) -> None:
    response = post_handle(alice_api, "image", action="generate", intent="a red dragon", wait=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["provider"] == "procedural"
    assert body["cache"] == "miss"
    # No remote tier is configured here: each is skipped at zero cost, procedural answers.
    assert [(a["provider"], a["outcome"]) for a in body["attempts"]] == [
        ("cloudflare", "skipped"),
        ("gemini", "skipped"),
        ("procedural", "ok"),
    ]
    assert all(a["ms"] == 0 and a["detail"] == "not configured" for a in body["attempts"][:2])
    assert len(body["assets"]) == 1
    asset = body["assets"][0]
    assert asset["mime"] == "image/png"
    data = asset_bytes(alice_api, asset)
    assert hashlib.sha256(data).hexdigest() == asset["sha256"]
    assert len(data) == asset["bytes"]
    assert Image.open(io.BytesIO(data)).size == (512, 512)
    assert float(response["X-POG-Overhead-Ms"]) >= 0


def test_same_seed_returns_same_bytes_and_reports_a_cache_hit(alice_api: Client, bob_api: Client) -> None:
    first = handle(alice_api, "image", "generate", "a red dragon", seed=42)
    second = handle(alice_api, "image", "generate", "a red dragon", seed=42)
    assert (first["cache"], second["cache"]) == ("miss", "hit")
    assert first["assets"][0]["sha256"] == second["assets"][0]["sha256"]
    assert asset_bytes(alice_api, first["assets"][0]) == asset_bytes(alice_api, second["assets"][0])
    assert first["generation"] != second["generation"]
    # Bob's identical request hits the same memory but gets an asset of his own.
    third = handle(bob_api, "image", "generate", "a red dragon", seed=42)
    assert third["cache"] == "hit"
    assert third["assets"][0]["sha256"] == first["assets"][0]["sha256"]
    assert third["assets"][0]["id"] != first["assets"][0]["id"]
    assert CacheEntry.objects.count() == 1


def test_a_different_seed_gives_different_bytes(alice_api: Client) -> None:
    one = handle(alice_api, "image", "generate", "a castle", seed=1)
    two = handle(alice_api, "image", "generate", "a castle", seed=2)
    assert one["assets"][0]["sha256"] != two["assets"][0]["sha256"]


def test_sprite_is_a_transparent_png_of_the_requested_size(alice_api: Client) -> None:
    body = handle(alice_api, "image", "sprite", "green slime", seed=None, size=24)
    image = Image.open(io.BytesIO(asset_bytes(alice_api, body["assets"][0])))
    assert image.size == (24, 24)
    assert image.mode == "RGBA"
    assert image.getchannel("A").getpixel((0, 0)) == 0


def test_image_to_3d_turns_a_sprite_into_a_valid_glb_with_its_parent_linked(alice_api: Client) -> None:
    sprite = handle(alice_api, "image", "sprite", "blue robot", seed=3)
    image_id = sprite["assets"][0]["id"]
    body = handle(alice_api, "mesh", "image_to_3d", seed=None, image=image_id)
    glb = body["assets"][0]
    assert glb["mime"] == "model/gltf-binary"
    assert glb["parents"] == [image_id]
    report = khronos_validate(asset_bytes(alice_api, glb))
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"][:5]
    provenance = alice_api.get(f"/api/provenance/{glb['id']}").json()
    assert provenance["verification"]["verified"] is True
    assert provenance["entry"]["body"]["parents"] == [
        {"asset": image_id, "sha256": sprite["assets"][0]["sha256"]}
    ]


def test_without_wait_the_request_is_accepted_and_can_be_polled(alice_api: Client) -> None:
    response = post_handle(alice_api, "image", action="sprite", intent="a tiny ghost")
    assert response.status_code in (200, 202)
    generation_id = response.json()["generation"]
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = alice_api.get(f"/api/generations/{generation_id}").json()
        if body["status"] == "succeeded":
            break
        time.sleep(0.05)
    assert body["status"] == "succeeded"
    assert body["assets"][0]["mime"] == "image/png"


@pytest.mark.parametrize(
    ("limb", "body", "status", "field"),
    [
        ("dragonfly", {"action": "generate", "intent": "x"}, 404, "limb"),
        ("image", {"action": "paint_my_house", "intent": "x"}, 404, "action"),
        ("image", {"action": "sprite", "intent": "x", "params": {"size": 999}}, 422, "params.size"),
        ("image", {"action": "sprite", "intent": "x", "params": {"size": "big"}}, 422, "params.size"),
        ("image", {"action": "sprite", "intent": "x", "params": {"colour": "red"}}, 422, "params.colour"),
        ("image", {"action": "generate", "intent": "x", "params": {"style": "cubist"}}, 422, "params.style"),
        ("image", {"action": "generate", "intent": "x" * 2001}, 422, "intent"),
        ("image", {"action": "generate", "intent": ""}, 422, "intent"),
        ("image", {"action": "generate", "intent": "x", "tension": "extreme"}, 422, "tension"),
        ("image", {"action": "generate", "intent": "x", "seed": -1}, 422, "seed"),
        ("image", {"action": "generate", "intent": "x", "wait": "sometimes"}, 422, "wait"),
        ("mesh", {"action": "image_to_3d", "params": {}}, 422, "params.image"),
        ("mesh", {"action": "image_to_3d", "params": {"image": "not-a-uuid"}}, 422, "params.image"),
        ("code", {"action": "generate", "intent": "a snake game"}, 501, "action"),
    ],
)
def test_bad_requests_are_refused_naming_the_field_and_store_nothing(
    alice_api: Client, limb: str, body: dict[str, Any], status: int, field: str
) -> None:
    response = post_handle(alice_api, limb, **body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"]
    assert counts() == (0, 0, 0)


def test_an_oversized_body_is_refused_and_stores_nothing(alice_api: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post_handle(alice_api, "image", action="generate", intent="y" * 20_000)
    assert response.status_code in (413, 422)
    assert "error" in response.json()
    assert counts() == (0, 0, 0)


def test_someone_elses_image_cannot_be_used_or_seen(alice_api: Client, bob_api: Client) -> None:
    made = handle(alice_api, "image", "sprite", "a red dragon", seed=None)
    asset = made["assets"][0]
    refused = post_handle(bob_api, "mesh", action="image_to_3d", params={"image": asset["id"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "params.image"
    assert bob_api.get(f"/api/assets/{asset['id']}").status_code == 404
    assert bob_api.get(asset["url"]).status_code == 404
    assert bob_api.get(f"/api/generations/{made['generation']}").status_code == 404
    assert bob_api.get(f"/api/provenance/{asset['id']}").status_code == 404
    assert bob_api.get("/api/assets").json()["total"] == 0


def test_a_non_image_asset_is_refused_as_the_image_parameter(alice_api: Client) -> None:
    sprite = handle(alice_api, "image", "sprite", "a bat", seed=None)
    glb = handle(alice_api, "mesh", "image_to_3d", seed=None, image=sprite["assets"][0]["id"])
    glb_id = glb["assets"][0]["id"]
    response = post_handle(alice_api, "mesh", action="image_to_3d", params={"image": glb_id})
    assert response.status_code == 422
    assert "image/" in response.json()["error"]["message"]


def test_assets_list_shows_only_your_own(alice_api: Client, alice: User) -> None:
    handle(alice_api, "image", "sprite", "a bat", seed=None)
    listing = alice_api.get("/api/assets").json()
    assert listing["total"] == 1
    assert listing["assets"][0]["kind"] == "image"

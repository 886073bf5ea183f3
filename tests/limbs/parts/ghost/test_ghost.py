"""The ghost limb through the API: stabilising, explaining and refusing bad references."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from limbs.models import CacheEntry, Generation
from tests.helpers.api import handle, json_output, post_handle


@pytest.mark.usefixtures("jobs_running")
def test_the_ghost_through_the_api_stabilizes_and_explains(alice_api: Client) -> None:
    made = handle(alice_api, "ghost", "stabilize", "a castle", seed=None, target="image.generate")
    assert made["assets"][0]["mime"] == "image/png"
    body = handle(alice_api, "ghost", "introspect", seed=None, generation=made["generation"])
    assert body["cache"] == "miss"
    # A report on live state is never remembered.
    assert not CacheEntry.objects.filter(limb="ghost", action="introspect").exists()
    report = json_output(alice_api, body)
    assert report["generation"] == made["generation"]
    assert report["answered_by"] == "procedural"


@pytest.mark.usefixtures("jobs_running")
@pytest.mark.parametrize(
    ("action", "params", "field"),
    [
        ("stabilize", {"target": "mesh.image_to_3d"}, "params.target"),
        ("stabilize", {"target": "what.ever"}, "params.target"),
        ("introspect", {"generation": "not-an-id"}, "params.generation"),
        ("introspect", {"generation": "8c0e4f4e-9a35-4b7a-9d63-2d1c2b8f0e11"}, "params.generation"),
        ("introspect", {}, "params.generation"),
    ],
)
def test_the_ghost_refuses_bad_references_and_stores_nothing(
    alice_api: Client, action: str, params: dict[str, Any], field: str
) -> None:
    response = post_handle(alice_api, "ghost", action=action, intent="x", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not Generation.objects.exists()


@pytest.mark.usefixtures("jobs_running")
def test_nobody_can_introspect_someone_elses_request(alice_api: Client, bob_api: Client) -> None:
    made = handle(alice_api, "image", "sprite", "a bat", seed=None)
    response = post_handle(bob_api, "ghost", action="introspect", params={"generation": made["generation"]})
    assert response.status_code == 422
    assert Generation.objects.filter(owner__username="bob").count() == 0

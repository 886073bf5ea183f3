from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_limbs_lists_27_limbs_in_4_categories_with_health() -> None:
    body = Client().get("/api/limbs").json()
    assert len(body["limbs"]) == 27
    assert [c["id"] for c in body["categories"]] == ["creative", "spatial", "technical", "metaphysical"]
    counts = {
        c["id"]: sum(1 for limb in body["limbs"] if limb["category"] == c["id"]) for c in body["categories"]
    }
    assert counts == {"creative": 8, "spatial": 6, "technical": 9, "metaphysical": 4}
    image = next(limb for limb in body["limbs"] if limb["id"] == "image")
    assert image["health"]["status"] == "ok"
    assert {p["name"] for p in image["actions"][0]["params"]} >= {"width", "height"}
    assert float(Client().get("/api/limbs")["X-POG-Overhead-Ms"]) >= 0
    code = next(limb for limb in body["limbs"] if limb["id"] == "code")
    assert code["health"]["status"] == "not_built"
    assert not code["built"]


@pytest.mark.django_db
def test_one_limb_and_an_unknown_limb() -> None:
    assert Client().get("/api/limbs/mesh").json()["id"] == "mesh"
    response = Client().get("/api/limbs/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_the_openapi_schema_is_served() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/handle/{limb_id}" in schema["paths"]


@pytest.mark.django_db
def test_the_rendered_registry_follows_the_limbs_health(monkeypatch: pytest.MonkeyPatch) -> None:
    """The list and each limb are rendered once per health state, never served stale."""
    from limbs import api, health

    first = Client().get("/api/limbs")
    assert Client().get("/api/limbs").content == first.content
    assert first["Content-Type"] == "application/json; charset=utf-8"

    real = health.limb_health

    def image_down(only: str | None = None) -> dict[str, dict[str, object]]:
        states = real(only)
        if "image" in states:
            states["image"] = {"status": "down", "label": "Not available", "tiers": []}
        return states

    monkeypatch.setattr(api, "limb_health", image_down)
    listed = Client().get("/api/limbs").json()
    assert next(limb for limb in listed["limbs"] if limb["id"] == "image")["health"]["status"] == "down"
    assert Client().get("/api/limbs/image").json()["health"]["status"] == "down"
    monkeypatch.setattr(api, "limb_health", real)
    assert Client().get("/api/limbs").content == first.content
    assert Client().get("/api/limbs/image").json()["health"]["status"] == "ok"

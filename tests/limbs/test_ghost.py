"""The ghost limb: answering with the studio's own generators, and explaining fallbacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from limbs.generators import ghost
from limbs.models import CacheEntry, Generation
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest


def handle(client: Client, limb: str, **body: Any) -> Any:
    return client.post(f"/api/handle/{limb}", data=json.dumps(body), content_type="application/json")


def test_stabilize_answers_another_action_with_its_procedural_generator() -> None:
    result = ghost.stabilize(
        GenRequest("a green frog", {"target": "image.sprite", "budget_ms": 500}, seed=4, studio=REGISTRY)
    )
    assert result.outputs[0].mime == "image/png"
    assert result.meta["target"] == "image.sprite"
    again = ghost.stabilize(
        GenRequest("a green frog", {"target": "image.sprite", "budget_ms": 500}, seed=4, studio=REGISTRY)
    )
    assert again.outputs[0].data == result.outputs[0].data


@pytest.mark.parametrize(
    "target", ["mesh.image_to_3d", "nope.thing", "code.generate", "ghost.introspect", "image"]
)
def test_stabilize_refuses_targets_it_cannot_answer_from_words(target: str) -> None:
    with pytest.raises(GeneratorInputError) as caught:
        ghost.stabilize_target(target, REGISTRY)
    assert caught.value.field == "target"


def _record(**extra: Any) -> bytes:
    base = {"generation": "g1", "limb": "image", "action": "generate", "status": "succeeded", "cache": "miss"}
    return json.dumps(base | extra).encode()


def test_introspect_explains_a_fallback_in_plain_words() -> None:
    attempts = [
        {
            "provider": "cloudflare",
            "model": "m",
            "outcome": "error",
            "ms": 3,
            "detail": "quota_exhausted: 4006",
        },
        {"provider": "gemini", "model": "g", "outcome": "skipped", "ms": 0, "detail": "breaker open"},
        {"provider": "procedural", "model": "p", "outcome": "ok", "ms": 90, "detail": ""},
    ]
    request = GenRequest("", {}, 1, inputs={"generation": _record(provider="procedural", attempts=attempts)})
    report = json.loads(ghost.introspect(request).outputs[0].data)
    assert report["fell_back"] is True
    assert "free allowance" in report["summary"]
    assert "resting" in report["summary"]
    assert report["steps"][2]["explanation"].endswith("made it.")


def test_introspect_says_when_nothing_fell_back() -> None:
    attempts = [{"provider": "cloudflare", "model": "m", "outcome": "ok", "ms": 900, "detail": ""}]
    request = GenRequest("", {}, 1, inputs={"generation": _record(provider="cloudflare", attempts=attempts)})
    report = json.loads(ghost.introspect(request).outputs[0].data)
    assert report["fell_back"] is False
    assert "Cloudflare made it" in report["summary"]


@pytest.mark.usefixtures("jobs_running")
def test_the_ghost_through_the_api_stabilizes_and_explains(alice_api: Client) -> None:
    made = handle(
        alice_api,
        "ghost",
        action="stabilize",
        intent="a castle",
        params={"target": "image.generate"},
        wait=True,
    ).json()
    assert made["status"] == "succeeded", made
    assert made["assets"][0]["mime"] == "image/png"
    why = handle(
        alice_api, "ghost", action="introspect", params={"generation": made["generation"]}, wait=True
    )
    body = why.json()
    assert body["status"] == "succeeded", body
    assert body["cache"] == "miss"
    # A report on live state is never remembered.
    assert not CacheEntry.objects.filter(limb="ghost", action="introspect").exists()
    report = json.loads(alice_api.get(body["assets"][0]["url"]).content)
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
    response = handle(alice_api, "ghost", action=action, intent="x", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not Generation.objects.exists()


@pytest.mark.usefixtures("jobs_running")
def test_nobody_can_introspect_someone_elses_request(alice_api: Client, bob_api: Client) -> None:
    made = handle(alice_api, "image", action="sprite", intent="a bat", wait=True).json()
    response = handle(bob_api, "ghost", action="introspect", params={"generation": made["generation"]})
    assert response.status_code == 422
    assert Generation.objects.filter(owner__username="bob").count() == 0

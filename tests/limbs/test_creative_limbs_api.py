"""Issue #4 acceptance through the API: every action of the eight creative limbs answers
``wait=true`` with no provider configured, and out-of-range values get 422 naming the
field with nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import Tier, User
from limbs.formats import validate_output, validate_outputs
from limbs.models import Asset, Generation
from limbs.registry import REGISTRY
from provenance.models import LedgerEntry

pytestmark = pytest.mark.usefixtures("jobs_running")

CREATIVE = [
    (limb.id, action.id) for limb in REGISTRY.limbs if limb.category == "creative" for action in limb.actions
]


def handle(client: Client, limb: str, **body: Any) -> Any:
    return client.post(f"/api/handle/{limb}", data=json.dumps(body), content_type="application/json")


def make(client: Client, limb: str, action: str, intent: str = "", /, **params: Any) -> dict[str, Any]:
    response = handle(client, limb, action=action, intent=intent, params=params, seed=11, wait=True)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert body["status"] == "succeeded", body
    return body


def main_asset(body: dict[str, Any], mime_prefix: str = "") -> str:
    for asset in body["assets"]:
        if asset["mime"].startswith(mime_prefix):
            return str(asset["id"])
    raise AssertionError(f"no {mime_prefix} output in {body['assets']}")


@pytest.fixture
def roomy(alice: User, roomy_tier: Tier) -> User:
    # Dozens of requests in a minute: more than the free tier allows, on purpose.
    alice.tier = roomy_tier
    alice.save()
    return alice


@pytest.fixture
def inputs(roomy: User, alice_api: Client) -> dict[str, str]:
    sprite = make(alice_api, "image", "sprite", "a green frog", size=32)
    other = make(alice_api, "image", "sprite", "a blue bird", size=32)
    gif = make(alice_api, "video", "animate", "", image=main_asset(sprite), frames=6)
    wav = make(alice_api, "audio", "sfx", "a coin")
    entity = make(alice_api, "entity", "archetype", "a fire boss")
    return {
        "png": main_asset(sprite, "image/png"),
        "png2": main_asset(other, "image/png"),
        "gif": main_asset(gif, "image/gif"),
        "wav": main_asset(wav, "audio/"),
        "json": main_asset(entity, "application/json"),
    }


ASSET_ARGS = {
    ("image", "palette"): {"image": "png"},
    ("image", "remove_background"): {"image": "png"},
    ("image", "upscale"): {"image": "png"},
    ("image", "variation"): {"image": "png"},
    ("video", "animate"): {"image": "png"},
    ("video", "sprite_sheet"): {"frames": "gif"},
    ("video", "extract_frames"): {"animation": "gif"},
    ("audio", "analyze"): {"sound": "wav"},
    ("animation", "walk_cycle"): {"sprite": "png"},
    ("quantum", "entangle"): {"first": "png", "second": "png2"},
    ("entity", "balance"): {"entities": "json"},
}
# Keep the slowest defaults small so the suite stays quick; defaults are benchmarked in bench/limbs.py.
SMALL: dict[tuple[str, str], dict[str, Any]] = {
    ("image", "generate"): {"width": 128, "height": 128},
    ("quantum", "variants"): {"target": "image", "action": "sprite", "count": 2},
    ("audio", "music"): {"bars": 4},
}


@pytest.mark.parametrize(("limb", "action"), CREATIVE, ids=[f"{limb}.{action}" for limb, action in CREATIVE])
def test_every_creative_action_answers_with_no_provider_configured(
    alice_api: Client, inputs: dict[str, str], limb: str, action: str
) -> None:
    spec = REGISTRY.get(limb).action(action)  # type: ignore[union-attr]
    assert spec is not None and spec.built
    params: dict[str, Any] = {name: inputs[key] for name, key in ASSET_ARGS.get((limb, action), {}).items()}
    params.update(SMALL.get((limb, action), {}))
    intent = "a spooky cave full of glowing crystals" if spec.needs_intent else ""
    body = make(alice_api, limb, action, intent, **params)
    assert body["provider"] == "procedural"
    assert body["assets"], body
    outputs = []
    for asset in body["assets"]:
        data = alice_api.get(asset["url"]).content
        assert len(data) == asset["bytes"]
        validate_output(asset["mime"], data)
        outputs.append(_Output(data, asset["mime"], asset["name"], _role(asset)))
    validate_outputs(outputs, spec.check)


class _Output:
    def __init__(self, data: bytes, mime: str, name: str, role: str) -> None:
        self.data, self.mime, self.name, self.role = data, mime, name, role


def _role(asset: dict[str, Any]) -> str:
    return str(asset.get("role") or "main")


def _out_of_range(limb: str, action: str) -> tuple[str, Any]:
    spec = REGISTRY.get(limb).action(action)  # type: ignore[union-attr]
    assert spec is not None
    for p in spec.params:
        if p.type in ("integer", "number") and p.maximum is not None:
            return p.name, p.maximum + (1 if p.type == "integer" else 0.5)
    for p in spec.params:
        if p.type == "choice":
            return p.name, "not-a-choice"
    raise AssertionError(f"{limb}.{action} has no bounded parameter")


@pytest.mark.parametrize(("limb", "action"), CREATIVE, ids=[f"{limb}.{action}" for limb, action in CREATIVE])
def test_an_out_of_range_parameter_gets_422_naming_it_and_stores_nothing(
    alice_api: Client, inputs: dict[str, str], limb: str, action: str
) -> None:
    name, value = _out_of_range(limb, action)
    # Every other parameter valid (required files given), so the one fault is the one named.
    params: dict[str, Any] = {n: inputs[key] for n, key in ASSET_ARGS.get((limb, action), {}).items()}
    params[name] = value
    before = (Generation.objects.count(), Asset.objects.count(), LedgerEntry.objects.count())
    response = handle(alice_api, limb, action=action, intent="a dragon", params=params, wait=True)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == f"params.{name}"
    assert (Generation.objects.count(), Asset.objects.count(), LedgerEntry.objects.count()) == before

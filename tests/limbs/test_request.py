"""limbs.request: what a request must pass before anything is stored."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from limbs import request as limbs_request
from limbs.models import Generation
from limbs.registry import get_limb
from limbs.spec import LimbSpec
from tests.helpers.api import token_client


@pytest.fixture
def staff_only_sprites(monkeypatch: pytest.MonkeyPatch) -> None:
    """image.sprite declared staff-only (no built action is, yet)."""
    image = get_limb("image")
    assert image is not None
    actions = tuple(dataclasses.replace(a, staff_only=a.id == "sprite") for a in image.actions)
    patched = dataclasses.replace(image, actions=actions)

    def lookup(limb_id: str) -> LimbSpec | None:
        return patched if limb_id == "image" else get_limb(limb_id)

    monkeypatch.setattr(limbs_request, "get_limb", lookup)


def _sprite(client: Client) -> Any:
    body = {"action": "sprite", "intent": "a frog", "params": {"size": 16}, "wait": True}
    return client.post("/api/handle/image", body, content_type="application/json")


@pytest.mark.usefixtures("jobs_running", "staff_only_sprites")
def test_a_staff_only_action_refuses_everyone_else_and_stores_nothing(alice_api: Client) -> None:
    response = _sprite(alice_api)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_only"
    assert response.json()["error"]["field"] == "action"
    assert not Generation.objects.exists()


@pytest.mark.usefixtures("jobs_running", "staff_only_sprites")
def test_staff_may_run_a_staff_only_action(alice: User) -> None:
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    response = _sprite(token_client(alice))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "succeeded"
